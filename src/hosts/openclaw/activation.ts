import type { OpenClawConfig } from "../../model/openclaw.js";
import type { Decision, PluginFacts } from "../types.js";

/**
 * OpenClaw plugin activation (SPEC §5). Pure: config + plugin facts in, decision out.
 *
 * The rules run in this order and the first that matches decides. Each decision's `reason` names
 * the config key that decided, so `plugdeps plan` can tell an operator which line to edit.
 *
 * Every record lookup goes through `own()` (Object.hasOwn): a plugin or channel called
 * `constructor` or `toString` must not "find" Object.prototype's members in an empty record, and a
 * hostile `__proto__` key must not match anything it does not literally name.
 */
export const OPENCLAW_ACTIVATION_RULES = [
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
] as const;
export type OpenClawActivationRule = (typeof OPENCLAW_ACTIVATION_RULES)[number];

/** The reason used when no rule matched. */
export const DEFAULT_OFF_REASON = "not enabled (no rule matched)";

type Rule = (config: OpenClawConfig, plugin: PluginFacts) => Decision | undefined;

const on = (reason: string): Decision => ({ active: true, reason });
const off = (reason: string): Decision => ({ active: false, reason });

const hasKey = (record: object | undefined, key: string): boolean =>
  record !== undefined && record !== null && Object.hasOwn(record, key);

const own = <V>(record: Readonly<Record<string, V>> | undefined, key: string): V | undefined =>
  record !== undefined && hasKey(record, key) ? record[key] : undefined;

/**
 * The ids under which a config may name this plugin: its id first, then its legacy ids
 * (`legacyPluginIds`). The canonical id is tried first so that when both are present the reason
 * names the current id; which one is reported never depends on array or key order.
 */
const idsOf = (plugin: PluginFacts): readonly string[] => [plugin.id, ...plugin.legacyIds];

const legacyNote = (matched: string, plugin: PluginFacts): string =>
  matched === plugin.id ? "" : ` (legacy id of ${plugin.id})`;

const firstListed = (list: readonly string[] | undefined, plugin: PluginFacts): string | undefined =>
  list === undefined ? undefined : idsOf(plugin).find((id) => list.includes(id));

/** The first id (canonical, then legacy) whose `plugins.entries.<id>.enabled` equals `value`. */
const entryWith = (config: OpenClawConfig, plugin: PluginFacts, value: boolean): string | undefined =>
  idsOf(plugin).find((id) => own(own(config.plugins?.entries, id), "enabled") === value);

const channelWith = (config: OpenClawConfig, plugin: PluginFacts, value: boolean): string | undefined =>
  plugin.channels.find((ch) => own(own(config.channels, ch), "enabled") === value);

/** `provider/model` → `provider`; a bare model name has no provider. */
const providerPrefix = (model: string): string | undefined => {
  const slash = model.indexOf("/");
  return slash > 0 ? model.slice(0, slash) : undefined;
};

/** `agents.defaults.model` as `"p/m"` or `{ primary: "p/m" }`, with the key it was read from. */
const defaultModel = (config: OpenClawConfig): { key: string; value: string } | undefined => {
  const model = own(config.agents?.defaults, "model");
  if (typeof model === "string") return { key: "agents.defaults.model", value: model };
  if (typeof model === "object" && model !== null) {
    const primary = own(model as Record<string, unknown>, "primary");
    if (typeof primary === "string") return { key: "agents.defaults.model.primary", value: primary };
  }
  return undefined;
};

const rules: readonly Rule[] = [
  (config) => (config.plugins?.enabled === false ? off("plugins.enabled=false") : undefined),
  (config, plugin) => {
    const id = firstListed(config.plugins?.deny, plugin);
    return id === undefined ? undefined : off(`plugins.deny contains "${id}"${legacyNote(id, plugin)}`);
  },
  (config, plugin) => {
    const id = entryWith(config, plugin, false);
    return id === undefined ? undefined : off(`plugins.entries.${id}.enabled=false${legacyNote(id, plugin)}`);
  },
  // Only an explicit `enabled: true` counts. A channel section that merely holds persisted
  // credentials (`channels.slack.botToken`) never activates a plugin (SPEC §5).
  (config, plugin) => {
    const ch = channelWith(config, plugin, true);
    return ch === undefined ? undefined : on(`channels.${ch}.enabled=true`);
  },
  (config, plugin) => {
    const ch = channelWith(config, plugin, false);
    return ch === undefined ? undefined : off(`channels.${ch}.enabled=false`);
  },
  (config, plugin) => {
    const allow = config.plugins?.allow;
    if (allow === undefined || allow.length === 0) return undefined;
    return firstListed(allow, plugin) === undefined
      ? off(`plugins.allow does not contain "${plugin.id}"`)
      : undefined;
  },
  (config, plugin) => {
    const id = entryWith(config, plugin, true);
    return id === undefined ? undefined : on(`plugins.entries.${id}.enabled=true${legacyNote(id, plugin)}`);
  },
  (config, plugin) => {
    const configured = plugin.providers.find((p) => hasKey(config.models?.providers, p));
    if (configured !== undefined) return on(`models.providers.${configured}`);
    const model = defaultModel(config);
    const prefix = model === undefined ? undefined : providerPrefix(model.value);
    if (model !== undefined && prefix !== undefined && plugin.providers.includes(prefix)) {
      return on(`${model.key}=${prefix}/...`);
    }
    return undefined;
  },
  (_config, plugin) => (plugin.enabledByDefault ? on("enabledByDefault") : undefined),
];

export const decideOpenClaw = (config: OpenClawConfig, plugin: PluginFacts): Decision => {
  for (const rule of rules) {
    const decision = rule(config, plugin);
    if (decision !== undefined) return decision;
  }
  return off(DEFAULT_OFF_REASON);
};
