import * as fs from "../../util/observed-fs.js";
import * as path from "node:path";
import { judgeLiveness, type ProcessProbes } from "../../util/process-info.js";

/**
 * OpenClaw's own install lock, `<install root>/.openclaw-runtime-deps.lock/` holding `owner.json`
 * `{pid, starttime?, createdAtMs}` (OpenClaw 2026.4.29 – 4.30, `withBundledRuntimeDepsFilesystemLock`).
 * plugdeps never takes or removes this lock; it only asks "would OpenClaw itself call it stale?",
 * because OpenClaw prunes an `openclaw-unknown-*` root only when its lock is absent or stale, and
 * plugdeps prunes nothing OpenClaw would keep (roots.ts).
 *
 * The rule is OpenClaw's, read from its dist and restated here (its code is not copied):
 * `readRuntimeDepsLockOwner` gathers the evidence, `shouldRemoveRuntimeDepsLock` judges it.
 * - `pid` (a JSON number; no other form is read): stale when that process is not running, or when
 *   a recorded `starttime` differs from the running process's (a recycled pid, LESSONS: openclaw
 *   #74346, #75028). Otherwise live, however old (LESSONS: openclaw #74818: never expire a live
 *   holder by age). A pid that is not a positive integer is "not running".
 * - no pid, `createdAtMs` (a number): stale when older than 10 minutes
 *   (BUNDLED_RUNTIME_DEPS_LOCK_STALE_MS).
 * - neither: stale when the newer of the lock directory's and the owner file's mtimes is older than
 *   30 seconds (BUNDLED_RUNTIME_DEPS_OWNERLESS_LOCK_STALE_MS; LESSONS: openclaw #74948). A garbage
 *   owner file is the same as none, but its mtime still counts.
 *
 * Where OpenClaw versions disagree, plugdeps takes the judgement that keeps the root: 2026.4.30
 * additionally calls a lock stale when its live `pid` comes with neither `starttime` nor
 * `createdAtMs` and the lock is older than 10 minutes; 2026.4.29 keeps it. plugdeps keeps it.
 *
 * And where plugdeps cannot read the evidence the way OpenClaw does without following a link or
 * reading an unbounded file, it does not judge: a symlink where the lock or its owner file should
 * be, or an owner file above 64 KiB, counts as live. So do locks that name another `hostname`
 * (OpenClaw writes none; a plugdeps-style record may, and a pid means nothing on another machine).
 */

export const OPENCLAW_LOCK_DIR = ".openclaw-runtime-deps.lock";
const OWNER_FILE = "owner.json";
/** BUNDLED_RUNTIME_DEPS_LOCK_STALE_MS: a lock with `createdAtMs` and no pid. */
export const OPENCLAW_LOCK_STALE_MS = 10 * 60_000;
/** BUNDLED_RUNTIME_DEPS_OWNERLESS_LOCK_STALE_MS: a lock with neither, by mtime. */
export const OPENCLAW_OWNERLESS_LOCK_STALE_MS = 30_000;
const MAX_OWNER_BYTES = 64 * 1024;

/** What a lock says about its holder, read the way OpenClaw reads it. */
export type OpenclawLockEvidence =
  | {
      readonly _tag: "Evidence";
      readonly pid: number | undefined;
      readonly starttime: number | undefined;
      readonly createdAtMs: number | undefined;
      /** Not OpenClaw's: a `hostname` string some plugdeps-style records carry. */
      readonly hostname: string | undefined;
      /** The newer of the lock's own mtime and its owner file's (undefined: neither could be read). */
      readonly observedAtMs: number | undefined;
    }
  /** plugdeps will not read it the way OpenClaw would (a symlink, a huge owner file). */
  | { readonly _tag: "Unjudgeable"; readonly why: string };

export interface LockVerdict {
  readonly stale: boolean;
  /** In words, for the plan: why the lock is live or stale. */
  readonly why: string;
}

const minutes = (ms: number): string => `${Math.round(ms / 6_000) / 10} min`;
const seconds = (ms: number): string => `${Math.round(ms / 100) / 10} s`;

/**
 * Pure given the probes: OpenClaw's staleness rule (see the module comment), conservative where
 * versions differ. Host, pid and start time are judged by `judgeLiveness` (util/process-info.ts),
 * as for plugdeps' own lock; what each answer means is OpenClaw's here (a pid no process can have
 * is "not running"; a start time that cannot be compared, or another host, keeps the lock).
 */
