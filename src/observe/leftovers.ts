import * as nodeFs from "node:fs";
import * as fs from "../util/observed-fs.js";
import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { STATE_DIR, STATE_FILE } from "../model/layout.js";
import { RootState } from "../model/state.js";
import type { PlanContext } from "./context.js";
import { GENERATION_INFIX, isGenerationOf, listGenerations, liveTree } from "./generations.js";
import { isOwnedTempName, ownedDirProblem, trustedUid, untrustedRecord } from "../util/owned-fs.js";
import { CACHE_DIRS, CACHE_MAX_AGE_MS, LOG_KEEP_COUNT, LOG_MAX_AGE_MS } from "../model/disk-use.js";
import { versionedRootPattern } from "./host-identity.js";
import { lockPathFor, readLockHolder, realLockFacts } from "./lock-holder.js";

/**
 * What interrupted runs leave in a stage base (SPEC §4.5: "a crash or kill -9 at
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
 * - `<root>.lock.stale-*` directories of a reclaim cut short between its rename and its removal;
 * - temp files of a record write cut short before its rename (`*.plugdeps-tmp-<id>`, and
 *   write-file-atomic's `<name>.<number>` of earlier versions) in `.plugdeps` and
 *   `.plugdeps/noop`: never removed before (issue "hostile stage base", item 14).
 *
 * Everything is matched by plugdeps' own exact names, re-checked at delete time, and removed (execute/tidy.ts) only
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
  const keep = previous ?? previousOf(liveName, all);
  return all.filter((g) => g !== liveName && g !== keep);
};

/**
 * The retained previous generation of a root: the newest of its generations (of ours) older than
 * the live one; null when the root is not our link or none is older. What `rollback` makes live
 * again, and what tidy keeps.
 */
export const previousGeneration = (root: string): string | null => {
  const live = liveTree(root);
  return previousOf(live._tag === "Generation" ? live.name : null, listGenerations(root));
};

const previousOf = (liveName: string | null, all: readonly string[]): string | null =>
  liveName === null ? null : (all.filter((g) => g < liveName).sort(byAgeDesc)[0] ?? null);

export const stagePrefix = (root: string): string => `.plugdeps-stage-${path.basename(root)}-`;
export const linkPrefix = (root: string): string => `.plugdeps-link-${path.basename(root)}-`;

/** `newId` makes a 9-character base-36 timestamp and 6 hex digits. */
const STAGE_OR_LINK = /^\.plugdeps-(stage|link)-(.+)-([0-9a-z]{9}[0-9a-f]{6})$/;
const LOCK_ASIDE = /^(.+)\.lock\.stale-\d+-[0-9a-f]{8}$/;
const ASIDE_STALE_AFTER_MS = 60_000;

export type Leftover =
  | { readonly kind: "stage" | "link"; readonly root: string; readonly path: string }
  | { readonly kind: "generation"; readonly root: string; readonly path: string }
  | { readonly kind: "lock"; readonly root: string; readonly path: string }
  | { readonly kind: "lock-aside"; readonly path: string }
  | { readonly kind: "temp-file"; readonly path: string }
  /** Beyond retention (model/disk-use.ts): a package-manager log, or a cache aged out. */
  | { readonly kind: "log"; readonly path: string }
  | { readonly kind: "cache"; readonly path: string };

/**
 * Read-only: the leftovers of interrupted runs in the stage base of this run's target root.
 * Unless we hold the target root's lock ourselves, empty while a live (or undecidable) holder has
 * it: that one is working, its stage is work in progress, and it cleans up after itself.
 */
