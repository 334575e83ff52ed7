import { Command } from "commander";
import * as E from "fp-ts/lib/Either.js";
import { renderPlanHuman } from "../../render/plan-human.js";
import { renderPlanJson } from "../../render/plan-json.js";
import { escapeLinesForTerminal } from "../../util/escape.js";
import { readPlanFile } from "../../api/plan-file.js";
import { logFormatOption, noColorOption, quietOption } from "../common-options.js";
import { type CliIO, EXIT_OK, type OutputFlags, outputFor } from "../io.js";
import { reportResult } from "../output.js";

type ShowFlags = OutputFlags;

/**
 * `plugdeps show PLANFILE`: a saved plan (`plugdeps plan --out`) rendered as `plan` rendered it
 * when it was made, like `terraform show`. It reads only that file: no host, no stage base, no
 * lock. `--json` prints the document again in its canonical form (same bytes as `plan --json`
 * printed for it). A file that is not a plan this plugdeps reads is a PlanFileInvalid error with
 * the command that writes a good one.
 */
export const showCommand = (io: CliIO, setExit: (code: number) => void): Command =>
  new Command("show")
    .description("render a plan saved with `plugdeps plan --out` (human, or --json); reads only that file")
    .argument("<planfile>", "a plan saved with `plugdeps plan --out`")
    .option("--json", "print the plan document (JSON) instead of the human rendering")
    .addOption(logFormatOption())
    .addOption(quietOption())
    .addOption(noColorOption())
    .action((planfile: string, flags: ShowFlags) => {
      const out = outputFor(io, flags);
      const read = readPlanFile(planfile);
      if (E.isLeft(read)) return setExit(out.error(read.left));
      const { file, plan } = read.right;
      reportResult(out, "show", {
        document: renderPlanJson(plan),
        render: (style) =>
          `${style.bold("Saved plan")} ${escapeLinesForTerminal(file)} (made by ${escapeLinesForTerminal(
            `${plan.tool.name} ${plan.tool.version}`,
          )}; \`plugdeps apply ${escapeLinesForTerminal(planfile)}\` carries it out while the host and disk are unchanged)\n\n` +
          renderPlanHuman(plan, style),
        fields: { file, actions: plan.actions.length, summary: plan.summary },
      });
      setExit(EXIT_OK);
    });
