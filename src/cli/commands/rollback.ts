import { Command } from "commander";
import * as E from "fp-ts/lib/Either.js";
import { describeHolder } from "../../execute/lock.js";
import { usageError } from "../../model/errors.js";
import { makeStyle, wantsColor } from "../../render/style.js";
import { rollback } from "../../run/rollback.js";
import { parseDuration } from "../../util/duration.js";
import { escapeLinesForTerminal } from "../../util/escape.js";
import { type CommonFlags, runOptionsFrom, withCommonOptions } from "../common-options.js";
import { exitCodeFor, interruptedError, listenForInterrupts } from "../interrupt.js";
import { type CliIO, EXIT_OK, reportError } from "../io.js";

interface RollbackFlags extends CommonFlags {
  readonly json?: boolean;
  readonly lockTimeout: string;
}

/**
 * `plugdeps rollback`: the retained previous generation of the target root made live again
 * (run/rollback.ts), validated first and refused with the reason when there is none, it is not
 * ours, or it does not validate. The desired state is unchanged: `plugdeps plan` then shows what
 * differs from it, and `plugdeps apply` converges again.
 */
export const rollbackCommand = (io: CliIO, setExit: (code: number) => void): Command =>
  withCommonOptions(new Command("rollback"))
    .description(
      "make the previous generation of the root live again (validated first; under the install-root lock)",
    )
    .option("--json", "print the result as JSON")
    .option("--lock-timeout <duration>", "how long to wait for another writer (e.g. 30s, 5m)", "5m")
    .action(async (flags: RollbackFlags) => {
      const timeout = parseDuration(flags.lockTimeout);
      if (timeout === null) {
        return setExit(
          reportError(
            io,
            flags.logFormat,
            usageError(
              `--lock-timeout ${JSON.stringify(flags.lockTimeout)} is not a duration (e.g. 30s, 5m, 1h)`,
            ),
          ),
        );
      }
      const style = makeStyle({
        color: wantsColor({ isTTY: io.isTTY, noColorFlag: !flags.color, env: io.env }),
      });
      const say = (line: string) => {
        if (!flags.quiet && !flags.json) io.stdout(`${escapeLinesForTerminal(line)}\n`);
      };
      const interrupts = listenForInterrupts(io);
      const result = await rollback({
        ...runOptionsFrom(flags, io, "write"),
        lockTimeoutMs: timeout,
        command: "plugdeps rollback",
        signal: interrupts.signal,
        onProgress: say,
        onLockWait: (holder) =>
          io.stderr(
            escapeLinesForTerminal(
              `waiting for the install-root lock ${holder.path}: held by ${describeHolder(holder)}`,
            ) + "\n",
          ),
      }).finally(() => interrupts.dispose());
      const sig = interrupts.received();
      if (sig !== null && E.isLeft(result)) {
        reportError(io, flags.logFormat, interruptedError(sig, result.left));
        return setExit(exitCodeFor(sig));
      }
      if (E.isLeft(result)) return setExit(reportError(io, flags.logFormat, result.left));
      const r = result.right;
      if (flags.json) {
        io.stdout(`${JSON.stringify({ rolledBack: true, ...r }, null, 2)}\n`);
        return setExit(EXIT_OK);
      }
      if (r.hostRoot !== null) say(`  ${r.hostRoot}`);
      if (!flags.quiet) {
        io.stdout(
          `\n${style.green("Rollback complete!")} ${escapeLinesForTerminal(r.root)} is ${escapeLinesForTerminal(r.to)} again ` +
            `(${r.checked} package${r.checked === 1 ? "" : "s"}, made ${escapeLinesForTerminal(r.updatedAt)}).\n` +
            "The desired state is unchanged: `plugdeps plan` shows what differs from it, `plugdeps apply` converges again " +
            "(stop the reconcile timer or loop first if you want the rollback to stay).\n",
        );
      }
      setExit(EXIT_OK);
    });
