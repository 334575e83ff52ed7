import type { OpenClawConfig } from "../../../model/openclaw.js";
import type { Decision, PluginFacts } from "../../types.js";
import { openclawFactsOf } from "../discover.js";
import { channelBlock } from "./channels.js";
import { findNamed, type PluginsPolicy } from "./plugins-config.js";

/**
 * What the gateway stages at startup beyond what `doctor` / `plugins deps` would: plugdeps desires
 * the union (SPEC §5), so that neither finds a dependency missing and starts its own package
 * manager. Only consulted when the doctor's rule says "off". Pure.
 *
 * 2026.4.29 – 4.30 (`prestageGatewayBundledRuntimeDepsImpl` over `resolveGatewayStartupPluginIds`):
 * - a configured channel, matched case-insensitively (`listPotentialConfiguredChannelIds`
 *   lowercases config keys; the doctor looks up the exact key): `channels.Telegram: {botToken}`
 *   starts telegram. The allowlist does not stop it: `applyPluginAutoEnable` adds a configured
 *   channel's plugin to `plugins.allow`, and an explicit channel block bypasses it anyway;
 * - a plugin whose manifest says `activation.onStartup: true` and whose `plugins.entries.<id>`
 *   carries config while the allowlist leaves it out: auto-enable adds it to `plugins.allow`
 *   ("plugin config present, added to plugin allowlist") and the gateway starts it.
 * - a plugin whose manifest `activation.onConfigPaths` names a config path that is set and not
 *   disabled (`browser: {...}`; `canStartConfiguredRootPlugin`), whatever the allowlist says;
 * - a plugin whose `activation.onAgentHarnesses` names the agent runtime of the defaults or of an
 *   agent (`agents.defaults.agentRuntime.id: "codex"`; `collectConfiguredAgentHarnessRuntimes`),
 *   which auto-enable allowlists.
 * All stay off when plugins are disabled, the plugin is denied or explicitly disabled
 * (`plugins.entries.<id>.enabled=false`, a channel of it with `enabled: false`).
 *
 * 2026.3.22 – 4.28 (the plugin loader on the auto-enabled config): a channel configured without
 * `enabled` is auto-enabled (`channels.<id>.enabled = true`), and the loader then installs the
 * plugin's dependencies before importing it, although `doctor` of 4.20 would not stage it.
 *
 * Not modelled: channel presence signalled by environment variables (`TELEGRAM_BOT_TOKEN`...), which
 * depends on the gateway's environment, not plugdeps'.
 */

/** Config keys under `channels` that are not channels (`IGNORED_CHANNEL_CONFIG_KEYS`). */
const NOT_CHANNELS = new Set(["defaults", "modelByChannel"]);

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** A block that says more than `enabled` (`hasMeaningfulChannelConfig`). */
const meaningful = (block: unknown): boolean =>
  isRecord(block) && Object.keys(block).some((k) => k !== "enabled");

const on = (reason: string): Decision => ({ active: true, reason });

const blocked = (policy: PluginsPolicy, plugin: PluginFacts): boolean =>
  !policy.enabled ||
  findNamed(policy.deny, plugin.id) !== undefined ||
  policy.entries.get(plugin.id)?.enabled === false;

/** A manifest channel whose exact (lowercased) block says `enabled: false`. */
const channelDisabled = (config: OpenClawConfig, plugin: PluginFacts): boolean =>
  openclawFactsOf(plugin).manifestChannels.some(
    (raw) => channelBlock(config, raw.trim().toLowerCase())?.["enabled"] === false,
  );

/** Config channel keys, lowercased, that are configured and not disabled, with the key as written. */
const configuredChannels = (config: OpenClawConfig): Map<string, string> => {
  const channels = config.channels ?? {};
  const disabled = new Set(
    Object.entries(channels)
      .filter(([, v]) => isRecord(v) && v["enabled"] === false)
      .map(([k]) => k.trim().toLowerCase()),
  );
  const out = new Map<string, string>();
  for (const [key, block] of Object.entries(channels)) {
    const id = key.trim().toLowerCase();
    if (NOT_CHANNELS.has(key) || id === "" || disabled.has(id) || !meaningful(block)) continue;
    if (!out.has(id)) out.set(id, key);
  }
  return out;
};

/** Material entry config (`hasMaterialPluginEntryConfig`), found through the normalized entries. */
const materialEntryKey = (
  config: OpenClawConfig,
  policy: PluginsPolicy,
  plugin: PluginFacts,
): string | undefined => {
  const entry = policy.entries.get(plugin.id);
  if (entry === undefined) return undefined;
  const raw = entry.key.slice("plugins.entries.".length);
  const value: unknown = Object.hasOwn(config.plugins?.entries ?? {}, raw)
    ? config.plugins?.entries?.[raw]
    : undefined;
  if (!isRecord(value)) return undefined;
  const material =
    value["enabled"] === true ||
    isRecord(value["config"]) ||
    isRecord(value["hooks"]) ||
    isRecord(value["subagent"]) ||
    value["apiKey"] !== undefined ||
    value["env"] !== undefined;
  return material ? entry.key : undefined;
};

