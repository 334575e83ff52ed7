import * as fs from "../util/observed-fs.js";
import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import type { RunContext } from "../observe/observe.js";
import { STATE_DIR, STATE_FILE } from "../model/layout.js";
import { RootState } from "../model/state.js";
import { GENERATION_INFIX, isGenerationOf, listGenerations, liveTree } from "../observe/generations.js";
import { versionedRootPattern } from "../observe/host-identity.js";
import { lockPathFor, readLockHolder, realLockFacts } from "../observe/lock-holder.js";
import { isPidRunning, readStartTime } from "../util/process-info.js";
import { acquireLock } from "./lock.js";
import { removeWithin } from "./safe-remove.js";

/**
 * What interrupted runs leave in a stage base, and its removal (SPEC §4.5: "a crash or kill -9 at
 * any point leaves the previous live state usable, and the next run converges"). Each kind was
 * found by a SIGKILL fault test (test/faults/crash.test.ts):
 *
 * - `.plugdeps-stage-<root>-<id>` / `.plugdeps-link-<root>-<id>`: a build or a swap cut short.
 *   The package manager such a build started may still run as an orphan (SIGKILL of plugdeps
 *   does not reach its child; a manager stuck on a slow registry runs on for minutes) and keep
 *   writing into the stage: it is recorded in the stage (its directory, then its pid and start
 *   time) and stopped before the stage is removed, so it cannot race the next writer
 *   (npm/cli #4383, openclaw #72200).
 * - generations of this root other than the live one and the one before it (a kill after the
 *   swap, before the old ones were pruned; a generation built but never swapped in);
 * - the install-root lock of a dead holder on a root that is otherwise converged: the fast no-op
 *   path never takes the lock, so without this it stayed forever;
 * - generations and the lock of a previous root whose prune was cut short after its link was
 *   removed: nothing lists a root without its link, so they leaked forever (openclaw #75301);
 * - `<root>.lock.stale-*` directories of a reclaim cut short between its rename and its removal.
 *
 * Everything is matched by plugdeps' own exact names, re-checked at delete time, and removed only
 * under the lock of the root it belongs to (taken without waiting: a live holder keeps its
 * leftovers, they may be its work in progress).
 */

/**
 * Generations of a root that no reader can be using: all but the live one and the one that was
 * live before it (`previous`; by default the newest one older than the live one). A host that
 * read the link just before a swap still imports from the previous generation for a moment, so
 * it must outlive the swap. It is NOT simply the newest non-live generation: one built by a run
 * killed before its swap is newer than the live one but was never live, and keeping it instead
 * deleted the generation readers were using (found by the reader in the between-swap-steps
 * fault test).
 */
export const surplusGenerations = (root: string, previous: string | null = null): string[] => {
  const live = liveTree(root);
  const liveName = live._tag === "Generation" ? live.name : null;
  const all = listGenerations(root);
  const keep =
    previous ?? (liveName === null ? null : (all.filter((g) => g < liveName).sort(byAgeDesc)[0] ?? null));
  return all.filter((g) => g !== liveName && g !== keep);
};

export const stagePrefix = (root: string): string => `.plugdeps-stage-${path.basename(root)}-`;
export const linkPrefix = (root: string): string => `.plugdeps-link-${path.basename(root)}-`;

/** `newId` makes a 9-character base-36 timestamp and 6 hex digits. */
const STAGE_OR_LINK = /^\.plugdeps-(stage|link)-(.+)-([0-9a-z]{9}[0-9a-f]{6})$/;
const LOCK_ASIDE = /^(.+)\.lock\.stale-\d+-[0-9a-f]{8}$/;
const ASIDE_STALE_AFTER_MS = 60_000;

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
  try {
    fs.writeFileSync(path.join(stage, MANAGER_RECORD), `${JSON.stringify(record)}\n`);
  } catch {
    // Without the record an orphan cannot be stopped later; the install itself is unaffected.
  }
};

