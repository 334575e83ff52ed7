import * as path from "node:path";
import { Command } from "commander";
import * as E from "fp-ts/lib/Either.js";
import { applyDocument, runApply } from "../../api/apply.js";
import { escapeForTerminal, escapeLinesForTerminal } from "../../util/escape.js";
import { renderApplyJson } from "../../render/documents.js";
import { summarize } from "../../run/plan.js";
import {
  commandOptionsFrom,
  type CommonFlags,
  DURATION_FLAGS,
  installTimeoutOption,
  withCommonOptions,
} from "../common-options.js";
import { exitCodeFor, interruptedError, lateSignal, listenForInterrupts } from "../interrupt.js";
import { type CliIO, EXIT_OK, outputFor } from "../io.js";
import { debrisWarnings } from "../output.js";
import { NO_CHANGES } from "../../render/text.js";

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
      const out = outputFor(io, flags);
      const interrupts = listenForInterrupts(io, out);
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
        onProgress: out.progress("apply.step"),
        // A one-line ticker while the package manager runs, only on a TTY (quiet in pipes and CI).
        ...(out.ticker !== null
          ? {
              onInstallTick: (ms: number, last: string) =>
                out.ticker?.tick(`    ${Math.round(ms / 1000)}s  ${escapeForTerminal(last).slice(0, 70)}`),
            }
          : {}),
        onLockWait: (holder) => out.lockWait(holder),
      }).finally(() => interrupts.dispose());
      out.ticker?.clear();
      // SIGTERM/SIGINT: apply has stopped the package manager, removed its stage and released the
      // lock by now (it returned). A run the signal could no longer stop (it came after the
      // install, during the swap) completed: that is reported as such, with its own exit code.
      const sig = interrupts.received();
      if (sig !== null && E.isLeft(result)) {
        out.error(interruptedError(sig, result.left));
        return setExit(exitCodeFor(sig));
      }
      if (sig !== null) lateSignal(out, sig, "apply");
      if (E.isLeft(result)) return setExit(out.error(result.left));
      const r = result.right;
      const stageBase = path.dirname(r.plan.desired.targetRoot);
      if (r.noop && r.observedOnly) io.onReplayable?.(stageBase, r.reads);
      else if (!r.noop) io.onApplied?.(stageBase);
      // Debris plugdeps cannot remove (under a read-only package root) is never an action; it is
      // reported on every run, with the command that removes it from outside the sandbox.
      debrisWarnings(out, r.plan.observed.debris);
      for (const s of r.skipped)
        out.event(
          "warn",
          "apply.skipped",
          `skipped: ${s}`,
          { reason: s },
          `${out.style.yellow("skipped:")} ${escapeLinesForTerminal(s)}`,
        );
      const document = renderApplyJson(applyDocument(r));
      if (r.noop) {
        out.result("apply.noop", {
          msg: NO_CHANGES,
          text: (style) => `${style.green("No changes.")}${NO_CHANGES.slice("No changes.".length)}\n`,
          document,
          embed: false,
        });
        return setExit(EXIT_OK);
      }
      const c = summarize(r.executed);
      const counts = `${c.reuse} reused, ${c.install} installed, ${c.prune} pruned, ${c.cleanLegacy} legacy cleaned.`;
      out.result("apply.complete", {
        msg: `Apply complete! ${counts}`,
        text: (style) => `\n${style.green("Apply complete!")} ${counts}\n`,
        fields: {
          reused: c.reuse,
          installed: c.install,
          pruned: c.prune,
          legacyCleaned: c.cleanLegacy,
          packageManagerRuns: r.packageManagerRuns,
        },
        document,
        embed: false,
      });
      setExit(EXIT_OK);
    });
