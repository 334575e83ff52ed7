import { Command } from "commander";
import * as E from "fp-ts/lib/Either.js";
import { usageError } from "../../model/errors.js";
import { rollbackDocument } from "../../model/rollback.js";
import { renderRollbackJson } from "../../render/documents.js";
import { rollback } from "../../run/rollback.js";
import { parseDuration } from "../../util/duration.js";
import { escapeLinesForTerminal } from "../../util/escape.js";
import { type CommonFlags, runOptionsFrom, withCommonOptions } from "../common-options.js";
import { exitCodeFor, interruptedError, listenForInterrupts } from "../interrupt.js";
import { type CliIO, EXIT_OK, outputFor } from "../io.js";

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
      const out = outputFor(io, flags);
      const timeout = parseDuration(flags.lockTimeout);
      if (timeout === null) {
        return setExit(
          out.error(
            usageError(
              `--lock-timeout ${JSON.stringify(flags.lockTimeout)} is not a duration (e.g. 30s, 5m, 1h)`,
            ),
          ),
        );
      }
      const step = out.progress("rollback.step");
      const interrupts = listenForInterrupts(io, out);
      const result = await rollback({
        ...runOptionsFrom(flags, io, "write"),
        lockTimeoutMs: timeout,
        command: "plugdeps rollback",
        signal: interrupts.signal,
        onProgress: step,
        onLockWait: (holder) => out.lockWait(holder),
      }).finally(() => interrupts.dispose());
      const sig = interrupts.received();
      if (sig !== null && E.isLeft(result)) {
        out.error(interruptedError(sig, result.left));
        return setExit(exitCodeFor(sig));
      }
      if (E.isLeft(result)) return setExit(out.error(result.left));
      const r = result.right;
      if (r.hostRoot !== null) step(`  ${r.hostRoot}`, { step: "host-root", detail: r.hostRoot });
      const done = `${r.root} is ${r.to} again (${r.checked} package${r.checked === 1 ? "" : "s"}, made ${r.updatedAt}).`;
      out.result("rollback.complete", {
        msg: `Rollback complete! ${done}`,
        text: (style) => `\n${style.green("Rollback complete!")} ${escapeLinesForTerminal(done)}\n`,
        fields: { root: r.root, from: r.from, to: r.to, checked: r.checked, updatedAt: r.updatedAt },
        document: renderRollbackJson(rollbackDocument(r)),
      });
      const note =
        "The desired state is unchanged: `plugdeps plan` shows what differs from it, `plugdeps apply` converges again " +
        "(stop the reconcile timer or loop first if you want the rollback to stay).";
      out.event("info", "rollback.note", note, {}, note);
      setExit(EXIT_OK);
    });
