import * as E from "fp-ts/lib/Either.js";
import * as net from "node:net";
import { describe, expect, it } from "vitest";
import type { Condition } from "../../src/model/status.js";
import { createMetrics, DROPPED_DEFAULT_METRICS, startMetricsServer } from "../../src/loop/metrics.js";

/** The metrics registry and the health endpoints, on an ephemeral port of 127.0.0.1. */

const ready = (status: Condition["status"]): Condition => ({
  type: "Ready",
  status,
  reason: status === "True" ? "Converged" : "PackageManagerFailed",
  message: status === "True" ? "fine" : "the live root does not match the plugin plan",
  observedFingerprint: null,
  lastTransitionTime: "2026-05-02T10:00:00.000Z",
});

describe("metrics server", () => {
  it("serves /metrics from its own registry, /healthz always, /readyz only while Ready=True", async () => {
    const metrics = createMetrics();
    let condition: Condition | undefined;
    const started = await startMetricsServer(metrics, () => condition, "127.0.0.1", 0);
    if (E.isLeft(started)) throw new Error(started.left.message);
    const { url, close } = started.right;
    try {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const before = await fetch(`${url}/readyz`);
      expect(before.status).toBe(503);
      expect(await before.text()).toContain("no pass has completed yet");

      condition = ready("False");
      const notReady = await fetch(`${url}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.text()).toContain("Ready=False PackageManagerFailed");
      condition = ready("True");
      expect((await fetch(`${url}/readyz`)).status).toBe(200);

      metrics.observePass("Applied", 1.5, { reuse: 1, install: 2, prune: 0, cleanLegacy: 1 }, null);
      metrics.observePass(
        "Failed",
        0.2,
        { reuse: 0, install: 0, prune: 0, cleanLegacy: 0 },
        "PackageManagerFailed",
      );
      metrics.observeLockWait(3);
      metrics.setConditions([ready("True")]);
      const res = await fetch(`${url}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("text/plain");
      const body = await res.text();
      expect(body).toContain('plugdeps_reconcile_pass_duration_seconds_count{outcome="Applied"} 1');
      expect(body).toContain('plugdeps_reconcile_actions_total{type="install"} 2');
      expect(body).toContain('plugdeps_reconcile_actions_total{type="clean-legacy"} 1');
      expect(body).toContain('plugdeps_reconcile_actions_total{type="prune"} 0');
      expect(body).toContain('plugdeps_reconcile_pass_failures_total{reason="PackageManagerFailed"} 1');
      expect(body).toContain("plugdeps_reconcile_lock_wait_seconds_count 1");
      expect(body).toMatch(/plugdeps_reconcile_last_success_timestamp_seconds \d+/);
      expect(body).toContain('plugdeps_reconcile_condition{type="Ready",status="True"} 1');
      expect(body).toContain('plugdeps_reconcile_condition{type="Ready",status="False"} 0');
      expect(body).toContain("process_cpu_user_seconds_total");

      expect((await fetch(`${url}/nope`)).status).toBe(404);
      expect((await fetch(`${url}/metrics`, { method: "POST" })).status).toBe(405);
    } finally {
      await close();
    }
    // closed: nothing listens any more
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it("two metrics instances do not collide (no global registry)", () => {
    expect(() => {
      createMetrics();
      createMetrics();
    }).not.toThrow();
  });

  it("a port in use is an error naming the address and the flags that fix it", async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const started = await startMetricsServer(createMetrics(), () => undefined, "127.0.0.1", port);
      expect(E.isLeft(started) && started.left.message).toContain(`127.0.0.1:${port}`);
      expect(E.isLeft(started) && started.left.message).toContain("--metrics-port");
    } finally {
      blocker.close();
    }
  });

  it("plugdeps_build_info: 1, with the plugdeps and Node.js versions as labels", async () => {
    const body = await createMetrics({ version: "1.2.3", nodejsVersion: "20.5.0" }).registry.metrics();
    expect(body).toContain("# TYPE plugdeps_build_info gauge");
    expect(body).toContain('plugdeps_build_info{version="1.2.3",nodejs_version="20.5.0"} 1');
    // by default, this package's own version and the running Node
    const own = await createMetrics().registry.metrics();
    expect(own).toMatch(
      new RegExp(
        `plugdeps_build_info\\{version="\\d+\\.\\d+\\.\\d+[^"]*",nodejs_version="${process.versions.node}"\\} 1`,
      ),
    );
  });

  /**
   * The rules of promtool's linter that a quick in-process check can hold (the real promtool runs
   * in test/integration/metrics-promtool.test.ts): HELP and TYPE per family, snake_case names,
   * `_total` on counters and only there, no family named like a histogram's series.
   */
  it("every family has HELP and TYPE, counters and only counters end in _total", async () => {
    const metrics = createMetrics();
    metrics.observePass("Failed", 0.2, { reuse: 0, install: 0, prune: 0, cleanLegacy: 0 }, "LockTimeout");
    metrics.observeLockWait(1);
    const body = await metrics.registry.metrics();
    const types = new Map([...body.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1] ?? "", m[2] ?? ""]));
    const helps = new Set([...body.matchAll(/^# HELP (\S+) \S/gm)].map((m) => m[1] ?? ""));
    expect(types.size).toBeGreaterThan(10);
    for (const [name, type] of types) {
      expect(helps.has(name), `${name} has HELP`).toBe(true);
      expect(name, "snake_case").toMatch(/^[a-z][a-z0-9_]*$/);
      expect(name.endsWith("_total"), `${name} (${type}): _total iff counter`).toBe(type === "counter");
      expect(name, `${name}: reserved suffix`).not.toMatch(/_(bucket|count|sum)$/);
    }
    for (const name of DROPPED_DEFAULT_METRICS) expect(types.has(name), name).toBe(false);
    // the per-type gauges those were the sums of stay
    expect(types.get("nodejs_active_handles")).toBe("gauge");
    // every sample belongs to a declared family
    for (const line of body.split("\n").filter((l) => l !== "" && !l.startsWith("#"))) {
      const name = /^[a-z_:][a-z0-9_:]*/.exec(line)?.[0] ?? "";
      const family = name.replace(/_(bucket|count|sum)$/, "");
      expect(types.has(name) || types.has(family), line).toBe(true);
    }
  });
});
