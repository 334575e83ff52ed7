import * as E from "fp-ts/lib/Either.js";
import * as net from "node:net";
import { describe, expect, it } from "vitest";
import type { Condition } from "../../src/model/status.js";
import { createMetrics, startMetricsServer } from "../../src/loop/metrics.js";

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
});
