import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as E from "fp-ts/lib/Either.js";
import { LockOwner as LockOwnerCodec } from "../../src/model/lock.js";
import type { LockOwner } from "../../src/model/lock.js";
import {
  assessLockOwner,
  FOREIGN_STALE_AFTER_MS,
  foreignStaleAfterMs,
  type LockFacts,
  lockPathFor,
  OWNER_FILE,
  OWNERLESS_STALE_AFTER_MS,
  readLockHolder,
  realLockFacts,
} from "../../src/observe/lock-holder.js";
import { isPidAlive, readOwnKernelScope, readStartTime } from "../../src/util/process-info.js";
import { mkdirp, writeFile } from "../support/trees.js";
import { tempDir } from "../support/temp.js";

const tmp = tempDir("observe-lock");

const HOST = "this-host";
const NOW = 1_800_000_000_000;
const HOUR = 3_600_000;
const BOOT = "6f1c0e4a-0000-4000-8000-000000000001";
const PIDNS = 4026531836;
const OTHER_PIDNS = 4026532175;

/** A fake world: which pids run and with which start time (in our boot and PID namespace). */
const factsWith = (running: Readonly<Record<number, number | null>>): LockFacts => ({
  hostname: HOST,
  bootId: BOOT,
  pidNamespace: PIDNS,
  now: NOW,
  isAlive: (pid) => Object.hasOwn(running, pid),
  startTime: (pid) => running[pid] ?? null,
});

const owner = (o: Partial<LockOwner> = {}): LockOwner => ({
  pid: 4242 as LockOwner["pid"],
  hostname: HOST,
  starttime: 1000,
  createdAt: NOW - HOUR,
  command: "plugdeps apply",
  pidNamespace: PIDNS,
  bootId: BOOT,
  ...o,
});

/** The same fake world, but every pid-probe call is recorded (a foreign pid must not be probed). */
const probing = (running: Readonly<Record<number, number | null>>) => {
  const probed: number[] = [];
  const base = factsWith(running);
  const facts: LockFacts = {
    ...base,
    isAlive: (pid) => (probed.push(pid), base.isAlive(pid)),
    startTime: (pid) => (probed.push(pid), base.startTime(pid)),
  };
  return { facts, probed };
};

