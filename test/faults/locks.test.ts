import { execa } from "execa";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { PlanDocumentJson } from "../../src/model/plan.js";
import { OWNERLESS_STALE_AFTER_MS } from "../../src/observe/lock-holder.js";
import {
  APPLY_TIMEOUT_MS,
  type ApplySandbox,
  commonArgs,
  makeApplySandbox,
  readState,
  spawnLines,
} from "../support/apply.js";
import {
  applyArgs,
  describeEnded,
  type Ended,
  expectClean,
  expectExit0,
  expectKilled,
  expectLiveOneOf,
  planOf,
  runCliProcess,
  writeChain,
} from "./support.js";
import { procStartTime } from "../support/process.js";
import { readOwnKernelScope } from "../../src/util/process-info.js";

/**
 * The install-root lock's staleness rules (SPEC §4.7), with forged `<root>.lock/owner.json`
 * records in front of a real apply that has work to do (each successful apply moves the root one
 * step along the config chain, so the next one has work again).
 *
 * "At once" is asserted without timing: the apply runs with `--lock-timeout 0s`, so it succeeds
 * only if the lock is reclaimed without any wait. "Never stolen" is asserted by a timeout: with
 * `--lock-timeout 2s` the apply ends with exit 1 and the LockTimeout message, and the forged lock
 * is left exactly as it was.
 */

const WAITING = "waiting for the install-root lock";
const TIMED_OUT = /timed out after \d+s waiting for the install-root lock/;
const HOUR = 3_600_000;

let sb: ApplySandbox;
let chain: string[];
let plans: PlanDocumentJson[];
let step = 0;
let root = "";
let lockDir = "";

beforeAll(async () => {
  sb = makeApplySandbox("pnpm");
  chain = writeChain(sb);
  plans = await Promise.all(chain.map((c) => planOf(sb, c)));
  root = plans[0]?.desired.targetRoot ?? "";
  lockDir = `${root}.lock`;
  expectExit0(await runCliProcess(sb, applyArgs(sb, chain[0] ?? "")));
}, APPLY_TIMEOUT_MS);

/**
 * Each test starts from the state the root is really in (so one failing test does not knock the
 * others out of step): `step` follows the live state record, and no lock is left over.
 */
beforeEach(() => {
  fs.rmSync(lockDir, { recursive: true, force: true });
  const live = readState(root).planFingerprint;
  const at = plans.findIndex((p) => p.desired.fingerprint === live);
  if (at >= 0) step = at;
});

/** The next chain step's config and plan (an apply of it has to build a new generation). */
const nextStep = () => {
  const config = chain[(step + 1) % 3] ?? "";
  const plan = plans[(step + 1) % 3];
  if (plan === undefined) throw new Error("chain");
  return { config, plan };
};

const applyNext = (lockTimeout: string): Promise<Ended> =>
  runCliProcess(sb, applyArgs(sb, nextStep().config, "--lock-timeout", lockTimeout));

/** The apply converged the root to the next step (and the lock is gone). */
const expectApplied = async (r: Ended): Promise<void> => {
  expectExit0(r);
  expect(r.stdout, describeEnded(r)).toContain("Apply complete!");
  expect(await expectLiveOneOf(root, [nextStep().plan])).toBe(0);
  expectClean(sb.stage);
  step++;
};

/** The apply timed out on the lock, touched nothing, and named the holder. */
const expectTimedOut = (r: Ended, holderText: string | RegExp): void => {
  expect(r.exitCode, describeEnded(r)).toBe(1);
  expect(r.stderr, describeEnded(r)).toMatch(TIMED_OUT);
  expect(r.stderr).toContain(WAITING);
  if (typeof holderText === "string") expect(r.stderr).toContain(holderText);
  else expect(r.stderr).toMatch(holderText);
  expect(r.stderr).not.toMatch(/^\s{4}at /m);
};

interface Forged {
  readonly pid?: number;
  readonly hostname?: string;
  readonly starttime?: number | null;
  readonly createdAt?: number;
  readonly command?: string;
  /** Default: ours (a pid is judged by our process table only in our boot and PID namespace). */
  readonly pidNamespace?: number | null;
  readonly bootId?: string | null;
}

