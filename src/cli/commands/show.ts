import { Command, Option } from "commander";
import * as E from "fp-ts/lib/Either.js";
import { renderPlanHuman } from "../../render/plan-human.js";
import { renderPlanJson } from "../../render/plan-json.js";
import { makeStyle, wantsColor } from "../../render/style.js";
import { escapeLinesForTerminal } from "../../util/escape.js";
import { readPlanFile } from "../../api/plan-file.js";
import { type CliIO, EXIT_OK, type LogFormat, reportError } from "../io.js";

interface ShowFlags {
  readonly json?: boolean;
  readonly logFormat: LogFormat;
  readonly color: boolean;
}

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
    .addOption(
      new Option("--log-format <format>", "log and error format").choices(["text", "json"]).default("text"),
    )
    .option("--no-color", "never color the output")
    .action((planfile: string, flags: ShowFlags) => {
      const read = readPlanFile(planfile);
      if (E.isLeft(read)) return setExit(reportError(io, flags.logFormat, read.left));
      const { file, plan } = read.right;
      if (flags.json) {
        io.stdout(renderPlanJson(plan));
        return setExit(EXIT_OK);
      }
      const style = makeStyle({
        color: wantsColor({ isTTY: io.isTTY, noColorFlag: !flags.color, env: io.env }),
      });
      io.stdout(
        `${style.bold("Saved plan")} ${escapeLinesForTerminal(file)} (made by ${escapeLinesForTerminal(
          `${plan.tool.name} ${plan.tool.version}`,
        )}; \`plugdeps apply ${escapeLinesForTerminal(planfile)}\` carries it out while the host and disk are unchanged)\n\n`,
      );
      io.stdout(renderPlanHuman(plan, style));
      setExit(EXIT_OK);
    });
