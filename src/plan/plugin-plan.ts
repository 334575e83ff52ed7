import type { Activation, DiscoveredPlugin, PluginFacts } from "../hosts/types.js";
import type { Decision } from "../hosts/types.js";

/**
 * The plugin plan: every discovered plugin with the decision about it and the reason. Sorted by
 * id so the plan never depends on discovery order. An invalid manifest makes that one plugin
 * inactive and reported; the others proceed (SPEC §4.12).
 */

export type PlannedPlugin =
  | { readonly _tag: "Valid"; readonly facts: PluginFacts; readonly decision: Decision }
  | { readonly _tag: "Invalid"; readonly id: string; readonly dir: string; readonly error: string };

export const planPlugins = (plugins: readonly DiscoveredPlugin[], activation: Activation): PlannedPlugin[] =>
  [...plugins]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0))
    .map((p): PlannedPlugin => {
      if (p._tag === "Invalid") return { _tag: "Invalid", id: p.id, dir: p.dir, error: p.error };
      const { _tag: _ignored, ...facts } = p;
      return { _tag: "Valid", facts, decision: activation(facts) };
    });

/** Plugins whose dependencies must be materialized: active and not shipped by the host. */
export const stagedActivePlugins = (planned: readonly PlannedPlugin[]): PluginFacts[] =>
  planned.flatMap((p) => (p._tag === "Valid" && p.decision.active && p.facts.staged ? [p.facts] : []));
