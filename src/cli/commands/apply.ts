import * as path from "node:path";
import { Command } from "commander";
import * as E from "fp-ts/lib/Either.js";
import { applyDocument, runApply } from "../../api/apply.js";
import { describeHolder } from "../../execute/lock.js";
import { escapeForTerminal, escapeLinesForTerminal } from "../../util/escape.js";
import { makeStyle, wantsColor } from "../../render/style.js";
import { summarize } from "../../run/plan.js";
import { readOnlyDebrisWarnings } from "../../render/observed.js";
import { forTerminal } from "../../render/text.js";
import {
  commandOptionsFrom,
  type CommonFlags,
  DURATION_FLAGS,
  installTimeoutOption,
  withCommonOptions,
} from "../common-options.js";
import { exitCodeFor, interruptedError, listenForInterrupts } from "../interrupt.js";
import { type CliIO, EXIT_OK, reportError } from "../io.js";

interface ApplyFlags extends CommonFlags {
  readonly json?: boolean;
  readonly lockTimeout: string;
  readonly installTimeout?: string;
}

/**
 * `plugdeps apply [PLANFILE]`: converges the root. Prints the plan it carries out (computed
 * again under the lock), the steps as they happen, and `Apply complete!` with the counts.
 */
export const applyCommand = (io: CliIO, setExit: (code: number) => void): Command =>
  withCommonOptions(new Command("apply"))
    .description("carry out the plan: reuse, install, prune, clean legacy (under the install-root lock)")
    .argument("[planfile]", "a plan saved with `plugdeps plan --out`; refused if it is stale")
    .option("--json", "print the result as JSON")
    .option("--lock-timeout <duration>", "how long to wait for another writer (e.g. 30s, 5m)", "5m")
    .addOption(installTimeoutOption())
    .action(async (planfile: string | undefined, flags: ApplyFlags) => {
      const style = makeStyle({
        color: wantsColor({ isTTY: io.isTTY, noColorFlag: !flags.color, env: io.env }),
      });
      const say = (line: string) => {
        // Progress names plugins, packages and paths: no control character of theirs reaches the terminal.
        if (!flags.quiet && !flags.json) io.stdout(`${escapeLinesForTerminal(line)}\n`);
      };
      let ticking = false;
      const interrupts = listenForInterrupts(io);
      const result = await runApply({
        ...commandOptionsFrom(flags, io),
        planFile: planfile,
        lockTimeout: flags.lockTimeout,
        installTimeout: flags.installTimeout,
        names: DURATION_FLAGS,
        signal: interrupts.signal,
        packageManager: flags.packageManager,
        // The no-op stamp (fastpath/record.ts) re-checks exactly what the deciding look read.
        recordReads: io.onReplayable !== undefined,
        onProgress: (line) => {
          if (ticking) io.stdout("\r\u001b[2K");
          ticking = false;
          say(line);
        },
        // A one-line ticker while the package manager runs, only on a TTY (quiet in pipes and CI).
        ...(io.isTTY && !flags.quiet && !flags.json
          ? {
              onInstallTick: (ms: number, last: string) => {
                ticking = true;
                io.stdout(
                  `\r\u001b[2K    ${Math.round(ms / 1000)}s  ${escapeForTerminal(last).slice(0, 70)}`,
                );
              },
            }
          : {}),
        onLockWait: (holder) =>
          io.stderr(
            escapeLinesForTerminal(
              `waiting for the install-root lock ${holder.path}: held by ${describeHolder(holder)}`,
            ) + "\n",
          ),
      }).finally(() => interrupts.dispose());
      if (ticking) io.stdout("\r\u001b[2K");
      // SIGTERM/SIGINT: apply has stopped the package manager, removed its stage and released the
      // lock by now (it returned). A run the signal could no longer stop (it came after the
      // install, during the swap) completed: that is reported as such, with its own exit code.
      const sig = interrupts.received();
      if (sig !== null && E.isLeft(result)) {
        reportError(io, flags.logFormat, interruptedError(sig, result.left));
        return setExit(exitCodeFor(sig));
      }
      if (sig !== null)
        io.stderr(`${sig} arrived when the apply could no longer be stopped safely: it was completed.\n`);
      if (E.isLeft(result)) return setExit(reportError(io, flags.logFormat, result.left));
      const r = result.right;
      const stageBase = path.dirname(r.plan.desired.targetRoot);
      if (r.noop && r.observedOnly) io.onReplayable?.(stageBase, r.reads);
      else if (!r.noop) io.onApplied?.(stageBase);
      if (flags.json) {
        io.stdout(`${JSON.stringify(applyDocument(r), null, 2)}\n`);
        return setExit(EXIT_OK);
      }
      // Debris plugdeps cannot remove (under a read-only package root) is never an action; it is
      // reported on every run, with the command that removes it from outside the sandbox.
      const warnings = readOnlyDebrisWarnings(forTerminal(r.plan.observed.debris), style);
      if (warnings.length > 0) io.stderr(`${warnings.join("\n")}\n`);
      if (r.noop) {
        if (!flags.quiet)
          io.stdout(`${style.green("No changes.")} Runtime dependencies match the plugin plan.\n`);
        return setExit(EXIT_OK);
      }
      if (!flags.quiet) {
        for (const s of r.skipped) io.stdout(`${style.yellow("skipped:")} ${escapeLinesForTerminal(s)}\n`);
        const c = summarize(r.executed);
        io.stdout(
          `\n${style.green("Apply complete!")} ${c.reuse} reused, ${c.install} installed, ${c.prune} pruned, ${c.cleanLegacy} legacy cleaned.\n`,
        );
      }
      setExit(EXIT_OK);
    });
