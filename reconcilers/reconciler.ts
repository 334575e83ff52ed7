import type { HostAdapter } from "../src/hosts/types.js";
import type { Action, Debris, Desired } from "../src/model/plan.js";
import type { PlannedPlugin } from "../src/desired/plugin-plan.js";
import type { HostIdentity } from "../src/observe/host-identity.js";
import type { LockFacts } from "../src/observe/lock-holder.js";
import type { StageChoice } from "../src/observe/stage-base.js";
import type { OwnedRoot, RootReading } from "../src/observe/versioned-roots.js";

/**
 * A Reconciler converges one kind of resource. The contract, after controller-runtime's
 * `reconcile.Reconciler`:
 *
 * - Level-triggered. `diff` looks only at the desired and the observed state as they are now,
 *   never at what happened before or at events; running it twice on the same input gives the
 *   same actions, and after those actions are applied it gives none (idempotence).
 * - Three steps with separated effects. `desired` and `diff` are pure. `observe` may read the
 *   filesystem but never writes, takes no lock and starts no process: `plan` runs exactly the
 *   same code as `apply` minus execution, so a dry run cannot drift from what apply does.
 * - Minimal. `diff` emits an action only for a difference it can name, and every action carries a
 *   human `reason` saying which difference caused it. Nothing already satisfied is touched.
 * - Safe by construction. Actions only ever target paths the reconciler owns (state record) or
 *   exactly-matched legacy debris; the executor re-checks ownership at delete time.
 * - Errors. Observation problems that make a decision impossible are reported as notes and the
 *   conservative choice is taken (install rather than reuse, keep rather than prune). Fatal
 *   errors are raised before reconcilers run (config, host identity, stage base).
 */
export interface Reconciler<D, O> {
  readonly kind: string;
  desired(ctx: PlanContext): D;
  observe(ctx: PlanContext): O;
  diff(desired: D, observed: O): Action[];
}

/** Everything decided or observed once per run and shared by all reconcilers. */
export interface PlanContext {
  readonly adapter: HostAdapter;
  readonly identity: HostIdentity;
  readonly planned: readonly PlannedPlugin[];
  readonly desired: Desired;
  readonly stage: StageChoice;
  /** The versioned root this run converges. */
  readonly current: RootReading;
  /** Owned roots of this host in the writable stage base, newest first, current excluded. */
  readonly previous: readonly OwnedRoot[];
  /** Roots found in read-only layer entries (used in place, never written). */
  readonly readOnlyRoots: readonly { readonly layer: string; readonly root: string }[];
  /** Legacy debris found by the host adapter (writable or not). */
  readonly debris: readonly Debris[];
  /** Directories never to count as satisfying (legacy debris about to be cleaned). */
  readonly excludedDirs: ReadonlySet<string>;
  /** How many previous roots to keep for rollback. */
  readonly retention: number;
  readonly lockFacts: LockFacts;
}
