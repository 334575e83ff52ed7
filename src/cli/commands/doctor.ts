import { Command } from "commander";
import * as E from "fp-ts/lib/Either.js";
import { runDoctorCommand } from "../../api/doctor.js";
import { doctorHasErrors } from "../../doctor/doctor.js";
import { renderDoctorJson } from "../../model/doctor.js";
import { renderDoctorHuman } from "../../render/doctor-human.js";
import {
  commandOptionsFrom,
  type CommonFlags,
  DURATION_FLAGS,
  installTimeoutOption,
  withCommonOptions,
} from "../common-options.js";
import type { StepFields } from "../../util/progress.js";
import { exitCodeFor, interruptedError, listenForInterrupts } from "../interrupt.js";
import { type CliIO, EXIT_ERROR, EXIT_OK, outputFor } from "../io.js";
import { reportResult } from "../output.js";

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
      const out = outputFor(io, flags);
      // Only --fix changes things: SIGTERM/SIGINT then stops its apply as they stop `apply`.
      const interrupts = flags.fix === true ? listenForInterrupts(io, out) : null;
      // Apply's progress is streamed as it happens (an install can take a while), so the report
      // does not print the fix log again; under --quiet there is no progress at all.
      let streamed = 0;
      const step = out.progress("doctor.fix");
      const reported = await runDoctorCommand({
        ...commandOptionsFrom(flags, io),
        ...(interrupts !== null ? { signal: interrupts.signal } : {}),
        fix: flags.fix === true,
        hostCheck: flags.hostCheck,
        packageManager: flags.packageManager,
        lockTimeout: flags.lockTimeout,
        installTimeout: flags.installTimeout,
        names: DURATION_FLAGS,
        onProgress: (line: string, fields?: StepFields) => {
          streamed++;
          step(line, fields);
        },
      }).finally(() => interrupts?.dispose());
      if (E.isLeft(reported)) return setExit(out.error(reported.left));
      const report = reported.right;
      const separate = streamed > 0 && !out.quiet && !flags.json;
      reportResult(out, "doctor", {
        document: renderDoctorJson(report),
        render: (style) => `${separate ? "\n" : ""}${renderDoctorHuman(report, style, { log: false })}`,
        fields: { ...report.summary },
      });
      const sig = interrupts?.received() ?? null;
      if (sig !== null) {
        out.error(interruptedError(sig, null));
        return setExit(exitCodeFor(sig));
      }
      setExit(doctorHasErrors(report) ? EXIT_ERROR : EXIT_OK);
    });
