import * as path from "node:path";
import { Command } from "commander";
import * as E from "fp-ts/lib/Either.js";
import writeFileAtomic from "write-file-atomic";
import { observe } from "../../observe/observe.js";
import { makePlan } from "../../run/plan.js";
import { fsError } from "../../model/errors.js";
import { renderPlanHuman } from "../../render/plan-human.js";
import { renderPlanJson } from "../../render/plan-json.js";
import { makeStyle, wantsColor } from "../../render/style.js";
import { type CommonFlags, runOptionsFrom, withCommonOptions } from "../common-options.js";
import { type CliIO, EXIT_CHANGES, EXIT_OK, reportError } from "../io.js";

interface PlanFlags extends CommonFlags {
  readonly json?: boolean;
  readonly out?: string;
  readonly detailedExitcode?: boolean;
}

/**
 * `plugdeps plan`: the dry run. Same code path as apply up to the diff; never writes (the
 * stage base is probed with access(2), not a write) and never takes the lock. `--out` is the one
 * write, and only to the file the operator named.
 */
export const planCommand = (io: CliIO, setExit: (code: number) => void): Command =>
  withCommonOptions(new Command("plan"))
    .description("show what apply would do, with the reason for every decision (writes nothing)")
    .option("--json", "print the plan document (JSON) instead of the human rendering")
    .option("--out <planfile>", "also save the plan document to this file, for `plugdeps apply PLANFILE`")
    .option("--detailed-exitcode", "exit 0 when there are no changes, 2 when there are, 1 on error")
    .action((flags: PlanFlags) => {
      // A stage base this user cannot write is still observed, as status does: a converged host
      // under ProtectSystem=strict or seen by a non-root user is planned, not an error.
      const built = observe({ ...runOptionsFrom(flags, io, "access"), observeReadOnlyStage: true });
      if (E.isLeft(built)) return setExit(reportError(io, flags.logFormat, built.left));
      const plan = makePlan(built.right);
      if (flags.out !== undefined) {
        const json = renderPlanJson(plan);
        const out = path.resolve(flags.out);
        try {
          writeFileAtomic.sync(out, json, { mode: 0o644 });
        } catch (err) {
          return setExit(
            reportError(
              io,
              flags.logFormat,
              fsError("write plan file", out, err, "choose a writable --out path"),
            ),
          );
        }
      }
      if (flags.json) io.stdout(renderPlanJson(plan));
      else if (!flags.quiet || plan.actions.length > 0) {
        io.stdout(
          renderPlanHuman(
            plan,
            makeStyle({ color: wantsColor({ isTTY: io.isTTY, noColorFlag: !flags.color, env: io.env }) }),
          ),
        );
      }
      const changes = plan.actions.length > 0;
      setExit(flags.detailedExitcode && changes ? EXIT_CHANGES : EXIT_OK);
    });
