import { Command } from "commander";
import * as E from "fp-ts/lib/Either.js";
import { planDocument } from "../../api/plan.js";
import { renderPlanHuman } from "../../render/plan-human.js";
import { renderPlanJson } from "../../render/plan-json.js";
import { commandOptionsFrom, type CommonFlags, withCommonOptions } from "../common-options.js";
import { type CliIO, EXIT_CHANGES, EXIT_OK, outputFor } from "../io.js";
import { reportResult } from "../output.js";

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
      const out = outputFor(io, flags);
      const planned = planDocument({ ...commandOptionsFrom(flags, io), out: flags.out });
      if (E.isLeft(planned)) return setExit(out.error(planned.left));
      const plan = planned.right;
      reportResult(out, "plan", {
        document: renderPlanJson(plan),
        render: (style) => renderPlanHuman(plan, style),
        fields: { actions: plan.actions.length, summary: plan.summary },
      });
      const changes = plan.actions.length > 0;
      setExit(flags.detailedExitcode && changes ? EXIT_CHANGES : EXIT_OK);
    });
