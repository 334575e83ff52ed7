import { Command } from "commander";
import * as E from "fp-ts/lib/Either.js";
import { observe } from "../../observe/observe.js";
import { isConverged, makePlan } from "../../run/plan.js";
import type { PlanDocument } from "../../model/plan.js";
import { reconcileView } from "../../loop/status-view.js";
import { type StatusView, renderStatusHuman } from "../../render/status-human.js";
import { makeStyle, wantsColor } from "../../render/style.js";
import { type CommonFlags, runOptionsFrom, withCommonOptions } from "../common-options.js";
import { type CliIO, EXIT_OK, reportError } from "../io.js";

interface StatusFlags extends CommonFlags {
  readonly json?: boolean;
}

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
export const statusCommand = (io: CliIO, setExit: (code: number) => void): Command =>
  withCommonOptions(new Command("status"))
    .description("show the materialized state: stage base, roots, lock holder, debris, in sync or not")
    .option("--json", "print the status as JSON")
    .action((flags: StatusFlags) => {
      const built = observe({ ...runOptionsFrom(flags, io, "access"), observeReadOnlyStage: true });
      if (E.isLeft(built)) return setExit(reportError(io, flags.logFormat, built.left));
      const plan = makePlan(built.right);
      // The reconcile loop's record, when there is one; read-only like the rest of `status`.
      const reconcile = reconcileView(plan, Date.now());
      const view: StatusView = {
        ...statusView(plan, isConverged(built.right, plan)),
        ...(reconcile !== undefined ? { reconcile } : {}),
      };
      if (flags.json) io.stdout(`${JSON.stringify(view, null, 2)}\n`);
      else
        io.stdout(
          renderStatusHuman(
            view,
            makeStyle({ color: wantsColor({ isTTY: io.isTTY, noColorFlag: !flags.color, env: io.env }) }),
          ),
        );
      setExit(EXIT_OK);
    });
