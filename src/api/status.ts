import * as E from "fp-ts/lib/Either.js";
import { reconcileView } from "../loop/status-view.js";
import type { PlugdepsError } from "../model/errors.js";
import type { PlanDocument } from "../model/plan.js";
import { rootPackages } from "../execute/materialization.js";
import { measureDiskUse } from "../observe/disk-use.js";
import { observe } from "../observe/observe.js";
import { verifyLiveRoot } from "../observe/verify.js";
import { STATUS_VIEW_FORMAT_VERSION, type StatusDocument } from "../model/status-view.js";
import { isConverged, makePlan } from "../run/plan.js";
import { runOptionsOf, type StatusCommandOptions } from "./options.js";

/**
 * The status view of a plan: where things are, who holds the lock, whether apply has work. In
 * sync means what apply's own convergence test says (run/plan.ts isConverged): no action, and the
 * live record names this plan.
 */
export const statusView = (plan: PlanDocument, converged: boolean): StatusDocument => ({
  formatVersion: STATUS_VIEW_FORMAT_VERSION,
  host: plan.host,
  stageBase: plan.observed.candidates.find((c) => c.role === "target") ?? null,
  candidates: plan.observed.candidates,
  currentRoot: plan.observed.currentRoot,
  previousRoots: plan.observed.previousRoots,
  ...(plan.observed.hostRoot === undefined ? {} : { hostRoot: plan.observed.hostRoot }),
  lock: plan.observed.lock,
  debris: plan.observed.debris,
  plugins: {
    total: plan.plugins.length,
    active: plan.plugins.filter((p) => p.active).length,
    invalid: plan.plugins.filter((p) => !p.valid).length,
  },
  inSync: converged,
  pendingActions: plan.actions.length === 0 ? null : plan.summary,
});

/**
 * `plugdeps status [--verify]`: read-only, takes no lock, reports the lock holder if there is one,
 * and the disk use of the roots and their generations. `verify` checks every package of the live
 * root on disk and says which drifted (the CLI exits 1 then).
 */
export const statusDocument = (
  opts: StatusCommandOptions,
  nowMs = Date.now(),
): E.Either<PlugdepsError, StatusDocument> => {
  const built = observe({ ...runOptionsOf(opts, "access"), observeReadOnlyStage: true });
  if (E.isLeft(built)) return built;
  const plan = makePlan(built.right);
  // The reconcile loop's record, when there is one; read-only like the rest of `status`.
  const reconcile = reconcileView(plan, nowMs);
  const ctx = built.right;
  // Disk use of this host's roots, their generations, the cache and the logs (an lstat walk).
  const diskUse = measureDiskUse(ctx.stage.target.path, [
    ctx.desired.targetRoot,
    ...ctx.previous.map((r) => r.path),
  ]);
  // `--verify`: every package of the live root on disk (observe/verify.ts).
  const verify = opts.verify === true ? verifyLiveRoot(ctx, rootPackages(plan).length > 0) : undefined;
  return E.right({
    ...statusView(plan, isConverged(ctx, plan)),
    ...(reconcile !== undefined ? { reconcile } : {}),
    diskUse,
    ...(verify !== undefined ? { verify } : {}),
  });
};
