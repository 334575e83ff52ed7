import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import fc from "fast-check";
import JSON5 from "json5";
import { describe, expect, it } from "vitest";
import { type OpenClawPluginPackageJson, pluginFacts } from "../../src/hosts/openclaw/discover.js";
import { BANDS, bandOf, calendarOf, mirrorsAlways } from "../../src/hosts/openclaw/selection/band.js";
import {
  type HostManifest,
  MIRRORED_OWNER,
  selectOpenClaw,
} from "../../src/hosts/openclaw/selection/index.js";
import { normalizeProviderId, stripAuthProfile } from "../../src/hosts/openclaw/selection/references.js";
import type { Decision, PluginFacts, Selection } from "../../src/hosts/types.js";
import { decodeWith } from "../../src/model/decode.js";
import { OpenClawConfig, type OpenClawPluginManifest } from "../../src/hosts/openclaw/config-codec.js";

/**
 * OpenClaw's plugin selection, per version band (SPEC §5), as pure functions. Every plugin is
 * built by `pluginFacts`, the function discovery itself calls, so the facts are exactly what a
 * real host's `dist/extensions/<dir>/{package.json,openclaw.plugin.json}` would give. The
 * expectations were read from OpenClaw's own dist (bundled-runtime-deps-*.js of 2026.4.22, 4.29,
 * 4.30-beta.1; loader-*.js of 2026.4.20) and the tricky ones checked by calling
 * `scanBundledPluginRuntimeDeps` of the published 4.22 / 4.29 tarballs on the same manifests.
 */

// ---------------------------------------------------------------------------------------------
// Helpers

const HOST = "/host";
const EXTENSIONS = path.join(HOST, "dist", "extensions");

const mk = (
  dir: string,
  manifest: OpenClawPluginManifest,
  pkg: OpenClawPluginPackageJson = {},
): PluginFacts => pluginFacts(dir, path.join(EXTENSIONS, dir), pkg, manifest);

/** Configs go through the real codec, as they would from disk; keys it does not know survive. */
const cfg = (raw: unknown): OpenClawConfig => {
  const decoded = decodeWith(OpenClawConfig, "OpenClaw config", "test.json5")(raw);
  if (E.isLeft(decoded)) throw new Error(decoded.left.message);
  return decoded.right;
};

const NO_RULE = "not enabled (no rule matched)";
const PROVIDER_NOT_REFERENCED =
  "enabledByDefault, but none of its providers is referenced (OpenClaw 2026.4.29+)";

// Modelled on the 2026.4.29 tarball's manifests (ids, channels, providers, modelSupport).
const slack = mk(
  "slack",
  { id: "slack", channels: ["slack"] },
  {
    name: "@openclaw/slack",
    dependencies: { "@slack/bolt": "^4.4.0" },
    openclaw: { channel: { id: "slack" } },
  },
);
const telegram = mk(
  "telegram",
  { id: "telegram", channels: ["telegram"] },
  { dependencies: { grammy: "^1.38.0" }, openclaw: { channel: { id: "telegram", aliases: ["tg"] } } },
);
const matrix = mk(
  "matrix",
  { id: "matrix", channels: ["matrix"], legacyPluginIds: ["matrix-legacy"] },
  { openclaw: { channel: { id: "matrix" } } },
);
const discord = mk(
  "discord",
  { id: "discord", channels: ["discord"] },
  { openclaw: { channel: { id: "discord" } } },
);
/** A manifest channel that no package.json `openclaw.channel` lists (not in the 4.20/4.22 catalog). */
const irc = mk("irc", { id: "irc", channels: ["irc"] });
const memoryCore = mk(
  "memory-core",
  { id: "memory-core", runtimeDependencies: { localMemoryEmbedding: ["node-llama-cpp@3.18.1"] } },
  { dependencies: { chokidar: "^5.0.0", typebox: "1.1.34" } },
);
const lossless = mk("lossless-claw", { id: "lossless-claw" });
const anthropic = mk("anthropic", {
  id: "anthropic",
  providers: ["anthropic"],
  enabledByDefault: true,
  modelSupport: { modelPrefixes: ["claude-"] },
});
const openai = mk("openai", {
  id: "openai",
  providers: ["openai", "openai-codex"],
  enabledByDefault: true,
  modelSupport: { modelPrefixes: ["gpt-", "o1", "o3", "o4"] },
});
const bedrock = mk(
  "amazon-bedrock",
  { id: "amazon-bedrock", providers: ["amazon-bedrock"], enabledByDefault: true },
  { dependencies: { "@aws-sdk/client-bedrock-runtime": "3.900.0" } },
);
/** Manifest id `kimi` in directory `kimi-coding`, as in the real package. */
const kimi = mk("kimi-coding", { id: "kimi", providers: ["kimi", "kimi-coding"], enabledByDefault: true });
/** enabledByDefault without providers; stageRuntimeDependencies=false is not consulted. */
const browser = mk(
  "browser",
  { id: "browser", enabledByDefault: true },
  {
    dependencies: { "playwright-core": "1.56.0" },
    openclaw: { bundle: { stageRuntimeDependencies: false } },
  },
);

const ALL: readonly PluginFacts[] = [
  slack,
  telegram,
  matrix,
  discord,
  irc,
  memoryCore,
  lossless,
  anthropic,
  openai,
  bedrock,
  kimi,
  browser,
];

const select = (
  version: string,
  raw: unknown,
  plugins: readonly PluginFacts[] = ALL,
  host?: HostManifest,
): Selection => selectOpenClaw(cfg(raw), { version, packageRoot: HOST, plugins }, host);

/**
 * For values of a shape the config codec rejects before any selection: the selection reads every
 * value as OpenClaw does, skipping what is not of the shape it expects, and must not depend on the
 * codec for that.
 */
const decideUnchecked = (version: string, raw: unknown, plugin: PluginFacts): Decision =>
  selectOpenClaw(
    raw as OpenClawConfig,
    { version, packageRoot: HOST, plugins: [...ALL, plugin] },
    undefined,
  ).decide(plugin);

const decide = (
  version: string,
  raw: unknown,
  plugin: PluginFacts,
  plugins: readonly PluginFacts[] = ALL,
): Decision => select(version, raw, plugins.includes(plugin) ? plugins : [...plugins, plugin]).decide(plugin);

const on = (reason: string): Decision => ({ active: true, reason });
const off = (reason: string): Decision => ({ active: false, reason });

interface Row {
  readonly name: string;
  readonly config: unknown;
  readonly plugin: PluginFacts;
  readonly plugins?: readonly PluginFacts[];
  readonly want: Decision;
}

const V420 = "2026.4.20";
const V422 = "2026.4.22";
const V429 = "2026.4.29";
const V430 = "2026.4.30-beta.1";
const V502 = "2026.5.2";

// ---------------------------------------------------------------------------------------------
// Bands

describe("bandOf: which OpenClaw a version is", () => {
  it.each([
    [V420, "2026.3.22", true],
    ["2026.3.22", "2026.3.22", true],
    ["2026.4.21", "2026.3.22", true],
    [V422, "2026.4.22", true],
    ["2026.4.28", "2026.4.22", true],
    [V429, "2026.4.29", true],
    [V430, "2026.4.29", true],
    ["2026.4.30", "2026.4.29", true],
    [V502, "2026.5.2", false],
    ["v2026.5.2", "2026.5.2", false],
    ["2026.12.1", "2026.5.2", false],
  ])("%s is in band %s (stages: %s), without a warning", (version, id, stages) => {
    const { band, warning } = bandOf(version);
    expect(band.id).toBe(id);
    expect(band.stages).toBe(stages);
    expect(warning).toBeUndefined();
  });

  it("a version older than any read gets the oldest band, and says so", () => {
    expect(bandOf("2026.2.1")).toEqual({
      band: BANDS[0],
      warning:
        "OpenClaw 2026.2.1 is older than any version plugdeps has read (2026.3.22); " +
        "plugdeps applies the rules of the nearest, OpenClaw 2026.3.22 – 2026.4.21",
    });
  });

  it("a version that is not YYYY.M.D gets the last staging band, and says so", () => {
    const { band, warning } = bandOf("1.2.3");
    expect(band.id).toBe("2026.4.29");
    expect(warning).toBe(
      'host version "1.2.3" is not an OpenClaw calendar version (YYYY.M.D); ' +
        "plugdeps applies the rules of OpenClaw 2026.4.29 – 2026.4.30, the last versions that stage bundled plugin dependencies",
    );
  });

  it("calendarOf reads the calendar part and nothing else", () => {
    expect(calendarOf(V430)).toEqual([2026, 4, 30]);
    expect(calendarOf(" v2026.5.2+build.7 ")).toEqual([2026, 5, 2]);
    expect(calendarOf("1.2.3")).toBeUndefined();
    expect(calendarOf("2026.4")).toBeUndefined();
    expect(calendarOf("")).toBeUndefined();
  });

  it("mirrorsAlways from 2026.4.30 on (a prerelease of that day included), never for a non-calendar version", () => {
    expect([V420, V422, V429, V430, "2026.4.30", V502, "1.2.3"].map(mirrorsAlways)).toEqual([
      false,
      false,
      false,
      true,
      true,
      true,
      false,
    ]);
  });

  it("the selection carries the band's warning", () => {
    for (const version of [V420, V422, V429, V430]) expect(select(version, {}).warnings).toEqual([]);
    expect(select("2026.2.1", {}).warnings).toEqual([bandOf("2026.2.1").warning]);
    expect(select("1.2.3", {}).warnings).toEqual([bandOf("1.2.3").warning]);
  });

  it("an old version is decided by the 2026.3.22 rules, a non-calendar one by the 2026.4.29 rules", () => {
    const config = { channels: { telegram: { botToken: "123:abc" } } };
    // 2026.3.22 – 4.21: the doctor's rule does not select a channel without enabled=true, but the
    // gateway's auto-enable does and its loader then installs the deps; 4.29: the doctor does.
    expect(decide("2026.2.1", config, telegram)).toEqual(
      on(
        "channels.telegram (configured; the gateway auto-enables it and installs its dependencies when it loads it)",
      ),
    );
    expect(decide("1.2.3", config, telegram)).toEqual(on("channels.telegram (configured)"));
  });
});

