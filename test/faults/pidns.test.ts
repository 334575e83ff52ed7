import { execa } from "execa";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import {
  APPLY_TIMEOUT_MS,
  applyEnv,
  commonArgs,
  expectRootValid,
  spawnLines,
  testPath,
} from "../support/apply.js";
import { CLI, REPO_ROOT, cliEnv } from "../support/cli.js";
import { sleep, waitFor } from "../support/wait.js";
import { runsHere } from "../support/readonly-mount.js";
import { makeSmallSandbox } from "./env-support.js";
import { applyArgs, describeEnded, type Ended, expectClean, planOf, runCliProcess } from "./support.js";

/**
 * The install-root lock across PID namespaces (SPEC §4.7; issue 15): two containers on one host
 * share the stage base. A real `plugdeps apply` runs in its own PID namespace (`unshare --pid
 * --fork --mount-proc`: it is pid 1 there, and pid 1 here is init, with another start time) and
 * pauses right after taking the lock (PLUGDEPS_PAUSE_AT: its event loop runs, so proper-lockfile
 * keeps refreshing the lock's mtime). An apply in the root namespace must not judge that pid by
 * our process table (it read as "pid 1 was recycled" and was stolen at once: two writers): it
 * waits, names the holder as being in another PID namespace, and times out while the holder keeps
 * refreshing. Once the holder is SIGKILLed, the lock is reclaimed only after it has gone
 * unrefreshed for the foreign-holder time (shortened for this test by
 * PLUGDEPS_TEST_FOREIGN_LOCK_STALE_MS, which plugdeps accepts down to 3 refresh intervals).
 */

const STALE_MS = 15_000;
const TEST_ENV = { PLUGDEPS_TEST_FOREIGN_LOCK_STALE_MS: String(STALE_MS) };
const TIMED_OUT = /timed out after \d+s waiting for the install-root lock/;

/** Null when `unshare --pid --fork --mount-proc` works here (root, Linux), else why not. */
const pidNamespaceUnavailable = async (): Promise<string | null> => {
  if (typeof process.getuid !== "function" || process.getuid() !== 0) return "not running as root";
  const r = await execa("unshare", ["--pid", "--fork", "--mount-proc", "sh", "-c", "echo $$"], {
    reject: false,
    extendEnv: false,
    env: { PATH: testPath() },
    all: true,
  });
  if (r.failed || r.exitCode !== 0 || String(r.stdout).trim() !== "1")
    return `unshare --pid --fork --mount-proc did not work: ${String(r.all ?? "")}`;
  return null;
};

/** Pids (in our namespace) of processes in another PID namespace than ours running the CLI. */
const foreignCliProcesses = (): number[] => {
  const ours = fs.readlinkSync("/proc/self/ns/pid");
  const found: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readlinkSync(`/proc/${entry}/ns/pid`) === ours) continue;
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8");
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
      if (cmdline.includes(CLI) && state !== "Z" && state !== "X") found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
};