/** Writes `<root>.lock/owner.json` (or raw bytes, or nothing) and sets the dir's mtime. */
const forgeLock = (owner: Forged | string | null, ageMs = 0): string | null => {
  fs.mkdirSync(lockDir, { recursive: true });
  const file = path.join(lockDir, "owner.json");
  let text: string | null = null;
  if (owner !== null) {
    text =
      typeof owner === "string"
        ? owner
        : JSON.stringify({
            pid: owner.pid ?? 999_999,
            hostname: owner.hostname ?? os.hostname(),
            starttime: owner.starttime === undefined ? 1 : owner.starttime,
            createdAt: owner.createdAt ?? Date.now() - ageMs,
            command: owner.command ?? "plugdeps apply (forged)",
            pidNamespace:
              owner.pidNamespace === undefined ? readOwnKernelScope().pidNamespace : owner.pidNamespace,
            bootId: owner.bootId === undefined ? readOwnKernelScope().bootId : owner.bootId,
          });
    fs.writeFileSync(file, text);
  }
  const when = new Date(Date.now() - ageMs);
  fs.utimesSync(lockDir, when, when);
  return text;
};

/** A pid that certainly has no process right now (a child that has exited and been reaped). */
const deadPid = async (): Promise<number> => {
  const child = execa("true");
  const pid = child.pid;
  await child;
  if (pid === undefined) throw new Error("no pid");
  expect(() => process.kill(pid, 0)).toThrow();
  return pid;
};

describe("forged lock records (SPEC §4.7)", () => {
  it("a dead pid is reclaimed at once", async () => {
    forgeLock({ pid: await deadPid(), starttime: 12345, createdAt: Date.now() });
    const r = await applyNext("0s");
    await expectApplied(r);
    expect(r.stderr).not.toContain(WAITING);
  });

  it("pid 1 alive with another start time (a recycled pid) is reclaimed at once", async () => {
    forgeLock({ pid: 1, starttime: procStartTime(1) + 4242, createdAt: Date.now() });
    const r = await applyNext("0s");
    await expectApplied(r);
    expect(r.stderr).not.toContain(WAITING);
  });

  it("a live holder with its true start time is never stolen, however old; the wait names it; reclaimed once it is gone", async () => {
    const sleeper = execa("sleep", ["600"], { reject: false });
    const pid = sleeper.pid;
    if (pid === undefined) throw new Error("no pid");
    try {
      const text = forgeLock({ pid, starttime: procStartTime(pid), createdAt: Date.now() - HOUR }, HOUR);
      const live = liveTargetNow();
      const spawns = spawnLines(sb).length;
      const r = await applyNext("2s");
      expectTimedOut(r, `held by pid ${pid} on ${os.hostname()}`);
      expect(r.stderr).toContain(`pid ${pid} is running`);
      // nothing touched: the lock as forged, the root as it was, no package manager
      expect(fs.readFileSync(path.join(lockDir, "owner.json"), "utf8")).toBe(text);
      expect(liveTargetNow()).toBe(live);
      expect(spawnLines(sb)).toHaveLength(spawns);
      // status names it too, and says it is live
      const status = expectExit0(await runCliProcess(sb, ["status", ...commonArgs(sb, nextStep().config)]));
      expect(status.stdout).toMatch(new RegExp(`lock:\\s+held by pid ${pid} on .*: live`));
    } finally {
      sleeper.kill("SIGKILL");
      await sleeper;
    }
    // the holder is gone: stale at once
    await expectApplied(await applyNext("0s"));
  });

  for (const [what, content] of [
    ["an ownerless lock directory (no owner.json)", null],
    ["a garbage owner.json", '{"pid": "not a number", garbage'],
    [
      "an owner.json with a pid no process can have",
      JSON.stringify({ pid: 0, hostname: os.hostname(), starttime: null, createdAt: 0, command: "?" }),
    ],
  ] as const) {
    it(`${what}: not reclaimed while fresh, reclaimed once older than the threshold`, async () => {
      forgeLock(content, 0);
      const r = await applyNext("2s");
      expectTimedOut(r, /an unknown holder|no usable pid/);
      expect(fs.existsSync(lockDir)).toBe(true);
      // just younger than the threshold: still not reclaimed
      forgeLock(content, OWNERLESS_STALE_AFTER_MS - 20_000);
      expectTimedOut(await applyNext("1s"), /reclaimable after/);
      // older than the threshold: reclaimed at once
      forgeLock(content, OWNERLESS_STALE_AFTER_MS + 60_000);
      const ok = await applyNext("0s");
      await expectApplied(ok);
      expect(ok.stderr).not.toContain(WAITING);
    });
  }

  it("a holder on another hostname is judged by age only (its pid means nothing here)", async () => {
    // a pid that is dead HERE: on the other host it may be alive, so it must not count as stale
    const pid = await deadPid();
    forgeLock({ pid, hostname: "elsewhere.example", starttime: 77, createdAt: Date.now() }, 0);
    expectTimedOut(await applyNext("2s"), `held by pid ${pid} on elsewhere.example`);
    expect(fs.existsSync(path.join(lockDir, "owner.json"))).toBe(true);
    // and a live pid here does not make it live either: an old one is reclaimed
    forgeLock(
      {
        pid: process.pid,
        hostname: "elsewhere.example",
        starttime: procStartTime(process.pid),
        createdAt: 0,
      },
      OWNERLESS_STALE_AFTER_MS + 60_000,
    );
    await expectApplied(await applyNext("0s"));
  });

  it("a holder that dies mid-apply releases nothing by itself; the next run reclaims it and converges", async () => {
    const { config } = nextStep();
    const killed = expectKilled(
      await runCliProcess(sb, applyArgs(sb, config), { PLUGDEPS_FAILPOINT: "after-lock" }),
    );
    expect(killed.stdout).not.toContain("Apply complete!");
    const owner = JSON.parse(fs.readFileSync(path.join(lockDir, "owner.json"), "utf8")) as {
      pid: number;
      starttime: number;
    };
    expect(owner.pid).toBeGreaterThan(1);
    expect(() => process.kill(owner.pid, 0)).toThrow(); // that pid is dead
    const r = await applyNext("0s");
    await expectApplied(r);
    expect(r.stderr).not.toContain(WAITING);
  });
});