/**
 * The values a dotted path pattern reaches (`collectPluginConfigContractMatches`): `*` takes every
 * member of an object or array, a number indexes an array, any other segment an own key.
 */
const valuesAt = (root: unknown, pattern: string): unknown[] => {
  let states: unknown[] = [root];
  for (const segment of pattern
    .split(".")
    .map((s) => s.trim())
    .filter((s) => s !== "")) {
    const next: unknown[] = [];
    for (const value of states) {
      if (segment === "*") {
        if (Array.isArray(value)) next.push(...(value as unknown[]));
        else if (isRecord(value)) next.push(...Object.values(value));
      } else if (Array.isArray(value)) {
        const index = Number.parseInt(segment, 10);
        if (Number.isInteger(index) && index >= 0 && index < value.length) next.push(value[index]);
      } else if (isRecord(value) && Object.hasOwn(value, segment)) {
        next.push(value[segment]);
      }
    }
    states = next;
    if (states.length === 0) break;
  }
  return pattern.trim() === "" ? [] : states;
};

/** `isConfigActivationValueEnabled`: anything but `false` or a block with `enabled: false`. */
const activates = (value: unknown): boolean =>
  value !== false && !(isRecord(value) && value["enabled"] === false);

/** Agent runtimes the config names (`agentRuntime.id`, lowercased; `auto` and `pi` are built in). */
const agentRuntimes = (config: OpenClawConfig): Map<string, string> => {
  const out = new Map<string, string>();
  const add = (id: string | undefined, key: string): void => {
    const runtime = id?.trim().toLowerCase() ?? "";
    if (runtime !== "" && runtime !== "auto" && runtime !== "pi" && !out.has(runtime)) out.set(runtime, key);
  };
  // Read as OpenClaw reads it: a value of another shape is skipped (`isRecord(agent)`).
  const idOf = (holder: unknown): string | undefined => {
    const runtime = isRecord(holder) ? holder["agentRuntime"] : undefined;
    const id = isRecord(runtime) ? runtime["id"] : undefined;
    return typeof id === "string" ? id : undefined;
  };
  add(idOf(config.agents?.defaults), "agents.defaults.agentRuntime.id");
  (config.agents?.list ?? []).forEach((agent, i) => add(idOf(agent), `agents.list[${i}].agentRuntime.id`));
  return out;
};

export const gatewayStartupLate = (
  config: OpenClawConfig,
  policy: PluginsPolicy,
  plugin: PluginFacts,
): Decision | undefined => {
  if (blocked(policy, plugin) || channelDisabled(config, plugin)) return undefined;
  const facts = openclawFactsOf(plugin);
  const path = facts.onConfigPaths.find((pattern) => valuesAt(config, pattern).some(activates));
  if (path !== undefined) return on(`${path} (configured; activation.onConfigPaths: the gateway starts it)`);
  const runtimes = agentRuntimes(config);
  for (const harness of facts.onAgentHarnesses) {
    const key = runtimes.get(harness.trim().toLowerCase());
    if (key !== undefined)
      return on(`${key}=${harness} (activation.onAgentHarnesses: the gateway starts it)`);
  }
  const configured = configuredChannels(config);
  for (const raw of openclawFactsOf(plugin).manifestChannels) {
    const key = configured.get(raw.trim().toLowerCase());
    if (key !== undefined)
      return on(`channels.${key} (configured; the gateway starts its channel at startup)`);
  }
  if (
    openclawFactsOf(plugin).onStartup &&
    policy.allow.length > 0 &&
    findNamed(policy.allow, plugin.id) === undefined
  ) {
    const key = materialEntryKey(config, policy, plugin);
    if (key !== undefined) {
      return on(`${key} (the gateway adds it to plugins.allow and starts it: activation.onStartup)`);
    }
  }
  return undefined;
};

export const gatewayStartupEarly = (
  config: OpenClawConfig,
  policy: PluginsPolicy,
  catalogChannel: (raw: string) => string | undefined,
  plugin: PluginFacts,
): Decision | undefined => {
  if (blocked(policy, plugin)) return undefined;
  for (const raw of openclawFactsOf(plugin).manifestChannels) {
    const channel = catalogChannel(raw);
    if (channel === undefined) continue;
    const block = channelBlock(config, channel);
    if (block === undefined || block["enabled"] === false || !meaningful(block)) continue;
    return on(
      `channels.${channel} (configured; the gateway auto-enables it and installs its dependencies when it loads it)`,
    );
  }
  return undefined;
};
