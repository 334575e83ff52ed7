import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  judgeOpenclawLock,
  OPENCLAW_LOCK_STALE_MS,
  OPENCLAW_OWNERLESS_LOCK_STALE_MS,
  readOpenclawLock,
  type OpenclawLockEvidence,
} from "../../src/hosts/openclaw/openclaw-lock.js";
import type { ProcessProbes } from "../../src/util/process-info.js";
import { tempDir } from "../support/temp.js";

const NOW = 1_800_000_000_000;
const probes = (alive: boolean, starttime: number | null = 100, hostname = "here"): ProcessProbes => ({
  hostname,
  isAlive: () => alive,
  startTime: () => starttime,
});
const ev = (
  over: Partial<Extract<OpenclawLockEvidence, { _tag: "Evidence" }>> = {},
): OpenclawLockEvidence => ({
  _tag: "Evidence",
  pid: undefined,
  starttime: undefined,
  createdAtMs: undefined,
  hostname: undefined,
  observedAtMs: NOW,
  ...over,
});
const stale = (e: OpenclawLockEvidence, p = probes(true)): boolean => judgeOpenclawLock(e, NOW, p).stale;

describe("judgeOpenclawLock: OpenClaw's shouldRemoveRuntimeDepsLock, conservative where versions differ", () => {
  it("a live pid is never stale by age, with or without createdAtMs", () => {
    expect(stale(ev({ pid: 42, createdAtMs: 0, observedAtMs: 0 }))).toBe(false);
    expect(stale(ev({ pid: 42, starttime: 100, createdAtMs: 0, observedAtMs: 0 }))).toBe(false);
    // 2026.4.30 alone calls this one stale (a live pid with neither starttime nor createdAtMs,
    // older than 10 min); 2026.4.29 keeps it, and so does plugdeps.
    expect(stale(ev({ pid: 42, observedAtMs: NOW - OPENCLAW_LOCK_STALE_MS - 1 }))).toBe(false);
  });
  it("a dead pid is stale at once, whatever else the record says", () => {
    expect(stale(ev({ pid: 42, createdAtMs: NOW, starttime: 100 }), probes(false))).toBe(true);
  });
  it("a pid that no process can have is dead, and never reaches kill()", () => {
    const asked: number[] = [];
    const p: ProcessProbes = { ...probes(true), isAlive: (pid) => (asked.push(pid), true) };
    for (const pid of [0, -1, 1.5, 4_194_305, 2 ** 40])
      expect(judgeOpenclawLock(ev({ pid }), NOW, p).stale).toBe(true);
    expect(asked).toEqual([]);
  });
  it("a recycled pid (another start time) is stale; an unreadable start time is not evidence", () => {
    expect(stale(ev({ pid: 1, starttime: 99 }), probes(true, 100))).toBe(true);
    expect(stale(ev({ pid: 1, starttime: 100 }), probes(true, 100))).toBe(false);
    expect(stale(ev({ pid: 1, starttime: 99 }), probes(true, null))).toBe(false);
  });
  it("no pid, createdAtMs: stale after 10 minutes (strictly more)", () => {
    expect(stale(ev({ createdAtMs: NOW - OPENCLAW_LOCK_STALE_MS }))).toBe(false);
    expect(stale(ev({ createdAtMs: NOW - OPENCLAW_LOCK_STALE_MS - 1 }))).toBe(true);
    // the lock's own mtime does not matter then
    expect(stale(ev({ createdAtMs: NOW, observedAtMs: 0 }))).toBe(false);
    expect(stale(ev({ createdAtMs: NOW + 60_000 }))).toBe(false);
  });
  it("neither: stale when last touched more than 30 s ago; no mtime at all is not stale", () => {
    expect(stale(ev({ observedAtMs: NOW - OPENCLAW_OWNERLESS_LOCK_STALE_MS }))).toBe(false);
    expect(stale(ev({ observedAtMs: NOW - OPENCLAW_OWNERLESS_LOCK_STALE_MS - 1 }))).toBe(true);
    expect(stale(ev({ observedAtMs: undefined }))).toBe(false);
  });
  it("another host's record and an unjudgeable lock are live", () => {
    expect(stale(ev({ pid: 42, hostname: "there" }), probes(false))).toBe(false);
    expect(stale(ev({ pid: 42, hostname: "here" }), probes(false))).toBe(true);
    expect(stale({ _tag: "Unjudgeable", why: "x is a symlink" })).toBe(false);
  });

  it("property: a verdict of stale always has the evidence OpenClaw 2026.4.29 would call stale", () => {
    const evidence = fc.record({
      pid: fc.option(fc.oneof(fc.integer({ min: -5, max: 5_000_000 }), fc.double({ noNaN: true })), {
        nil: undefined,
      }),
      starttime: fc.option(fc.integer({ min: 0, max: 1000 }), { nil: undefined }),
      createdAtMs: fc.option(fc.integer({ min: NOW - 3_600_000, max: NOW + 60_000 }), { nil: undefined }),
      observedAtMs: fc.option(fc.integer({ min: NOW - 3_600_000, max: NOW + 60_000 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(
        evidence,
        fc.boolean(),
        fc.option(fc.integer({ min: 0, max: 1000 }), { nil: null }),
        (e, alive, running) => {
          const p = probes(alive, running);
          const verdict = judgeOpenclawLock({ _tag: "Evidence", hostname: undefined, ...e }, NOW, p).stale;
          // OpenClaw 2026.4.29's rule, stated independently
          const possible = e.pid !== undefined && Number.isInteger(e.pid) && e.pid > 0 && e.pid <= 4_194_304;
          const expected =
            e.pid !== undefined
              ? !(possible && alive) ||
                (e.starttime !== undefined && running !== null && running !== e.starttime)
              : e.createdAtMs !== undefined
                ? NOW - e.createdAtMs > OPENCLAW_LOCK_STALE_MS
                : e.observedAtMs !== undefined && NOW - e.observedAtMs > OPENCLAW_OWNERLESS_LOCK_STALE_MS;
          expect(verdict).toBe(expected);
        },
      ),
    );
  });
});

describe("readOpenclawLock", () => {
  const tmp = tempDir("openclaw-lock");
  let n = 0;
  const root = (): string => {
    const r = path.join(tmp, `root-${n++}`);
    fs.mkdirSync(r);
    return r;
  };
  const lockOf = (r: string): string => path.join(r, ".openclaw-runtime-deps.lock");
  const setTime = (p: string, ms: number): void => fs.utimesSync(p, new Date(ms), new Date(ms));

  it("no lock entry: null", () => {
    expect(readOpenclawLock(root())).toBeNull();
  });
  it("reads pid, starttime and createdAtMs only as JSON numbers, like OpenClaw", () => {
    const r = root();
    fs.mkdirSync(lockOf(r));
    fs.writeFileSync(
      path.join(lockOf(r), "owner.json"),
      JSON.stringify({ pid: "123", starttime: 7, createdAtMs: 1000, hostname: "h" }),
    );
    expect(readOpenclawLock(r)).toMatchObject({
      _tag: "Evidence",
      pid: undefined,
      starttime: 7,
      createdAtMs: 1000,
      hostname: "h",
    });
  });
  it("a garbage owner file is no owner, but its mtime counts; the newer mtime wins", () => {
    const r = root();
    fs.mkdirSync(lockOf(r));
    const owner = path.join(lockOf(r), "owner.json");
    fs.writeFileSync(owner, "[1, 2");
    setTime(owner, 5_000_000);
    setTime(lockOf(r), 1_000_000);
    expect(readOpenclawLock(r)).toMatchObject({
      pid: undefined,
      createdAtMs: undefined,
      observedAtMs: 5_000_000,
    });
  });
  it("a plain file where the lock directory should be is judged by its mtime", () => {
    const r = root();
    fs.writeFileSync(lockOf(r), "");
    setTime(lockOf(r), 3_000_000);
    expect(readOpenclawLock(r)).toMatchObject({ _tag: "Evidence", pid: undefined, observedAtMs: 3_000_000 });
  });
  it("symlinks and huge owner files are not read: unjudgeable (live)", () => {
    const a = root();
    fs.symlinkSync(tmp, lockOf(a));
    expect(readOpenclawLock(a)?._tag).toBe("Unjudgeable");
    const b = root();
    fs.mkdirSync(lockOf(b));
    fs.symlinkSync("/etc/hostname", path.join(lockOf(b), "owner.json"));
    expect(readOpenclawLock(b)?._tag).toBe("Unjudgeable");
    const c = root();
    fs.mkdirSync(lockOf(c));
    fs.writeFileSync(path.join(lockOf(c), "owner.json"), `{"pid": 1, "pad": "${"x".repeat(70_000)}"}`);
    expect(readOpenclawLock(c)?._tag).toBe("Unjudgeable");
  });
});