export const forgetManager = (stage: string): void => {
  fs.rmSync(path.join(stage, MANAGER_RECORD), { force: true });
};

export type Leftover =
  | { readonly kind: "stage" | "link"; readonly root: string; readonly path: string }
  | { readonly kind: "generation"; readonly root: string; readonly path: string }
  | { readonly kind: "lock"; readonly root: string; readonly path: string }
  | { readonly kind: "lock-aside"; readonly path: string };

/**
 * Read-only: the leftovers of interrupted runs in the stage base of this run's target root.
 * Unless we hold the target root's lock ourselves, empty while a live (or undecidable) holder has
 * it: that one is working, its stage is work in progress, and it cleans up after itself.
 */
export const findLeftovers = (
  ctx: RunContext,
  opts: {
    /** Roots whose lock this process holds (their leftovers are not someone's work in progress). */
    readonly locksHeld: readonly string[];
  },
): Leftover[] => {
  const base = ctx.stage.target.path;
  const target = ctx.desired.targetRoot;
  const held = (root: string) => opts.locksHeld.includes(root);
  const targetLock = held(target) ? null : readLockHolder(target, realLockFacts());
  if (targetLock !== null && targetLock.state !== "stale") return [];
  let names: string[];
  try {
    names = fs.readdirSync(base);
  } catch {
    return [];
  }
  const pattern = versionedRootPattern(ctx.adapter.slug);
  const isOurRootName = (name: string) => pattern.test(name);
  // Another root's leftovers while a live (or undecidable) holder has ITS lock are its work in
  // progress (e.g. an older plugdeps still converging the previous host version).
  const facts = realLockFacts();
  const busy = (root: string) => {
    if (root === target || held(root)) return false;
    const holder = readLockHolder(root, facts);
    return holder !== null && holder.state !== "stale";
  };
  const out: Leftover[] = [];
  if (targetLock !== null) out.push({ kind: "lock", root: target, path: lockPathFor(target) });
  const extra = surplusGenerations(target);
  out.push(...extra.map((g) => ({ kind: "generation" as const, root: target, path: path.join(base, g) })));

  for (const name of names) {
    const p = path.join(base, name);
    const sl = STAGE_OR_LINK.exec(name);
    if (sl !== null) {
      const root = path.join(base, sl[2] ?? "");
      if (!isOurRootName(path.basename(root)) || busy(root)) continue;
      if (root === target || isAbsentOrOurs(ctx, root))
        out.push({ kind: sl[1] as "stage" | "link", root, path: p });
      continue;
    }
    const aside = LOCK_ASIDE.exec(name);
    if (aside !== null) {
      // A reclaimer renames a stale lock aside and removes it at once: only an old one was cut short.
      if (isOurRootName(aside[1] ?? "") && olderThan(p, ASIDE_STALE_AFTER_MS))
        out.push({ kind: "lock-aside", path: p });
      continue;
    }
    const infix = name.indexOf(GENERATION_INFIX);
    if (infix > 0) {
      const rootName = name.slice(0, infix);
      const root = path.join(base, rootName);
      if (root === target || !isOurRootName(rootName) || !isGenerationOf(rootName, name) || busy(root))
        continue;
      if (liveTree(root)._tag === "Absent" && isOurGeneration(ctx, p)) {
        out.push({ kind: "generation", root, path: p });
      }
      continue;
    }
    if (name.endsWith(".lock")) {
      const rootName = name.slice(0, -".lock".length);
      const root = path.join(base, rootName);
      if (root === target || !isOurRootName(rootName) || liveTree(root)._tag !== "Absent") continue;
      const holder = readLockHolder(root, facts);
      if (holder !== null && holder.state === "stale") out.push({ kind: "lock", root, path: p });
    }
  }
  return out;
};

/**
 * Removes leftovers. The caller holds the target root's lock; the leftovers of other roots are
 * removed only under their own lock, taken without waiting (a stale one is reclaimed by the
 * acquisition, which is how a dead pruner's lock goes).
 */
