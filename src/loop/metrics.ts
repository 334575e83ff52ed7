import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as E from "fp-ts/lib/Either.js";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { fsError, type PlugdepsError } from "../model/errors.js";
import type { Summary } from "../model/plan.js";
import type { Condition, PassOutcome } from "../model/status.js";
import { toolInfo } from "../util/tool-version.js";

/**
 * Prometheus metrics of the reconcile loop and its health endpoints. An own Registry, never
 * prom-client's global one: an embedding host may register its own metrics there, and two
 * registrations of one name throw. Loaded only when `--metrics-port` is given (prom-client is
 * not free to import, and `plan` should not pay for it).
 *
 * The exposition passes Prometheus' own linter, `promtool check metrics` (test/integration/
 * metrics-promtool.test.ts): HELP and TYPE for every family, the base unit in the name
 * (`_seconds`, `_bytes`), `_total` on counters and only on counters. Every metric is listed in
 * docs/metrics.md; a new one goes there too.
 */

/**
 * prom-client's default metrics that promtool rejects: gauges named `_total` ("non-counter metrics
 * should not have _total suffix"). Nothing is lost: each is the sum over the `type` label of the
 * gauge of the same name without the suffix (`nodejs_active_handles` ...), which stays.
 */
export const DROPPED_DEFAULT_METRICS = [
  "nodejs_active_handles_total",
  "nodejs_active_requests_total",
  "nodejs_active_resources_total",
] as const;

/** What `plugdeps_build_info` says: this plugdeps and the Node running it. */
export interface BuildInfo {
  readonly version: string;
  readonly nodejsVersion: string;
}

export const currentBuildInfo = (): BuildInfo => ({
  version: toolInfo().version,
  nodejsVersion: process.versions.node,
});

export interface ReconcileMetrics {
  readonly registry: Registry;
  readonly observePass: (
    outcome: PassOutcome,
    seconds: number,
    executed: Summary,
    failureReason: string | null,
  ) => void;
  readonly observeLockWait: (seconds: number) => void;
  readonly setConditions: (conditions: readonly Condition[]) => void;
}

const ACTION_TYPES: readonly [keyof Summary, string][] = [
  ["reuse", "reuse"],
  ["install", "install"],
  ["prune", "prune"],
  ["cleanLegacy", "clean-legacy"],
];

