import * as E from "fp-ts/lib/Either.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_OFF_REASON,
  decideOpenClaw,
  OPENCLAW_ACTIVATION_RULES,
} from "../../src/hosts/openclaw/activation.js";
import type { PluginFacts } from "../../src/hosts/types.js";
import { decodeWith } from "../../src/model/decode.js";
import { OpenClawConfig } from "../../src/model/openclaw.js";

const plugin = (overrides: Partial<PluginFacts> = {}): PluginFacts => ({
  id: "slack",
  dir: "/pkg/dist/extensions/slack",
  dependencies: {},
  staged: true,
  channels: ["slack"],
  providers: [],
  enabledByDefault: false,
  legacyIds: [],
  ...overrides,
});

/** Configs go through the real codec, as they would from disk; extra keys (credentials) survive. */
const cfg = (raw: unknown): OpenClawConfig => {
  const decoded = decodeWith(OpenClawConfig, "OpenClaw config", "test.json5")(raw);
  if (E.isLeft(decoded)) throw new Error(decoded.left.message);
  return decoded.right;
};

const matrix = plugin({ id: "matrix", channels: ["matrix"], legacyIds: ["matrix-legacy"] });
const openai = plugin({ id: "openai", channels: [], providers: ["openai"] });

interface Row {
  readonly name: string;
  readonly config: unknown;
  readonly plugin?: PluginFacts;
  readonly active: boolean;
  readonly reason: string;
}

