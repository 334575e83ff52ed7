import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { LockOwner } from "../../src/model/lock.js";
import {
  assessLockOwner,
  type LockFacts,
  lockPathFor,
  OWNER_FILE,
  OWNERLESS_STALE_AFTER_MS,
  readLockHolder,
  realLockFacts,
} from "../../src/observe/lock-holder.js";
import { isPidAlive, readStartTime } from "../../src/util/process-info.js";
import { mkdirp, writeFile } from "../support/trees.js";
import { tempDir } from "../support/temp.js";

const tmp = tempDir("observe-lock");

const HOST = "this-host";
const NOW = 1_800_000_000_000;
const HOUR = 3_600_000;

/** A fake world: which pids run and with which start time. */
const factsWith = (running: Readonly<Record<number, number | null>>): LockFacts => ({
  hostname: HOST,
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
  ...o,
});

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
    const record = owner({ pid: process.pid as LockOwner["pid"], hostname: os.hostname(), starttime: start });
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