export const createMetrics = (build: BuildInfo = currentBuildInfo()): ReconcileMetrics => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  for (const name of DROPPED_DEFAULT_METRICS) registry.removeSingleMetric(name);
  new Gauge({
    name: "plugdeps_build_info",
    help: "Always 1: the plugdeps version serving these metrics and the Node.js version running it, as labels.",
    labelNames: ["version", "nodejs_version"],
    registers: [registry],
  }).set({ version: build.version, nodejs_version: build.nodejsVersion }, 1);
  const passDuration = new Histogram({
    name: "plugdeps_reconcile_pass_duration_seconds",
    help: "Wall time of one reconcile pass, by outcome (Converged, Applied, Failed, Interrupted).",
    labelNames: ["outcome"],
    // a no-op pass takes milliseconds, an install seconds to minutes
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
    registers: [registry],
  });
  const passes = new Counter({
    name: "plugdeps_reconcile_passes_total",
    help: "Reconcile passes, by outcome.",
    labelNames: ["outcome"],
    registers: [registry],
  });
  const actions = new Counter({
    name: "plugdeps_reconcile_actions_total",
    help: "Actions carried out by reconcile passes, by type (reuse, install, prune, clean-legacy).",
    labelNames: ["type"],
    registers: [registry],
  });
  const failures = new Counter({
    name: "plugdeps_reconcile_pass_failures_total",
    help: "Failed reconcile passes, by reason (the error kind, e.g. PackageManagerFailed, LockTimeout).",
    labelNames: ["reason"],
    registers: [registry],
  });
  const lockWait = new Histogram({
    name: "plugdeps_reconcile_lock_wait_seconds",
    help: "Time a pass waited for the install-root lock held by another writer (passes that had to wait).",
    buckets: [0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600],
    registers: [registry],
  });
  const lastSuccess = new Gauge({
    name: "plugdeps_reconcile_last_success_timestamp_seconds",
    help: "Unix time of the end of the last successful pass (0: none yet since start).",
    registers: [registry],
  });
  const condition = new Gauge({
    name: "plugdeps_reconcile_condition",
    help: "1 for the status each condition (Ready, Progressing, Degraded) has now, 0 for the others.",
    labelNames: ["type", "status"],
    registers: [registry],
  });
  // Zero series up front, so dashboards and `rate()` see them before the first event.
  for (const [, type] of ACTION_TYPES) actions.inc({ type }, 0);
  lastSuccess.set(0);
  return {
    registry,
    observePass: (outcome, seconds, executed, failureReason) => {
      passDuration.observe({ outcome }, seconds);
      passes.inc({ outcome });
      for (const [key, type] of ACTION_TYPES) if (executed[key] > 0) actions.inc({ type }, executed[key]);
      if (failureReason !== null) failures.inc({ reason: failureReason });
      if (outcome === "Converged" || outcome === "Applied") lastSuccess.set(Date.now() / 1000);
    },
    observeLockWait: (seconds) => lockWait.observe(seconds),
    setConditions: (conditions) => {
      for (const c of conditions) {
        for (const status of ["True", "False", "Unknown"] as const) {
          condition.set({ type: c.type, status }, c.status === status ? 1 : 0);
        }
      }
    },
  };
};

export interface MetricsServer {
  readonly url: string;
  readonly close: () => Promise<void>;
}

/**
 * `/metrics` (Prometheus text), `/healthz` (the process is alive and serving: 200), `/readyz`
 * (200 only while the Ready condition is True, else 503 with the condition's reason — readiness
 * reflects the materialization, not the process).
 */
export const startMetricsServer = async (
  metrics: ReconcileMetrics,
  ready: () => Condition | undefined,
  host: string,
  port: number,
): Promise<E.Either<PlugdepsError, MetricsServer>> => {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const text = (code: number, body: string, type = "text/plain; charset=utf-8") => {
      res.writeHead(code, { "content-type": type, "cache-control": "no-store" });
      res.end(req.method === "HEAD" ? undefined : body);
    };
    if (req.method !== "GET" && req.method !== "HEAD") return text(405, "method not allowed\n");
    switch (url.pathname) {
      case "/metrics":
        metrics.registry.metrics().then(
          (body) => text(200, body, metrics.registry.contentType),
          (err: unknown) => text(500, `metrics collection failed: ${String(err)}\n`),
        );
        return;
      case "/healthz":
        return text(200, "ok\n");
      case "/readyz": {
        const c = ready();
        if (c?.status === "True") return text(200, "ready\n");
        return text(
          503,
          c
            ? `not ready: Ready=${c.status} ${c.reason}: ${c.message}\n`
            : "not ready: no pass has completed yet\n",
        );
      }
      default:
        return text(404, "not found: try /metrics, /healthz, /readyz\n");
    }
  });
  const listening = await new Promise<E.Either<PlugdepsError, void>>((resolve) => {
    server.once("error", (err) =>
      resolve(
        E.left(
          fsError(
            "listen for metrics",
            `${host}:${port}`,
            err,
            "choose a free port with --metrics-port, or another address with --metrics-host",
          ),
        ),
      ),
    );
    server.listen(port, host, () => resolve(E.right(undefined)));
  });
  if (E.isLeft(listening)) return listening;
  const address = server.address() as AddressInfo;
  const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return E.right({
    url: `http://${shown}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // keep-alive scrapers would hold close() open until their idle timeout
        server.closeAllConnections();
      }),
  });
};