const rows: readonly Row[] = [
  // 1. plugins.enabled=false shadows everything
  {
    name: "plugins.enabled=false beats channel, entries and enabledByDefault",
    config: {
      plugins: { enabled: false, entries: { slack: { enabled: true } } },
      channels: { slack: { enabled: true } },
    },
    plugin: plugin({ enabledByDefault: true }),
    active: false,
    reason: "plugins.enabled=false",
  },
  // 2. deny
  {
    name: "deny beats channel enabled=true",
    config: { plugins: { deny: ["slack"] }, channels: { slack: { enabled: true } } },
    active: false,
    reason: 'plugins.deny contains "slack"',
  },
  {
    name: "deny beats entries enabled=true and allow",
    config: { plugins: { deny: ["slack"], allow: ["slack"], entries: { slack: { enabled: true } } } },
    active: false,
    reason: 'plugins.deny contains "slack"',
  },
  {
    name: "deny matches a legacy id",
    config: { plugins: { deny: ["matrix-legacy"] }, channels: { matrix: { enabled: true } } },
    plugin: matrix,
    active: false,
    reason: 'plugins.deny contains "matrix-legacy" (legacy id of matrix)',
  },
  {
    name: "deny naming both ids reports the canonical one",
    config: { plugins: { deny: ["matrix-legacy", "matrix"] } },
    plugin: matrix,
    active: false,
    reason: 'plugins.deny contains "matrix"',
  },
  // 3. entries false
  {
    name: "entries enabled=false beats channel enabled=true",
    config: { plugins: { entries: { slack: { enabled: false } } }, channels: { slack: { enabled: true } } },
    active: false,
    reason: "plugins.entries.slack.enabled=false",
  },
  {
    name: "entries enabled=false under a legacy id",
    config: {
      plugins: { entries: { "matrix-legacy": { enabled: false } } },
      channels: { matrix: { enabled: true } },
    },
    plugin: matrix,
    active: false,
    reason: "plugins.entries.matrix-legacy.enabled=false (legacy id of matrix)",
  },
  // 4. channel true
  {
    name: "channel enabled=true beats allow-absent",
    config: { plugins: { allow: ["discord"] }, channels: { slack: { enabled: true } } },
    active: true,
    reason: "channels.slack.enabled=true",
  },
  {
    name: "any manifest channel enabled=true wins over another channel enabled=false",
    config: { channels: { "slack-legacy-chan": { enabled: false }, slack: { enabled: true } } },
    plugin: plugin({ channels: ["slack-legacy-chan", "slack"] }),
    active: true,
    reason: "channels.slack.enabled=true",
  },
  // 5. channel false
  {
    name: "channel enabled=false beats entries enabled=true",
    config: { plugins: { entries: { slack: { enabled: true } } }, channels: { slack: { enabled: false } } },
    active: false,
    reason: "channels.slack.enabled=false",
  },
  {
    name: "channel enabled=false beats enabledByDefault",
    config: { channels: { slack: { enabled: false } } },
    plugin: plugin({ enabledByDefault: true }),
    active: false,
    reason: "channels.slack.enabled=false",
  },
  // 6. allow
  {
    name: "allow-absent beats entries enabled=true",
    config: { plugins: { allow: ["discord"], entries: { slack: { enabled: true } } } },
    active: false,
    reason: 'plugins.allow does not contain "slack"',
  },
  {
    name: "allow-absent beats enabledByDefault",
    config: { plugins: { allow: ["discord"] } },
    plugin: plugin({ enabledByDefault: true }),
    active: false,
    reason: 'plugins.allow does not contain "slack"',
  },
  {
    name: "allow containing a legacy id admits the plugin",
    config: { plugins: { allow: ["matrix-legacy"], entries: { matrix: { enabled: true } } } },
    plugin: matrix,
    active: true,
    reason: "plugins.entries.matrix.enabled=true",
  },
  {
    name: "an empty allow list restricts nothing",
    config: { plugins: { allow: [] } },
    plugin: plugin({ enabledByDefault: true }),
    active: true,
    reason: "enabledByDefault",
  },
  {
    name: "allow alone does not activate",
    config: { plugins: { allow: ["slack"] } },
    active: false,
    reason: DEFAULT_OFF_REASON,
  },
  // 7. entries true
  {
    name: "entries enabled=true beats provider",
    config: { plugins: { entries: { openai: { enabled: true } } }, models: { providers: { openai: {} } } },
    plugin: openai,
    active: true,
    reason: "plugins.entries.openai.enabled=true",
  },
  {
    name: "entries enabled=true under a legacy id",
    config: { plugins: { entries: { "matrix-legacy": { enabled: true } } } },
    plugin: matrix,
    active: true,
    reason: "plugins.entries.matrix-legacy.enabled=true (legacy id of matrix)",
  },
  {
    name: "entries without enabled decides nothing",
    config: { plugins: { entries: { slack: { config: { x: 1 } } } } },
    active: false,
    reason: DEFAULT_OFF_REASON,
  },
  // 8. provider
  {
    name: "provider in models.providers beats enabledByDefault",
    config: { models: { providers: { openai: { apiKey: "sk-x" } } } },
    plugin: plugin({ ...openai, enabledByDefault: true }),
    active: true,
    reason: "models.providers.openai",
  },
  {
    name: "provider from agents.defaults.model as a string",
    config: { agents: { defaults: { model: "openai/gpt-5" } } },
    plugin: openai,
    active: true,
    reason: "agents.defaults.model=openai/...",
  },
  {
    name: "provider from agents.defaults.model.primary",
    config: { agents: { defaults: { model: { primary: "openai/gpt-5", fallbacks: ["x/y"] } } } },
    plugin: openai,
    active: true,
    reason: "agents.defaults.model.primary=openai/...",
  },
  {
    name: "a model without a provider prefix references no provider",
    config: { agents: { defaults: { model: "openai" } } },
    plugin: openai,
    active: false,
    reason: DEFAULT_OFF_REASON,
  },
  {
    name: "another provider's model does not activate",
    config: { agents: { defaults: { model: "anthropic/claude" } }, models: { providers: { anthropic: {} } } },
    plugin: openai,
    active: false,
    reason: DEFAULT_OFF_REASON,
  },
  // 9. enabledByDefault, 10. default
  {
    name: "enabledByDefault",
    config: {},
    plugin: plugin({ enabledByDefault: true }),
    active: true,
    reason: "enabledByDefault",
  },
  { name: "empty config, not enabled by default", config: {}, active: false, reason: DEFAULT_OFF_REASON },
  // persisted credentials never activate
  {
    name: "channel credentials without enabled do not activate",
    config: { channels: { slack: { botToken: "xoxb-1", appToken: "xapp-1" } } },
    active: false,
    reason: DEFAULT_OFF_REASON,
  },
  // hostile keys
  {
    name: "own __proto__ / constructor keys match nothing",
    config: JSON.parse(
      '{"plugins":{"entries":{"__proto__":{"enabled":true},"constructor":{"enabled":true}},"deny":[]},' +
        '"channels":{"__proto__":{"enabled":true},"toString":{"enabled":true}}}',
    ),
    active: false,
    reason: DEFAULT_OFF_REASON,
  },
  {
    name: "a plugin named like an Object.prototype member finds nothing in empty records",
    config: { plugins: { entries: {} }, channels: {}, models: { providers: {} } },
    plugin: plugin({ id: "toString", channels: ["constructor", "hasOwnProperty"], providers: ["valueOf"] }),
    active: false,
    reason: DEFAULT_OFF_REASON,
  },
];

