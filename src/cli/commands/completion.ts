import { Argument, Command } from "commander";
import { bashCompletion, completionModel, zshCompletion } from "../completion.js";
import { type CliIO, EXIT_ERROR, EXIT_OK } from "../io.js";

/**
 * `plugdeps completion bash|zsh`: prints the shell completion script, generated from this very
 * program (its parent command), so it lists exactly the commands and options the parser takes.
 */
export const completionCommand = (io: CliIO, setExit: (code: number) => void): Command =>
  new Command("completion")
    .description("print the shell completion script for bash or zsh")
    .addArgument(new Argument("<shell>", "the shell: bash or zsh").choices(["bash", "zsh"]))
    .action((shell: "bash" | "zsh", _flags: unknown, cmd: Command) => {
      const program = cmd.parent;
      if (program === null) return setExit(EXIT_ERROR);
      const model = completionModel(program);
      io.stdout(shell === "bash" ? bashCompletion(model) : zshCompletion(model));
      setExit(EXIT_OK);
    });
