import type { Action } from "../src/model/plan.js";
import type { PlanContext } from "../src/observe/context.js";

export type { PlanContext } from "../src/observe/context.js";

/**
 * A Reconciler converges one kind of resource. The contract, after controller-runtime's
 * `reconcile.Reconciler`:
 *
 * - Level-triggered. `diff` looks only at the desired and the observed state as they are now,
 *   never at what happened before or at events; running it twice on the same input gives the
 *   same actions, and after those actions are applied it gives none (idempotence).
 * - Three steps, all pure. Every read happens once, before, in the one observe step
 *   (src/observe/observe.ts), which never writes, takes no lock and starts no process; a
 *   reconciler's `observe` only picks its part of that Observation. `plan` runs exactly the same
 *   code as `apply` minus execution, so a dry run cannot drift from what apply does.
 * - Minimal. `diff` emits an action only for a difference it can name, and every action carries a
 *   human `reason` saying which difference caused it. Nothing already satisfied is touched.
 * - Safe by construction. Actions only ever target paths the reconciler owns (state record) or
 *   exactly-matched legacy debris; the executor re-checks ownership at delete time.
 * - Errors. Observation problems that make a decision impossible are reported as notes and the
 *   conservative choice is taken (install rather than reuse, keep rather than prune). Fatal
 *   errors are raised before reconcilers run (config, host identity, stage base).
 */
export interface Reconciler<D, O, In extends PlanContext = PlanContext> {
  readonly kind: string;
  desired(ctx: PlanContext): D;
  /** Its part of the one observation (src/observe/observe.ts): a projection, no I/O. */
  observe(observation: In): O;
  diff(desired: D, observed: O): Action[];
}
