import * as E from "fp-ts/lib/Either.js";
import type { PlugdepsError } from "../model/errors.js";
import type { ReconcileStatus } from "../model/status.js";
import { findCondition } from "./conditions.js";
import type { Logger } from "./log.js";
import { runLoop, Wakeup } from "./loop.js";
import type { MetricsServer, ReconcileMetrics } from "./metrics.js";
import { createPassRunner, type PassApplyOptions, type PassRunner } from "./pass.js";
import type { ScheduleConfig } from "./scheduler.js";
import { type ConfigWatcher, watchFiles } from "./watch.js";

/**
 * `plugdeps reconcile`, the I/O shell around the loop: metrics server, config watch, signals.
 *
 * Shutdown (SIGTERM from systemd or the kubelet, SIGINT from a terminal): the first signal aborts
 * the shared AbortSignal. Between passes the loop returns at once; during a pass the signal
 * reaches the running package manager (execa's cancelSignal), apply returns the failure, removes
 * its stage, and releases the lock in its `finally` — the live root was never touched, because
 * only a validated generation is ever swapped in. The pass is recorded as Interrupted and the
 * process exits 0. A second signal exits at once (the lock is then reclaimed as dead-holder stale
 * by the next writer).
 */

export interface ReconcileRunOptions {
  readonly apply: PassApplyOptions;
  readonly schedule: ScheduleConfig;
  readonly once: boolean;
  readonly metrics: { readonly host: string; readonly port: number } | null;
  readonly log: Logger;
  /** process, in the CLI; an EventEmitter in tests. */
  readonly signals: Pick<NodeJS.Process, "on" | "off">;
  readonly forceExit: (code: number) => void;
  readonly random?: () => number;
  readonly debounceMs?: number;
  /** Each pass's status record as it is written (`reconcile --once --json` prints the last). */
  readonly onRecord?: (record: ReconcileStatus) => void;
}

const SIGNALS = ["SIGTERM", "SIGINT"] as const;

/** Resolves with the exit code: 0 after success or a requested shutdown, 1 when `--once` failed. */
export const runReconcile = async (opts: ReconcileRunOptions): Promise<E.Either<PlugdepsError, number>> => {
  const { log } = opts;
  const stop = new AbortController();
  const wakeup = new Wakeup();

  let metrics: ReconcileMetrics | null = null;
  let server: MetricsServer | null = null;
  let watcher: ConfigWatcher | null = null;
  // The server starts first (a port conflict should fail before any pass); it reads the
  // conditions through this reference once the pass runner exists.
  let runner: PassRunner | null = null;
  const readyCondition = () => findCondition(runner?.conditions(), "Ready");

  if (opts.metrics !== null) {
    const m = await import("./metrics.js");
    metrics = m.createMetrics();
    const started = await m.startMetricsServer(
      metrics,
      () => readyCondition(),
      opts.metrics.host,
      opts.metrics.port,
    );
    if (E.isLeft(started)) return started;
    server = started.right;
    log.event("info", "reconcile.metrics", `serving ${server.url}/metrics, /healthz and /readyz`, {
      metrics: server.url,
    });
  }

  let signalled = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signalled++;
    if (signalled === 1) {
      log.event(
        "info",
        "signal.received",
        `${signal}: stopping (a running package manager is aborted; the live root stays as it is)`,
        { signal },
      );
      stop.abort();
    } else {
      log.event("warn", "signal.again", `${signal} again: exiting at once`, { signal });
      opts.forceExit(1);
    }
  };
  for (const s of SIGNALS) opts.signals.on(s, onSignal);

  try {
    if (!opts.once) {
      watcher = watchFiles(
        () => {
          log.event("debug", "reconcile.wake", "a watched config file changed: pass now");
          wakeup.kick();
        },
        {
          ...(opts.debounceMs !== undefined ? { debounceMs: opts.debounceMs } : {}),
          onWarning: (message) => log.warn(message),
        },
      );
    }
    runner = createPassRunner({
      apply: opts.apply,
      intervalMs: opts.schedule.intervalMs,
      log,
      metrics,
      watcher,
      ...(opts.onRecord !== undefined ? { onRecord: opts.onRecord } : {}),
    });
    const result = await runLoop(
      opts.schedule,
      { runPass: runner.runPass, afterPass: runner.afterPass, random: opts.random ?? Math.random },
      stop.signal,
      wakeup,
      { once: opts.once },
    );
    if (stop.signal.aborted) log.event("info", "reconcile.stopped", "stopped");
    return E.right(opts.once && result.last === "failure" ? 1 : 0);
  } finally {
    for (const s of SIGNALS) opts.signals.off(s, onSignal);
    watcher?.close();
    await server?.close();
  }
};
