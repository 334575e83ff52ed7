import type { OpenClawConfig } from "../config-codec.js";
import type { PluginFacts } from "../../types.js";
import { openclawFactsOf } from "../discover.js";

/** A channel's block in the config, when it is a plain object (OpenClaw's own test). Pure. */
export const channelBlock = (
  config: OpenClawConfig,
  channel: string,
): Record<string, unknown> | undefined => {
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
export const catalogChannelNormalizer = (
  plugins: readonly PluginFacts[],
): ((raw: string) => string | undefined) => {
  // OpenClaw sorts the catalog by `openclaw.channel.order`, then id, and builds its alias table
  // from that list, so when two channels claim one alias the later one in that order wins.
  const entries = plugins
    .flatMap((plugin) => {
      const entry = openclawFactsOf(plugin).catalogChannel;
      const id = entry?.id.trim().toLowerCase() ?? "";
      return entry === undefined || id === "" ? [] : [{ ...entry, id }];
    })
    .sort((a, b) => a.order - b.order || a.id.localeCompare(b.id, "en", { sensitivity: "base" }));
  const ids = new Set(entries.map((e) => e.id));
  const aliases = new Map<string, string>();
  for (const entry of entries) {
    for (const alias of entry.aliases) {
      const a = alias.trim().toLowerCase();
      if (a !== "") aliases.set(a, entry.id);
    }
  }
  return (raw) => {
    const lowered = raw.trim().toLowerCase();
    if (lowered === "") return undefined;
    const id = aliases.get(lowered) ?? lowered;
    return ids.has(id) ? id : undefined;
  };
};
