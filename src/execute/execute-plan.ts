import * as E from "fp-ts/lib/Either.js";
import type { PlugdepsError } from "../model/errors.js";
import {
  type Action,
  type CleanLegacyAction,
  type PlanDocument,
  type PruneRootAction,
  type RuntimeAction,
  unhandledAction,
} from "../model/plan.js";
import { cleanLegacy } from "./clean-legacy.js";
import { buildGeneration } from "./generation.js";
import { exposeHostRoot, withHostRootLock } from "./host-root.js";
import { recordStale } from "./materialization.js";
import { pruneRoot } from "./prune-root.js";
import { makeLive } from "./swap.js";
import type { ExecutionTarget } from "./target.js";

export interface Executed {
  readonly executed: readonly Action[];
  /** Actions skipped at execution time, with the reason (e.g. a root locked meanwhile). */
  readonly skipped: readonly string[];
  readonly packageManagerRuns: number;
}

/**
 * Carries out a plan's actions, in this order: the runtime actions (reuse, install,
 * prune-package) are built together into ONE new generation and made live with one swap; then
 * whole previous roots are pruned; then legacy debris is cleaned. The caller holds the target
 * root's install lock (`lockIntact` says whether it still does: checked before the swap).
 */
export const executePlan = async (
  target: ExecutionTarget,
  plan: PlanDocument,
  lockIntact: () => boolean,
  lockPath: string,
): Promise<E.Either<PlugdepsError, Executed>> => {
  const runtime: RuntimeAction[] = [];
  const roots: PruneRootAction[] = [];
  const legacy: CleanLegacyAction[] = [];
  for (const action of plan.actions) {
    switch (action.type) {
      case "reuse":
      case "install":
      case "prune-package":
        runtime.push(action);
        break;
      case "prune-root":
        roots.push(action);
        break;
      case "clean-legacy":
        legacy.push(action);
        break;
      default:
        return unhandledAction(action);
    }
  }

  const executed: Action[] = [];
  const skipped: string[] = [];
  let packageManagerRuns = 0;
  // The host's own root shows the target root through a link: a swap changes what the host
  // sees, so it happens under the host's own lock too, and the host's manifest moves with it.
  const hostRoot = target.observed.hostRoot;
  const underHostLock = async (
    fn: () => E.Either<PlugdepsError, void>,
  ): Promise<E.Either<PlugdepsError, void>> =>
    hostRoot === null
      ? fn()
      : withHostRootLock(target, hostRoot, () => E.chain(() => exposeHostRoot(target, hostRoot))(fn()));
  // A root whose packages are right but whose record describes another plan is rebuilt too (a
  // generation with no package work), so that the record always says what lives there.
  if (runtime.length > 0 || recordStale(target.observed.current, plan)) {
    const built = await buildGeneration(target, plan, runtime);
    if (E.isLeft(built)) return built;
    packageManagerRuns = built.right.packageManagerRuns;
    if (!lockIntact()) return E.left(lockLost(lockPath));
    const swapped = await underHostLock(() => makeLive(target, plan, built.right.generation));
    if (E.isLeft(swapped)) return swapped;
    executed.push(...runtime);
  } else if ((target.observed.hostRootSeen?.problems.length ?? 0) > 0) {
    const exposed = await underHostLock(() => E.right(undefined));
    if (E.isLeft(exposed)) return exposed;
  }
  for (const action of roots) {
    const done = await pruneRoot(target, action);
    if (E.isLeft(done)) return done;
    if (done.right === null) executed.push(action);
    else skipped.push(done.right);
  }
  for (const action of legacy) {
    const done = cleanLegacy(target, action);
    if (E.isLeft(done)) return done;
    executed.push(action);
  }
  return E.right({ executed, skipped, packageManagerRuns });
};

const lockLost = (lockPath: string): PlugdepsError => ({
  _tag: "LockLost",
  path: lockPath,
  message: `the install-root lock ${lockPath} was taken away while building; nothing was made live. Fix: run apply again.`,
});
