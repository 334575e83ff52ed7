import * as fs from "node:fs";
import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import type { PlanContext } from "../observe/context.js";
import { findLeftovers, type Leftover } from "../observe/leftovers.js";
import { STATE_DIR } from "../model/layout.js";
import { ownedDirProblem, untrustedRecord, writeOwnedFile } from "../util/owned-fs.js";
import { isPidRunning, readStartTime } from "../util/process-info.js";
import type { Progress } from "../util/progress.js";
import { acquireLock } from "./lock.js";
import { removeWithin } from "./safe-remove.js";

/**
 * Tidying what interrupted runs left (found by observe/leftovers.ts, which says what each kind
 * is and which fault test found it), and the record that lets the next run stop a package
 * manager an interrupted build left running.
 */

/**
 * The record of the package manager a build runs, inside its stage (removed when the manager
 * returns): written once before the spawn (the directory it runs in, and who we are) and again
 * with its pid and start time right after. A kill between the two leaves no pid: then the
 * orphan is found by that directory (unique to the build) instead.
 */
export const MANAGER_RECORD = ".plugdeps-package-manager.json";

export const recordManager = (stage: string, cwd: string, pid: number | null): void => {
  const record = {
    cwd,
    parent: process.pid,
    parentStarttime: readStartTime(process.pid),
    ...(pid !== null ? { pid, starttime: readStartTime(pid) } : {}),
  };
  // Without the record an orphan cannot be stopped later; the install itself is unaffected.
  writeOwnedFile(path.join(stage, MANAGER_RECORD), `${JSON.stringify(record)}\n`, { fsync: false });
};

export const forgetManager = (stage: string): void => {
  fs.rmSync(path.join(stage, MANAGER_RECORD), { force: true });
};

/**
 * Removes leftovers. The caller holds the target root's lock; the leftovers of other roots are
 * removed only under their own lock, taken without waiting (a stale one is reclaimed by the
 * acquisition, which is how a dead pruner's lock goes).
 */
export const removeLeftovers = async (
  ctx: PlanContext,
  leftovers: readonly Leftover[],
  progress: Progress,
): Promise<void> => {
  const base = ctx.stage.target.path;
  const target = ctx.desired.targetRoot;
  const byRoot = new Map<string, Leftover[]>();
  let logsRemoved = 0;
  for (const l of leftovers) {
    if (l.kind === "temp-file") {
      // Re-checked at delete time: still a regular file of ours (never a link's target).
      const st = fs.lstatSync(l.path, { throwIfNoEntry: false });
      if (st !== undefined && untrustedRecord(l.path, st) === null) {
        fs.rmSync(l.path, { force: true });
        progress(`  removed ${path.basename(l.path)}, the temp file of an interrupted write`, {
          step: "tidy",
          kind: l.kind,
          path: l.path,
        });
      }
      continue;
    }
    if (l.kind === "log") {
      // Re-checked at delete time: a regular file of ours in our own logs directory (never a link).
      const st = fs.lstatSync(l.path, { throwIfNoEntry: false });
      if (st !== undefined && untrustedRecord(l.path, st) === null && ownLogDir(base, l.path)) {
        fs.rmSync(l.path, { force: true });
        logsRemoved++;
      }
      continue;
    }
    if (l.kind === "cache") {
      const removed = removeWithin(
        l.path,
        [path.join(base, STATE_DIR, "cache")],
        "aged-out package-manager cache",
      );
      if (E.isRight(removed) && removed.right)
        progress(
          `  removed the package-manager cache ${path.basename(l.path)}: older than its retention (it is filled again as needed)`,
          { step: "tidy", kind: l.kind, path: l.path },
        );
      continue;
    }
    if (l.kind === "lock-aside") {
      const removed = removeWithin(l.path, [base], "interrupted lock reclaim");
      if (E.isRight(removed) && removed.right)
        progress(`  cleaned ${path.basename(l.path)} of an interrupted lock reclaim`, {
          step: "tidy",
          kind: l.kind,
          path: l.path,
        });
      continue;
    }
    byRoot.set(l.root, [...(byRoot.get(l.root) ?? []), l]);
  }
  if (logsRemoved > 0)
    progress(`  removed ${logsRemoved} package-manager log${logsRemoved === 1 ? "" : "s"} beyond retention`, {
      step: "tidy",
      kind: "log",
      count: logsRemoved,
    });
  for (const [root, items] of byRoot) {
    if (root === target) {
      await removeUnderLock(ctx, items, progress);
      continue;
    }
    const held = await acquireLock(root, { timeoutMs: 0, command: "plugdeps apply (leftovers)" });
    if (E.isLeft(held)) continue; // a live holder: its business
    try {
      // Re-checked under that root's lock: only what is still a leftover now.
      const still = findLeftovers(ctx, { locksHeld: [target, root] }).filter(
        (l) => "root" in l && l.root === root && l.kind !== "lock",
      );
      await removeUnderLock(ctx, still, progress);
      if (items.some((l) => l.kind === "lock"))
        progress(`  reclaimed the stale lock of ${path.basename(root)}`, { step: "reclaim-lock", root });
    } finally {
      await held.right.release();
    }
  }
};

