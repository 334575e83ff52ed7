import type { PluginFacts } from "../../types.js";
import { openclawFactsOf } from "../discover.js";

/**
 * How OpenClaw maps an id written in a config (`plugins.allow`, `deny`, `entries` keys) to a
 * plugin id before comparing it with a plugin's DIRECTORY name. Pure. Lookups are lowercased and
 * trimmed; an id that maps to nothing stays as written (trimmed).
 *
 * The two generations differ, and the difference is visible to operators: kimi-coding's manifest
 * id is `kimi`, so `plugins.entries.kimi-coding` is normalized to `kimi` and then matches no
 * directory: OpenClaw itself ignores that entry, and so must plugdeps.
 */
export type IdNormalizer = (id: string) => string;

const lookupNormalizer =
  (lookup: ReadonlyMap<string, string>): IdNormalizer =>
  (id) => {
    const trimmed = id.trim();
    return lookup.get(trimmed.toLowerCase()) ?? trimmed;
  };

const set = (lookup: Map<string, string>, alias: string, id: string): void => {
  const key = alias.trim().toLowerCase();
  if (key !== "") lookup.set(key, id);
};

/** Sorted by directory so a name two plugins claim resolves the same way on every run. */
const byDir = (plugins: readonly PluginFacts[]): PluginFacts[] =>
  [...plugins].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

/** Built-in aliases (4.22: `BUILT_IN_PLUGIN_ALIAS_FALLBACKS`; 4.29+: `BUILT_IN_RUNTIME_DEPS_PLUGIN_ALIAS_FALLBACKS`). */
const BUILT_IN_ALIASES: readonly (readonly [string, string])[] = [
  ["openai-codex", "openai"],
  ["google-gemini-cli", "google"],
  ["minimax-portal", "minimax"],
  ["minimax-portal-auth", "minimax"],
];

/**
 * 2026.3.22 – 4.28 (`normalizePluginId` over the manifest registry): a manifest's id, providers
 * and legacy ids name that manifest's id. Only plugins with a manifest id take part. From
 * 2026.4.22 the built-in aliases are applied last, over whatever the registry said (4.20 has
 * none).
 */
export const registryNormalizer = (
  plugins: readonly PluginFacts[],
  builtInAliases: boolean,
): IdNormalizer => {
  const lookup = new Map<string, string>();
  for (const plugin of byDir(plugins)) {
    const id = openclawFactsOf(plugin).manifestId;
    if (id === undefined) continue;
    set(lookup, id, id);
    for (const provider of plugin.providers) set(lookup, provider, id);
    for (const legacy of plugin.legacyIds) set(lookup, legacy, id);
  }
  if (builtInAliases) for (const [alias, id] of BUILT_IN_ALIASES) lookup.set(alias, id);
  return lookupNormalizer(lookup);
};

/**
 * 2026.4.29 – 4.30 (`createBundledRuntimeDepsPluginIdNormalizer`): the built-in aliases, then per
 * plugin directory its manifest id (or the directory name), the directory name, providers and
 * legacy ids all name the manifest id.
 */
export const runtimeDepsNormalizer = (plugins: readonly PluginFacts[]): IdNormalizer => {
  const lookup = new Map<string, string>();
  for (const [alias, id] of BUILT_IN_ALIASES) {
    lookup.set(alias, id);
    lookup.set(id, id);
  }
  for (const plugin of byDir(plugins)) {
    const id = openclawFactsOf(plugin).manifestId ?? plugin.id;
    set(lookup, id, id);
    set(lookup, plugin.id, id);
    for (const provider of plugin.providers) set(lookup, provider, id);
    for (const legacy of plugin.legacyIds) set(lookup, legacy, id);
  }
  return lookupNormalizer(lookup);
};
