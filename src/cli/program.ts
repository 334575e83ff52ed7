import { Command, CommanderError } from "commander";
import { toolInfo } from "../util/tool-version.js";
import { applyCommand } from "./commands/apply.js";
import { completionCommand } from "./commands/completion.js";
import { doctorCommand } from "./commands/doctor.js";
import { planCommand } from "./commands/plan.js";
import { reconcileCommand } from "./commands/reconcile.js";
import { resolveCommand } from "./commands/resolve.js";
import { rollbackCommand } from "./commands/rollback.js";
import { showCommand } from "./commands/show.js";
import { statusCommand } from "./commands/status.js";
import { unitsCommand } from "./commands/units.js";
import { addHelpExamples } from "./help-examples.js";
import { type CliIO, EXIT_ERROR, EXIT_OK, type LogFormat } from "./io.js";
import { usageError } from "../model/errors.js";
import { makeOutput } from "../render/output.js";
import { logFormatOf } from "../util/json-line.js";

/**
 * The whole command tree, wired to `io`; `setExit` receives each action's exit code. Built for
 * runCli, and read as it is by `plugdeps completion` and the help tests.
 */
export const buildProgram = (
  io: CliIO,
  setExit: (code: number) => void,
  format: LogFormat = "text",
): Command => {
  // A usage error is found by commander before any command runs: with `--log-format json` it is
  // one `error` line too (a UsageError), without the hint about --help.
  const output = {
    writeOut: io.stdout,
    writeErr: io.stderr,
    ...(format === "json"
      ? {
          outputError: (text: string) =>
            makeOutput({ io, format }).error(usageError(text.trim().replace(/^error: /, ""))),
        }
      : {}),
  };
  const program = new Command("plugdeps")
    .description("Keeps the runtime dependencies of a packaged Node application's bundled plugins converged.")
    .version(toolInfo().version)
    .exitOverride()
    .configureOutput(output)
    .showHelpAfterError(format === "json" ? false : "(run with --help for usage)")
    .addCommand(planCommand(io, setExit))
    .addCommand(applyCommand(io, setExit))
    .addCommand(showCommand(io, setExit))
    .addCommand(rollbackCommand(io, setExit))
    .addCommand(statusCommand(io, setExit))
    .addCommand(resolveCommand(io, setExit))
    .addCommand(doctorCommand(io, setExit))
    .addCommand(unitsCommand(io, setExit))
    .addCommand(reconcileCommand(io, setExit))
    .addCommand(completionCommand(io, setExit));
  for (const sub of program.commands) sub.exitOverride().configureOutput(output);
  addHelpExamples(program);
  return program;
};

/**
 * Runs the CLI in-process and returns the exit code. Tests call this directly; `main.ts` is the
 * only place that touches `process`.
 */
export const runCli = async (argv: readonly string[], io: CliIO): Promise<number> => {
  let exitCode = EXIT_OK;
  const program = buildProgram(
    io,
    (code) => {
      exitCode = code;
    },
    logFormatOf(argv),
  );
  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; usage errors have already been printed by commander.
      return err.exitCode === 0 ? EXIT_OK : EXIT_ERROR;
    }
    throw err;
  }
  return exitCode;
};
