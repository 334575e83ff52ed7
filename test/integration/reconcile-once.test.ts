import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import type { StatusView } from "../../src/render/status-human.js";
import { freePort } from "../support/registry.js";
import { APPLY_TIMEOUT_MS, liveTarget, spawnLines } from "../support/apply.js";
import { describeRun, runCli, sandboxArgs, snapshotTree } from "../support/cli.js";
import {
  condition,
  env,
  hasPackage,
  makeReconcileSandbox,
  pointAtRegistry,
  readStatus,
  reconcileArgs,
  type ReconcileSandbox,
  rootOf,
  statusFile,
} from "./reconcile-support.js";

/**
 * `plugdeps reconcile --once` end to end (the built CLI, the local registry, pnpm): one pass
 * converges and records Ready=True; a second pass is a no-op (no package manager) that keeps the
 * conditions' transition times; `status` shows the record, and says when it is stale or broken;
 * a failing pass exits 1 and records Degraded.
 */

const once = (sb: ReconcileSandbox, ...extra: string[]) =>
  runCli([...reconcileArgs(sb, "--once", ...extra)], {
    home: sb.home,
    env: env(sb),
    timeoutMs: APPLY_TIMEOUT_MS,
  });

const statusArgs = (sb: ReconcileSandbox, ...extra: string[]) =>
  sandboxArgs("status", sb, sb.config, ...extra);