export const judgeOpenclawLock = (
  evidence: OpenclawLockEvidence,
  now: number,
  probes: ProcessProbes,
): LockVerdict => {
  if (evidence._tag === "Unjudgeable") return { stale: false, why: `${evidence.why}: treated as live` };
  const { pid, starttime, createdAtMs, hostname, observedAtMs } = evidence;
  const liveness = judgeLiveness({ pid, starttime, hostname }, probes);
  switch (liveness._tag) {
    case "OtherHost":
      return { stale: false, why: `held on host ${liveness.hostname}: its liveness cannot be judged here` };
    case "ImpossiblePid":
    case "NotRunning":
      return { stale: true, why: `pid ${pid} is not running` };
    case "Recycled":
      return {
        stale: true,
        why: `pid ${pid} now has start time ${liveness.startTime}, not ${liveness.recorded} (a recycled pid)`,
      };
    case "StartTimeUnknown":
    case "Running":
      return { stale: false, why: `held by running pid ${pid}` };
    case "NoPid":
      break; // judged by age below
  }
  if (createdAtMs !== undefined) {
    const age = now - createdAtMs;
    return age > OPENCLAW_LOCK_STALE_MS
      ? { stale: true, why: `no pid, created ${minutes(age)} ago (more than 10 min)` }
      : { stale: false, why: `no pid, created ${minutes(Math.max(0, age))} ago (10 min not yet passed)` };
  }
  if (observedAtMs === undefined) return { stale: false, why: "no owner and no readable mtime" };
  const age = now - observedAtMs;
  return age > OPENCLAW_OWNERLESS_LOCK_STALE_MS
    ? { stale: true, why: `no owner record, last touched ${seconds(age)} ago (more than 30 s)` }
    : {
        stale: false,
        why: `no owner record, last touched ${seconds(Math.max(0, age))} ago (30 s not yet passed)`,
      };
};

const lstat = (p: string): fs.Stats | undefined => {
  try {
    return fs.lstatSync(p);
  } catch {
    return undefined;
  }
};

const newest = (values: readonly (number | undefined)[]): number | undefined => {
  let latest: number | undefined;
  for (const v of values)
    if (v !== undefined && Number.isFinite(v) && (latest === undefined || v > latest)) latest = v;
  return latest;
};

const numberField = (owner: Record<string, unknown>, key: string): number | undefined => {
  const value = Object.hasOwn(owner, key) ? owner[key] : undefined;
  return typeof value === "number" ? value : undefined;
};

/**
 * Reads `<root>/.openclaw-runtime-deps.lock` without following links: null when there is no such
 * entry (no lock), else its evidence. Read-only.
 */
export const readOpenclawLock = (root: string): OpenclawLockEvidence | null => {
  const lockPath = path.join(root, OPENCLAW_LOCK_DIR);
  const lock = lstat(lockPath);
  if (lock === undefined) return null;
  fs.noteUnrepeatable(`an OpenClaw lock exists at ${lockPath}`);
  if (lock.isSymbolicLink()) return { _tag: "Unjudgeable", why: `${lockPath} is a symlink` };
  // A lock that is a plain file has no owner file inside: OpenClaw judges it by its mtime alone.
  const ownerPath = path.join(lockPath, OWNER_FILE);
  const ownerStat = lock.isDirectory() ? lstat(ownerPath) : undefined;
  let owner: Record<string, unknown> = {};
  if (ownerStat !== undefined) {
    if (ownerStat.isSymbolicLink()) return { _tag: "Unjudgeable", why: `${ownerPath} is a symlink` };
    if (ownerStat.isFile()) {
      if (ownerStat.size > MAX_OWNER_BYTES) {
        return { _tag: "Unjudgeable", why: `${ownerPath} is larger than ${MAX_OWNER_BYTES} bytes` };
      }
      try {
        const parsed: unknown = JSON.parse(fs.readFileSync(ownerPath, "utf8"));
        if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
          owner = parsed as Record<string, unknown>;
        }
      } catch {
        // unreadable or not JSON: no owner (SPEC §4.12), judged by mtime like OpenClaw does
      }
    }
  }
  const hostname = Object.hasOwn(owner, "hostname") ? owner["hostname"] : undefined;
  return {
    _tag: "Evidence",
    pid: numberField(owner, "pid"),
    starttime: numberField(owner, "starttime"),
    createdAtMs: numberField(owner, "createdAtMs"),
    hostname: typeof hostname === "string" && hostname !== "" ? hostname : undefined,
    observedAtMs: newest([lock.mtimeMs, ownerStat?.mtimeMs]),
  };
};