describe("a lock holder in another PID namespace on this host (issue 15)", () => {
  it(
    "is never stolen while it refreshes (the wait names it as in another PID namespace); once killed, reclaimed only after it stopped refreshing",
    async (ctx) => {
      if (!runsHere(ctx, "the PID-namespace lock fault", await pidNamespaceUnavailable())) return;
      const sb = makeSmallSandbox("pnpm");
      const plan = await planOf(sb, sb.config);
      const root = plan.desired.targetRoot;
      const lockDir = `${root}.lock`;
      const ownerFile = path.join(lockDir, "owner.json");
      const release = sb.at("release-the-holder");

      // The holder: a real apply in its own PID namespace, paused (refreshing) after the lock.
      // --kill-child: a SIGKILL of unshare takes the namespace's pid 1 (the CLI) down with it.
      const holder = execa(
        "unshare",
        [
          "--pid",
          "--fork",
          "--mount-proc",
          "--kill-child",
          process.execPath,
          CLI,
          ...applyArgs(sb, sb.config),
        ],
        {
          reject: false,
          extendEnv: false,
          env: cliEnv(sb.home, applyEnv(sb, { PLUGDEPS_PAUSE_AT: `after-lock:110000:${release}` })),
          cwd: REPO_ROOT,
          stdin: "ignore",
          all: true,
          timeout: APPLY_TIMEOUT_MS,
        },
      );
      try {
        await waitFor("the namespaced apply to take the lock", () => fs.existsSync(ownerFile), {
          describe: () => "(no output captured until it ends)",
        });
        const text = fs.readFileSync(ownerFile, "utf8");
        const owner = JSON.parse(text) as { pid: number; hostname: string };
        // pid 1 in its namespace; pid 1 here is another process (init) with another start time
        expect(owner.pid).toBeLessThanOrEqual(2);
        expect(owner.pid).not.toBe(holder.pid);
        expect(() => process.kill(owner.pid, 0)).not.toThrow();
        expect(foreignCliProcesses()).toHaveLength(1);

        // A second writer in the root namespace waits, names the holder, and times out.
        const mtimeBefore = fs.statSync(lockDir).mtimeMs;
        const waiter = await runCliProcess(sb, applyArgs(sb, sb.config, "--lock-timeout", "8s"), TEST_ENV);
        expect(waiter.exitCode, describeEnded(waiter)).toBe(1);
        expect(waiter.stderr, describeEnded(waiter)).toMatch(TIMED_OUT);
        expect(waiter.stderr).toContain("waiting for the install-root lock");
        expect(waiter.stderr).toContain(`held by pid ${owner.pid} `);
        expect(waiter.stderr).toContain("another PID namespace");
        expect(`${waiter.stdout}${waiter.stderr}`).not.toContain("reclaimed the stale");
        // never stolen: the very same record, still being refreshed; nothing installed or live
        expect(fs.readFileSync(ownerFile, "utf8")).toBe(text);
        expect(fs.statSync(lockDir).mtimeMs).toBeGreaterThan(mtimeBefore);
        expect(fs.existsSync(root)).toBe(false);
        expect(spawnLines(sb)).toEqual([]);

        // status (read-only) calls it live, in another PID namespace
        const status = await runCliProcess(sb, ["status", ...commonArgs(sb, sb.config)], TEST_ENV);
        expect(status.stdout, describeEnded(status)).toMatch(
          new RegExp(`lock:\\s+held by pid ${owner.pid} on .*: live`),
        );
        expect(status.stdout).toContain("another PID namespace");

        // The holder dies without releasing anything.
        holder.kill("SIGKILL");
        await holder;
        await waitFor("the namespaced CLI to be gone", () => foreignCliProcesses().length === 0);
        expect(fs.readFileSync(ownerFile, "utf8")).toBe(text);
        const lastRefresh = fs.statSync(lockDir).mtimeMs;

        // The next apply waits until the lock has gone STALE_MS without a refresh, then reclaims.
        let ended: Ended | null = null;
        const next = runCliProcess(sb, applyArgs(sb, sb.config, "--lock-timeout", "90s"), TEST_ENV).then(
          (r) => (ended = r),
        );
        while (Date.now() < lastRefresh + STALE_MS - 750) {
          expect(ended, "the apply ended before the holder's lock was stale").toBeNull();
          expect(fs.readFileSync(ownerFile, "utf8"), "reclaimed before it was stale").toBe(text);
          await sleep(100);
        }
        const r = await next;
        expect(r.exitCode, describeEnded(r)).toBe(0);
        expect(r.stdout, describeEnded(r)).toContain("Apply complete!");
        expect(r.stderr).toContain("another PID namespace");
        expect(`${r.stdout}${r.stderr}`).toMatch(
          /reclaimed the stale install-root lock .*another PID namespace/,
        );
        await expectRootValid(root, plan);
        expectClean(sb.stage);
      } finally {
        fs.writeFileSync(release, "");
        holder.kill("SIGKILL");
        await holder;
      }
    },
    APPLY_TIMEOUT_MS,
  );
});
