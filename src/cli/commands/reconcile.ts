import { Command } from "commander";
import * as E from "fp-ts/lib/Either.js";
import { usageError } from "../../model/errors.js";
import type { ReconcileStatus } from "../../model/status.js";
import { renderReconcileJson } from "../../render/documents.js";
import { runReconcile } from "../../loop/run.js";
import { DEFAULT_BACKOFF_START_MS, DEFAULT_JITTER_PERCENT } from "../../loop/scheduler.js";
import {
  type CommonFlags,
  installTimeoutFrom,
  installTimeoutOption,
  runOptionsFrom,
  withCommonOptions,
} from "../common-options.js";
import { parseDuration } from "../../util/duration.js";
import { type CliIO, outputFor } from "../io.js";

interface ReconcileFlags extends CommonFlags {
  readonly every: string;
  readonly jitter: string;
  readonly once?: boolean;
  readonly metricsPort?: string;
  readonly metricsHost: string;
  readonly lockTimeout: string;
  readonly installTimeout?: string;
  readonly json?: boolean;
}

/** Below this an interval is a busy loop, not a controller. */
const MIN_INTERVAL_MS = 1_000;

/**
 * `plugdeps reconcile`: the level-triggered loop (SPEC §2). Each pass is the in-process `apply()`
 * call; see src/loop/ for the scheduler, the status record and the metrics.
 *
 * This command, unlike the others, touches `process` (signal handlers, and exiting at once on a
 * second signal): a long-running controller has to own its shutdown.
 */
export const reconcileCommand = (io: CliIO, setExit: (code: number) => void): Command =>
  withCommonOptions(new Command("reconcile"))
    .description(
      "keep converging: a pass (apply) every interval with jitter, at once when the config changes, backoff on failure",
    )
    .option("--every <duration>", "interval between passes (e.g. 15m, 1h)", "15m")
    .option(
      "--jitter <percent>",
      "uniform ± jitter on the interval, in percent of it",
      String(DEFAULT_JITTER_PERCENT),
    )
    .option("--once", "run a single pass and exit (0 on success, 1 on failure)")
    .option(
      "--json",
      "with --once: print the pass's status record as JSON on stdout (the log lines go to stderr)",
    )
    .option(
      "--metrics-port <port>",
      "serve Prometheus /metrics, /healthz and /readyz on this port (0: any free port)",
    )
    .option("--metrics-host <host>", "address for the metrics server", "127.0.0.1")
    .option("--lock-timeout <duration>", "how long a pass waits for another writer (e.g. 30s, 5m)", "5m")
    .addOption(installTimeoutOption("how long one package-manager run of a pass may take"))
    .action(async (flags: ReconcileFlags) => {
      // The loop's lines start with their time in text (render/output.ts).
      const out = outputFor(io, flags, { timestamps: true });
      const fail = (detail: string) => setExit(out.error(usageError(detail)));
      if (flags.json === true && flags.once !== true) {
        return fail("--json needs --once (the loop's log lines are its output: --log-format json)");
      }
      const every = parseDuration(flags.every);
      if (every === null || every < MIN_INTERVAL_MS) {
        return fail(`--every ${JSON.stringify(flags.every)} is not a duration of at least 1s (e.g. 15m, 1h)`);
      }
      const jitterText = flags.jitter.trim().replace(/%$/, "");
      const jitter = /^\d+(\.\d+)?$/.test(jitterText) ? Number(jitterText) : Number.NaN;
      if (!(jitter >= 0 && jitter <= 100)) {
        return fail(`--jitter ${JSON.stringify(flags.jitter)} is not a percentage from 0 to 100`);
      }
      const lockTimeout = parseDuration(flags.lockTimeout);
      if (lockTimeout === null) {
        return fail(
          `--lock-timeout ${JSON.stringify(flags.lockTimeout)} is not a duration (e.g. 30s, 5m, 1h)`,
        );
      }
      const installTimeout = installTimeoutFrom(flags);
      if ("error" in installTimeout) return setExit(out.error(installTimeout.error));
      let metricsPort: number | null = null;
      if (flags.metricsPort !== undefined) {
        metricsPort = /^\d+$/.test(flags.metricsPort) ? Number(flags.metricsPort) : Number.NaN;
        if (!(metricsPort >= 0 && metricsPort <= 65_535)) {
          return fail(`--metrics-port ${JSON.stringify(flags.metricsPort)} is not a port number (0-65535)`);
        }
      }
      const { probe: _probe, ...run } = runOptionsFrom(flags, io, "write");
      // `--once --json`: the pass's status record is the document (docs/json.md); stdout holds it alone.
      const records: ReconcileStatus[] = [];
      const result = await runReconcile({
        apply: {
          ...run,
          lockTimeoutMs: lockTimeout,
          installTimeoutMs: installTimeout.ms,
          packageManager: flags.packageManager,
          command: "plugdeps reconcile",
        },
        schedule: { intervalMs: every, jitterPercent: jitter, backoffStartMs: DEFAULT_BACKOFF_START_MS },
        once: flags.once === true,
        metrics: metricsPort === null ? null : { host: flags.metricsHost, port: metricsPort },
        log: out,
        onRecord: (record) => records.push(record),
        signals: process,
        forceExit: (code) => process.exit(code),
      });
      if (E.isLeft(result)) return setExit(out.error(result.left));
      // --json: stdout is the pass's record alone (the output module sent the log lines to stderr).
      const last = records.at(-1);
      if (flags.json === true && last !== undefined) io.stdout(renderReconcileJson(last));
      setExit(result.right);
    });
