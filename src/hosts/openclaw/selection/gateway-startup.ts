import type { OpenClawConfig } from "../config-codec.js";
import type { Decision, PluginFacts } from "../../types.js";
import { openclawFactsOf } from "../discover.js";
import { channelBlock } from "./channels.js";
import { findNamed, type PluginsPolicy } from "./plugins-config.js";
import { normalizeProviderId } from "./references.js";

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
 * 2026.3.22 – 4.28 (the plugin loader on the auto-enabled config, `applyPluginAutoEnable`): what
 * auto-enable turns on, the loader then stages before importing it, although `doctor` would not:
 * - a channel configured without `enabled` (`channels.<id>.enabled = true`);
 * - the one plugin that owns the provider (manifest `providers` or `cliBackends`) of a model ref in
 *   `agents.defaults` or `agents.list[]` (`model`, its `primary` and `fallbacks`, `models` keys):
 *   `codex/gpt-5` turns codex on;
 * - the plugins whose `activation.onAgentHarnesses` names an agent runtime the config uses
 *   (`embeddedHarness.runtime` in these versions).
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

/**
 * Agent runtimes the config names, lowercased (`auto` and `pi` are built in): 2026.4.29+ reads
 * `agentRuntime.id`, earlier versions `embeddedHarness.runtime`, of the defaults and of each agent
 * (`collectConfiguredAgentHarnessRuntimes`). Read as OpenClaw reads it: another shape is skipped.
 */
const agentRuntimes = (
  config: OpenClawConfig,
  field: "agentRuntime.id" | "embeddedHarness.runtime",
): Map<string, string> => {
  const [holderKey, idKey] = field.split(".") as [string, string];
  const out = new Map<string, string>();
  const idOf = (agent: unknown): string | undefined => {
    const holder = isRecord(agent) ? agent[holderKey] : undefined;
    const id = isRecord(holder) ? holder[idKey] : undefined;
    return typeof id === "string" ? id : undefined;
  };
  const add = (id: string | undefined, key: string): void => {
    const runtime = id?.trim().toLowerCase() ?? "";
    if (runtime !== "" && runtime !== "auto" && runtime !== "pi" && !out.has(runtime)) out.set(runtime, key);
  };
  add(idOf(config.agents?.defaults), `agents.defaults.${field}`);
  (config.agents?.list ?? []).forEach((agent, i) => add(idOf(agent), `agents.list[${i}].${field}`));
  return out;
};

/** What the 4.29+ gateway reads of the whole config, read once per selection, not per plugin. */
export interface LateGatewayConfig {
  readonly config: OpenClawConfig;
  readonly policy: PluginsPolicy;
  readonly runtimes: ReadonlyMap<string, string>;
  readonly configured: ReadonlyMap<string, string>;
}

export const lateGatewayConfig = (config: OpenClawConfig, policy: PluginsPolicy): LateGatewayConfig => ({
  config,
  policy,
  runtimes: agentRuntimes(config, "agentRuntime.id"),
  configured: configuredChannels(config),
});

export const gatewayStartupLate = (gateway: LateGatewayConfig, plugin: PluginFacts): Decision | undefined => {
  const { config, policy, runtimes, configured } = gateway;
  if (blocked(policy, plugin) || channelDisabled(config, plugin)) return undefined;
  const facts = openclawFactsOf(plugin);
  const path = facts.onConfigPaths.find((pattern) => valuesAt(config, pattern).some(activates));
  if (path !== undefined) return on(`${path} (configured; activation.onConfigPaths: the gateway starts it)`);
  for (const harness of facts.onAgentHarnesses) {
    const key = runtimes.get(harness.trim().toLowerCase());
    if (key !== undefined)
      return on(`${key}=${harness} (activation.onAgentHarnesses: the gateway starts it)`);
  }
  for (const raw of facts.manifestChannels) {
    const key = configured.get(raw.trim().toLowerCase());
    if (key !== undefined)
      return on(`channels.${key} (configured; the gateway starts its channel at startup)`);
  }
  if (facts.onStartup && policy.allow.length > 0 && findNamed(policy.allow, plugin.id) === undefined) {
    const key = materialEntryKey(config, policy, plugin);
    if (key !== undefined) {
      return on(`${key} (the gateway adds it to plugins.allow and starts it: activation.onStartup)`);
    }
  }
  return undefined;
};

/**
 * 2026.3.22 – 4.28 auto-enable by model refs and agent runtimes: plugin directory → reason.
 * Model refs without a provider (bare ids) are not followed here: no bundled plugin with
 * dependencies is owned only through them in those versions.
 */
export const autoEnabledEarly = (
  config: OpenClawConfig,
  plugins: readonly PluginFacts[],
): Map<string, string> => {
  const out = new Map<string, string>();
  const registered = plugins.filter((p) => openclawFactsOf(p).manifestId !== undefined);
  const refs: [string, string][] = [];
  const fromAgent = (agent: unknown, at: string): void => {
    if (!isRecord(agent)) return;
    const model = agent["model"];
    if (typeof model === "string") refs.push([model, `${at}.model`]);
    else if (isRecord(model)) {
      if (typeof model["primary"] === "string") refs.push([model["primary"], `${at}.model.primary`]);
      const fallbacks = model["fallbacks"];
      if (Array.isArray(fallbacks)) {
        fallbacks.forEach((f, i) => {
          if (typeof f === "string") refs.push([f, `${at}.model.fallbacks[${i}]`]);
        });
      }
    }
    const models = agent["models"];
    if (isRecord(models)) for (const key of Object.keys(models)) refs.push([key, `${at}.models["${key}"]`]);
  };
  fromAgent(config.agents?.defaults, "agents.defaults");
  (config.agents?.list ?? []).forEach((agent, i) => fromAgent(agent, `agents.list[${i}]`));
  for (const [ref, key] of refs) {
    const text = ref.trim();
    const slash = text.indexOf("/");
    if (slash <= 0) continue;
    const provider = normalizeProviderId(text.slice(0, slash));
    const owners = registered.filter((p) =>
      [...p.providers, ...openclawFactsOf(p).cliBackends].some((id) => normalizeProviderId(id) === provider),
    );
    const owner = owners.length === 1 ? owners[0] : undefined;
    if (owner !== undefined && !out.has(owner.id)) {
      out.set(
        owner.id,
        `${key} → ${provider} (the gateway auto-enables ${owner.id} and installs its dependencies when it loads it)`,
      );
    }
  }
  for (const [runtime, key] of agentRuntimes(config, "embeddedHarness.runtime")) {
    for (const p of registered) {
      if (out.has(p.id)) continue;
      if (openclawFactsOf(p).onAgentHarnesses.some((h) => h.trim().toLowerCase() === runtime)) {
        out.set(
          p.id,
          `${key}=${runtime} (the gateway auto-enables ${p.id} and installs its dependencies when it loads it)`,
        );
      }
    }
  }
  return out;
};

export const gatewayStartupEarly = (
  config: OpenClawConfig,
  policy: PluginsPolicy,
  catalogChannel: (raw: string) => string | undefined,
  autoEnabled: ReadonlyMap<string, string>,
  plugin: PluginFacts,
): Decision | undefined => {
  if (blocked(policy, plugin)) return undefined;
  const enabledBy = autoEnabled.get(plugin.id);
  if (enabledBy !== undefined) return on(enabledBy);
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