describe("2026.5.2 and later: OpenClaw no longer stages bundled dependencies", () => {
  const config = {
    plugins: { entries: { slack: { enabled: true } } },
    channels: { telegram: { enabled: true } },
    agents: { defaults: { memorySearch: { provider: "local" } } },
  };
  const host: HostManifest = {
    dependencies: { ws: "^8.18.0" },
    openclaw: { bundle: { mirroredRootRuntimeDependencies: ["ws"] } },
  };

  it.each([V502, "2026.6.1"])("%s desires nothing, stages nothing extra, and warns", (version) => {
    const selection = select(version, config, ALL, host);
    const reason = `OpenClaw ${version} does not stage bundled plugin dependencies (2026.5.2 and later: plugins are npm packages installed by \`openclaw plugins install\`)`;
    for (const plugin of ALL) expect(selection.decide(plugin)).toEqual(off(reason));
    expect(selection.extras).toEqual([]);
    expect(selection.warnings).toEqual([
      `OpenClaw ${version} no longer stages bundled plugin dependencies: plugdeps desires nothing for it. ` +
        "Its own `openclaw doctor --fix` deletes the stage bases $STATE_DIRECTORY/plugin-runtime-deps and " +
        "~/.openclaw/plugin-runtime-deps; keep plugdeps' stage base elsewhere, or remove plugdeps from this host.",
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// 2026.4.29 – 4.30: isBundledPluginConfiguredForRuntimeDeps, first match wins

const lateRows: readonly Row[] = [
  // 1. off: plugins.enabled=false, deny, entries.<id>.enabled=false (before the slots)
  {
    name: "plugins.enabled=false beats the default memory slot",
    config: { plugins: { enabled: false } },
    plugin: memoryCore,
    want: off("plugins.enabled=false"),
  },
  {
    name: "plugins.enabled=false beats entries, channel enabled=true and enabledByDefault",
    config: {
      plugins: { enabled: false, entries: { slack: { enabled: true } } },
      channels: { slack: { enabled: true } },
    },
    plugin: slack,
    want: off("plugins.enabled=false"),
  },
  {
    name: "deny beats the default memory slot",
    config: { plugins: { deny: ["memory-core"] } },
    plugin: memoryCore,
    want: off('plugins.deny contains "memory-core"'),
  },
  {
    name: "deny beats channel enabled=true and allow",
    config: { plugins: { deny: ["slack"], allow: ["slack"] }, channels: { slack: { enabled: true } } },
    plugin: slack,
    want: off('plugins.deny contains "slack"'),
  },
  {
    name: "deny names a legacy id",
    config: { plugins: { deny: ["matrix-legacy"] }, channels: { matrix: { enabled: true } } },
    plugin: matrix,
    want: off('plugins.deny contains "matrix-legacy" (→ matrix)'),
  },
  {
    name: "deny naming the plugin twice reports the first entry that names it",
    config: { plugins: { deny: ["matrix-legacy", "matrix"] } },
    plugin: matrix,
    want: off('plugins.deny contains "matrix-legacy" (→ matrix)'),
  },
  {
    name: "deny is trimmed and case-folded",
    config: { plugins: { deny: [" Slack "] }, channels: { slack: { enabled: true } } },
    plugin: slack,
    want: off('plugins.deny contains " Slack " (→ slack)'),
  },
  {
    name: "entries.enabled=false beats the default memory slot",
    config: { plugins: { entries: { "memory-core": { enabled: false } } } },
    plugin: memoryCore,
    want: off("plugins.entries.memory-core.enabled=false"),
  },
  {
    name: "entries.enabled=false beats channel enabled=true",
    config: { plugins: { entries: { slack: { enabled: false } } }, channels: { slack: { enabled: true } } },
    plugin: slack,
    want: off("plugins.entries.slack.enabled=false"),
  },
  {
    name: "entries.enabled=false under a legacy id",
    config: {
      plugins: { entries: { "matrix-legacy": { enabled: false } } },
      channels: { matrix: { enabled: true } },
    },
    plugin: matrix,
    want: off("plugins.entries.matrix-legacy.enabled=false"),
  },
  // 2. on: slots (before the allowlist)
  {
    name: "the memory slot defaults to memory-core",
    config: {},
    plugin: memoryCore,
    want: on("plugins.slots.memory (default)"),
  },
  {
    name: "the memory slot comes before the allowlist",
    config: { plugins: { allow: ["slack"] } },
    plugin: memoryCore,
    want: on("plugins.slots.memory (default)"),
  },
  {
    name: "plugins.slots.memory names another plugin",
    config: { plugins: { slots: { memory: "lossless-claw" } } },
    plugin: lossless,
    want: on("plugins.slots.memory=lossless-claw"),
  },
  {
    name: "memory-core is not selected when the slot names another plugin",
    config: { plugins: { slots: { memory: "lossless-claw" } } },
    plugin: memoryCore,
    want: off(NO_RULE),
  },
  {
    name: 'plugins.slots.memory "none" (any case, trimmed) empties the slot',
    config: { plugins: { slots: { memory: " None " } } },
    plugin: memoryCore,
    want: off(NO_RULE),
  },
  {
    name: "an empty memory slot is the default",
    config: { plugins: { slots: { memory: "  " } } },
    plugin: memoryCore,
    want: on("plugins.slots.memory (default)"),
  },
  {
    name: "a slot value is not normalized: Memory-Core is not memory-core",
    config: { plugins: { slots: { memory: "Memory-Core" } } },
    plugin: memoryCore,
    want: off(NO_RULE),
  },
  {
    name: "plugins.slots.contextEngine, before the allowlist",
    config: { plugins: { slots: { contextEngine: "lossless-claw" }, allow: ["slack"] } },
    plugin: lossless,
    want: on("plugins.slots.contextEngine=lossless-claw"),
  },
  {
    name: "a slot beats a disabled channel of the same plugin",
    config: { plugins: { slots: { contextEngine: "slack" } }, channels: { slack: { enabled: false } } },
    plugin: slack,
    want: on("plugins.slots.contextEngine=slack"),
  },
  // 3./4. channels
  {
    name: "channel enabled=true comes before the allowlist",
    config: { plugins: { allow: ["discord"] }, channels: { slack: { enabled: true } } },
    plugin: slack,
    want: on("channels.slack.enabled=true"),
  },
  {
    name: "a configured channel (no enabled) selects",
    config: { channels: { telegram: { botToken: "123:abc" } } },
    plugin: telegram,
    want: on("channels.telegram (configured)"),
  },
  {
    // the doctor stops at the allowlist, but the gateway starts a configured channel anyway
    // (auto-enable adds it to plugins.allow): the union stages it
    name: "a configured channel comes after the doctor's allowlist, but the gateway starts it",
    config: { plugins: { allow: ["discord"] }, channels: { slack: { botToken: "xoxb-1" } } },
    plugin: slack,
    want: on("channels.slack (configured; the gateway starts its channel at startup)"),
  },
  {
    name: "a channel block with only enabled=false is neither configured nor started",
    config: { plugins: { allow: ["discord"] }, channels: { slack: { enabled: false, botToken: "x" } } },
    plugin: slack,
    want: off("channels.slack.enabled=false"),
  },
  {
    name: "a disabled channel beats entries.enabled=true",
    config: { plugins: { entries: { slack: { enabled: true } } }, channels: { slack: { enabled: false } } },
    plugin: slack,
    want: off("channels.slack.enabled=false"),
  },
  {
    name: "a disabled channel beats enabledByDefault",
    config: { channels: { chat: { enabled: false } } },
    plugin: mk("chatty", { channels: ["chat"], enabledByDefault: true }),
    want: off("channels.chat.enabled=false"),
  },
  {
    name: "one channel enabled=true wins over another disabled one",
    config: { channels: { "chat-a": { enabled: false }, "chat-b": { enabled: true } } },
    plugin: mk("chat", { channels: ["chat-a", "chat-b"] }),
    want: on("channels.chat-b.enabled=true"),
  },
  {
    name: "one channel disabled beats another only configured",
    config: { channels: { "chat-a": { token: "t" }, "chat-b": { enabled: false } } },
    plugin: mk("chat", { channels: ["chat-a", "chat-b"] }),
    want: off("channels.chat-b.enabled=false"),
  },
  {
    name: "a manifest channel the channel catalog does not list still counts (4.29 reads the manifest only)",
    config: { channels: { irc: { enabled: true } } },
    plugin: irc,
    want: on("channels.irc.enabled=true"),
  },
  {
    name: "a manifest channel is trimmed and lower-cased; the config key is not",
    config: { channels: { slack: { enabled: true } } },
    plugin: mk("shout", { channels: [" Slack "] }),
    want: on("channels.slack.enabled=true"),
  },
  {
    name: "a config key in another case is another channel",
    config: { channels: { Slack: { enabled: true } } },
    plugin: slack,
    want: off(NO_RULE),
  },
  {
    name: "a package.json openclaw.channel alone is no manifest channel",
    config: { channels: { chat: { enabled: true } } },
    plugin: mk("chat", {}, { openclaw: { channel: { id: "chat" } } }),
    want: off(NO_RULE),
  },
  // 5. allowlist
  {
    name: "allow without the id beats entries.enabled=true",
    config: { plugins: { allow: ["discord"], entries: { slack: { enabled: true } } } },
    plugin: slack,
    want: off('plugins.allow does not contain "slack"'),
  },
  {
    name: "allow without the id beats enabledByDefault",
    config: { plugins: { allow: ["slack"] } },
    plugin: browser,
    want: off('plugins.allow does not contain "browser"'),
  },
  {
    name: "allow without the id beats a referenced provider",
    config: { plugins: { allow: ["slack"] }, models: { providers: { anthropic: {} } } },
    plugin: anthropic,
    want: off('plugins.allow does not contain "anthropic"'),
  },
  {
    name: "allow naming a legacy id admits the plugin",
    config: { plugins: { allow: ["matrix-legacy"], entries: { matrix: { enabled: true } } } },
    plugin: matrix,
    want: on("plugins.entries.matrix.enabled=true"),
  },
  {
    name: "an empty allow list restricts nothing",
    config: { plugins: { allow: [] } },
    plugin: browser,
    want: on("enabledByDefault"),
  },
  {
    name: "allow alone does not select",
    config: { plugins: { allow: ["slack"] } },
    plugin: slack,
    want: off(NO_RULE),
  },
  // 6. entries true, configured channel, model owner, provider
  {
    name: "entries.enabled=true",
    config: { plugins: { entries: { slack: { enabled: true } } } },
    plugin: slack,
    want: on("plugins.entries.slack.enabled=true"),
  },
  {
    name: "entries.enabled=true beats a referenced provider",
    config: { plugins: { entries: { openai: { enabled: true } } }, models: { providers: { openai: {} } } },
    plugin: openai,
    want: on("plugins.entries.openai.enabled=true"),
  },
  {
    name: "entries.enabled=true beats a configured channel",
    config: { plugins: { entries: { slack: { enabled: true } } }, channels: { slack: { botToken: "x" } } },
    plugin: slack,
    want: on("plugins.entries.slack.enabled=true"),
  },
  {
    name: "entries.enabled=true under a legacy id",
    config: { plugins: { entries: { "matrix-legacy": { enabled: true } } } },
    plugin: matrix,
    want: on("plugins.entries.matrix-legacy.enabled=true"),
  },
  {
    name: "an entry without enabled decides nothing",
    config: { plugins: { entries: { slack: { config: { x: 1 } } } } },
    plugin: slack,
    want: off(NO_RULE),
  },
  {
    name: "of two keys naming one plugin, the later enabled wins (true)",
    config: { plugins: { entries: { "matrix-legacy": { enabled: false }, matrix: { enabled: true } } } },
    plugin: matrix,
    want: on("plugins.entries.matrix.enabled=true"),
  },
  {
    name: "of two keys naming one plugin, the later enabled wins (false)",
    config: { plugins: { entries: { matrix: { enabled: true }, "matrix-legacy": { enabled: false } } } },
    plugin: matrix,
    want: off("plugins.entries.matrix-legacy.enabled=false"),
  },
  {
    name: "a later key without enabled keeps the earlier one",
    config: { plugins: { entries: { "matrix-legacy": { enabled: false }, matrix: { config: {} } } } },
    plugin: matrix,
    want: off("plugins.entries.matrix-legacy.enabled=false"),
  },
  {
    name: "a configured channel beats a model owner and a provider",
    config: { channels: { slack: { botToken: "x" } } },
    plugin: mk("slacker", { channels: ["slack"], providers: ["slack-ai"] }),
    want: on("channels.slack (configured)"),
  },
  {
    name: "a bare model id its modelSupport owns",
    config: { agents: { defaults: { model: "claude-sonnet-4-5" } } },
    plugin: anthropic,
    want: on("agents.defaults.model=claude-sonnet-4-5 (a model anthropic owns: modelSupport)"),
  },
  {
    name: "a referenced provider",
    config: { models: { providers: { anthropic: { apiKey: "sk-ant" } } } },
    plugin: anthropic,
    want: on("models.providers.anthropic"),
  },
  // 7. enabledByDefault
  {
    name: "enabledByDefault without providers",
    config: {},
    plugin: browser,
    want: on("enabledByDefault"),
  },
  {
    name: "enabledByDefault with providers: only when a provider is referenced",
    config: { models: { providers: { openai: {} } } },
    plugin: anthropic,
    want: off(PROVIDER_NOT_REFERENCED),
  },
  {
    name: "a model without a provider prefix, owned by no modelSupport, references nothing",
    config: { agents: { defaults: { model: "openai" } } },
    plugin: openai,
    want: off(PROVIDER_NOT_REFERENCED),
  },
  {
    name: "enabledByDefault with providers, empty config (no AWS SDK on every host)",
    config: {},
    plugin: bedrock,
    want: off(PROVIDER_NOT_REFERENCED),
  },
  {
    name: "nothing matched",
    config: {},
    plugin: slack,
    want: off(NO_RULE),
  },
];

describe("2026.4.29 – 4.30: every rule, in order", () => {
  it.each(lateRows)("4.29: $name", (row) => {
    expect(decide(V429, row.config, row.plugin, row.plugins)).toEqual(row.want);
  });
  it.each(lateRows)("4.30-beta.1 decides the same: $name", (row) => {
    expect(decide(V430, row.config, row.plugin, row.plugins)).toEqual(row.want);
  });

  it.each([true, "on", [], null, 1])(
    "a channel value that is not an object (%j) is not configured (the codec rejects it first)",
    (value) => {
      for (const version of [V420, V422, V429]) {
        expect(decideUnchecked(version, { channels: { slack: value } }, slack)).toEqual(off(NO_RULE));
      }
    },
  );
});

// ---------------------------------------------------------------------------------------------
// 2026.4.22 – 4.28 doctor, and 2026.3.22 – 4.21

/** Rows where 4.20 and 4.22 agree. */
const earlyRows: readonly Row[] = [
  {
    name: "plugins.enabled=false beats entries and enabledByDefault",
    config: { plugins: { enabled: false, entries: { browser: { enabled: true } } } },
    plugin: browser,
    want: off("plugins.enabled=false"),
  },
  {
    name: "deny beats entries.enabled=true and a channel",
    config: {
      plugins: { deny: ["slack"], entries: { slack: { enabled: true } } },
      channels: { slack: { enabled: true } },
    },
    plugin: slack,
    want: off('plugins.deny contains "slack"'),
  },
  {
    name: "deny names a legacy id",
    config: { plugins: { deny: ["matrix-legacy"] }, channels: { matrix: { enabled: true } } },
    plugin: matrix,
    want: off('plugins.deny contains "matrix-legacy" (→ matrix)'),
  },
  {
    name: "entries.enabled=false beats channel enabled=true",
    config: { plugins: { entries: { slack: { enabled: false } } }, channels: { slack: { enabled: true } } },
    plugin: slack,
    want: off("plugins.entries.slack.enabled=false"),
  },
  {
    name: "entries.enabled=true beats a disabled channel (entries come before channels here)",
    config: { plugins: { entries: { slack: { enabled: true } } }, channels: { slack: { enabled: false } } },
    plugin: slack,
    want: on("plugins.entries.slack.enabled=true"),
  },
  {
    name: "entries.enabled=true under a legacy id",
    config: { plugins: { entries: { "matrix-legacy": { enabled: true } } } },
    plugin: matrix,
    want: on("plugins.entries.matrix-legacy.enabled=true"),
  },
  {
    name: "channel enabled=true",
    config: { channels: { slack: { enabled: true } } },
    plugin: slack,
    want: on("channels.slack.enabled=true"),
  },
  {
    name: "no allowlist rule: a plugin outside plugins.allow is still staged",
    config: { plugins: { allow: ["discord"] }, channels: { slack: { enabled: true } } },
    plugin: slack,
    want: on("channels.slack.enabled=true"),
  },
  {
    name: "no allowlist rule for enabledByDefault either",
    config: { plugins: { allow: ["discord"] } },
    plugin: browser,
    want: on("enabledByDefault"),
  },
  {
    name: "a channel the catalog does not list selects nothing",
    config: { channels: { irc: { enabled: true } } },
    plugin: irc,
    want: off(NO_RULE),
  },
  {
    name: "a manifest channel is mapped through the catalog's aliases",
    config: { channels: { telegram: { enabled: true } } },
    plugin: mk("tele", { channels: ["TG"] }),
    want: on("channels.telegram.enabled=true"),
  },
  {
    name: "the config key is the catalog id, never the alias",
    config: { channels: { tg: { enabled: true } } },
    plugin: telegram,
    want: off(NO_RULE),
  },
  {
    name: "no slot rule: memory-core is not selected by the default memory slot",
    config: {},
    plugin: memoryCore,
    want: off(NO_RULE),
  },
  {
    name: "no slot rule: nor by an explicit one",
    config: { plugins: { slots: { memory: "lossless-claw", contextEngine: "lossless-claw" } } },
    plugin: lossless,
    want: off(NO_RULE),
  },
  {
    name: "no provider rule: a referenced provider does not select a plugin that is not on by default",
    config: { models: { providers: { gizmo: {} } } },
    plugin: mk("gizmo", { providers: ["gizmo"] }),
    want: off(NO_RULE),
  },
  {
    name: "no model rule",
    config: { agents: { defaults: { model: "gizmo-large" } } },
    plugin: mk("gizmo", { modelSupport: { modelPrefixes: ["gizmo-"] } }),
    want: off(NO_RULE),
  },
  {
    name: "enabledByDefault selects even a provider plugin nobody references",
    config: {},
    plugin: bedrock,
    want: on("enabledByDefault"),
  },
  {
    name: "nothing matched",
    config: {},
    plugin: slack,
    want: off(NO_RULE),
  },
];

describe("2026.4.22 – 4.28 (doctor, includeConfiguredChannels) and 2026.3.22 – 4.21", () => {
  it.each(earlyRows)("4.22: $name", (row) => {
    expect(decide(V422, row.config, row.plugin, row.plugins)).toEqual(row.want);
  });
  it.each(earlyRows)("4.20: $name", (row) => {
    expect(decide(V420, row.config, row.plugin, row.plugins)).toEqual(row.want);
  });

  it("4.22 stages a channel that is only configured, even one with enabled=false; 4.20 stages the configured one through the gateway's auto-enable, not the disabled one", () => {
    const configured = { channels: { telegram: { botToken: "123:abc" } } };
    const disabled = { channels: { slack: { enabled: false, botToken: "xoxb" } } };
    expect(decide(V422, configured, telegram)).toEqual(on("channels.telegram (configured)"));
    expect(decide(V422, disabled, slack)).toEqual(
      on("channels.slack (configured; OpenClaw 2026.4.22 – 4.28 doctor stages it even with enabled=false)"),
    );
    expect(decide(V420, configured, telegram)).toEqual(
      on(
        "channels.telegram (configured; the gateway auto-enables it and installs its dependencies when it loads it)",
      ),
    );
    expect(decide(V420, disabled, slack)).toEqual(off(NO_RULE));
  });

  it("4.22: a configured channel through an alias of the catalog", () => {
    const tele = mk("tele", { channels: ["tg"] });
    expect(decide(V422, { channels: { telegram: {} } }, tele)).toEqual(on("channels.telegram (configured)"));
  });

  it("4.22 / 4.20: an alias two catalog entries claim belongs to the later channel id, whatever the directory order", () => {
    // OpenClaw's CHAT_CHANNEL_ALIASES is Object.fromEntries over the catalog sorted by
    // openclaw.channel.order, then id (ids-*.js), so the later id wins; checked against
    // scanBundledPluginRuntimeDeps of the 4.22 tarball: channels.tgbridge selects relay.
    const tele = mk(
      "telegram",
      { id: "telegram", channels: ["telegram"] },
      { openclaw: { channel: { id: "telegram", aliases: ["tg"] } } },
    );
    const bridge = mk(
      "a-bridge",
      { id: "a-bridge", channels: ["tgbridge"] },
      { openclaw: { channel: { id: "tgbridge", aliases: ["tg"] } } },
    );
    const relay = mk("relay", { id: "relay", channels: ["tg"] });
    for (const version of [V422, V420]) {
      for (const plugins of [
        [bridge, relay, tele], // the order the plan gives (by directory)
        [tele, relay, bridge],
      ]) {
        expect(select(version, { channels: { tgbridge: { enabled: true } } }, plugins).decide(relay)).toEqual(
          on("channels.tgbridge.enabled=true"),
        );
        expect(select(version, { channels: { telegram: { enabled: true } } }, plugins).decide(relay)).toEqual(
          off(NO_RULE),
        );
      }
    }
  });

  it("4.22: the first manifest channel with a block answers, configured or enabled", () => {
    const both = mk("both", { channels: ["slack", "discord"] });
    expect(decide(V422, { channels: { slack: { token: "t" }, discord: { enabled: true } } }, both)).toEqual(
      on("channels.slack (configured)"),
    );
    expect(decide(V422, { channels: { slack: { enabled: true }, discord: { token: "t" } } }, both)).toEqual(
      on("channels.slack.enabled=true"),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Ids as OpenClaw normalizes them

describe("plugin ids: directory, manifest id, providers, legacy ids, built-in aliases", () => {
  it("4.29: plugins.entries.kimi-coding.enabled=false does NOT disable dir kimi-coding (it normalizes to kimi)", () => {
    const config = {
      plugins: { entries: { "kimi-coding": { enabled: false } } },
      models: { providers: { "kimi-coding": {} } },
    };
    expect(decide(V429, config, kimi)).toEqual(on("models.providers.kimi-coding → kimi"));
  });

  it("4.29: entries.kimi (the manifest id) neither disables nor enables dir kimi-coding", () => {
    expect(decide(V429, { plugins: { entries: { kimi: { enabled: true } } } }, kimi)).toEqual(
      off(PROVIDER_NOT_REFERENCED),
    );
    expect(
      decide(
        V429,
        { plugins: { entries: { kimi: { enabled: false } } }, auth: { order: { kimi: [] } } },
        kimi,
      ),
    ).toEqual(on("auth.order.kimi"));
  });

  it("4.29: deny kimi / kimi-coding does not deny dir kimi-coding", () => {
    for (const id of ["kimi", "kimi-coding", "KIMI"]) {
      expect(decide(V429, { plugins: { deny: [id] }, models: { providers: { kimi: {} } } }, kimi)).toEqual(
        on("models.providers.kimi"),
      );
    }
  });

  it("4.29: allow kimi-coding normalizes to kimi, so dir kimi-coding never passes an allowlist", () => {
    // OpenClaw compares the normalized allowlist with the DIRECTORY name (allow.includes(pluginId)).
    const config = { plugins: { allow: ["kimi-coding"] }, models: { providers: { kimi: {} } } };
    expect(decide(V429, config, kimi)).toEqual(off('plugins.allow does not contain "kimi-coding"'));
  });

  it("4.22 / 4.20: entries.kimi-coding normalizes to kimi through the manifest registry too", () => {
    const config = { plugins: { entries: { "kimi-coding": { enabled: false } } } };
    expect(decide(V422, config, kimi)).toEqual(on("enabledByDefault"));
    expect(decide(V420, config, kimi)).toEqual(on("enabledByDefault"));
  });

  it("a provider id names its plugin", () => {
    const config = {
      plugins: { entries: { "openai-codex": { enabled: false } } },
      models: { providers: { openai: {} } },
    };
    for (const version of [V420, V422, V429]) {
      expect(decide(version, config, openai)).toEqual(off("plugins.entries.openai-codex.enabled=false"));
    }
  });

  it("4.29: a directory name normalizes to its manifest id, so no config id reaches a renamed directory", () => {
    const renamed = mk("old-dir", { id: "newname" });
    const config = { plugins: { entries: { "old-dir": { enabled: true } } } };
    // old-dir → newname; the rules compare with the directory, so the entry decides nothing.
    expect(decide(V429, config, renamed)).toEqual(off(NO_RULE));
    expect(decide(V429, { plugins: { entries: { newname: { enabled: true } } } }, renamed)).toEqual(
      off(NO_RULE),
    );
  });

  // openai without its openai-codex provider: only the built-in alias can map openai-codex to it.
  const bareOpenai = mk("openai", { id: "openai", providers: ["openai"], enabledByDefault: true });
  const denyCodex = { plugins: { deny: ["openai-codex"] }, models: { providers: { openai: {} } } };

  it("4.29: built-in aliases (openai-codex → openai, google-gemini-cli → google, minimax-portal(-auth) → minimax)", () => {
    expect(decide(V429, denyCodex, bareOpenai, [bareOpenai])).toEqual(
      off('plugins.deny contains "openai-codex" (→ openai)'),
    );
    const google = mk("google", { id: "google", channels: ["gchat"] });
    const minimax = mk("minimax", { id: "minimax", channels: ["mm"] });
    expect(
      decide(V429, { plugins: { entries: { "google-gemini-cli": { enabled: true } } } }, google, [google]),
    ).toEqual(on("plugins.entries.google-gemini-cli.enabled=true"));
    for (const alias of ["minimax-portal", "MiniMax-Portal-Auth"]) {
      expect(
        decide(V429, { plugins: { entries: { [alias]: { enabled: true } } } }, minimax, [minimax]),
      ).toEqual(on(`plugins.entries.${alias}.enabled=true`));
    }
  });

  it("4.20: no built-in aliases (config-state's alias lookup is the manifest registry only)", () => {
    expect(decide(V420, denyCodex, bareOpenai, [bareOpenai])).toEqual(on("enabledByDefault"));
  });

  it("4.22: built-in aliases apply (config-state BUILT_IN_PLUGIN_ALIAS_FALLBACKS, after the registry)", () => {
    // OpenClaw 2026.4.22 normalizePluginId = getBundledPluginAliasLookup(): the registry's ids,
    // providers and legacy ids, then BUILT_IN_PLUGIN_ALIAS_FALLBACKS; checked against
    // scanBundledPluginRuntimeDeps of the 4.22 tarball: openai is not staged.
    expect(decide(V422, denyCodex, bareOpenai, [bareOpenai])).toEqual(
      off('plugins.deny contains "openai-codex" (→ openai)'),
    );
  });

  it("4.20 / 4.22: a plugin without a manifest id takes no part in the registry; 4.29 uses its directory", () => {
    const anon = mk("anon", { legacyPluginIds: ["anon-old"] });
    const config = { plugins: { entries: { "anon-old": { enabled: true } } } };
    expect(decide(V422, config, anon)).toEqual(off(NO_RULE));
    expect(decide(V420, config, anon)).toEqual(off(NO_RULE));
    expect(decide(V429, config, anon)).toEqual(on("plugins.entries.anon-old.enabled=true"));
  });
});

// ---------------------------------------------------------------------------------------------
// Provider and model references (2026.4.29+)

describe("provider references: every place collectConfiguredRuntimeDepsTargets reads", () => {
  const rows: readonly (readonly [string, unknown, PluginFacts, string])[] = [
    [
      "models.providers keys",
      { models: { providers: { openai: { apiKey: "sk" } } } },
      openai,
      "models.providers.openai",
    ],
    [
      "auth.profiles[*].provider",
      { auth: { profiles: { "anthropic:work": { provider: "anthropic", mode: "token" } } } },
      anthropic,
      "auth.profiles.anthropic:work.provider → anthropic",
    ],
    [
      "auth.order keys",
      { auth: { order: { anthropic: ["anthropic:work"] } } },
      anthropic,
      "auth.order.anthropic",
    ],
    [
      "agents.defaults.model as a string",
      { agents: { defaults: { model: "anthropic/claude-opus-4" } } },
      anthropic,
      "agents.defaults.model → anthropic",
    ],
    [
      "agents.defaults.model.primary",
      { agents: { defaults: { model: { primary: "anthropic/claude-opus-4" } } } },
      anthropic,
      "agents.defaults.model.primary → anthropic",
    ],
    [
      "agents.defaults.model.fallbacks[1]",
      {
        agents: {
          defaults: {
            model: { primary: "openai/gpt-5", fallbacks: ["openai/gpt-5-mini", "anthropic/claude"] },
          },
        },
      },
      anthropic,
      "agents.defaults.model.fallbacks[1] → anthropic",
    ],
    [
      "agents.defaults.imageModel",
      { agents: { defaults: { imageModel: "openai/gpt-image-1" } } },
      openai,
      "agents.defaults.imageModel → openai",
    ],
    [
      "agents.defaults.imageGenerationModel.primary",
      { agents: { defaults: { imageGenerationModel: { primary: "openai/gpt-image-1" } } } },
      openai,
      "agents.defaults.imageGenerationModel.primary → openai",
    ],
    [
      "agents.defaults.videoGenerationModel.fallbacks[0]",
      { agents: { defaults: { videoGenerationModel: { fallbacks: ["openai/sora-2"] } } } },
      openai,
      "agents.defaults.videoGenerationModel.fallbacks[0] → openai",
    ],
    [
      "agents.defaults.musicGenerationModel",
      { agents: { defaults: { musicGenerationModel: "openai/music" } } },
      openai,
      "agents.defaults.musicGenerationModel → openai",
    ],
    [
      "agents.defaults.pdfModel",
      { agents: { defaults: { pdfModel: "anthropic/claude-haiku" } } },
      anthropic,
      "agents.defaults.pdfModel → anthropic",
    ],
    [
      "agents.defaults.subagents.model",
      { agents: { defaults: { subagents: { model: "anthropic/claude-haiku" } } } },
      anthropic,
      "agents.defaults.subagents.model → anthropic",
    ],
    [
      "agents.defaults.subagents.model.primary",
      { agents: { defaults: { subagents: { model: { primary: "anthropic/claude-haiku" } } } } },
      anthropic,
      "agents.defaults.subagents.model.primary → anthropic",
    ],
    [
      "agents.defaults.models keys",
      { agents: { defaults: { models: { "anthropic/claude-opus-4": { alias: "opus" } } } } },
      anthropic,
      'agents.defaults.models["anthropic/claude-opus-4"] → anthropic',
    ],
    [
      "agents.list[].model",
      { agents: { list: [{ id: "main" }, { id: "b", model: "anthropic/claude" }] } },
      anthropic,
      "agents.list[1].model → anthropic",
    ],
    [
      "agents.list[].subagents.model.fallbacks",
      {
        agents: { list: [{ id: "a", subagents: { model: { primary: "x/y", fallbacks: ["anthropic/c"] } } }] },
      },
      anthropic,
      "agents.list[0].subagents.model.fallbacks[0] → anthropic",
    ],
    [
      "a model ref with an auth profile",
      { agents: { defaults: { model: "anthropic/claude-opus-4@work" } } },
      anthropic,
      "agents.defaults.model → anthropic",
    ],
    [
      "bedrock → amazon-bedrock",
      { models: { providers: { bedrock: {} } } },
      bedrock,
      "models.providers.bedrock → amazon-bedrock",
    ],
    [
      "AWS-Bedrock/... → amazon-bedrock",
      { agents: { defaults: { model: " AWS-Bedrock/anthropic.claude-v2 " } } },
      bedrock,
      "agents.defaults.model → amazon-bedrock",
    ],
    [
      "an auth profile's provider is normalized",
      { auth: { profiles: { aws: { provider: "Bedrock" } } } },
      bedrock,
      "auth.profiles.aws.provider → amazon-bedrock",
    ],
    [
      "a second provider of the plugin",
      { agents: { defaults: { model: "openai-codex/gpt-5" } } },
      openai,
      "agents.defaults.model → openai-codex",
    ],
    [
      "kimi-code and kimi-coding are kimi",
      { agents: { defaults: { model: "kimi-code/k2" } } },
      kimi,
      "agents.defaults.model → kimi",
    ],
    [
      "the first place read names the reason",
      { agents: { defaults: { model: "anthropic/x" } }, models: { providers: { anthropic: {} } } },
      anthropic,
      "models.providers.anthropic",
    ],
  ];

  it.each(rows)("%s", (_name, config, plugin, reason) => {
    expect(decide(V429, config, plugin)).toEqual(on(reason));
  });

  it("a plugin's own provider ids are normalized too", () => {
    const aws = mk("aws", { providers: ["AWS-Bedrock"] });
    expect(decide(V429, { models: { providers: { "amazon-bedrock": {} } } }, aws)).toEqual(
      on("models.providers.amazon-bedrock"),
    );
  });

  it.each([
    ["an empty model part", { agents: { defaults: { model: "anthropic/" } } }],
    ["an empty provider part", { agents: { defaults: { model: "/claude" } } }],
    ["another provider", { models: { providers: { openai: {} } }, auth: { order: { google: [] } } }],
    [
      "an unread place",
      { agents: { defaults: { heartbeat: { model: "anthropic/x" } } }, tools: { model: "anthropic/x" } },
    ],
  ])("%s references nothing", (_name, config) => {
    expect(decide(V429, config, anthropic)).toEqual(off(PROVIDER_NOT_REFERENCED));
  });

  it.each([
    [
      "a number",
      { agents: { defaults: { model: 42, imageModel: { primary: 7, fallbacks: "anthropic/x" } } } },
    ],
    [
      "an agent that is not an object",
      { agents: { list: [null, "anthropic/x", 3, { model: ["anthropic/x"] }] } },
    ],
    [
      "a profile without a string provider",
      { auth: { profiles: { a: "anthropic", b: null, c: { provider: 1 } } } },
    ],
    [
      "a models map that is an array",
      { agents: { defaults: { models: ["anthropic/x"] } }, models: { providers: [] } },
    ],
  ])("a value of another shape is skipped, not failed (the codec rejects it first): %s", (_name, config) => {
    expect(decideUnchecked(V429, config, anthropic)).toEqual(off(PROVIDER_NOT_REFERENCED));
  });
});

describe("normalizeProviderId", () => {
  it.each([
    ["modelstudio", "qwen"],
    ["qwencloud", "qwen"],
    ["z.ai", "zai"],
    ["Z-AI", "zai"],
    ["opencode-zen", "opencode"],
    ["opencode-go-auth", "opencode-go"],
    ["kimi", "kimi"],
    ["kimi-code", "kimi"],
    ["kimi-coding", "kimi"],
    ["bedrock", "amazon-bedrock"],
    ["aws-bedrock", "amazon-bedrock"],
    ["bytedance", "volcengine"],
    ["doubao", "volcengine"],
    ["  OpenAI  ", "openai"],
    ["openai-codex", "openai-codex"],
    ["google-gemini-cli", "google-gemini-cli"],
    ["", ""],
    ["constructor", "constructor"],
    ["__proto__", "__proto__"],
    ["toString", "tostring"],
  ])("%j → %j", (raw, id) => {
    expect(normalizeProviderId(raw)).toBe(id);
  });
});

describe("stripAuthProfile (splitTrailingAuthProfile)", () => {
  it.each([
    ["claude-sonnet-4@work", "claude-sonnet-4"],
    ["  gpt-5@work  ", "gpt-5"],
    ["claude-sonnet-4@20250514", "claude-sonnet-4@20250514"],
    ["claude-sonnet-4@20250514@work", "claude-sonnet-4@20250514"],
    ["claude@202505141", "claude"],
    ["llama3@q4_k_m", "llama3@q4_k_m"],
    ["llama3@q4_k_m@work", "llama3@q4_k_m"],
    ["llama3@IQ4_XS@work", "llama3@IQ4_XS"],
    ["mlx-model@8bit", "mlx-model@8bit"],
    ["mlx-model@8bit@home", "mlx-model@8bit"],
    ["m@20250514@q4_k_m", "m@20250514@q4_k_m"],
    ["m@20250514@q4_k_m@work", "m@20250514@q4_k_m"],
    ["openrouter/anthropic/claude@work", "openrouter/anthropic/claude"],
    ["a@b/c", "a@b/c"],
    ["@work", "@work"],
    ["model@", "model@"],
    ["model@ ", "model@"],
    ["", ""],
  ])("%j → %j", (raw, model) => {
    expect(stripAuthProfile(raw)).toBe(model);
  });
});

// ---------------------------------------------------------------------------------------------
// modelSupport owners (2026.4.29+)

describe("bare model ids and modelSupport: patterns before prefixes, single owner only", () => {
  const opus = mk("opus", { modelSupport: { modelPatterns: ["^claude-opus"] } });
  const claude = mk("claude", { modelSupport: { modelPrefixes: ["claude-"] } });
  const claude2 = mk("claude2", { modelSupport: { modelPrefixes: ["claude"] } });
  const anyClaude = mk("any-claude", { modelSupport: { modelPatterns: ["^claude-"] } });
  const broken = mk("broken", { modelSupport: { modelPatterns: ["(["], modelPrefixes: [] } });
  const gemini = mk("gemini", { modelSupport: { modelPatterns: ["([", "^gemini-"] } });
  const model = (m: unknown): unknown => ({ agents: { defaults: { model: m } } });

  it("a pattern owner wins over a prefix owner", () => {
    const plugins = [opus, claude];
    expect(decide(V429, model("claude-opus-4"), opus, plugins)).toEqual(
      on("agents.defaults.model=claude-opus-4 (a model opus owns: modelSupport)"),
    );
    expect(decide(V429, model("claude-opus-4"), claude, plugins)).toEqual(off(NO_RULE));
  });

  it("no pattern matches: the prefix owner", () => {
    expect(decide(V429, model("claude-sonnet-4"), claude, [opus, claude])).toEqual(
      on("agents.defaults.model=claude-sonnet-4 (a model claude owns: modelSupport)"),
    );
  });

  it("two pattern matches: no owner, and no fall-back to the prefixes", () => {
    const plugins = [opus, anyClaude, claude];
    for (const p of plugins) expect(decide(V429, model("claude-opus-4"), p, plugins)).toEqual(off(NO_RULE));
  });

  it("two prefix matches: no owner", () => {
    const plugins = [claude, claude2];
    for (const p of plugins) expect(decide(V429, model("claude-sonnet-4"), p, plugins)).toEqual(off(NO_RULE));
  });

  it("a pattern that does not compile is skipped", () => {
    expect(decide(V429, model("claude-x"), claude, [broken, claude])).toEqual(
      on("agents.defaults.model=claude-x (a model claude owns: modelSupport)"),
    );
    expect(decide(V429, model("gemini-2.5-pro"), gemini, [gemini, broken])).toEqual(
      on("agents.defaults.model=gemini-2.5-pro (a model gemini owns: modelSupport)"),
    );
    expect(decide(V429, model("(["), broken, [broken])).toEqual(off(NO_RULE));
  });

  it("the auth profile is stripped; a date stamp stays part of the model id", () => {
    expect(decide(V429, model("claude-sonnet-4@work"), claude, [claude])).toEqual(
      on("agents.defaults.model=claude-sonnet-4 (a model claude owns: modelSupport)"),
    );
    expect(decide(V429, model("claude-sonnet-4@20250514"), claude, [claude])).toEqual(
      on("agents.defaults.model=claude-sonnet-4@20250514 (a model claude owns: modelSupport)"),
    );
  });

  it("from primary, fallbacks and agents.defaults.models keys", () => {
    expect(decide(V429, model({ primary: "x/y", fallbacks: ["claude-3"] }), claude, [claude])).toEqual(
      on("agents.defaults.model.fallbacks[0]=claude-3 (a model claude owns: modelSupport)"),
    );
    expect(decide(V429, { agents: { defaults: { models: { "claude-3": {} } } } }, claude, [claude])).toEqual(
      on('agents.defaults.models["claude-3"]=claude-3 (a model claude owns: modelSupport)'),
    );
  });

  it("a provider-qualified model is no bare id: modelSupport does not own it", () => {
    expect(decide(V429, model("anthropic/claude-3"), claude, [claude])).toEqual(off(NO_RULE));
  });

  it("a model owner comes after the allowlist and after a configured channel", () => {
    expect(
      decide(V429, { ...(model("claude-3") as object), plugins: { allow: ["slack"] } }, claude, [claude]),
    ).toEqual(off('plugins.allow does not contain "claude"'));
    const both = mk("both", { channels: ["chat"], modelSupport: { modelPrefixes: ["claude-"] } });
    expect(decide(V429, { ...(model("claude-3") as object), channels: { chat: {} } }, both, [both])).toEqual(
      on("channels.chat (configured)"),
    );
  });

  it("the real prefixes: gpt-* is openai's, claude-* anthropic's", () => {
    expect(decide(V429, model("gpt-5"), openai)).toEqual(
      on("agents.defaults.model=gpt-5 (a model openai owns: modelSupport)"),
    );
    expect(decide(V429, model("gpt-5"), anthropic)).toEqual(off(PROVIDER_NOT_REFERENCED));
  });
});

// ---------------------------------------------------------------------------------------------
// What is staged beyond a plugin's dependencies

describe("runtimeDependencies.localMemoryEmbedding (2026.4.29+)", () => {
  const local = (memorySearch: unknown): unknown => ({ agents: { defaults: { memorySearch } } });
  const withEmbedding = (key: string): Decision => ({
    active: true,
    reason: `plugins.slots.memory (default); + localMemoryEmbedding (${key})`,
    extraDependencies: { "node-llama-cpp": "3.18.1" },
  });

  it("added when memorySearch.provider is local (trimmed, any case)", () => {
    for (const provider of ["local", " LOCAL "]) {
      expect(decide(V429, local({ provider }), memoryCore)).toEqual(
        withEmbedding("agents.defaults.memorySearch.provider=local"),
      );
    }
    expect(decide(V430, local({ provider: "local" }), memoryCore)).toEqual(
      withEmbedding("agents.defaults.memorySearch.provider=local"),
    );
  });

  it("from any agent of agents.list", () => {
    const config = { agents: { list: [{ id: "a" }, { id: "b", memorySearch: { provider: "local" } }] } };
    expect(decide(V429, config, memoryCore)).toEqual(
      withEmbedding("agents.list[1].memorySearch.provider=local"),
    );
  });

  it.each([
    ["disabled", local({ provider: "local", enabled: false })],
    ["another provider", local({ provider: "openai" })],
    ["no provider", local({ enabled: true })],
    ["a disabled agent", { agents: { list: [{ memorySearch: { provider: "local", enabled: false } }] } }],
  ])("not added: %s", (_name, config) => {
    expect(decide(V429, config, memoryCore)).toEqual(on("plugins.slots.memory (default)"));
  });

  it("a memorySearch that is not an object is skipped (the codec rejects it first)", () => {
    expect(decideUnchecked(V429, local("local"), memoryCore)).toEqual(on("plugins.slots.memory (default)"));
  });

  it("only for a selected plugin", () => {
    const config = {
      plugins: { slots: { memory: "none" } },
      agents: { defaults: { memorySearch: { provider: "local" } } },
    };
    expect(decide(V429, config, memoryCore)).toEqual(off(NO_RULE));
  });

  it("not before 2026.4.29", () => {
    const config = {
      plugins: { entries: { "memory-core": { enabled: true } } },
      agents: { defaults: { memorySearch: { provider: "local" } } },
    };
    expect(decide(V422, config, memoryCore)).toEqual(on("plugins.entries.memory-core.enabled=true"));
    expect(decide(V420, config, memoryCore)).toEqual(on("plugins.entries.memory-core.enabled=true"));
  });

  it("scoped names; a spec that is not name@version is warned about and skipped", () => {
    const mem = mk("memory-core", {
      id: "memory-core",
      runtimeDependencies: { localMemoryEmbedding: ["@scope/embed@^1.2.0", "node-llama-cpp", "@scope/bare"] },
    });
    const selection = select(V429, local({ provider: "local" }), [mem]);
    expect(selection.decide(mem).extraDependencies).toEqual({ "@scope/embed": "^1.2.0" });
    expect(selection.warnings).toEqual([
      'memory-core: runtimeDependencies.localMemoryEmbedding entry "node-llama-cpp" is not name@version; skipped',
      'memory-core: runtimeDependencies.localMemoryEmbedding entry "@scope/bare" is not name@version; skipped',
    ]);
  });

  it("a bad spec is warned about once when every plugin is decided once (as the plan does)", () => {
    const mem = mk("memory-core", {
      id: "memory-core",
      runtimeDependencies: { localMemoryEmbedding: ["bad"] },
    });
    const host: HostManifest = {
      dependencies: { ws: "^8.18.0" },
      openclaw: { bundle: { mirroredRootRuntimeDependencies: ["ws"] } },
    };
    // With mirrored root dependencies the selection itself decides plugins to learn whether any is
    // selected; the plan then decides each plugin once more. The warning belongs to the plugin,
    // not to how often it is asked about.
    const selection = select(V429, local({ provider: "local" }), [mem, browser], host);
    for (const plugin of [browser, mem]) selection.decide(plugin);
    expect(selection.warnings.filter((w) => w.includes('"bad"'))).toHaveLength(1);
  });
});

describe("openclaw.bundle.mirroredRootRuntimeDependencies (owner openclaw-core)", () => {
  const host: HostManifest = {
    dependencies: { ws: "^8.18.0", undici: "7.16.0" },
    optionalDependencies: { "sqlite-vec": "0.1.7-alpha.2", ws: "8.18.3" },
    openclaw: { bundle: { mirroredRootRuntimeDependencies: ["ws", "sqlite-vec"] } },
  };
  const facts: PluginFacts = {
    id: MIRRORED_OWNER,
    dir: path.join(HOST, "package.json"),
    dependencies: { ws: "8.18.3", "sqlite-vec": "0.1.7-alpha.2" },
    staged: true,
    channels: [],
    providers: [],
    enabledByDefault: false,
    legacyIds: [],
  };
  const MIRRORED = "openclaw.bundle.mirroredRootRuntimeDependencies";
  const noPlugin = { plugins: { enabled: false } };

  it("4.29: mirrored once any plugin is selected (optionalDependencies win)", () => {
    expect(select(V429, {}, ALL, host).extras).toEqual([
      { facts, decision: on(`${MIRRORED} (mirrored once any bundled plugin is selected)`) },
    ]);
  });

  it("4.29: not when no plugin is selected", () => {
    expect(select(V429, noPlugin, ALL, host).extras).toEqual([
      { facts, decision: off(`${MIRRORED}: no bundled plugin is selected`) },
    ]);
    // Only a plugin without any rule for it: nothing selected either.
    expect(select(V429, {}, [slack], host).extras.map((e) => e.decision.active)).toEqual([false]);
  });

  it("4.30+: always, even with plugins.enabled=false", () => {
    for (const config of [{}, noPlugin]) {
      expect(select(V430, config, ALL, host).extras).toEqual([
        { facts, decision: on(`${MIRRORED} (OpenClaw 2026.4.30+ mirrors them always)`) },
      ]);
    }
  });

  it("a non-calendar version is treated as 4.29, not 4.30", () => {
    expect(select("1.2.3", noPlugin, ALL, host).extras.map((e) => e.decision)).toEqual([
      off(`${MIRRORED}: no bundled plugin is selected`),
    ]);
  });

  it.each([V420, V422, "2026.2.1", V502])("%s mirrors nothing", (version) => {
    expect(select(version, {}, ALL, host).extras).toEqual([]);
  });

  it("a name missing from the host's dependencies is warned about and skipped", () => {
    const partial: HostManifest = {
      ...host,
      openclaw: { bundle: { mirroredRootRuntimeDependencies: ["ws", "left-pad", 42] } },
    };
    const selection = select(V429, {}, ALL, partial);
    expect(selection.extras.map((e) => e.facts.dependencies)).toEqual([{ ws: "8.18.3" }]);
    expect(selection.warnings).toEqual([
      'host package.json: mirrored root dependency "left-pad" is not among its dependencies; skipped',
      "host package.json: mirrored root dependency 42 is not among its dependencies; skipped",
    ]);
  });

  it("no names at all: no extra; not an array: a warning", () => {
    expect(select(V429, {}, ALL, { dependencies: { ws: "1" } }).extras).toEqual([]);
    expect(select(V429, {}, ALL, undefined).extras).toEqual([]);
    const none = select(V429, {}, ALL, {
      dependencies: { ws: "1" },
      openclaw: { bundle: { mirroredRootRuntimeDependencies: [] } },
    });
    expect(none.extras).toEqual([]);
    const bad = select(V429, {}, ALL, { openclaw: { bundle: { mirroredRootRuntimeDependencies: "ws" } } });
    expect(bad.extras).toEqual([]);
    expect(bad.warnings).toEqual([
      "host package.json: openclaw.bundle.mirroredRootRuntimeDependencies is not an array; ignored",
    ]);
  });
});

describe("what a selected plugin stages", () => {
  it("all of its dependencies, whatever stageRuntimeDependencies says", () => {
    expect(browser.staged).toBe(true);
    expect(browser.dependencies).toEqual({ "playwright-core": "1.56.0" });
    expect(decide(V420, {}, browser)).toEqual(on("enabledByDefault"));
  });
});

// ---------------------------------------------------------------------------------------------
// Prototype keys

describe("prototype keys in a config", () => {
  const hostileText =
    "{" +
    '"plugins":{"entries":{"__proto__":{"enabled":true},"constructor":{"enabled":true},"toString":{"enabled":true}},' +
    '"slots":{"__proto__":"slack"}},' +
    '"channels":{"__proto__":{"enabled":true},"constructor":{"enabled":true},"toString":{"enabled":true}},' +
    '"models":{"providers":{"__proto__":{},"constructor":{},"toString":{}}},' +
    '"auth":{"order":{"__proto__":[],"constructor":[]},"profiles":{"__proto__":{"mode":"token"},"constructor":{"provider":"toString"}}},' +
    '"agents":{"defaults":{"models":{"__proto__":{},"constructor":{}},"__proto__":{"model":"anthropic/x"}}}' +
    "}";
  const parsers: readonly (readonly [string, (text: string) => unknown])[] = [
    ["JSON.parse", JSON.parse],
    ["JSON5.parse", JSON5.parse],
  ];
  const versions = [V420, V422, V429, V430];

  it.each(parsers)("%s keeps __proto__ as an own key (so the test means something)", (_name, parse) => {
    const config = cfg(parse(hostileText)) as { channels: object; plugins: { entries: object } };
    expect(Object.hasOwn(config.channels, "__proto__")).toBe(true);
    expect(Object.hasOwn(config.plugins.entries, "__proto__")).toBe(true);
  });

  it.each(parsers)("%s: the keys select nothing a config without them would not", (_name, parse) => {
    const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();
    for (const version of versions) {
      const hostile = selectOpenClaw(
        cfg(parse(hostileText)),
        { version, packageRoot: HOST, plugins: ALL },
        undefined,
      );
      const plain = select(version, {});
      for (const plugin of ALL)
        expect(hostile.decide(plugin), `${version} ${plugin.id}`).toEqual(plain.decide(plugin));
    }
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
    const probe = {} as Record<string, unknown>;
    for (const key of ["enabled", "provider", "model", "slack"]) expect(probe[key]).toBeUndefined();
  });

  it("a plugin named after Object.prototype members finds nothing in empty records", () => {
    const hostile = mk("toString", {
      channels: ["constructor", "hasOwnProperty", "__proto__"],
      providers: ["valueOf", "constructor", "__proto__"],
      legacyPluginIds: ["__proto__", "constructor"],
      modelSupport: { modelPrefixes: ["__proto__"] },
    });
    const config = {
      plugins: { entries: {} },
      channels: {},
      models: { providers: {} },
      auth: { profiles: {}, order: {} },
    };
    for (const version of versions) {
      expect(decide(version, config, hostile, [hostile])).toEqual(off(NO_RULE));
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

const dirs = [
  "slack",
  "telegram",
  "matrix",
  "memory-core",
  "lossless-claw",
  "openai",
  "anthropic",
  "kimi-coding",
  "irc",
];
const channelNames = ["slack", "telegram", "tg", "matrix", "irc", "chat", "Slack"];
const providerNames = [
  "openai",
  "openai-codex",
  "anthropic",
  "kimi",
  "kimi-coding",
  "bedrock",
  "amazon-bedrock",
];
const configIds = [...dirs, "kimi", "matrix-legacy", "openai-codex", "Slack", "google-gemini-cli"];

const manifestArb: fc.Arbitrary<OpenClawPluginManifest> = fc.record(
  {
    id: fc.constantFrom("slack", "kimi", "openai", "matrix", "newname"),
    channels: fc.subarray(channelNames),
    providers: fc.subarray(providerNames),
    enabledByDefault: fc.boolean(),
    legacyPluginIds: fc.subarray(["matrix-legacy", "openai-codex", "kimi-coding"]),
    modelSupport: fc.record(
      {
        modelPatterns: fc.subarray(["^claude-", "^gpt-", "(["]),
        modelPrefixes: fc.subarray(["claude-", "gpt-", "o3"]),
      },
      { requiredKeys: [] },
    ),
    runtimeDependencies: fc.record({
      localMemoryEmbedding: fc.subarray(["node-llama-cpp@3.18.1", "@s/e@1.0.0"]),
    }),
  },
  { requiredKeys: [] },
);

const packageArb: fc.Arbitrary<OpenClawPluginPackageJson> = fc.record(
  {
    dependencies: fc.constant({ dep: "1.0.0" }),
    openclaw: fc.record({
      channel: fc.record(
        {
          id: fc.constantFrom("slack", "telegram", "matrix", "chat"),
          aliases: fc.subarray(["tg", "chat", "sl"]),
        },
        { requiredKeys: ["id"] },
      ),
    }),
  },
  { requiredKeys: [] },
);

const pluginsArb: fc.Arbitrary<PluginFacts[]> = fc
  .uniqueArray(fc.tuple(fc.constantFrom(...dirs), manifestArb, packageArb), {
    minLength: 1,
    maxLength: 6,
    selector: ([dir]) => dir,
  })
  .map((rows) => rows.map(([dir, manifest, pkg]) => mk(dir, manifest, pkg)));

const modelRefArb = fc.oneof(
  fc.constantFrom(...providerNames).map((p) => `${p}/some-model`),
  fc.constantFrom("claude-sonnet-4", "gpt-5@work", "o3-mini", "bare"),
);

const configArb: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    plugins: fc.record(
      {
        enabled: fc.boolean(),
        allow: fc.array(fc.constantFrom(...configIds), { maxLength: 3 }),
        deny: fc.array(fc.constantFrom(...configIds), { maxLength: 2 }),
        entries: fc.dictionary(
          fc.constantFrom(...configIds),
          fc.record({ enabled: fc.boolean() }, { requiredKeys: [] }),
        ),
        slots: fc.record(
          {
            memory: fc.constantFrom("memory-core", "lossless-claw", "none"),
            contextEngine: fc.constantFrom("lossless-claw", "slack"),
          },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: [] },
    ),
    channels: fc.dictionary(
      fc.constantFrom(...channelNames),
      fc.record({ enabled: fc.boolean(), botToken: fc.constant("t") }, { requiredKeys: [] }),
    ),
    models: fc.record({ providers: fc.dictionary(fc.constantFrom(...providerNames), fc.constant({})) }),
    agents: fc.record(
      {
        defaults: fc.record(
          {
            model: fc.oneof(
              modelRefArb,
              fc.record({ primary: modelRefArb, fallbacks: fc.array(modelRefArb, { maxLength: 2 }) }),
            ),
            memorySearch: fc.record(
              { provider: fc.constantFrom("local", "openai"), enabled: fc.boolean() },
              { requiredKeys: [] },
            ),
          },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: [] },
);

const STAGING_VERSIONS = [V420, V422, V429, V430, "2026.2.1", "1.2.3"];
const host: HostManifest = {
  dependencies: { ws: "8.0.0" },
  openclaw: { bundle: { mirroredRootRuntimeDependencies: ["ws"] } },
};

describe("properties", () => {
  // The generated catalogs share aliases (tg, chat) on purpose: which channel an alias names must
  // not depend on the order the plugins come in (see the 4.22 alias test above).
  it("the decisions never depend on the order of the plugins given", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...STAGING_VERSIONS),
        configArb,
        pluginsArb.chain((plugins) =>
          fc.tuple(fc.constant(plugins), fc.shuffledSubarray(plugins, { minLength: plugins.length })),
        ),
        (version, raw, [plugins, shuffled]) => {
          const a = select(version, raw, plugins, host);
          const b = select(version, raw, shuffled, host);
          for (const plugin of plugins) expect(b.decide(plugin), plugin.id).toEqual(a.decide(plugin));
          expect(b.extras).toEqual(a.extras);
        },
      ),
      { numRuns: 400 },
    );
  });

  it("plugins.enabled=false turns every plugin off in every staging band", () => {
    fc.assert(
      fc.property(fc.constantFrom(...STAGING_VERSIONS), configArb, pluginsArb, (version, raw, plugins) => {
        const config = { ...raw, plugins: { ...(raw["plugins"] as object | undefined), enabled: false } };
        const selection = select(version, config, plugins, host);
        for (const plugin of plugins) expect(selection.decide(plugin)).toEqual(off("plugins.enabled=false"));
        // What stays: only 4.30+'s unconditional mirror of the host's own dependencies.
        const mirrors = bandOf(version).band.id === "2026.4.29";
        expect(selection.extras.map((e) => e.decision.active)).toEqual(
          mirrors ? [mirrorsAlways(version)] : [],
        );
      }),
      { numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The gateway's startup, united with the doctor (selection/gateway-startup.ts). Each case is one
// the conformance suite found with OpenClaw's own gateway functions (test/host/cases.ts).

describe("2026.4.29 – 4.30: what the gateway starts beyond the doctor", () => {
  const acpx = mk(
    "acpx",
    { id: "acpx", enabledByDefault: true, activation: { onStartup: true } },
    {
      dependencies: { acpx: "0.6.1" },
    },
  );
  const lazy = mk("lazy", { id: "lazy", enabledByDefault: true, activation: { onStartup: false } });

  it("a channel key in another case: the doctor looks up the exact key, the gateway lowercases it", () => {
    const config = { channels: { Telegram: { botToken: "x" } } };
    expect(decide(V429, config, telegram)).toEqual(
      on("channels.Telegram (configured; the gateway starts its channel at startup)"),
    );
  });

  it("a channel block that only says enabled (nothing configured) is not started", () => {
    expect(
      decide(V429, { plugins: { allow: ["discord"] }, channels: { Slack: { enabled: true } } }, slack),
    ).toEqual(off('plugins.allow does not contain "slack"'));
  });

  it("a denied or explicitly disabled plugin is never started", () => {
    const configured = { channels: { telegram: { botToken: "x" } } };
    expect(decide(V429, { ...configured, plugins: { deny: ["telegram"] } }, telegram).active).toBe(false);
    expect(
      decide(V429, { ...configured, plugins: { entries: { telegram: { enabled: false } } } }, telegram)
        .active,
    ).toBe(false);
    expect(
      decide(V429, { channels: { Telegram: { botToken: "x" }, telegram: { enabled: false } } }, telegram)
        .active,
    ).toBe(false);
  });

  it("an onStartup plugin with entry config outside the allowlist: auto-enable allowlists it, the gateway starts it", () => {
    const config = { plugins: { allow: ["browser"], entries: { acpx: { enabled: true } } } };
    expect(decide(V429, config, acpx, [...ALL, acpx])).toEqual(
      on("plugins.entries.acpx (the gateway adds it to plugins.allow and starts it: activation.onStartup)"),
    );
    expect(decide(V430, config, acpx, [...ALL, acpx]).active).toBe(true);
  });

  it("the same for a plugin the gateway does not start at startup stays off", () => {
    const config = { plugins: { allow: ["browser"], entries: { lazy: { enabled: true } } } };
    expect(decide(V429, config, lazy, [...ALL, lazy])).toEqual(off('plugins.allow does not contain "lazy"'));
  });
});

describe("2026.4.29 – 4.30: the gateway starts plugins by their manifest's activation", () => {
  const browser = mk(
    "browser",
    { id: "browser", activation: { onConfigPaths: ["browser"] } },
    {
      dependencies: { "playwright-core": "1.59.1" },
    },
  );
  const codex = mk(
    "codex",
    { id: "codex", providers: ["codex"], activation: { onAgentHarnesses: ["codex"] } },
    {
      dependencies: { "@openai/codex": "0.1.0" },
    },
  );
  const plugins = [...ALL, browser, codex];
  const allowOther = { allow: ["telegram"] };

  it("a config path it names, set and not disabled, starts it whatever the allowlist says", () => {
    expect(decide(V429, { plugins: allowOther, browser: { profiles: {} } }, browser, plugins)).toEqual(
      on("browser (configured; activation.onConfigPaths: the gateway starts it)"),
    );
    expect(decide(V429, { plugins: allowOther, browser: { enabled: false } }, browser, plugins).active).toBe(
      false,
    );
    expect(decide(V429, { plugins: allowOther, browser: false }, browser, plugins).active).toBe(false);
    expect(decide(V429, { plugins: { deny: ["browser"] }, browser: {} }, browser, plugins).active).toBe(
      false,
    );
  });

  it("an agent runtime it provides starts it; auto and pi are built in", () => {
    expect(decide(V429, { agents: { defaults: { agentRuntime: { id: "codex" } } } }, codex, plugins)).toEqual(
      on("agents.defaults.agentRuntime.id=codex (activation.onAgentHarnesses: the gateway starts it)"),
    );
    expect(
      decide(
        V429,
        { plugins: allowOther, agents: { list: [{ agentRuntime: { id: "Codex" } }] } },
        codex,
        plugins,
      ),
    ).toEqual(
      on("agents.list[0].agentRuntime.id=codex (activation.onAgentHarnesses: the gateway starts it)"),
    );
    expect(
      decide(V429, { agents: { defaults: { agentRuntime: { id: "auto" } } } }, codex, plugins).active,
    ).toBe(false);
    expect(
      decide(
        V429,
        {
          plugins: { entries: { codex: { enabled: false } } },
          agents: { defaults: { agentRuntime: { id: "codex" } } },
        },
        codex,
        plugins,
      ).active,
    ).toBe(false);
  });
});

describe("2026.3.22 – 4.28: what auto-enable turns on, the loader stages", () => {
  const codex = mk(
    "codex",
    { id: "codex", providers: ["codex"], activation: { onAgentHarnesses: ["codex"] } },
    { dependencies: { "@openai/codex": "0.1.0" } },
  );
  const claude = mk(
    "claude",
    { id: "claude", cliBackends: ["claude-cli"] },
    { dependencies: { x: "1.0.0" } },
  );
  const plugins = [...ALL, codex, claude];

  it("the one plugin owning a model ref's provider (providers or cliBackends)", () => {
    for (const version of [V420, V422]) {
      expect(decide(version, { agents: { defaults: { model: "codex/gpt-5" } } }, codex, plugins)).toEqual(
        on(
          "agents.defaults.model → codex (the gateway auto-enables codex and installs its dependencies when it loads it)",
        ),
      );
      expect(
        decide(
          version,
          { agents: { list: [{ model: { fallbacks: ["x/y", "claude-cli/opus"] } }] } },
          claude,
          plugins,
        ),
      ).toEqual(
        on(
          "agents.list[0].model.fallbacks[1] → claude-cli (the gateway auto-enables claude and installs its dependencies when it loads it)",
        ),
      );
      const denied = { plugins: { deny: ["codex"] }, agents: { defaults: { model: "codex/gpt-5" } } };
      expect(decide(version, denied, codex, plugins).active).toBe(false);
    }
  });

  it("an embedded harness runtime (not agentRuntime, which is 4.29's field)", () => {
    const harness = { agents: { defaults: { embeddedHarness: { runtime: "codex" } } } };
    expect(decide(V420, harness, codex, plugins)).toEqual(
      on(
        "agents.defaults.embeddedHarness.runtime=codex (the gateway auto-enables codex and installs its dependencies when it loads it)",
      ),
    );
    expect(
      decide(V420, { agents: { defaults: { agentRuntime: { id: "codex" } } } }, codex, plugins).active,
    ).toBe(false);
    expect(decide(V429, harness, codex, plugins).active).toBe(false);
  });
});