export const findLeftovers = (
  ctx: PlanContext,
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
  const out: Leftover[] = [...staleTempFiles(base), ...beyondRetention(base, Date.now())];
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

/** A record write takes milliseconds: a temp file this old was left by a run that died. */
const TEMP_STALE_AFTER_MS = 60_000;
/** write-file-atomic's temp names (`<file>.<murmurhash>`), as plugdeps before 0.1 left them. */
const OLD_TEMP = /^(status\.json|[0-9a-f]{32}\.json)\.\d+$/;

/**
 * Temp files of cut-short record writes in `.plugdeps` and `.plugdeps/noop` (only when those are
 * real directories of ours; a foreign `.plugdeps` is refused where it is used). Read with the
 * unjournaled fs: these directories change with every stamp, and a no-op stamp must not depend
 * on them (a stamp whose own write left a temp file is never replayed anyway: none was written).
 */
const staleTempFiles = (base: string): Leftover[] => {
  const out: Leftover[] = [];
  for (const dir of [path.join(base, STATE_DIR), path.join(base, STATE_DIR, "noop")]) {
    // Anything odd here (`.plugdeps` a file: ENOTDIR; unreadable) is no temp file to remove:
    // where plugdeps uses these directories it refuses them, with the reason (the planted-link
    // sweep found an internal error here).
    try {
      const st = nodeFs.lstatSync(dir, { throwIfNoEntry: false });
      if (st === undefined || ownedDirProblem(dir, st) !== null) continue;
      for (const name of nodeFs.readdirSync(dir)) {
        if (!isOwnedTempName(name) && !OLD_TEMP.test(name)) continue;
        const p = path.join(dir, name);
        const f = nodeFs.lstatSync(p, { throwIfNoEntry: false });
        if (f?.isFile() === true && Date.now() - f.mtimeMs > TEMP_STALE_AFTER_MS)
          out.push({ kind: "temp-file", path: p });
      }
    } catch {
      continue;
    }
  }
  return out;
};

/** What a package-manager run's log is called (execute/generation.ts logName): `<root>-<id>-<set>.log`. */
const LOG_NAME = /^[A-Za-z0-9._-]+\.log$/;

/**
 * Logs and caches beyond retention (model/disk-use.ts: the bounds and why). Only plugdeps' own
 * names in `.plugdeps/logs` and `.plugdeps/cache`, only when those are real directories of ours;
 * a log only when it is a regular file of ours, a cache only when it is a real directory of ours
 * (lstat: a link is never followed, never counted). Read with the unjournaled fs, like the temp
 * files (a no-op record must not depend on the clock that ages them), except the listing of the
 * logs directory: a replayed no-op tidies nothing, and a log that only grew old is removed by the
 * next apply that observes (any change, or an install: tidy runs before it, so at most
 * LOG_KEEP_COUNT logs plus one build's are ever there).
 */
export const beyondRetention = (base: string, nowMs: number): Leftover[] => {
  const ownDir = (dir: string): boolean => {
    const st = nodeFs.lstatSync(dir, { throwIfNoEntry: false });
    return st !== undefined && ownedDirProblem(dir, st) === null;
  };
  const out: Leftover[] = [];
  try {
    if (!ownDir(path.join(base, STATE_DIR))) return [];
    const logs = path.join(base, STATE_DIR, "logs");
    if (ownDir(logs)) {
      // This listing alone is journaled: a log added since a no-op was stamped (by hand, or by a
      // run of an older plugdeps) makes the next apply observe, and tidy.
      const files = fs
        .readdirSync(logs)
        .filter((name) => LOG_NAME.test(name))
        .map((name) => ({
          p: path.join(logs, name),
          st: nodeFs.lstatSync(path.join(logs, name), { throwIfNoEntry: false }),
        }))
        .filter(
          (f): f is { p: string; st: nodeFs.Stats } =>
            f.st !== undefined && untrustedRecord(f.p, f.st) === null,
        )
        .sort((a, b) => b.st.mtimeMs - a.st.mtimeMs || (a.p < b.p ? -1 : 1));
      files.forEach((f, rank) => {
        if (rank >= LOG_KEEP_COUNT || nowMs - f.st.mtimeMs > LOG_MAX_AGE_MS)
          out.push({ kind: "log", path: f.p });
      });
    }
    const cache = path.join(base, STATE_DIR, "cache");
    if (ownDir(cache)) {
      for (const name of CACHE_DIRS) {
        const p = path.join(cache, name);
        const st = nodeFs.lstatSync(p, { throwIfNoEntry: false });
        if (st === undefined || ownedDirProblem(p, st) !== null) continue;
        // birthtime 0: the filesystem keeps none; such a cache is never aged out.
        if (st.birthtimeMs > 0 && nowMs - st.birthtimeMs > CACHE_MAX_AGE_MS)
          out.push({ kind: "cache", path: p });
      }
    }
  } catch {
    return out; // unreadable: nothing (more) to tidy; where plugdeps uses these it says why
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
const isAbsentOrOurs = (ctx: PlanContext, root: string): boolean => {
  if (liveTree(root)._tag === "Absent") return true;
  return ctx.previous.some((r) => r.path === root && r.state.host.packageRoot === ctx.identity.packageRoot);
};

/** A generation directory whose state record says it is this host's, for this package root. */
const isOurGeneration = (ctx: PlanContext, dir: string): boolean => {
  try {
    const stateDir = path.join(dir, STATE_DIR);
    const file = path.join(stateDir, STATE_FILE);
    const dirSt = fs.lstatSync(dir);
    // Another uid's generation is never ours to remove, whatever its record says (issue 17).
    if (!dirSt.isDirectory() || !trustedUid(dirSt.uid) || !fs.lstatSync(stateDir).isDirectory()) return false;
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
