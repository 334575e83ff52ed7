import * as E from "fp-ts/lib/Either.js";
import { reconcileView } from "../loop/status-view.js";
import type { PlugdepsError } from "../model/errors.js";
import type { PlanDocument } from "../model/plan.js";
import { observe } from "../observe/observe.js";
import type { StatusView } from "../render/status-human.js";
import { isConverged, makePlan } from "../run/plan.js";
import { runOptionsOf, type StatusCommandOptions } from "./options.js";

/**
 * The status view of a plan: where things are, who holds the lock, whether apply has work. In
 * sync means what apply's own convergence test says (run/plan.ts isConverged): no action, and the
 * live record names this plan.
 */
export const statusView = (plan: PlanDocument, converged: boolean): StatusView => ({
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

/** `plugdeps status`: read-only, takes no lock, reports the lock holder if there is one. */
export const statusDocument = (
  opts: StatusCommandOptions,
  nowMs = Date.now(),
): E.Either<PlugdepsError, StatusView> => {
  const built = observe({ ...runOptionsOf(opts, "access"), observeReadOnlyStage: true });
  if (E.isLeft(built)) return built;
  const plan = makePlan(built.right);
  // The reconcile loop's record, when there is one; read-only like the rest of `status`.
  const reconcile = reconcileView(plan, nowMs);
  return E.right({
    ...statusView(plan, isConverged(built.right, plan)),
    ...(reconcile !== undefined ? { reconcile } : {}),
  });
};
