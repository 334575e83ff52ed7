import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import { liveTarget, spawnLines } from "../support/apply.js";
import { freePort } from "../support/registry.js";
import {
  condition,
  expectExit0,
  hasPackage,
  loopWait,
  makeReconcileSandbox,
  passes,
  readStatus,
  rootOf,
  setPlugins,
  showRun,
  startReconcile,
} from "./reconcile-support.js";
import { waitFor } from "../support/wait.js";

/**
 * The loop as a daemon: the built CLI runs `reconcile` with an interval far longer than the
 * test (1h), so every pass after the first is the config watch's doing. It picks up a config
 * change without a restart, a pass over an unchanged plan starts no package manager, the metrics
 * endpoint serves what happened, and SIGTERM between passes exits 0 at once.
 */

const scrape = async (url: string) => {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
};

describe("reconcile loop: config watch and metrics", () => {
  it("converges, picks up a config change within a debounce period, skips unchanged passes, serves metrics, stops on SIGTERM", async () => {
    const sb = makeReconcileSandbox();
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const run = startReconcile(sb, ["--every", "1h", "--metrics-port", String(port)]);
    try {
      const show = showRun(run, sb);

      // first pass: solo's dependency installed, Ready
      // (the pass's log line is written after its status record: wait for the line)
      await waitFor("the first pass to converge", () => passes(run).length === 1, loopWait(show));
      expect(condition(readStatus(sb), "Ready")?.status).toBe("True");
      expect(passes(run)).toMatchObject([{ pass: 1, trigger: "start", outcome: "Applied", ready: "True" }]);
      expect(spawnLines(sb)).toHaveLength(1);
      const root = rootOf(sb);
      expect(hasPackage(root, "@fixture/retry")).toBe(true);
      expect(readStatus(sb)?.nextPassAt).toBeDefined();

      expect(await scrape(`${base}/healthz`)).toEqual({ status: 200, body: "ok\n" });
      expect((await scrape(`${base}/readyz`)).status).toBe(200);
      const m1 = (await scrape(`${base}/metrics`)).body;
      for (const name of [
        "plugdeps_reconcile_pass_duration_seconds_bucket",
        "plugdeps_reconcile_passes_total",
        "plugdeps_reconcile_actions_total",
        "plugdeps_reconcile_pass_failures_total",
        "plugdeps_reconcile_lock_wait_seconds",
        "plugdeps_reconcile_last_success_timestamp_seconds",
        "plugdeps_reconcile_condition",
      ]) {
        expect(m1, name).toContain(name);
      }
      expect(m1).toContain('plugdeps_reconcile_actions_total{type="install"} 1');
      expect(m1).toContain('plugdeps_reconcile_condition{type="Ready",status="True"} 1');

      // enable `extra` (the config is replaced by rename, as editors do): a pass runs without a
      // restart and without waiting for the 1h interval
      const target = liveTarget(root ?? "");
      setPlugins(sb, ["solo", "extra"]);
      await waitFor(
        "the config change to be applied",
        () =>
          hasPackage(root, "@fixture/tokenizer") &&
          passes(run).some((p) => p.outcome === "Applied" && p.pass >= 2),
        loopWait(show),
      );
      expect(passes(run)[1]).toMatchObject({
        pass: 2,
        trigger: "config-change",
        outcome: "Applied",
        ready: "True",
      });
      expect(spawnLines(sb)).toHaveLength(2);
      expect(liveTarget(root ?? "")).not.toBe(target);
      expect(hasPackage(root, "@fixture/retry")).toBe(true);

      // the config is rewritten with the same content: a pass runs (level-triggered) but the plan
      // and observations are unchanged, so apply's no-op path starts no package manager
      const seen = passes(run).length;
      const targetNow = liveTarget(root ?? "");
      setPlugins(sb, ["solo", "extra"]);
      await waitFor("the pass after an unchanged save", () => passes(run).length > seen, loopWait(show));
      const last = passes(run).at(-1);
      expect(last).toMatchObject({ trigger: "config-change", outcome: "Converged", ready: "True" });
      expect(spawnLines(sb)).toHaveLength(2);
      expect(liveTarget(root ?? "")).toBe(targetNow);
      expect(readStatus(sb)?.lastPass.outcome).toBe("Converged");

      const m2 = (await scrape(`${base}/metrics`)).body;
      expect(m2).toContain('plugdeps_reconcile_actions_total{type="install"} 2');
      expect(m2).toMatch(/plugdeps_reconcile_passes_total\{outcome="Converged"\} [1-9]/);
      expect(m2).toContain('plugdeps_reconcile_passes_total{outcome="Applied"} 2');
    } finally {
      const stopped = await run.stop("SIGTERM");
      expectExit0(stopped);
      expect(stopped.output).toContain('"msg":"stopped"');
    }
    // the server closed with the process
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
    expect(fs.existsSync(`${rootOf(sb) ?? ""}.lock`)).toBe(false);
  });
});
