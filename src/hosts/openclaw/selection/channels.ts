import type { OpenClawConfig } from "../../../model/openclaw.js";
import type { PluginFacts } from "../../types.js";
import { openclawFactsOf } from "../discover.js";

/** A channel's block in the config, when it is a plain object (OpenClaw's own test). Pure. */
export const channelBlock = (config: OpenClawConfig, channel: string): Record<string, unknown> | undefined => {
  const channels = config.channels;
  if (channels === undefined || !Object.hasOwn(channels, channel)) return undefined;
  const block = channels[channel];
  return typeof block === "object" && block !== null && !Array.isArray(block)
    ? (block as Record<string, unknown>)
    : undefined;
};

/**
 * 2026.3.22 – 4.28 know a channel only through the bundled channel catalog (`normalizeChatChannelId`):
 * the `openclaw.channel` id and aliases in the plugins' package.json. A manifest channel that the
 * catalog does not list selects nothing.
 */
export const catalogChannelNormalizer = (plugins: readonly PluginFacts[]): ((raw: string) => string | undefined) => {
  const ids = new Set<string>();
  const aliases = new Map<string, string>();
  for (const plugin of plugins) {
    const entry = openclawFactsOf(plugin).catalogChannel;
    if (entry === undefined) continue;
    const id = entry.id.trim().toLowerCase();
    if (id === "") continue;
    ids.add(id);
    for (const alias of entry.aliases) {
      const a = alias.trim().toLowerCase();
      if (a !== "") aliases.set(a, id);
    }
  }
  return (raw) => {
    const lowered = raw.trim().toLowerCase();
    if (lowered === "") return undefined;
    const id = aliases.get(lowered) ?? lowered;
    return ids.has(id) ? id : undefined;
  };
};