describe("decideOpenClaw: every rule in order", () => {
  it.each(rows)("$name", (row) => {
    expect(decideOpenClaw(cfg(row.config), row.plugin ?? plugin())).toEqual({
      active: row.active,
      reason: row.reason,
    });
  });

  it("exports the rule names in evaluation order", () => {
    expect(OPENCLAW_ACTIVATION_RULES).toEqual([
      "plugins.enabled=false",
      "plugins.deny",
      "plugins.entries.<id>.enabled=false",
      "channels.<channel>.enabled=true",
      "channels.<channel>.enabled=false",
      "plugins.allow",
      "plugins.entries.<id>.enabled=true",
      "provider referenced",
      "enabledByDefault",
      "default off",
    ]);
  });

  it("does not pollute or read Object.prototype", () => {
    decideOpenClaw(cfg(JSON.parse('{"plugins":{"entries":{"__proto__":{"enabled":true}}}}')), plugin());
    expect(({} as Record<string, unknown>)["enabled"]).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

const ids = ["slack", "matrix", "openai", "constructor", "toString"] as const;
const legacy = ["matrix-legacy", "slack-old", "__proto__"] as const;
const anyId = fc.constantFrom(...ids, ...legacy, "discord");
const channelName = fc.constantFrom("slack", "matrix", "discord", "constructor", "__proto__");
const providerName = fc.constantFrom("openai", "anthropic", "toString", "__proto__");
const modelRef = fc.oneof(
  providerName.map((p) => `${p}/some-model`),
  fc.constant("bare-model"),
);

const pluginArb: fc.Arbitrary<PluginFacts> = fc.record({
  id: fc.constantFrom(...ids),
  dir: fc.constant("/x"),
  dependencies: fc.constant({}),
  staged: fc.boolean(),
  channels: fc.subarray(["slack", "matrix", "discord", "constructor", "__proto__"]),
  providers: fc.subarray(["openai", "anthropic", "toString", "__proto__"]),
  enabledByDefault: fc.boolean(),
  legacyIds: fc.subarray([...legacy]),
});

const configArb: fc.Arbitrary<OpenClawConfig> = fc.record(
  {
    plugins: fc.record(
      {
        enabled: fc.boolean(),
        allow: fc.array(anyId, { maxLength: 4 }),
        deny: fc.array(anyId, { maxLength: 3 }),
        entries: fc.dictionary(anyId, fc.record({ enabled: fc.boolean() }, { requiredKeys: [] })),
      },
      { requiredKeys: [] },
    ),
    channels: fc.dictionary(
      channelName,
      fc.record({ enabled: fc.boolean(), botToken: fc.constant("xoxb") }, { requiredKeys: [] }),
    ),
    models: fc.record({ providers: fc.dictionary(providerName, fc.constant({})) }, { requiredKeys: [] }),
    agents: fc.record(
      {
        defaults: fc.record(
          { model: fc.oneof(modelRef, fc.record({ primary: modelRef })) },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: [] },
);

const idsOf = (p: PluginFacts): string[] => [p.id, ...p.legacyIds];
const own = (record: object | undefined, key: string): unknown =>
  record !== undefined && Object.hasOwn(record, key) ? (record as Record<string, unknown>)[key] : undefined;
const enabledOf = (record: object | undefined, key: string): unknown => {
  const entry = own(record, key);
  return typeof entry === "object" && entry !== null ? own(entry, "enabled") : undefined;
};

const withPlugins = (
  config: OpenClawConfig,
  plugins: NonNullable<OpenClawConfig["plugins"]>,
): OpenClawConfig => ({
  ...config,
  plugins: { ...config.plugins, ...plugins },
});

const reversedRecord = <V>(r: Readonly<Record<string, V>> | undefined): Record<string, V> | undefined =>
  r === undefined ? undefined : Object.fromEntries(Object.entries(r).reverse());
const rotate = <V>(xs: readonly V[] | undefined, by: number): V[] | undefined =>
  xs === undefined || xs.length === 0
    ? xs === undefined
      ? undefined
      : []
    : [...xs.slice(by % xs.length), ...xs.slice(0, by % xs.length)];

/** Same config, every array rotated/reversed and every record's key order reversed. */
const reorder = (c: OpenClawConfig, by: number): OpenClawConfig => {
  const out: Record<string, unknown> = { ...c };
  if (c.plugins !== undefined) {
    const p: Record<string, unknown> = { ...c.plugins };
    if (c.plugins.allow !== undefined) p["allow"] = rotate(c.plugins.allow, by)?.reverse();
    if (c.plugins.deny !== undefined) p["deny"] = rotate(c.plugins.deny, by + 1);
    if (c.plugins.entries !== undefined) p["entries"] = reversedRecord(c.plugins.entries);
    out["plugins"] = p;
  }
  if (c.channels !== undefined) out["channels"] = reversedRecord(c.channels);
  if (c.models?.providers !== undefined)
    out["models"] = { ...c.models, providers: reversedRecord(c.models.providers) };
  return out as OpenClawConfig;
};

/** Does the named key really hold the value the reason claims? */
const reasonHolds = (c: OpenClawConfig, p: PluginFacts, reason: string): boolean => {
  let m: RegExpExecArray | null;
  if (reason === "plugins.enabled=false") return c.plugins?.enabled === false;
  if ((m = /^plugins\.deny contains "([^"]+)"(?: \(legacy id of (.+)\))?$/.exec(reason))) {
    return (
      (c.plugins?.deny ?? []).includes(m[1]!) &&
      idsOf(p).includes(m[1]!) &&
      (m[2] === undefined) === (m[1] === p.id)
    );
  }
  if ((m = /^plugins\.entries\.(.+?)\.enabled=(true|false)(?: \(legacy id of (.+)\))?$/.exec(reason))) {
    return enabledOf(c.plugins?.entries, m[1]!) === (m[2] === "true") && idsOf(p).includes(m[1]!);
  }
  if ((m = /^channels\.(.+)\.enabled=(true|false)$/.exec(reason))) {
    return enabledOf(c.channels, m[1]!) === (m[2] === "true") && p.channels.includes(m[1]!);
  }
  if ((m = /^plugins\.allow does not contain "(.+)"$/.exec(reason))) {
    const allow = c.plugins?.allow ?? [];
    return m[1] === p.id && allow.length > 0 && !idsOf(p).some((id) => allow.includes(id));
  }
  if ((m = /^models\.providers\.(.+)$/.exec(reason))) {
    return (
      c.models?.providers !== undefined &&
      Object.hasOwn(c.models.providers, m[1]!) &&
      p.providers.includes(m[1]!)
    );
  }
  if ((m = /^agents\.defaults\.model(\.primary)?=([^/]+)\/\.\.\.$/.exec(reason))) {
    const model = c.agents?.defaults?.model;
    const value = m[1] === undefined ? model : typeof model === "object" ? model.primary : undefined;
    return typeof value === "string" && value.startsWith(`${m[2]}/`) && p.providers.includes(m[2]!);
  }
  if (reason === "enabledByDefault") return p.enabledByDefault;
  return reason === DEFAULT_OFF_REASON;
};

describe("decideOpenClaw: properties", () => {
  it("plugins.enabled=false turns every plugin off", () => {
    fc.assert(
      fc.property(configArb, pluginArb, (config, p) => {
        expect(decideOpenClaw(withPlugins(config, { enabled: false }), p)).toEqual({
          active: false,
          reason: "plugins.enabled=false",
        });
      }),
    );
  });

  it("deny always wins over every other rule except plugins.enabled=false (both are off)", () => {
    fc.assert(
      fc.property(configArb, pluginArb, fc.nat(), (config, p, pick) => {
        const all = idsOf(p);
        const denied = all[pick % all.length]!;
        const c = withPlugins(config, { deny: [...(config.plugins?.deny ?? []), denied] });
        const d = decideOpenClaw(c, p);
        expect(d.active).toBe(false);
        if (c.plugins?.enabled === false) expect(d.reason).toBe("plugins.enabled=false");
        else expect(d.reason).toMatch(/^plugins\.deny contains "/);
      }),
    );
  });

  it("the decision is independent of the order of allow/deny arrays and of key order in records", () => {
    fc.assert(
      fc.property(configArb, pluginArb, fc.nat(), (config, p, by) => {
        expect(decideOpenClaw(reorder(config, by), p)).toEqual(decideOpenClaw(config, p));
      }),
    );
  });

  // Precisely: once a non-empty allow list excludes the plugin (no id or legacy id listed), the
  // only rule that can still turn it on is an earlier one, and of the earlier rules only
  // `channels.<ch>.enabled=true` turns anything on. So: active ⇔ not globally disabled, not
  // denied, no `entries.<id>.enabled=false`, and some manifest channel has `enabled: true`.
  it("a plugin absent from a non-empty allow list is active exactly when a channel enabled=true activates it", () => {
    fc.assert(
      fc.property(
        configArb,
        pluginArb,
        fc.array(anyId, { minLength: 1, maxLength: 4 }),
        (config, p, allowRaw) => {
          const allow = allowRaw.filter((id) => !idsOf(p).includes(id));
          const c = withPlugins(config, { allow: allow.length > 0 ? allow : ["someone-else"] });
          const d = decideOpenClaw(c, p);
          const earlierOff =
            c.plugins?.enabled === false ||
            idsOf(p).some((id) => (c.plugins?.deny ?? []).includes(id)) ||
            idsOf(p).some((id) => enabledOf(c.plugins?.entries, id) === false);
          const channelOn = p.channels.some((ch) => enabledOf(c.channels, ch) === true);
          expect(d.active).toBe(!earlierOff && channelOn);
          if (d.active) expect(d.reason).toMatch(/^channels\..+\.enabled=true$/);
        },
      ),
    );
  });

  it("reason always names a config key that holds the claimed value, or enabledByDefault, or the default", () => {
    fc.assert(
      fc.property(configArb, pluginArb, (config, p) => {
        const d = decideOpenClaw(config, p);
        expect(reasonHolds(config, p, d.reason), d.reason).toBe(true);
        // and the verdict matches the reason's polarity
        const onReasons = /(=true|^models\.providers\.|^agents\.defaults\.model|^enabledByDefault$)/;
        expect(d.active).toBe(onReasons.test(d.reason.replace(/ \(legacy id of .+\)$/, "")));
      }),
    );
  });
});