describe("reconcile --once", () => {
  it("converges, writes status.json with Ready=True; a second pass is a no-op that keeps the transition times", async () => {
    const sb = makeReconcileSandbox();
    const first = await once(sb);
    expect(first.exitCode, describeRun(first)).toBe(0);
    expect(first.stdout).toMatch(
      /pass 1 \(start\): Applied \(0 reused, 1 installed, 0 pruned, 0 legacy cleaned\)/,
    );
    expect(spawnLines(sb)).toHaveLength(1);
    const root = rootOf(sb);
    expect(hasPackage(root, "@fixture/retry")).toBe(true);
    expect(fs.existsSync(`${root ?? ""}.lock`)).toBe(false);

    const s1 = readStatus(sb);
    expect(s1?.lastPass).toMatchObject({
      outcome: "Applied",
      actions: { reuse: 0, install: 1, prune: 0, cleanLegacy: 0 },
    });
    expect(s1?.lastPass.error).toBeUndefined();
    expect(s1?.root).toBe(root);
    expect(s1?.host).toMatchObject({ name: "openclaw", version: "2026.4.20", packageRoot: sb.host });
    expect(s1?.interval).toBe(900);
    expect(s1?.nextPassAt).toBeUndefined(); // --once schedules nothing
    expect(condition(s1, "Ready")).toMatchObject({ status: "True", reason: "Converged" });
    expect(condition(s1, "Progressing")).toMatchObject({ status: "False", reason: "Applied" });
    expect(condition(s1, "Degraded")).toMatchObject({ status: "False", reason: "PassSucceeded" });
    const fingerprint = condition(s1, "Ready")?.observedFingerprint;
    expect(fingerprint).toMatch(/^sha256:/);

    // the same plan and observations: apply's no-op path, no package manager, the root untouched
    const rootBefore = snapshotTree(root ?? "");
    const target = liveTarget(root ?? "");
    const second = await once(sb);
    expect(second.exitCode, describeRun(second)).toBe(0);
    expect(second.stdout).toMatch(/pass 1 \(start\): Converged in/);
    expect(spawnLines(sb)).toHaveLength(1);
    expect(liveTarget(root ?? "")).toBe(target);
    expect(snapshotTree(root ?? "")).toEqual(rootBefore);
    const s2 = readStatus(sb);
    expect(s2?.lastPass.outcome).toBe("Converged");
    expect(s2?.lastPass.finishedAt).not.toBe(s1?.lastPass.finishedAt);
    expect(condition(s2, "Ready")).toEqual(condition(s1, "Ready")); // same status: same lastTransitionTime
    expect(condition(s2, "Degraded")).toEqual(condition(s1, "Degraded"));
    expect(condition(s2, "Progressing")).toMatchObject({
      status: "False",
      reason: "Converged",
      lastTransitionTime: condition(s1, "Progressing")?.lastTransitionTime,
    });

    // `status` shows the conditions (human and JSON) and writes nothing
    const before = snapshotTree(sb.stage);
    const human = await runCli(statusArgs(sb), { home: sb.home, env: env(sb) });
    expect(human.exitCode, describeRun(human)).toBe(0);
    expect(human.stdout).toMatch(/reconcile:\s+last pass \S+: Converged, every 15m\n/);
    expect(human.stdout).toMatch(
      /Conditions:\n\s+TYPE\s+STATUS\s+REASON\s+SINCE\s+MESSAGE\n\s+Ready\s+True\s+Converged/,
    );
    expect(human.stdout).not.toContain("STALE");
    const json = await runCli(statusArgs(sb, "--json"), { home: sb.home, env: env(sb) });
    const view = JSON.parse(json.stdout) as StatusView;
    expect(view.reconcile).toMatchObject({
      state: "found",
      stale: false,
      forCurrentRoot: true,
      file: statusFile(sb),
    });
    if (view.reconcile?.state === "found") expect(view.reconcile.record).toEqual(s2);
    expect(snapshotTree(sb.stage)).toEqual(before);

    // a record older than two intervals is reported as STALE
    const old = {
      ...s2,
      updatedAt: "2026-01-01T00:00:00.000Z",
      lastPass: { ...s2?.lastPass, finishedAt: "2026-01-01T00:00:00.000Z" },
    };
    fs.writeFileSync(statusFile(sb), JSON.stringify(old));
    const stale = await runCli(statusArgs(sb), { home: sb.home, env: env(sb) });
    expect(stale.exitCode, describeRun(stale)).toBe(0);
    expect(stale.stdout).toMatch(/Converged, every 15m, STALE/);
    expect(stale.stdout).toMatch(
      /STALE: the status record was last updated .* ago, more than two intervals \(30m\)/,
    );
    const staleJson = JSON.parse(
      (await runCli(statusArgs(sb, "--json"), { home: sb.home, env: env(sb) })).stdout,
    ) as StatusView;
    expect(staleJson.reconcile).toMatchObject({ state: "found", stale: true });

    // a truncated record: status reports it; the next pass replaces it (with a warning)
    fs.writeFileSync(statusFile(sb), JSON.stringify(s2).slice(0, 120));
    const broken = await runCli(statusArgs(sb), { home: sb.home, env: env(sb) });
    expect(broken.exitCode, describeRun(broken)).toBe(0);
    expect(broken.stdout).toContain(`reconcile:      status record unreadable: ${statusFile(sb)}`);
    const third = await once(sb);
    expect(third.exitCode, describeRun(third)).toBe(0);
    expect(third.stderr).toContain("ignoring the unreadable status record");
    expect(readStatus(sb)?.lastPass.outcome).toBe("Converged");
  });

  it("a failing pass (registry unreachable) exits 1 and records Degraded with the reason; the live root is untouched", async () => {
    const sb = makeReconcileSandbox();
    expect((await once(sb)).exitCode).toBe(0);
    const root = rootOf(sb) ?? "";
    const target = liveTarget(root);

    pointAtRegistry(sb, `http://127.0.0.1:${await freePort()}/`); // nothing listens there
    fs.writeFileSync(
      sb.config,
      JSON.stringify({ plugins: { entries: { extra: { enabled: true }, third: { enabled: false } } } }),
    );
    const failed = await once(sb);
    expect(failed.exitCode, describeRun(failed)).toBe(1);
    expect(failed.stderr).toMatch(/pass 1 \(start\): Failed \(PackageManagerFailed\)/);
    expect(spawnLines(sb)).toHaveLength(2);
    expect(liveTarget(root)).toBe(target);
    expect(hasPackage(root, "@fixture/tokenizer")).toBe(false);
    expect(fs.existsSync(`${root}.lock`)).toBe(false);
    expect(fs.readdirSync(sb.stage).filter((n) => n.startsWith(".plugdeps-stage-"))).toEqual([]);

    const s = readStatus(sb);
    expect(s?.lastPass).toMatchObject({ outcome: "Failed", error: { reason: "PackageManagerFailed" } });
    expect(condition(s, "Degraded")).toMatchObject({ status: "True", reason: "PackageManagerFailed" });
    expect(condition(s, "Ready")).toMatchObject({ status: "False", reason: "PackageManagerFailed" });
    expect(condition(s, "Ready")?.message).toContain("1 to install");
    expect(condition(s, "Progressing")).toMatchObject({ status: "False", reason: "PackageManagerFailed" });
    expect(path.basename(statusFile(sb))).toBe("status.json");
  });

  it("rejects bad flags with a usage error", async () => {
    const sb = makeReconcileSandbox();
    for (const [flags, text] of [
      [["--every", "soon"], "--every"],
      [["--every", "10ms"], "at least 1s"],
      [["--jitter", "150"], "--jitter"],
      [["--metrics-port", "http"], "--metrics-port"],
    ] as const) {
      const r = await runCli(reconcileArgs(sb, ...flags), { home: sb.home, env: env(sb) });
      expect(r.exitCode, describeRun(r)).toBe(1);
      expect(r.stderr).toContain(text);
    }
    expect(spawnLines(sb)).toEqual([]);
  });
});
