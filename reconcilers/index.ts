import type { Action, ActionKind } from "../src/model/plan.js";
import { legacyDebris } from "./legacy-debris.js";
import type { Observation } from "../src/observe/observe.js";
import type { PlanContext } from "./reconciler.js";
import { runtimeDeps } from "./runtime-deps.js";
import { staleRoots } from "./stale-roots.js";

export type { PlanContext, Reconciler } from "./reconciler.js";
export { legacyDebris, runtimeDeps, staleRoots };

/** Execution order: reuse before install (seed the stage), prune after (sources must still exist). */
export const ACTION_ORDER: readonly ActionKind[] = [
  "reuse",
  "install",
  "prune-package",
  "prune-root",
  "clean-legacy",
];

/**
 * Runs every reconciler over the one Observation and merges their actions in execution order.
 * Pure: every read happened in the observe step.
 */
export const reconcileAll = (ctx: PlanContext & Pick<Observation, "runtime">): Action[] => {
  const actions = [
    ...runtimeDeps.diff(runtimeDeps.desired(ctx), runtimeDeps.observe(ctx)),
    ...staleRoots.diff(staleRoots.desired(ctx), staleRoots.observe(ctx)),
    ...legacyDebris.diff(legacyDebris.desired(ctx), legacyDebris.observe(ctx)),
  ];
  const rank = (a: Action) => ACTION_ORDER.indexOf(a.type);
  // Array.prototype.sort is stable: within a type, each reconciler's own order is kept.
  return actions.sort((a, b) => rank(a) - rank(b));
};