describe("assessLockOwner (SPEC §4.7)", () => {
  it("a dead pid is stale at once, even a second old", () => {
    const v = assessLockOwner(owner(), NOW - 1000, factsWith({}));
    expect(v.state).toBe("stale");
    expect(v.detail).toMatch(/pid 4242 is not running/);
  });

  it("a running pid with another start time is a recycled pid: stale at once", () => {
    const v = assessLockOwner(owner({ pid: 1 as LockOwner["pid"] }), NOW - 1000, factsWith({ 1: 2000 }));
    expect(v.state).toBe("stale");
    expect(v.detail).toMatch(/pid 1 was recycled \(start time 2000, lock recorded 1000\)/);
  });

  it("a running pid with the recorded start time is live however old the lock is", () => {
    const v = assessLockOwner(owner(), NOW - HOUR, factsWith({ 4242: 1000 }));
    expect(v).toEqual({ state: "live", detail: "pid 4242 is running (plugdeps apply)" });
    expect(assessLockOwner(owner(), NOW - 30 * 24 * HOUR, factsWith({ 4242: 1000 })).state).toBe("live");
  });

  it("no owner evidence: unknown under the age threshold, stale above it", () => {
    const young = assessLockOwner(null, NOW - (OWNERLESS_STALE_AFTER_MS - 1000), factsWith({}));
    expect(young.state).toBe("unknown");
    expect(young.detail).toMatch(/no valid owner record.*reclaimable after 120s/);
    const old = assessLockOwner(null, NOW - (OWNERLESS_STALE_AFTER_MS + 1000), factsWith({}));
    expect(old.state).toBe("stale");
    expect(old.detail).toMatch(/no valid owner record; lock is 121s old, older than 120s/);
  });

  it("a lock from the future (clock skew) counts as age 0", () => {
    expect(assessLockOwner(null, NOW + HOUR, factsWith({})).state).toBe("unknown");
  });

  it("another hostname: only the age rule applies, whatever our process table says", () => {
    const other = owner({ hostname: "other-host" });
    // Our pid 4242 is dead, but that says nothing about other-host's pid 4242.
    const young = assessLockOwner(other, NOW - 1000, factsWith({}));
    expect(young.state).toBe("unknown");
    expect(young.detail).toMatch(/held on another host \(other-host\)/);
    // Our pid 4242 is alive with the same start time: still not evidence for other-host.
    expect(assessLockOwner(other, NOW - HOUR, factsWith({ 4242: 1000 })).state).toBe("stale");
  });

  it("alive but the start time is unknown (either side): the age rule", () => {
    const noProc = assessLockOwner(owner(), NOW - 1000, factsWith({ 4242: null }));
    expect(noProc.state).toBe("unknown");
    expect(noProc.detail).toMatch(/pid 4242 is running but its start time is unknown/);
    expect(assessLockOwner(owner(), NOW - HOUR, factsWith({ 4242: null })).state).toBe("stale");
    const noRecord = owner({ starttime: null });
    expect(assessLockOwner(noRecord, NOW - 1000, factsWith({ 4242: 1000 })).state).toBe("unknown");
    expect(assessLockOwner(noRecord, NOW - HOUR, factsWith({ 4242: 1000 })).state).toBe("stale");
  });

  it("a pid that can never be a process (0, negative) is no evidence: the age rule", () => {
    for (const pid of [0, -1]) {
      const o = owner({ pid: pid as LockOwner["pid"] });
      expect(assessLockOwner(o, NOW - 1000, factsWith({})).state).toBe("unknown");
      expect(assessLockOwner(o, NOW - HOUR, factsWith({})).state).toBe("stale");
    }
  });

  describe("where the pid means something: hostname, boot id and PID namespace all ours (issue 15)", () => {
    const foreign = owner({ pid: 1 as LockOwner["pid"], pidNamespace: OTHER_PIDNS, starttime: 42 });

    it("another PID namespace, refreshed recently: live, and our pid 1 (another process) is never probed", () => {
      // Our pid 1 runs with another start time: judged here it would be "recycled", stale at once.
      const { facts, probed } = probing({ 1: 7 });
      const v = assessLockOwner(foreign, NOW - 2_000, facts);
      expect(v.state).toBe("live");
      expect(v.detail).toBe(
        `pid 1 in another PID namespace (pid:[${OTHER_PIDNS}]; ours is pid:[${PIDNS}]), refreshed 2s ago ` +
          `(live while it refreshes the lock, stale after 60s without a refresh)`,
      );
      expect(probed).toEqual([]);
      // dead here: says nothing about the other namespace either
      expect(assessLockOwner(foreign, NOW - 2_000, factsWith({})).state).toBe("live");
      // live right up to the threshold, however old the record itself is
      expect(assessLockOwner(foreign, NOW - FOREIGN_STALE_AFTER_MS, factsWith({})).state).toBe("live");
    });

    it("another PID namespace, no refresh for longer than FOREIGN_STALE_AFTER_MS: stale", () => {
      const { facts, probed } = probing({ 1: 42 }); // even our pid 1 with the same start time
      const v = assessLockOwner(foreign, NOW - FOREIGN_STALE_AFTER_MS - 1_000, facts);
      expect(v.state).toBe("stale");
      expect(v.detail).toMatch(/^pid 1 in another PID namespace .*, not refreshed for 61s \(live while/);
      expect(probed).toEqual([]);
    });

    it("another boot id (a previous boot, or another machine with our name): the refresh rule, 2 min", () => {
      const otherBoot = owner({ bootId: "another-boot" });
      const { facts, probed } = probing({ 4242: 1000 });
      const young = assessLockOwner(otherBoot, NOW - 30_000, facts);
      expect(young.state).toBe("live");
      expect(young.detail).toMatch(/^pid 4242 under another boot id \(another-boot: a previous boot/);
      // more than the same-clock threshold, less than the other-clock one: still live
      expect(assessLockOwner(otherBoot, NOW - FOREIGN_STALE_AFTER_MS - 1_000, facts).state).toBe("live");
      expect(assessLockOwner(otherBoot, NOW - OWNERLESS_STALE_AFTER_MS - 1_000, facts).state).toBe("stale");
      // a dead pid here is no evidence for another boot
      expect(assessLockOwner(otherBoot, NOW - 1_000, factsWith({})).state).toBe("live");
      expect(probed).toEqual([]);
    });

    it("a record without namespace or boot id (an older plugdeps): the pid is not checked, the refresh rule", () => {
      const { pidNamespace: _ns, bootId: _boot, ...old } = owner();
      const noNs = owner({ pidNamespace: null });
      for (const record of [old, noNs]) {
        const { facts, probed } = probing({}); // dead here: would have been "stale at once"
        const v = assessLockOwner(record, NOW - 3_000, facts);
        expect(v.state).toBe("live");
        expect(v.detail).toMatch(
          /^pid 4242 in an unknown PID namespace \(the record names no (boot id|PID namespace)\)/,
        );
        expect(assessLockOwner(record, NOW - FOREIGN_STALE_AFTER_MS - 1_000, facts).state).toBe("stale");
        expect(probed).toEqual([]);
      }
      // and the old codec shape still decodes
      expect(E.isRight(LockOwnerCodec.decode(old))).toBe(true);
    });

    it("our own PID namespace unreadable (no /proc): the refresh rule", () => {
      const facts = { ...factsWith({}), pidNamespace: null };
      expect(assessLockOwner(owner(), NOW - 1_000, facts).state).toBe("live");
      expect(assessLockOwner(owner(), NOW - FOREIGN_STALE_AFTER_MS - 1_000, facts).state).toBe("stale");
    });

    it("the same hostname, boot id and PID namespace: the pid rules as before", () => {
      expect(assessLockOwner(owner(), NOW - 1_000, factsWith({})).state).toBe("stale"); // dead
      expect(assessLockOwner(owner(), NOW - 1_000, factsWith({ 4242: 999 })).state).toBe("stale"); // recycled
      expect(assessLockOwner(owner(), NOW - 30 * 24 * HOUR, factsWith({ 4242: 1000 })).state).toBe("live");
    });

    it("another hostname: the age rule as before, whatever the namespace fields say", () => {
      const v = assessLockOwner(
        owner({ hostname: "other-host", pidNamespace: OTHER_PIDNS }),
        NOW - 1_000,
        factsWith({}),
      );
      expect(v.state).toBe("unknown");
      expect(v.detail).toMatch(/held on another host \(other-host\)/);
    });

    it("the test-only override can shorten the foreign threshold, never below 3 refreshes, never lengthen it", () => {
      expect(foreignStaleAfterMs({})).toBe(FOREIGN_STALE_AFTER_MS);
      expect(foreignStaleAfterMs({ PLUGDEPS_TEST_FOREIGN_LOCK_STALE_MS: "20000" })).toBe(20_000);
      expect(foreignStaleAfterMs({ PLUGDEPS_TEST_FOREIGN_LOCK_STALE_MS: "0" })).toBe(15_000);
      expect(foreignStaleAfterMs({ PLUGDEPS_TEST_FOREIGN_LOCK_STALE_MS: "-5" })).toBe(15_000);
      expect(foreignStaleAfterMs({ PLUGDEPS_TEST_FOREIGN_LOCK_STALE_MS: "9999999" })).toBe(
        FOREIGN_STALE_AFTER_MS,
      );
      expect(foreignStaleAfterMs({ PLUGDEPS_TEST_FOREIGN_LOCK_STALE_MS: "soon" })).toBe(
        FOREIGN_STALE_AFTER_MS,
      );
      const facts = { ...factsWith({}), foreignStaleAfterMs: 15_000 };
      expect(assessLockOwner(owner({ pidNamespace: OTHER_PIDNS }), NOW - 16_000, facts).state).toBe("stale");
    });
  });

  it("fast-check: a live same-host holder with its start time is never stale, at any age", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4_194_304 }),
        fc.nat(),
        fc.integer({ min: 0, max: 10 * 365 * 24 * HOUR }),
        fc.integer({ min: -HOUR, max: 0 }),
        (pid, start, ageMs, createdSkew) => {
          const o = owner({
            pid: pid as LockOwner["pid"],
            starttime: start,
            createdAt: NOW - ageMs + createdSkew,
          });
          expect(assessLockOwner(o, NOW - ageMs, factsWith({ [pid]: start })).state).toBe("live");
        },
      ),
    );
  });

  it("fast-check: the verdict depends only on the facts, never on createdAt or command", () => {
    fc.assert(
      fc.property(
        fc.nat(),
        fc.string(),
        fc.integer({ min: 0, max: 10 * HOUR }),
        (createdAt, command, ageMs) => {
          const facts = factsWith({ 4242: 1000 });
          const a = assessLockOwner(owner({ createdAt, command }), NOW - ageMs, facts).state;
          const b = assessLockOwner(owner(), NOW - ageMs, facts).state;
          expect(a).toBe(b);
        },
      ),
    );
  });
});

