import { Argument, Command } from "commander";
import { bashCompletion, completionModel, zshCompletion } from "../completion.js";
import { logFormatOption, noColorOption, quietOption } from "../common-options.js";
import { type CliIO, EXIT_ERROR, EXIT_OK, type OutputFlags, outputFor } from "../io.js";

/**
 * `plugdeps completion bash|zsh`: prints the shell completion script, generated from this very
 * program (its parent command), so it lists exactly the commands and options the parser takes.
 * With `--log-format json` the script is the `script` field of one `completion.result` line.
 */
export const completionCommand = (io: CliIO, setExit: (code: number) => void): Command =>
  new Command("completion")
    .description("print the shell completion script for bash or zsh")
    .addArgument(new Argument("<shell>", "the shell: bash or zsh").choices(["bash", "zsh"]))
    .addOption(logFormatOption())
    .addOption(quietOption())
    .addOption(noColorOption())
    .action((shell: "bash" | "zsh", flags: OutputFlags, cmd: Command) => {
      const program = cmd.parent;
      if (program === null) return setExit(EXIT_ERROR);
      const model = completionModel(program);
      const script = shell === "bash" ? bashCompletion(model) : zshCompletion(model);
      outputFor(io, flags).result("completion.result", {
        msg: `the ${shell} completion script of plugdeps`,
        text: () => script,
        fields: { shell, script },
      });
      setExit(EXIT_OK);
    });