export const removeLeftovers = async (
  ctx: RunContext,
  leftovers: readonly Leftover[],
  progress: (line: string) => void,
): Promise<void> => {
  const base = ctx.stage.target.path;
  const target = ctx.desired.targetRoot;
  const byRoot = new Map<string, Leftover[]>();
  for (const l of leftovers) {
    if (l.kind === "lock-aside") {
      const removed = removeWithin(l.path, [base], "interrupted lock reclaim");
      if (E.isRight(removed) && removed.right)
        progress(`  cleaned ${path.basename(l.path)} of an interrupted lock reclaim`);
      continue;
    }
    byRoot.set(l.root, [...(byRoot.get(l.root) ?? []), l]);
  }
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
        (l) => l.kind !== "lock-aside" && l.root === root && l.kind !== "lock",
      );
      await removeUnderLock(ctx, still, progress);
      if (items.some((l) => l.kind === "lock"))
        progress(`  reclaimed the stale lock of ${path.basename(root)}`);
    } finally {
      await held.right.release();
    }
  }
};

const removeUnderLock = async (
  ctx: RunContext,
  items: readonly Leftover[],
  progress: (line: string) => void,
): Promise<void> => {
  const base = ctx.stage.target.path;
  for (const l of items) {
    if (l.kind === "lock" || l.kind === "lock-aside") continue; // taken (reclaimed) by the caller
    if (l.kind === "stage") {
      for (const pid of await stopOrphanedManager(l.path))
        progress(`  stopped the package manager (pid ${pid}) an interrupted run left running`);
    }
    const what = l.kind === "generation" ? "old generation" : "leftover stage";
    const removed = removeWithin(l.path, [base], what);
    if (E.isRight(removed) && removed.right) {
      progress(
        l.kind === "generation"
          ? `  removed old generation ${path.basename(l.path)}`
          : `  cleaned leftover ${path.basename(l.path)} of an interrupted run`,
      );
    }
  }
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
  try {
    rec = JSON.parse(fs.readFileSync(path.join(stage, MANAGER_RECORD), "utf8")) as typeof rec;
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
      process.kill(c.pid, "SIGKILL");
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

/** rename(2) sets the ctime: how long ago the entry got its name. */
const olderThan = (p: string, ms: number): boolean => {
  try {
    fs.noteUnrepeatable(`the age of ${p} decided`);
    return Date.now() - fs.lstatSync(p).ctimeMs > ms;
  } catch {
    return false;
  }
};

/** A root that has no link (or one we own for this package root): its leftovers are ours. */
const isAbsentOrOurs = (ctx: RunContext, root: string): boolean => {
  if (liveTree(root)._tag === "Absent") return true;
  return ctx.previous.some((r) => r.path === root && r.state.host.packageRoot === ctx.identity.packageRoot);
};

/** A generation directory whose state record says it is this host's, for this package root. */
const isOurGeneration = (ctx: RunContext, dir: string): boolean => {
  try {
    const stateDir = path.join(dir, STATE_DIR);
    const file = path.join(stateDir, STATE_FILE);
    if (!fs.lstatSync(dir).isDirectory() || !fs.lstatSync(stateDir).isDirectory()) return false;
    const st = fs.lstatSync(file);
    if (!st.isFile() || st.size > 16 * 1024 * 1024) return false;
    const decoded = RootState.decode(JSON.parse(fs.readFileSync(file, "utf8")));
    return (
      E.isRight(decoded) &&
      decoded.right.host.name === ctx.identity.name &&
      decoded.right.host.packageRoot === ctx.identity.packageRoot
    );
  } catch {
    return false;
  }
};

/** Generation ids start with a base-36 timestamp of fixed width, so names sort by age. */
export const byAgeDesc = (a: string, b: string): number => (a < b ? 1 : a > b ? -1 : 0);