const removeUnderLock = async (
  ctx: PlanContext,
  items: readonly Leftover[],
  progress: Progress,
): Promise<void> => {
  const base = ctx.stage.target.path;
  for (const l of items) {
    if (!("root" in l) || l.kind === "lock") continue; // done by the caller
    if (l.kind === "stage") {
      for (const pid of await stopOrphanedManager(l.path))
        progress(`  stopped the package manager (pid ${pid}) an interrupted run left running`, {
          step: "tidy",
          kind: "orphaned-manager",
          pid,
        });
    }
    const what = l.kind === "generation" ? "old generation" : "leftover stage";
    const removed = removeWithin(l.path, [base], what);
    if (E.isRight(removed) && removed.right) {
      progress(
        l.kind === "generation"
          ? `  removed old generation ${path.basename(l.path)}`
          : `  cleaned leftover ${path.basename(l.path)} of an interrupted run`,
        { step: "tidy", kind: l.kind, path: l.path },
      );
    }
  }
};

/** The log's directory is `<base>/.plugdeps/logs`, a real directory of ours (checked at delete time). */
const ownLogDir = (base: string, file: string): boolean => {
  const dir = path.join(base, STATE_DIR, "logs");
  if (path.dirname(file) !== dir) return false;
  for (const d of [path.join(base, STATE_DIR), dir]) {
    const st = fs.lstatSync(d, { throwIfNoEntry: false });
    if (st === undefined || ownedDirProblem(d, st) !== null) return false;
  }
  return true;
};

/**
 * The package manager an interrupted build started, if it still runs. Only an orphan: the
 * plugdeps that started it (pid AND start time) is gone. It is the recorded pid with its
 * recorded start time (a recycled pid is some other process), or, when the kill came before the
 * pid was recorded, a process running `install` in the recorded directory of this stage. Either
 * way it must still be working inside this stage: never kill a process only because a file
 * names it. It gets SIGKILL, and we wait (bounded) until it is gone.
 */
const stopOrphanedManager = async (stage: string): Promise<number[]> => {
  let rec: { cwd?: unknown; pid?: unknown; starttime?: unknown; parent?: unknown; parentStarttime?: unknown };
  // A record decides which process gets SIGKILL: only a regular file we or root wrote, read
  // without following a link or blocking on a FIFO (docs/security.md).
  const file = path.join(stage, MANAGER_RECORD);
  const st = fs.lstatSync(file, { throwIfNoEntry: false });
  if (st === undefined || untrustedRecord(file, st) !== null || st.size > 64 * 1024) return [];
  try {
    rec = JSON.parse(fs.readFileSync(file, "utf8")) as typeof rec;
  } catch {
    return [];
  }
  if (typeof rec.parent !== "number" || typeof rec.cwd !== "string") return [];
  if (isPidRunning(rec.parent) && readStartTime(rec.parent) === rec.parentStarttime) return [];
  const cwd = rec.cwd;
  if (cwd !== stage && !cwd.startsWith(stage + path.sep)) return [];
  const candidates: { pid: number; starttime: number | null }[] =
    typeof rec.pid === "number"
      ? [{ pid: rec.pid, starttime: typeof rec.starttime === "number" ? rec.starttime : null }]
      : installingIn(cwd);
  const stopped: number[] = [];
  for (const c of candidates) {
    if (!Number.isInteger(c.pid) || c.pid <= 1 || c.pid === process.pid || c.starttime === null) continue;
    if (!isPidRunning(c.pid) || readStartTime(c.pid) !== c.starttime || !worksIn(c.pid, stage)) continue;
    try {
      // The manager leads a process group of its own (package-manager.ts spawns it detached):
      // its workers go with it. Only when it still leads that group, else just the pid.
      process.kill(leadsGroup(c.pid) ? -c.pid : c.pid, "SIGKILL");
    } catch {
      continue;
    }
    const deadline = Date.now() + 10_000;
    while (isPidRunning(c.pid) && readStartTime(c.pid) === c.starttime && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    stopped.push(c.pid);
  }
  return stopped;
};

/** Whether the process is the leader of its process group (pgrp, field 5 of /proc/<pid>/stat, is its pid). */
const leadsGroup = (pid: number): boolean => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]) === pid;
  } catch {
    return false;
  }
};

/** Is this process's working directory inside `dir`? (Linux /proc; false where unreadable.) */
const worksIn = (pid: number, dir: string): boolean => {
  try {
    const cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
    return cwd === dir || cwd.startsWith(dir + path.sep);
  } catch {
    return false;
  }
};

/** Processes running `... install ...` with exactly this working directory (Linux /proc). */
const installingIn = (cwd: string): { pid: number; starttime: number | null }[] => {
  let entries: string[];
  try {
    entries = fs.readdirSync("/proc");
  } catch {
    return [];
  }
  const out: { pid: number; starttime: number | null }[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    try {
      if (fs.readlinkSync(`/proc/${pid}/cwd`) !== cwd) continue;
      const argv = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      if (argv.includes("install")) out.push({ pid, starttime: readStartTime(pid) });
    } catch {
      // gone, or not ours to inspect
    }
  }
  return out;
};
