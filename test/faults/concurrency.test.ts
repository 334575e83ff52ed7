import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import {
  APPLY_TIMEOUT_MS,
  commonArgs,
  expectRootValid,
  makeApplySandbox,
  spawnLines,
  spawnsByStage,
} from "../support/apply.js";
import {
  applyArgs,
  describeEnded,
  expectClean,
  expectExit0,
  planOf,
  runCliProcess,
  startCli,
  writeChain,
} from "./support.js";
import { waitFor } from "../support/wait.js";
import { NO_CHANGES } from "../support/cli.js";

/**
 * One writer per root (SPEC §4.7), with real processes: six `plugdeps apply` started together on
 * one fresh root, and the read-only commands (`plan`, `status`) while an apply holds the lock.
 */

describe("six applies started together on one fresh root (pnpm)", () => {
  it(
    "all exit 0, exactly one package-manager run group does the work, the result validates",
    async () => {
      const sb = makeApplySandbox("pnpm");
      const [config = ""] = writeChain(sb);
      const plan = await planOf(sb, config);
      const root = plan.desired.targetRoot;
      expect(plan.actions.some((a) => a.type === "install")).toBe(true);
      expect(fs.existsSync(root)).toBe(false);

      const runs = Array.from({ length: 6 }, () => startCli(sb, applyArgs(sb, config)));
      const ended = await Promise.all(runs.map((r) => r.done));
      for (const r of ended) expectExit0(r);

      // one build, whichever process got the lock first; the others found the root converged
      // under the lock (or, if they started late, on the fast path) and ran nothing
      const groups = spawnsByStage(sb);
      expect(groups.size, spawnLines(sb).join("\n")).toBe(1);
      const worked = ended.filter((r) => r.stdout.includes("Apply complete!"));
      expect(worked.map(describeEnded)).toHaveLength(1);
      for (const r of ended.filter((e) => !worked.includes(e))) {
        expect(r.stdout, describeEnded(r)).toContain(NO_CHANGES);
      }
      await expectRootValid(root, plan);
      expectClean(sb.stage);
      const again = expectExit0(await runCliProcess(sb, applyArgs(sb, config)));
      expect(again.stdout).toContain(NO_CHANGES);
      expect(spawnsByStage(sb).size).toBe(1);
    },
    APPLY_TIMEOUT_MS,
  );

  it(
    "the same on a converged root when the plan changes (install + prune), and when the holder is killed mid-build",
    async () => {
      const sb = makeApplySandbox("pnpm");
      const [first = "", second = "", third = ""] = writeChain(sb);
      expectExit0(await runCliProcess(sb, applyArgs(sb, first)));
      const plan = await planOf(sb, second);
      const root = plan.desired.targetRoot;
      const before = spawnsByStage(sb).size;

      const ended = await Promise.all(
        Array.from({ length: 6 }, () => startCli(sb, applyArgs(sb, second)).done),
      );
      for (const r of ended) expectExit0(r);
      expect(spawnsByStage(sb).size - before).toBe(1);
      expect(ended.filter((r) => r.stdout.includes("Apply complete!"))).toHaveLength(1);
      await expectRootValid(root, plan);
      expectClean(sb.stage);

      // the first holder dies (SIGKILL after its install); five others are already waiting for
      // it: one reclaims the dead holder's lock at once and does the work again, alone
      const next = await planOf(sb, third);
      const spawnsBefore = spawnsByStage(sb).size;
      const doomed = startCli(sb, applyArgs(sb, third), { PLUGDEPS_FAILPOINT: "after-install" });
      await waitFor("the doomed apply to take the lock", () =>
        fs.existsSync(path.join(`${root}.lock`, "owner.json")),
      );
      const waiters = Array.from({ length: 5 }, () => startCli(sb, applyArgs(sb, third)));
      expect((await doomed.done).signal).toBe("SIGKILL");
      const survivors = await Promise.all(waiters.map((w) => w.done));
      for (const r of survivors) expectExit0(r);
      expect(survivors.filter((r) => r.stdout.includes("Apply complete!"))).toHaveLength(1);
      // the doomed one's build and exactly one more
      expect(spawnsByStage(sb).size - spawnsBefore).toBe(2);
      await expectRootValid(root, next);
      expectClean(sb.stage);
    },
    APPLY_TIMEOUT_MS,
  );
});

describe("plan and status while an apply holds the lock (pnpm)", () => {
  it(
    "do not wait for the lock, and name the holder; a second apply waits and names it too",
    async () => {
      const sb = makeApplySandbox("pnpm");
      const [config = ""] = writeChain(sb);
      const plan = await planOf(sb, config);
      const root = plan.desired.targetRoot;
      const lockDir = `${root}.lock`;
      const release = sb.at("release-the-apply");

      // the apply pauses right after taking the lock until the test says so (at most 60 s)
      const holder = startCli(sb, applyArgs(sb, config), {
        PLUGDEPS_PAUSE_AT: `after-lock:60000:${release}`,
      });
      try {
        await waitFor("the apply to take the lock", () => fs.existsSync(path.join(lockDir, "owner.json")));
        const owner = JSON.parse(fs.readFileSync(path.join(lockDir, "owner.json"), "utf8")) as {
          pid: number;
        };
        expect(owner.pid).toBe(holder.pid);

        // a second writer waits, and says who it waits for
        const waiter = startCli(sb, applyArgs(sb, config, "--lock-timeout", "60s"));
        await waitFor("the second apply to report the holder", () =>
          waiter.output().includes("waiting for the install-root lock"),
        );
        expect(waiter.output()).toContain(`held by pid ${holder.pid} `);

        const [human, json, status] = await Promise.all([
          runCliProcess(sb, ["plan", ...commonArgs(sb, config)]),
          runCliProcess(sb, ["plan", ...commonArgs(sb, config), "--json"]),
          runCliProcess(sb, ["status", ...commonArgs(sb, config)]),
        ]);
        // they returned while the lock was still held (the holder is paused until we release it)
        expect(fs.existsSync(lockDir)).toBe(true);
        expect(
          (JSON.parse(fs.readFileSync(path.join(lockDir, "owner.json"), "utf8")) as { pid: number }).pid,
        ).toBe(holder.pid);
        expect(holder.output()).not.toContain("Apply complete!");

        expectExit0(human);
        expect(human.stdout).toMatch(new RegExp(`Lock held by pid ${holder.pid} on .*: live`));
        expectExit0(json);
        const observed = (
          JSON.parse(json.stdout) as { observed: { lock: { owner: { pid: number }; state: string } } }
        ).observed;
        expect(observed.lock.owner.pid).toBe(holder.pid);
        expect(observed.lock.state).toBe("live");
        expectExit0(status);
        expect(status.stdout).toMatch(new RegExp(`lock:\\s+held by pid ${holder.pid} on .*: live`));

        fs.writeFileSync(release, "");
        const done = expectExit0(await holder.done);
        expect(done.stdout).toContain("Apply complete!");
        const waited = expectExit0(await waiter.done);
        expect(waited.stdout).toContain(NO_CHANGES);
        expect(spawnsByStage(sb).size).toBe(1);
        await expectRootValid(root, plan);
        expectClean(sb.stage);
      } finally {
        fs.writeFileSync(release, "");
        holder.kill("SIGTERM");
      }
    },
    APPLY_TIMEOUT_MS,
  );
});
