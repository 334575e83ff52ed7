/**
 * The configs of the OpenClaw conformance suite (test/host/conformance.test.ts): raw `openclaw.json`
 * objects as an operator writes them, each run through plugdeps' plan and through OpenClaw's own
 * selection code (test/host/oracle/select.mjs) for every pinned version.
 *
 * Plugin ids are real ones from the published packages' dist/extensions/<dir>/openclaw.plugin.json
 * (2026.4.20 - 2026.4.30-beta.1). A case does not say what should be selected: the oracle does.
 * `source` names the OpenClaw test a case was translated from (its synthetic plugins mapped to real
 * ones: "alpha" = acpx, enabledByDefault with no providers; "telegram" = telegram; "browser" = the
 * id OpenClaw's tests put in a restrictive allowlist; "bedrock" = amazon-bedrock), or the class of
 * issue 12's table it covers.
 */
export interface HostCase {
  readonly name: string;
  readonly config: Record<string, unknown>;
  readonly source?: string;
}

const BRT = "src/plugins/bundled-runtime-deps.test.ts";
const DOC = "src/commands/doctor-bundled-plugin-runtime-deps.test.ts";

export const CASES: readonly HostCase[] = [
  // ---------------------------------------------------------------------------------------------
  // Empty and global switches
  { name: "empty config", config: {} },
  { name: "plugins.enabled true only", config: { plugins: { enabled: true } } },
  { name: "plugins.enabled false", config: { plugins: { enabled: false } } },
  {
    name: "plugins.enabled false with a channel enabled",
    source: `${BRT}: lets the plugin master toggle suppress explicit bundled channel enablement`,
    config: { plugins: { enabled: false }, channels: { telegram: { enabled: true } } },
  },

  // ---------------------------------------------------------------------------------------------
  // Channels
  {
    name: "channel configured without enabled (telegram botToken)",
    source: `${BRT}: includes configured channels during recovery without restrictive allowlists`,
    config: { channels: { telegram: { botToken: "123:abc" } } },
  },
  { name: "channel enabled true (telegram)", config: { channels: { telegram: { enabled: true } } } },
  {
    name: "channel enabled false with credentials (telegram)",
    source: `${BRT}: lets explicit channel disable override recovery`,
    config: { channels: { telegram: { botToken: "123:abc", enabled: false } } },
  },
  {
    name: "channel enabled true (discord) among unconfigured channels",
    source: `${DOC}: limits configured scans to enabled bundled channel plugins`,
    config: { plugins: { enabled: true }, channels: { discord: { enabled: true } } },
  },
  {
    name: "several channels configured without enabled",
    config: {
      channels: {
        slack: { botToken: "xoxb-1", appToken: "xapp-1" },
        discord: { token: "d" },
        whatsapp: {},
        matrix: { homeserver: "https://m.example", accessToken: "t" },
      },
    },
  },
  {
    name: "mixed channel states",
    config: {
      channels: {
        telegram: { enabled: true, botToken: "1:a" },
        slack: { enabled: false, botToken: "xoxb" },
        msteams: { appId: "x" },
      },
    },
  },
  {
    name: "channel configured as an empty object",
    config: { channels: { telegram: {}, line: {} } },
  },
  {
    name: "default-enabled channel plugin disabled by its channel (qqbot)",
    source: `${DOC}: lets channel disablement suppress default-enabled bundled channel deps`,
    config: { channels: { qqbot: { enabled: false } } },
  },
  {
    name: "feishu enabled from source config",
    source: `${DOC}: repairs Feishu runtime deps from preserved source config`,
    config: { plugins: { enabled: true }, channels: { feishu: { enabled: true } } },
  },
  {
    name: "channel with uppercase key",
    config: { channels: { Telegram: { botToken: "x" } } },
  },

  // ---------------------------------------------------------------------------------------------
  // plugins.deny / plugins.entries
  {
    name: "deny a default-enabled plugin",
    source: `${BRT}: lets deny override default-enabled bundled plugins`,
    config: { plugins: { deny: ["acpx"] } },
  },
  {
    name: "deny overrides an enabled channel",
    source: `${BRT}: lets plugin deny override explicit bundled channel enablement`,
    config: { plugins: { deny: ["telegram"] }, channels: { telegram: { enabled: true } } },
  },
  {
    name: "entry disabled overrides default-enabled",
    source: `${BRT}: lets disabled entries override default-enabled bundled plugins`,
    config: { plugins: { entries: { acpx: { enabled: false } } } },
  },
  {
    name: "entry disabled overrides an enabled channel",
    source: `${BRT}: lets plugin entry disablement override explicit bundled channel enablement`,
    config: {
      plugins: { entries: { telegram: { enabled: false } } },
      channels: { telegram: { enabled: true } },
    },
  },
  {
    name: "entry disabled overrides a configured channel",
    source: `${DOC}: does not include configured bundled channel deps when the plugin entry is disabled`,
    config: {
      plugins: { enabled: true, entries: { telegram: { enabled: false } } },
      channels: { telegram: { botToken: "123:abc" } },
    },
  },
  {
    name: "entry disabled owner with an enabled channel (discord)",
    source: `${DOC}: does not repair configured channel deps when the owner plugin is disabled`,
    config: {
      plugins: { enabled: true, entries: { discord: { enabled: false } } },
      channels: { discord: { enabled: true, token: "disabled-plugin-entry-token" } },
    },
  },
  {
    name: "entries enable plugins that are off by default",
    config: {
      plugins: {
        entries: {
          "diagnostics-otel": { enabled: true },
          lobster: { enabled: true },
          "voice-call": { enabled: true },
          tavily: { enabled: true },
        },
      },
    },
  },
  {
    name: "entry without enabled flag",
    config: { plugins: { entries: { "diagnostics-otel": { config: {} }, brave: {} } } },
  },
  {
    name: "entry enables a plugin dir without a manifest (media-understanding-core)",
    config: { plugins: { entries: { "media-understanding-core": { enabled: true } } } },
  },
  {
    name: "deny and entries with mixed case and spaces",
    config: { plugins: { deny: [" ACPX "], entries: { " Lobster ": { enabled: true } } } },
  },

  // ---------------------------------------------------------------------------------------------
  // plugins.allow
  {
    name: "allow excludes default-enabled plugins",
    source: `${BRT}: keeps default-enabled bundled plugins behind restrictive allowlists`,
    config: { plugins: { allow: ["browser"] } },
  },
  {
    name: "allow lists a default-enabled plugin",
    config: { plugins: { allow: ["acpx"] } },
  },
  {
    name: "allow does not let an entry bypass it",
    source: `${BRT}: does not let explicit plugin entries bypass restrictive allowlists`,
    config: { plugins: { allow: ["browser"], entries: { acpx: { enabled: true } } } },
  },
  {
    name: "allow with an enabled channel outside it",
    source: `${BRT}: lets explicit bundled channel enablement bypass restrictive allowlists`,
    config: { plugins: { allow: ["browser"] }, channels: { telegram: { enabled: true } } },
  },
  {
    name: "allow with a configured channel outside it",
    source: `${BRT}: keeps channel recovery behind restrictive allowlists`,
    config: { plugins: { allow: ["browser"] }, channels: { telegram: { botToken: "123:abc" } } },
  },
  {
    name: "allow with a configured channel inside it",
    config: { plugins: { allow: ["telegram"] }, channels: { telegram: { botToken: "123:abc" } } },
  },
  {
    name: "allow with the memory slot outside it",
    source: `${BRT}: includes selected memory slot bundled plugins behind restrictive allowlists`,
    config: { plugins: { allow: ["browser"], slots: { memory: "memory-lancedb" } } },
  },
  {
    name: "allow and entry for a provider plugin (bedrock)",
    source: `${DOC}: reports explicitly enabled provider deps`,
    config: {
      plugins: { enabled: true, allow: ["amazon-bedrock"], entries: { "amazon-bedrock": { enabled: true } } },
    },
  },
  {
    name: "allow excludes default-enabled openai",
    source: `${DOC}: does not report allowlist-excluded default-enabled bundled plugin deps`,
    config: {
      plugins: { enabled: true, allow: ["browser"] },
      agents: { defaults: { model: "openai/gpt-5" } },
    },
  },
  { name: "allow empty list", config: { plugins: { allow: [] } } },

  // ---------------------------------------------------------------------------------------------
  // Plugin id normalization: legacy ids, aliases, manifest id != directory
  {
    name: "legacy plugin id in entries (minimax-portal-auth)",
    config: { plugins: { entries: { "minimax-portal-auth": { enabled: true } } } },
  },
  {
    name: "legacy plugin id in allow (minimax-portal-auth)",
    config: { plugins: { allow: ["minimax-portal-auth"] } },
  },
  {
    name: "alias plugin id in allow (openai-codex, google-gemini-cli)",
    config: { plugins: { allow: ["openai-codex", "google-gemini-cli"] } },
  },
  {
    name: "alias plugin id in deny (openai-codex)",
    config: { plugins: { deny: ["openai-codex"] }, agents: { defaults: { model: "openai/gpt-5" } } },
  },
  {
    name: "manifest id differing from its directory: entries.kimi",
    config: { plugins: { entries: { kimi: { enabled: true } } } },
  },
  {
    name: "manifest id differing from its directory: entries.kimi-coding",
    config: { plugins: { entries: { "kimi-coding": { enabled: true } } } },
  },
  {
    name: "manifest id differing from its directory: deny kimi",
    config: { plugins: { deny: ["kimi"] } },
  },
  {
    name: "manifest id differing from its directory: allow kimi with a kimi model",
    config: { plugins: { allow: ["kimi"] }, agents: { defaults: { model: "kimi-coding/k2p5" } } },
  },
  {
    name: "provider id used as plugin id in entries (google-vertex)",
    config: { plugins: { entries: { "google-vertex": { enabled: true } } } },
  },

  // ---------------------------------------------------------------------------------------------
  // Provider references (SPEC §5: every place) and provider id normalization
  {
    name: "model primary string (anthropic-vertex)",
    source: `${DOC}: repairs configured provider deps`,
    config: {
      plugins: { enabled: true },
      agents: { defaults: { model: "anthropic-vertex/claude-sonnet-4-6" } },
    },
  },
  {
    name: "provider aliases aws-bedrock key and bedrock subagent model",
    source: `${DOC}: repairs configured provider deps from provider aliases and subagent defaults`,
    config: {
      plugins: { enabled: true },
      models: { providers: { "aws-bedrock": { baseUrl: "", auth: "aws-sdk", models: [] } } },
      agents: { defaults: { subagents: { model: "bedrock/claude-sonnet-4-6" } } },
    },
  },
  {
    name: "models.providers key",
    config: { models: { providers: { google: { baseUrl: "https://g.example", models: [] } } } },
  },
  {
    name: "auth.order key",
    config: { auth: { order: { xai: ["xai:default"] } } },
  },
  {
    name: "auth.profiles provider",
    config: { auth: { profiles: { "work:ollama": { provider: "ollama", mode: "api_key" } } } },
  },
  {
    name: "model object primary and fallbacks",
    config: {
      agents: {
        defaults: {
          model: { primary: "anthropic/claude-opus-4-6", fallbacks: ["fireworks/llama", "lmstudio/qwen"] },
        },
      },
    },
  },
  {
    name: "imageModel, imageGenerationModel, videoGenerationModel",
    config: {
      agents: {
        defaults: {
          imageModel: "google/gemini-3-pro",
          imageGenerationModel: { primary: "xai/grok-image" },
          videoGenerationModel: { primary: "fireworks/video", fallbacks: ["github-copilot/gpt-4o"] },
        },
      },
    },
  },
  {
    name: "musicGenerationModel and pdfModel",
    config: {
      agents: { defaults: { musicGenerationModel: "ollama/music", pdfModel: { primary: "lmstudio/pdf" } } },
    },
  },
  {
    name: "keys of agents.defaults.models",
    config: {
      agents: { defaults: { models: { "amazon-bedrock/claude": {}, "openai/gpt-5": { alias: "g" } } } },
    },
  },
  {
    name: "agents.list model and subagents.model",
    config: {
      agents: {
        list: [
          { id: "a", model: "xai/grok-4" },
          { id: "b", model: { primary: "ollama/llama3", fallbacks: ["amazon-bedrock-mantle/x"] } },
          { id: "c", subagents: { model: "anthropic-vertex/claude" } },
        ],
      },
    },
  },
  {
    name: "provider id normalization (bedrock, z.ai, kimi-code, google-gemini-cli)",
    config: {
      agents: {
        defaults: {
          model: {
            primary: "bedrock/anthropic.claude",
            fallbacks: ["z.ai/glm-5", "kimi-code/k2", "google-gemini-cli/gemini-3"],
          },
        },
      },
    },
  },
  {
    name: "provider aliases openai-codex and minimax-portal",
    config: {
      agents: { defaults: { model: { primary: "openai-codex/gpt-5.4", fallbacks: ["minimax-portal/M2"] } } },
    },
  },
  {
    name: "provider reference with mixed case and spaces",
    config: { agents: { defaults: { model: "  Amazon-Bedrock/claude  " } } },
  },
  {
    name: "model reference with an auth profile suffix",
    config: {
      agents: {
        defaults: { model: { primary: "xai/grok-4@work", fallbacks: ["claude-opus-4-6@personal"] } },
      },
    },
  },
  {
    name: "model reference with a date-like suffix",
    config: { agents: { defaults: { model: "anthropic/claude-3-5-sonnet@20241022" } } },
  },
  {
    name: "provider referenced but plugin entry disabled",
    config: {
      plugins: { entries: { "amazon-bedrock": { enabled: false } } },
      agents: { defaults: { model: "amazon-bedrock/claude" } },
    },
  },
  {
    name: "provider referenced but plugin denied",
    config: { plugins: { deny: ["google"] }, agents: { defaults: { model: "google/gemini-3" } } },
  },
  {
    name: "provider referenced outside the allowlist",
    config: { plugins: { allow: ["telegram"] }, agents: { defaults: { model: "xai/grok-4" } } },
  },
  {
    name: "persisted credentials alone (auth profile without provider)",
    config: { auth: { profiles: { "anthropic:default": { mode: "api_key" } } } },
  },

  // ---------------------------------------------------------------------------------------------
  // Bare model ids owned through manifest modelSupport
  {
    name: "bare model id owned by one plugin (claude-)",
    config: { agents: { defaults: { model: "claude-opus-4-6" } } },
  },
  {
    name: "bare model ids owned by openai prefixes",
    config: { agents: { defaults: { model: { primary: "gpt-5.4", fallbacks: ["o3-mini", "o4-mini"] } } } },
  },
  {
    name: "bare model id nobody owns",
    config: { agents: { defaults: { model: "llama3.3:70b" } } },
  },
  {
    name: "bare model id in agents.list and subagents",
    config: {
      agents: { list: [{ id: "x", model: "claude-sonnet-4-6", subagents: { model: "gpt-5-mini" } }] },
    },
  },
  {
    name: "bare model id as a key of agents.defaults.models",
    config: { agents: { defaults: { models: { "claude-haiku-4-5": {} } } } },
  },

  // ---------------------------------------------------------------------------------------------
  // Slots
  { name: "memory slot memory-core (explicit)", config: { plugins: { slots: { memory: "memory-core" } } } },
  { name: "memory slot none", config: { plugins: { slots: { memory: "none" } } } },
  {
    name: "memory slot another plugin (memory-lancedb)",
    config: { plugins: { slots: { memory: "memory-lancedb" } } },
  },
  {
    name: "memory slot plugin denied",
    config: { plugins: { slots: { memory: "memory-lancedb" }, deny: ["memory-lancedb"] } },
  },
  {
    name: "memory-core entry disabled",
    config: { plugins: { entries: { "memory-core": { enabled: false } } } },
  },
  { name: "contextEngine slot (lobster)", config: { plugins: { slots: { contextEngine: "lobster" } } } },
  {
    name: "contextEngine slot outside the allowlist (memory-wiki)",
    config: { plugins: { allow: ["telegram"], slots: { contextEngine: "memory-wiki" } } },
  },

  // ---------------------------------------------------------------------------------------------
  // Local memory embedding
  {
    name: "memorySearch provider local",
    config: { agents: { defaults: { memorySearch: { provider: "local" } } } },
  },
  {
    name: "memorySearch provider local but disabled",
    config: { agents: { defaults: { memorySearch: { provider: "local", enabled: false } } } },
  },
  {
    name: "memorySearch provider local on one agent",
    config: { agents: { list: [{ id: "m", memorySearch: { provider: "LOCAL" } }] } },
  },
  {
    name: "memorySearch local with memory slot none",
    config: {
      plugins: { slots: { memory: "none" } },
      agents: { defaults: { memorySearch: { provider: "local" } } },
    },
  },
  {
    name: "memorySearch provider openai",
    config: { agents: { defaults: { memorySearch: { provider: "openai" } } } },
  },

  // ---------------------------------------------------------------------------------------------
  // Realistic operator configs
  {
    name: "operator: telegram bot on anthropic with fallbacks",
    config: {
      gateway: { mode: "local", port: 18789 },
      channels: { telegram: { botToken: "123:abc", dmPolicy: "pairing" } },
      agents: {
        defaults: {
          model: { primary: "anthropic/claude-opus-4-6", fallbacks: ["openai/gpt-5.4"] },
          workspace: "~/.openclaw/workspace",
        },
      },
    },
  },
  {
    name: "operator: locked-down allowlist with slack and bedrock",
    config: {
      plugins: {
        allow: ["slack", "amazon-bedrock", "memory-core"],
        entries: { "amazon-bedrock": { enabled: true } },
      },
      channels: { slack: { enabled: true, botToken: "xoxb", appToken: "xapp" } },
      agents: { defaults: { model: "amazon-bedrock/anthropic.claude-sonnet" } },
    },
  },
  {
    name: "operator: everything off but whatsapp",
    config: {
      plugins: {
        deny: ["acpx", "browser", "microsoft", "bonjour", "qqbot", "file-transfer", "web-readability"],
        slots: { memory: "none" },
      },
      channels: { whatsapp: { enabled: true } },
    },
  },
  {
    name: "operator: multi-agent with local memory and codex",
    config: {
      plugins: { entries: { codex: { enabled: true } } },
      agents: {
        defaults: { model: "codex/gpt-5.4", memorySearch: { provider: "local" } },
        list: [{ id: "ops", model: "google/gemini-3-pro" }],
      },
      channels: { discord: { token: "x" }, googlechat: { enabled: true } },
    },
  },

  // ---------------------------------------------------------------------------------------------
  // What the 4.29+ gateway starts by a manifest's `activation` (resolveGatewayStartupPluginIds):
  // config paths (browser: onConfigPaths ["browser"]) and agent harness runtimes (codex:
  // onAgentHarnesses ["codex"]), whatever the allowlist says.
  {
    name: "browser configured, allowlist without it",
    config: { plugins: { allow: ["telegram"] }, browser: { profiles: { work: {} } } },
  },
  {
    name: "browser enabled=false, allowlist without it",
    config: { plugins: { allow: ["telegram"] }, browser: { enabled: false, profiles: {} } },
  },
  {
    name: "browser: false",
    config: { plugins: { allow: ["telegram"] }, browser: false },
  },
  {
    name: "browser configured but denied",
    config: { plugins: { deny: ["browser"] }, browser: { profiles: {} } },
  },
  {
    name: "codex agent runtime in the defaults",
    config: { agents: { defaults: { agentRuntime: { id: "codex" } } } },
  },
  {
    name: "codex agent runtime of one agent, allowlist without it",
    config: {
      plugins: { allow: ["telegram"] },
      agents: { list: [{ id: "ops", agentRuntime: { id: "Codex" } }] },
    },
  },
  {
    name: "agent runtime auto and pi are built in",
    config: {
      agents: { defaults: { agentRuntime: { id: "auto" } }, list: [{ id: "a", agentRuntime: { id: "pi" } }] },
    },
  },
  {
    name: "codex agent runtime but codex disabled",
    config: {
      plugins: { entries: { codex: { enabled: false } } },
      agents: { defaults: { agentRuntime: { id: "codex" } } },
    },
  },
  {
    name: "a configured channel under an alias key",
    config: { channels: { tg: { botToken: "x" } } },
  },
  {
    name: "allowlist only: the default memory slot outside it",
    config: { plugins: { allow: ["telegram"] }, channels: { telegram: { botToken: "x" } } },
  },

  // What 2026.4.20/4.22's auto-enable turns on from model refs (the loader then stages it):
  // the one plugin owning the provider, by manifest `providers` or `cliBackends`.
  {
    name: "a codex model ref (auto-enables codex before 4.29)",
    config: { agents: { defaults: { model: "codex/gpt-5" } } },
  },
  {
    name: "a codex model among an agent's fallbacks",
    config: {
      agents: { list: [{ id: "ops", model: { primary: "openai/gpt-5", fallbacks: ["codex/gpt-5"] } }] },
    },
  },
  {
    name: "a codex model ref but codex denied",
    config: { plugins: { deny: ["codex"] }, agents: { defaults: { model: "codex/gpt-5" } } },
  },
  {
    name: "a cli backend model ref",
    config: { agents: { defaults: { models: { "claude-cli/opus": {}, "google-gemini-cli/pro": {} } } } },
  },
  {
    name: "codex embedded harness runtime (the field before 4.29)",
    config: { agents: { defaults: { embeddedHarness: { runtime: "codex" } } } },
  },
  {
    name: "codex embedded harness runtime of one agent, allowlist without it",
    config: {
      plugins: { allow: ["telegram"] },
      agents: { list: [{ id: "ops", embeddedHarness: { runtime: "codex" } }] },
    },
  },
  // Plugin config that auto-enable does NOT turn on (it stays as the doctor decides).
  {
    name: "web search config in a plugin entry",
    config: { plugins: { entries: { brave: { config: { webSearch: { apiKey: "x" } } } } } },
  },
  {
    name: "web fetch provider selected",
    config: { tools: { web: { fetch: { provider: "firecrawl" } } } },
  },
  {
    name: "plugin config without enabled",
    config: { plugins: { entries: { "voice-call": { config: { provider: "twilio" } } } } },
  },
  // The memory slot and dreaming, as the doctor and the gateway's startup read them.
  {
    name: "memory slot in another case",
    config: { plugins: { slots: { memory: "Memory-LanceDB" } } },
  },
  {
    name: "memory slot outside the allowlist",
    config: { plugins: { slots: { memory: "memory-lancedb" }, allow: ["telegram"] } },
  },
  {
    name: "dreaming configured, allowlist without memory-core",
    config: {
      plugins: {
        allow: ["telegram"],
        entries: { "memory-core": { config: { dreaming: { enabled: true } } } },
      },
    },
  },
  {
    name: "dreaming configured, memory slot none",
    config: {
      plugins: {
        slots: { memory: "none" },
        entries: { "memory-core": { config: { dreaming: { enabled: true } } } },
      },
    },
  },
];
