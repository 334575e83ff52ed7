import { Command } from "commander";
import { usageError } from "../../model/errors.js";
import { doctorHasErrors, runDoctor } from "../../doctor/doctor.js";
import { renderDoctorJson } from "../../model/doctor.js";
import { renderDoctorHuman } from "../../render/doctor-human.js";
import { makeStyle, wantsColor } from "../../render/style.js";
import {
  type CommonFlags,
  installTimeoutFrom,
  installTimeoutOption,
  runOptionsFrom,
  withCommonOptions,
} from "../common-options.js";
import { parseDuration } from "../../util/duration.js";
import { escapeLinesForTerminal } from "../../util/escape.js";
import { exitCodeFor, interruptedError, listenForInterrupts } from "../interrupt.js";
import { type CliIO, EXIT_ERROR, EXIT_OK, reportError } from "../io.js";

interface DoctorFlags extends CommonFlags {
  readonly fix?: boolean;
  readonly json?: boolean;
  readonly lockTimeout: string;
  readonly installTimeout?: string;
  readonly hostCheck: boolean;
}

/**
 * `plugdeps doctor [--fix]`: findings with severity and fix. Read-only without `--fix` (no write,
 * no lock). Exit 0 when no error finding remains, 1 otherwise; a failure to observe the host at
 * all (no writable stage base...) is itself an error finding, not a crash.
 */
export const doctorCommand = (io: CliIO, setExit: (code: number) => void): Command =>
  withCommonOptions(new Command("doctor"))
    .description("diagnose the materialization, locks, debris and schedule; --fix repairs what is safe")
    .option(
      "--fix",
      "repair what is safe: run apply (debris, stale roots, materialization), reclaim stale locks",
    )
    .option("--json", "print the report as JSON")
    .option("--lock-timeout <duration>", "with --fix: how long to wait for another writer", "5m")
    .addOption(installTimeoutOption("with --fix: how long one package-manager run may take"))
    .option(
      "--no-host-check",
      "skip the host's own dependency check, where its version has one (run with $PLUGDEPS_HOST_NODE, else node)",
    )
    .action(async (flags: DoctorFlags) => {
      const timeout = parseDuration(flags.lockTimeout);
      if (timeout === null) {
        return setExit(
          reportError(
            io,
            flags.logFormat,
            usageError(
              `--lock-timeout ${JSON.stringify(flags.lockTimeout)} is not a duration (e.g. 30s, 5m)`,
            ),
          ),
        );
      }
      const installTimeout = installTimeoutFrom(flags);
      if ("error" in installTimeout) return setExit(reportError(io, flags.logFormat, installTimeout.error));
      // Apply's progress is streamed as it happens (an install can take a while), so the report
      // does not print the log again.
      const stream = flags.fix === true && !flags.json && !flags.quiet;
      const { probe: _probe, ...run } = runOptionsFrom(flags, io, "access");
      // Only --fix changes things: SIGTERM/SIGINT then stops its apply as they stop `apply`.
      const interrupts = flags.fix === true ? listenForInterrupts(io) : null;
      const report = await runDoctor({
        ...run,
        ...(interrupts !== null ? { signal: interrupts.signal } : {}),
        fix: flags.fix === true,
        hostCheck: flags.hostCheck,
        packageManager: flags.packageManager,
        lockTimeoutMs: timeout,
        installTimeoutMs: installTimeout.ms,
        ...(stream ? { onProgress: (line: string) => io.stdout(`${escapeLinesForTerminal(line)}\n`) } : {}),
      }).finally(() => interrupts?.dispose());
      if (flags.json) io.stdout(renderDoctorJson(report));
      else {
        if (stream && report.fix !== null && report.fix.messages.length > 0) io.stdout("\n");
        io.stdout(
          renderDoctorHuman(
            report,
            makeStyle({ color: wantsColor({ isTTY: io.isTTY, noColorFlag: !flags.color, env: io.env }) }),
            { log: !stream },
          ),
        );
      }
      const sig = interrupts?.received() ?? null;
      if (sig !== null) {
        reportError(io, flags.logFormat, interruptedError(sig, null));
        return setExit(exitCodeFor(sig));
      }
      setExit(doctorHasErrors(report) ? EXIT_ERROR : EXIT_OK);
    });
