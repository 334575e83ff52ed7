import type { Action, ActionKind } from "../src/model/plan.js";
import { legacyDebris } from "./legacy-debris.js";
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

export interface Reconciled {
  readonly actions: Action[];
  readonly runtime: ReturnType<typeof runtimeDeps.observe>;
}

/** Runs every reconciler over one shared context and merges their actions in execution order. */
export const reconcileAll = (ctx: PlanContext): Reconciled => {
  const runtime = runtimeDeps.observe(ctx);
  const actions = [
    ...runtimeDeps.diff(runtimeDeps.desired(ctx), runtime),
    ...staleRoots.diff(staleRoots.desired(ctx), staleRoots.observe(ctx)),
    ...legacyDebris.diff(legacyDebris.desired(ctx), legacyDebris.observe(ctx)),
  ];
  const rank = (a: Action) => ACTION_ORDER.indexOf(a.type);
  // Array.prototype.sort is stable: within a type, each reconciler's own order is kept.
  return { actions: actions.sort((a, b) => rank(a) - rank(b)), runtime };
};
