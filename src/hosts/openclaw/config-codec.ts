import * as t from "io-ts";

/**
 * Codecs for OpenClaw's own files. Only the keys plugdeps reads are declared; everything else in
 * the operator's config is allowed and ignored (io-ts `type`/`partial` are not exact).
 */

export const PluginEntryConfig = t.partial({ enabled: t.boolean }, "PluginEntryConfig");

export const PluginsConfig = t.partial(
  {
    enabled: t.boolean,
    allow: t.array(t.string),
    deny: t.array(t.string),
    entries: t.record(t.string, PluginEntryConfig),
  },
  "PluginsConfig",
);

/**
 * `plugins.slots`: the plugin that fills the memory slot (OpenClaw's default is `memory-core`;
 * `"none"` empties it) and the context-engine slot.
 */
export const PluginSlots = t.partial(
  { memory: t.union([t.string, t.null]), contextEngine: t.union([t.string, t.null]) },
  "PluginSlots",
);

export const OpenClawPluginsConfig = t.intersection(
  [PluginsConfig, t.partial({ slots: PluginSlots })],
  "OpenClawPluginsConfig",
);

export const ChannelConfig = t.partial({ enabled: t.boolean }, "ChannelConfig");

/** A model setting: `"provider/model"` or `{ primary: "provider/model", fallbacks: [...] }`. */
export const ModelRef = t.union(
  [t.string, t.partial({ primary: t.string, fallbacks: t.array(t.string) })],
  "ModelRef",
);

const MemorySearch = t.partial({ enabled: t.boolean, provider: t.string }, "MemorySearch");

/** One agent's settings as plugin selection reads them (defaults and `agents.list[]` alike). */
const AgentModels = t.partial({
  model: ModelRef,
  imageModel: ModelRef,
  imageGenerationModel: ModelRef,
  videoGenerationModel: ModelRef,
  musicGenerationModel: ModelRef,
  pdfModel: ModelRef,
  subagents: t.partial({ model: ModelRef }),
  models: t.UnknownRecord,
  memorySearch: MemorySearch,
  /** `{ id: "codex" }`: the agent harness runtime; the gateway starts the plugin that provides it. */
  agentRuntime: t.partial({ id: t.string }),
  /** The same before 2026.4.29: `{ runtime: "codex" }`. */
  embeddedHarness: t.partial({ runtime: t.string }),
});

/**
 * The OpenClaw config as far as its plugin selection reads it (hosts/openclaw/selection/): the
 * keys are typed as OpenClaw's own schema types them, so a wrong type is reported with its key
 * path (SPEC §4.12); everything else in the config is allowed and ignored.
 */
export const OpenClawConfig = t.partial(
  {
    plugins: OpenClawPluginsConfig,
    channels: t.record(t.string, ChannelConfig),
    models: t.partial({ providers: t.UnknownRecord }),
    auth: t.partial({
      profiles: t.record(t.string, t.partial({ provider: t.string })),
      order: t.UnknownRecord,
    }),
    agents: t.partial({ defaults: AgentModels, list: t.array(AgentModels) }),
  },
  "OpenClawConfig",
);
export type OpenClawConfig = t.TypeOf<typeof OpenClawConfig>;

/**
 * `dist/extensions/<id>/openclaw.plugin.json`. Every key is optional: OpenClaw reads a missing
 * manifest as an empty one, and its `id` may differ from the directory (kimi-coding's is `kimi`).
 */
export const OpenClawPluginManifest = t.partial(
  {
    id: t.string,
    channels: t.array(t.string),
    providers: t.array(t.string),
    enabledByDefault: t.boolean,
    legacyPluginIds: t.array(t.string),
    /** CLI backends it provides (`claude-cli`): a model ref `claude-cli/...` names this plugin too. */
    cliBackends: t.array(t.string),
    /** Bare model ids this plugin owns (2026.4.29+): regular expressions, then prefixes. */
    modelSupport: t.partial({ modelPatterns: t.array(t.string), modelPrefixes: t.array(t.string) }),
    /** 2026.4.29+: `localMemoryEmbedding: ["name@version"]`, staged when memorySearch uses `local`. */
    runtimeDependencies: t.partial({ localMemoryEmbedding: t.array(t.string) }),
    /**
     * 2026.4.29+: when the gateway starts the plugin. `onStartup: true` always; `onConfigPaths` when
     * one of those config paths is set; `onAgentHarnesses` when an agent runtime names one.
     */
    activation: t.partial({
      onStartup: t.boolean,
      onConfigPaths: t.array(t.string),
      onAgentHarnesses: t.array(t.string),
    }),
  },
  "OpenClawPluginManifest",
);
export type OpenClawPluginManifest = t.TypeOf<typeof OpenClawPluginManifest>;
