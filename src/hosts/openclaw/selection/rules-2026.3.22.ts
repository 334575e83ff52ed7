import type { OpenClawConfig } from "../config-codec.js";
import type { Decision, PluginFacts } from "../../types.js";
import { openclawFactsOf } from "../discover.js";
import { channelBlock } from "./channels.js";
import { off, on, type PluginsPolicy, refusedByPolicy } from "./plugins-config.js";

/**
 * OpenClaw 2026.3.22 – 4.28: `isBundledPluginConfiguredForRuntimeDeps`, the rule both the loader
 * (before it installs a plugin's dependencies) and `doctor` apply, first match wins:
 *
 *   plugins.enabled=false → off; deny → off; entries.<dir>.enabled false → off, true → on;
 *   a manifest channel (known to the channel catalog) whose block is `enabled: true` → on
 *   (2026.4.22+ doctor: any block at all, even `enabled: false`); enabledByDefault → on.
 *
 * No allowlist, slot, provider or model rule here: the 4.20/4.22 loader honours `plugins.allow`
 * for LOADING, but never stages a plugin its doctor would not, so the doctor's set is the union.
 * Ids are compared with the plugin's directory name. Pure.
 */
export interface EarlyContext {
  readonly config: OpenClawConfig;
  readonly policy: PluginsPolicy;
  readonly catalogChannel: (raw: string) => string | undefined;
  /** 2026.4.22+: `doctor` / `plugins deps` pass `includeConfiguredChannels: true`. */
  readonly configuredChannelsCount: boolean;
}

export const decideEarly = (ctx: EarlyContext, plugin: PluginFacts): Decision => {
  const { policy } = ctx;
  const refused = refusedByPolicy(policy, plugin.id);
  if (refused !== null) return refused;
  const entry = policy.entries.get(plugin.id);
  if (entry?.enabled === true) return on(`${entry.key}.enabled=true`);
  for (const raw of openclawFactsOf(plugin).manifestChannels) {
    const channel = ctx.catalogChannel(raw);
    if (channel === undefined) continue;
    const block = channelBlock(ctx.config, channel);
    if (block === undefined) continue;
    if (block["enabled"] === true) return on(`channels.${channel}.enabled=true`);
    if (ctx.configuredChannelsCount) {
      return on(
        block["enabled"] === false
          ? `channels.${channel} (configured; OpenClaw 2026.4.22 – 4.28 doctor stages it even with enabled=false)`
          : `channels.${channel} (configured)`,
      );
    }
  }
  if (plugin.enabledByDefault) return on("enabledByDefault");
  return off("not enabled (no rule matched)");
};
