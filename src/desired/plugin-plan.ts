import type { Activation, Decision, DiscoveredPlugin, PluginFacts } from "../hosts/types.js";

/**
 * The plugin plan: every discovered plugin with the decision about it and the reason. Sorted by
 * id so the plan never depends on discovery order. An invalid manifest makes that one plugin
 * inactive and reported; the others proceed (SPEC §4.12). What the host stages beyond its plugins
 * (OpenClaw's mirrored root dependencies) follows them, decided by the host's own rules.
 */

export type PlannedPlugin =
  | { readonly _tag: "Valid"; readonly facts: PluginFacts; readonly decision: Decision }
  | { readonly _tag: "Invalid"; readonly id: string; readonly dir: string; readonly error: string };

export interface PluginPlan {
  readonly planned: PlannedPlugin[];
  /** The host's selection warnings (unknown version, a host that no longer stages, ...). */
  readonly warnings: readonly string[];
}

export interface HostFacts {
  readonly version: string;
  readonly packageRoot: string;
}

export const planPlugins = (
  plugins: readonly DiscoveredPlugin[],
  activation: Activation,
  host: HostFacts,
): PluginPlan => {
  const sorted = [...plugins].sort((a, b) =>
    a.id < b.id ? -1 : a.id > b.id ? 1 : a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0,
  );
  const valid = sorted.flatMap((p): PluginFacts[] => {
    if (p._tag === "Invalid") return [];
    const { _tag: _ignored, ...facts } = p;
    return [facts];
  });
  const selection = activation({ version: host.version, packageRoot: host.packageRoot, plugins: valid });
  const planned = sorted.map((p): PlannedPlugin => {
    if (p._tag === "Invalid") return { _tag: "Invalid", id: p.id, dir: p.dir, error: p.error };
    const { _tag: _ignored, ...facts } = p;
    return withExtras(facts, selection.decide(facts));
  });
  for (const extra of selection.extras) planned.push(withExtras(extra.facts, extra.decision));
  return { planned, warnings: selection.warnings };
};

/** An active decision's extra dependencies become part of the plugin's own (shown and staged). */
const withExtras = (facts: PluginFacts, decision: Decision): PlannedPlugin => {
  const extra = decision.extraDependencies;
  if (!decision.active || extra === undefined || Object.keys(extra).length === 0) {
    return { _tag: "Valid", facts, decision };
  }
  return { _tag: "Valid", facts: { ...facts, dependencies: { ...facts.dependencies, ...extra } }, decision };
};

/** Plugins whose dependencies must be materialized: active and not shipped by the host. */
export const stagedActivePlugins = (planned: readonly PlannedPlugin[]): PluginFacts[] =>
  planned.flatMap((p) => (p._tag === "Valid" && p.decision.active && p.facts.staged ? [p.facts] : []));
