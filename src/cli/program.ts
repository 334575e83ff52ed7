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
import { type CliIO, EXIT_ERROR, EXIT_OK } from "./io.js";

/**
 * The whole command tree, wired to `io`; `setExit` receives each action's exit code. Built for
 * runCli, and read as it is by `plugdeps completion` and the help tests.
 */
export const buildProgram = (io: CliIO, setExit: (code: number) => void): Command => {
  const program = new Command("plugdeps")
    .description("Keeps the runtime dependencies of a packaged Node application's bundled plugins converged.")
    .version(toolInfo().version)
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError("(run with --help for usage)")
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
  for (const sub of program.commands)
    sub.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  addHelpExamples(program);
  return program;
};

/**
 * Runs the CLI in-process and returns the exit code. Tests call this directly; `main.ts` is the
 * only place that touches `process`.
 */
export const runCli = async (argv: readonly string[], io: CliIO): Promise<number> => {
  let exitCode = EXIT_OK;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
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
