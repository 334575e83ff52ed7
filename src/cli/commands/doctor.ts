import { Command } from "commander";
import * as E from "fp-ts/lib/Either.js";
import { runDoctorCommand } from "../../api/doctor.js";
import { doctorHasErrors } from "../../doctor/doctor.js";
import { renderDoctorJson } from "../../model/doctor.js";
import { renderDoctorHuman } from "../../render/doctor-human.js";
import { makeStyle, wantsColor } from "../../render/style.js";
import {
  commandOptionsFrom,
  type CommonFlags,
  DURATION_FLAGS,
  installTimeoutOption,
  withCommonOptions,
} from "../common-options.js";
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
      // Apply's progress is streamed as it happens (an install can take a while), so the report
      // does not print the log again.
      const stream = flags.fix === true && !flags.json && !flags.quiet;
      // Only --fix changes things: SIGTERM/SIGINT then stops its apply as they stop `apply`.
      const interrupts = flags.fix === true ? listenForInterrupts(io) : null;
      const reported = await runDoctorCommand({
        ...commandOptionsFrom(flags, io),
        ...(interrupts !== null ? { signal: interrupts.signal } : {}),
        fix: flags.fix === true,
        hostCheck: flags.hostCheck,
        packageManager: flags.packageManager,
        lockTimeout: flags.lockTimeout,
        installTimeout: flags.installTimeout,
        names: DURATION_FLAGS,
        ...(stream ? { onProgress: (line: string) => io.stdout(`${escapeLinesForTerminal(line)}\n`) } : {}),
      }).finally(() => interrupts?.dispose());
      if (E.isLeft(reported)) return setExit(reportError(io, flags.logFormat, reported.left));
      const report = reported.right;
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