describe("a lock on a converged root", () => {
  it("a dead holder's lock is reclaimed and removed by the next apply, which stays a no-op", async () => {
    const { config, plan } = nextStep();
    await expectApplied(await applyNext("0s")); // converged on `config` now
    forgeLock({ pid: await deadPid(), starttime: 1, createdAt: Date.now() });
    const spawns = spawnLines(sb).length;
    const r = expectExit0(await runCliProcess(sb, applyArgs(sb, config)));
    expect(r.stdout).toContain("No changes.");
    expect(r.stdout).toContain("reclaimed"); // says what it tidied
    expect(spawnLines(sb)).toHaveLength(spawns);
    expect(await expectLiveOneOf(root, [plan])).toBe(0);
    expectClean(sb.stage);
  });

  it("a live holder's lock is left alone, and the apply does not wait for it", async () => {
    const sleeper = execa("sleep", ["600"], { reject: false });
    const pid = sleeper.pid;
    if (pid === undefined) throw new Error("no pid");
    try {
      const text = forgeLock({ pid, starttime: procStartTime(pid), createdAt: Date.now() });
      // the default lock timeout is 5 minutes: a wait would time the test out
      const r = expectExit0(await runCliProcess(sb, applyArgs(sb, chain[step % 3] ?? "")));
      expect(r.stdout).toContain("No changes.");
      expect(r.stderr).not.toContain(WAITING);
      expect(fs.readFileSync(path.join(lockDir, "owner.json"), "utf8")).toBe(text);
    } finally {
      sleeper.kill("SIGKILL");
      await sleeper;
    }
    fs.rmSync(lockDir, { recursive: true });
  });
});

const liveTargetNow = (): string | null => {
  try {
    return fs.readlinkSync(root);
  } catch {
    return null;
  }
};
