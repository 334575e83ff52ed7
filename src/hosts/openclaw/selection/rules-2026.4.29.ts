import type { OpenClawConfig } from "../config-codec.js";
import type { Decision, PluginFacts } from "../../types.js";
import { openclawFactsOf } from "../discover.js";
import { channelBlock } from "./channels.js";
import { findNamed, off, on, type PluginsPolicy, refusedByPolicy } from "./plugins-config.js";
import { normalizeProviderId, type References } from "./references.js";

/**
 * OpenClaw 2026.4.29 – 4.30: `isBundledPluginConfiguredForRuntimeDeps` in bundled-runtime-deps,
 * as `doctor` and `plugins deps` call it (`includeConfiguredChannels: true`), first match wins.
 * Ids are compared with the plugin's DIRECTORY name after normalization (plugin-ids.ts). Pure.
 */
export interface LateContext {
  readonly config: OpenClawConfig;
  readonly policy: PluginsPolicy;
  readonly references: References;
  /** Plugin directory → the config key of the bare model id it alone owns (modelSupport). */
  readonly modelOwners: ReadonlyMap<string, string>;
}

export const decideLate = (ctx: LateContext, plugin: PluginFacts): Decision => {
  const { policy, config } = ctx;
  // 1. The policy that even a slot cannot override (the allowlist comes later, in step 5).
  const refused = refusedByPolicy(policy, plugin.id);
  if (refused !== null) return refused;
  const entry = policy.entries.get(plugin.id);
  // 2. A plugin that fills a slot is loaded whatever the allowlist says.
  if (policy.memorySlot.id === plugin.id) return on(policy.memorySlot.key);
  if (policy.contextEngineSlot !== undefined && policy.contextEngineSlot.id === plugin.id) {
    return on(policy.contextEngineSlot.key);
  }
  // 3. Channels, in manifest order: `enabled: true` selects at once (before the allowlist);
  //    `enabled: false` on any of them disables the plugin; any other block counts as configured.
  let disabledBy: string | undefined;
  let configured: string | undefined;
  for (const raw of openclawFactsOf(plugin).manifestChannels) {
    const channel = raw.trim().toLowerCase();
    if (channel === "") continue;
    const block = channelBlock(config, channel);
    if (block === undefined) continue;
    if (block["enabled"] === false) {
      disabledBy ??= `channels.${channel}.enabled=false`;
      continue;
    }
    if (block["enabled"] === true) return on(`channels.${channel}.enabled=true`);
    configured ??= `channels.${channel} (configured)`;
  }
  // 4.
  if (disabledBy !== undefined) return off(disabledBy);
  // 5.
  if (policy.allow.length > 0 && findNamed(policy.allow, plugin.id) === undefined) {
    return off(`plugins.allow does not contain "${plugin.id}"`);
  }
  // 6. Explicitly enabled, a configured channel, a bare model it alone owns, a referenced provider.
  if (entry?.enabled === true) return on(`${entry.key}.enabled=true`);
  if (configured !== undefined) return on(configured);
  const owned = ctx.modelOwners.get(plugin.id);
  if (owned !== undefined) return on(owned);
  for (const provider of plugin.providers) {
    const key = ctx.references.providers.get(normalizeProviderId(provider));
    if (key !== undefined) return on(providerReason(key, normalizeProviderId(provider)));
  }
  // 7. A provider plugin is not staged just because it is on by default: only when referenced
  //    (issue 12: the AWS and Google SDKs were staged on every 4.29 host).
  if (plugin.enabledByDefault && plugin.providers.length === 0) return on("enabledByDefault");
  if (plugin.enabledByDefault) {
    return off("enabledByDefault, but none of its providers is referenced (OpenClaw 2026.4.29+)");
  }
  return off("not enabled (no rule matched)");
};

/** `models.providers.anthropic` says it all; `agents.defaults.model.fallbacks[1]` needs `→ anthropic`. */
const providerReason = (key: string, provider: string): string =>
  key.endsWith(`.${provider}`) ? key : `${key} → ${provider}`;

const matchesPattern = (source: string, model: string): boolean => {
  try {
    return new RegExp(source, "u").test(model);
  } catch {
    // OpenClaw skips a pattern that does not compile; so do we.
    return false;
  }
};

/**
 * `resolveBundledRuntimeDepsConfiguredModelOwnerPluginIds`: for each bare model id in the config,
 * the one plugin whose `modelSupport.modelPatterns` match it; when none does, the one plugin whose
 * `modelPrefixes` start it. Two claimants mean no owner. Keyed by plugin directory; the value is the
 * reason text.
 */
export const modelOwnersOf = (
  references: References,
  plugins: readonly PluginFacts[],
): Map<string, string> => {
  const owners = new Map<string, string>();
  for (const [model, key] of references.bareModels) {
    const byPattern = plugins.filter((p) =>
      openclawFactsOf(p).modelPatterns.some((s) => matchesPattern(s, model)),
    );
    const candidates =
      byPattern.length > 0
        ? byPattern
        : plugins.filter((p) => openclawFactsOf(p).modelPrefixes.some((prefix) => model.startsWith(prefix)));
    const owner = candidates.length === 1 ? candidates[0] : undefined;
    if (owner !== undefined && !owners.has(owner.id)) {
      owners.set(owner.id, `${key}=${model} (a model ${owner.id} owns: modelSupport)`);
    }
  }
  return owners;
};