describe("readLockHolder on real directories", () => {
  const facts = realLockFacts();
  let n = 0;
  /** A root path (never created: the lock lives beside it) and its lock dir. */
  const root = (): { root: string; lock: string } => {
    const r = path.join(tmp, `root-${++n}`);
    return { root: r, lock: lockPathFor(r) };
  };

  it("the lock is `<root>.lock` beside the root", () => {
    expect(lockPathFor("/s/host-1.0.0-0123456789ab")).toBe("/s/host-1.0.0-0123456789ab.lock");
  });

  it("no lock directory: null", () => {
    expect(readLockHolder(root().root, facts)).toBeNull();
  });

  it("a lock directory without owner.json: owner null, age rule", () => {
    const r = root();
    mkdirp(r.lock);
    expect(readLockHolder(r.root, facts)).toMatchObject({ path: r.lock, owner: null, state: "unknown" });
  });

  it.each([
    ["garbage", "not json at all"],
    ["truncated", '{"pid": 12, "hostname": "h", "startt'],
    ["wrong types", '{"pid": "12", "hostname": "h", "starttime": null, "createdAt": 1, "command": "x"}'],
    ["a float pid", '{"pid": 1.5, "hostname": "h", "starttime": null, "createdAt": 1, "command": "x"}'],
    ["an array", "[]"],
  ])("%s owner.json: owner null", (_what, text) => {
    const r = root();
    writeFile(path.join(r.lock, OWNER_FILE), text);
    const held = readLockHolder(r.root, facts);
    expect(held).toMatchObject({ owner: null, state: "unknown" });
    expect(held?.detail).toMatch(/no valid owner record/);
  });

  it("an old ownerless lock is stale", () => {
    const r = root();
    writeFile(path.join(r.lock, OWNER_FILE), "{");
    const old = new Date(Date.now() - OWNERLESS_STALE_AFTER_MS - 60_000);
    fs.utimesSync(r.lock, old, old);
    expect(readLockHolder(r.root, facts)).toMatchObject({ owner: null, state: "stale" });
  });

  it("a symlinked owner.json is no evidence, even when it points at a valid live record", () => {
    const r = root();
    const real = writeFile(
      path.join(tmp, `real-owner-${n}.json`),
      JSON.stringify(
        owner({
          pid: process.pid as LockOwner["pid"],
          hostname: os.hostname(),
          starttime: readStartTime(process.pid),
          ...readOwnKernelScope(),
        }),
      ),
    );
    mkdirp(r.lock);
    fs.symlinkSync(real, path.join(r.lock, OWNER_FILE));
    expect(readLockHolder(r.root, facts)).toMatchObject({ owner: null, state: "unknown" });
  });

  it("this process, with its real start time: live", () => {
    const start = readStartTime(process.pid);
    expect(isPidAlive(process.pid)).toBe(true);
    const r = root();
    const record = owner({
      pid: process.pid as LockOwner["pid"],
      hostname: os.hostname(),
      starttime: start,
      ...readOwnKernelScope(),
    });
    writeFile(path.join(r.lock, OWNER_FILE), JSON.stringify(record));
    const old = new Date(Date.now() - 24 * HOUR);
    fs.utimesSync(r.lock, old, old);
    const held = readLockHolder(r.root, realLockFacts());
    if (start === null) {
      // No /proc (not Linux): the start time cannot be checked, so only age decides.
      expect(held).toMatchObject({ owner: record, state: "stale" });
    } else {
      expect(held).toEqual({
        path: r.lock,
        owner: record,
        state: "live",
        detail: `pid ${process.pid} is running (plugdeps apply)`,
      });
    }
  });

  it("this pid with a different start time (a recycled pid): stale", () => {
    const start = readStartTime(process.pid);
    if (start === null) return;
    const r = root();
    const record = owner({
      pid: process.pid as LockOwner["pid"],
      hostname: os.hostname(),
      starttime: start + 1,
      ...readOwnKernelScope(),
    });
    writeFile(path.join(r.lock, OWNER_FILE), JSON.stringify(record));
    expect(readLockHolder(r.root, realLockFacts())).toMatchObject({ state: "stale" });
  });

  it("reading a lock writes nothing", () => {
    const r = root();
    writeFile(path.join(r.lock, OWNER_FILE), "{");
    const before = fs.readdirSync(tmp).sort();
    const mtime = fs.statSync(r.lock).mtimeMs;
    readLockHolder(r.root, facts);
    readLockHolder(path.join(tmp, "never"), facts);
    expect(fs.readdirSync(tmp).sort()).toEqual(before);
    expect(fs.statSync(r.lock).mtimeMs).toBe(mtime);
  });
});

describe("process-info", () => {
  it("isPidAlive: this process yes; impossible pids no", () => {
    expect(isPidAlive(process.pid)).toBe(true);
    expect(isPidAlive(0)).toBe(false);
    expect(isPidAlive(-5)).toBe(false);
    expect(isPidAlive(1.5)).toBe(false);
    expect(isPidAlive(2_147_483_646)).toBe(false);
  });

  it("readStartTime: a number for this process on Linux, stable; null for a dead pid", () => {
    if (process.platform === "linux") {
      const a = readStartTime(process.pid);
      expect(typeof a).toBe("number");
      expect(readStartTime(process.pid)).toBe(a);
    }
    expect(readStartTime(2_147_483_646)).toBeNull();
  });
});
