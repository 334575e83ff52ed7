import * as fs from "../util/observed-fs.js";
import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { errnoCode } from "../model/errors.js";
import { LOCK_REFRESH_MS, LockOwner } from "../model/lock.js";
import type { LockHolder } from "../model/plan.js";
import { readRegularFile } from "../util/bounded-read.js";
import { trustedUid } from "../util/owned-fs.js";
import { parseJson } from "../util/read-json.js";
import {
  isPossiblePid,
  judgeLiveness,
  type KernelScope,
  type ProcessProbes,
  readOwnKernelScope,
  realProcessProbes,
} from "../util/process-info.js";

/** `<versioned root>.lock`: beside the root, so swapping the root never moves the lock. */
export const lockPathFor = (root: string): string => `${root}.lock`;
export const OWNER_FILE = "owner.json";

/**
 * A lock with no usable owner record (garbage, truncated, missing) is reclaimed only once the lock
 * directory is this old (openclaw #74948: evidence-less locks were never reclaimed). A live holder
 * refreshes the directory's mtime, so this never expires a working lock. The same threshold
 * applies to a holder whose mtime was stamped by another clock (another hostname, another boot id):
 * two minutes leave room for clock skew and network-filesystem attribute caching.
 */
export const OWNERLESS_STALE_AFTER_MS = 2 * 60_000;

/**
 * A holder on this machine (same hostname and boot id, so its refreshes are stamped by our own
 * clock) whose pid we cannot check, because it runs in another PID namespace (another container
 * sharing the stage base; issue 15) or its record names no namespace (written by an older
 * plugdeps), is live while it keeps refreshing the lock and stale once the lock has gone this
 * long without a refresh. 60 s is 12 refresh intervals (LOCK_REFRESH_MS, 5 s): far above a refresh
 * delayed by a busy event loop or a loaded machine, and short enough that a container killed and
 * restarted (a new PID namespace: its old lock is foreign to it now) waits at most a minute.
 */
export const FOREIGN_STALE_AFTER_MS = 60_000;

/**
 * Tests only: `PLUGDEPS_TEST_FOREIGN_LOCK_STALE_MS` shortens FOREIGN_STALE_AFTER_MS so a fault test
 * does not wait a minute (test/faults/pidns.test.ts). It can only shorten it, and never below 3
 * refresh intervals, so that even a mistaken setting cannot make a holder that refreshes look
 * stale. Anything else (unset, not a number) is the real value.
 */
export const FOREIGN_STALE_ENV = "PLUGDEPS_TEST_FOREIGN_LOCK_STALE_MS";
export const foreignStaleAfterMs = (env: NodeJS.ProcessEnv = process.env): number => {
  const asked = Number(env[FOREIGN_STALE_ENV]);
  if (env[FOREIGN_STALE_ENV] === undefined || !Number.isFinite(asked)) return FOREIGN_STALE_AFTER_MS;
  return Math.min(FOREIGN_STALE_AFTER_MS, Math.max(3 * LOCK_REFRESH_MS, Math.round(asked)));
};

/**
 * The machine (liveness probes, our own PID namespace and boot id) and the clock, as the lock's
 * staleness rule needs them.
 */
export interface LockFacts extends ProcessProbes, KernelScope {
  readonly now: number;
  /** FOREIGN_STALE_AFTER_MS unless a test shortened it (foreignStaleAfterMs); absent: the constant. */
  readonly foreignStaleAfterMs?: number;
}

export const realLockFacts = (): LockFacts => ({
  ...realProcessProbes(),
  ...readOwnKernelScope(),
  now: Date.now(),
  foreignStaleAfterMs: foreignStaleAfterMs(),
});

export type LockOwnerVerdict = { readonly state: "live" | "stale" | "unknown"; readonly detail: string };

/** Where the recorded pid means something, compared with where we are. */
type Scope =
  | { readonly _tag: "Ours" }
  | { readonly _tag: "OtherBoot"; readonly bootId: string }
  | { readonly _tag: "OtherPidNamespace"; readonly pidNamespace: number }
  | { readonly _tag: "Unknown"; readonly why: string };

const scopeOf = (owner: LockOwner, facts: LockFacts): Scope => {
  const { bootId, pidNamespace } = owner;
  if (bootId === undefined || bootId === null) return { _tag: "Unknown", why: "the record names no boot id" };
  if (facts.bootId === null) return { _tag: "Unknown", why: "our boot id is unreadable" };
  if (bootId !== facts.bootId) return { _tag: "OtherBoot", bootId };
  if (pidNamespace === undefined || pidNamespace === null)
    return { _tag: "Unknown", why: "the record names no PID namespace" };
  if (facts.pidNamespace === null) return { _tag: "Unknown", why: "our PID namespace is unreadable" };
  if (pidNamespace !== facts.pidNamespace) return { _tag: "OtherPidNamespace", pidNamespace };
  return { _tag: "Ours" };
};

/**
 * Is the holder of a lock still there? Pure given the facts. The rules (SPEC §4.7), in order,
 * the liveness itself being `judgeLiveness` (util/process-info.ts):
 * - no owner evidence (no record, or a pid no process can have): only the filesystem age decides;
 * - another hostname: we cannot see its processes (network filesystem), so age decides;
 * - the same hostname, but the pid does not name a process in OUR process table: the record's boot
 *   id is not ours (another boot, or another machine with the same name), its PID namespace is
 *   not ours (another container sharing the stage base: its pid 1 is not our pid 1; issue 15), or
 *   either is unknown (a record from an older plugdeps, no /proc): the pid is never looked up.
 *   The holder is live while it keeps refreshing the lock (proper-lockfile sets the directory's
 *   mtime every LOCK_REFRESH_MS) and stale once it has not for FOREIGN_STALE_AFTER_MS (our own
 *   clock stamped it) or OWNERLESS_STALE_AFTER_MS (another boot id: maybe another clock). A live
 *   holder is never stolen: it refreshes;
 * - pid not running: stale at once;
 * - pid running with another start time: the pid was recycled, stale at once;
 * - pid running, a start time unknown on either side: age decides;
 * - pid running with the recorded start time: live, however old (openclaw #74818 was the
 *   opposite failure: never expire a live holder by age alone).
 * "Age" is always the lock directory's mtime, which a working holder keeps refreshing.
 */
export const assessLockOwner = (
  owner: LockOwner | null,
  mtimeMs: number,
  facts: LockFacts,
): LockOwnerVerdict => {
  const ageMs = Math.max(0, facts.now - mtimeMs);
  const age = `${Math.round(ageMs / 1000)}s old`;
  const byAge = (why: string): LockOwnerVerdict =>
    ageMs > OWNERLESS_STALE_AFTER_MS
      ? { state: "stale", detail: `${why}; lock is ${age}, older than ${OWNERLESS_STALE_AFTER_MS / 1000}s` }
      : {
          state: "unknown",
          detail: `${why}; lock is ${age}, reclaimable after ${OWNERLESS_STALE_AFTER_MS / 1000}s`,
        };
  /** Live while it refreshes: the rule for a holder whose pid means nothing here. */
  const byRefresh = (why: string, staleAfterMs: number): LockOwnerVerdict => {
    const rule = `live while it refreshes the lock, stale after ${Math.round(staleAfterMs / 1000)}s without a refresh`;
    const since = Math.round(ageMs / 1000);
    return ageMs > staleAfterMs
      ? { state: "stale", detail: `${why}, not refreshed for ${since}s (${rule})` }
      : { state: "live", detail: `${why}, refreshed ${since}s ago (${rule})` };
  };
  if (owner === null) return byAge("no valid owner record");
  if (owner.hostname !== facts.hostname) return byAge(`held on another host (${owner.hostname})`);
  if (!isPossiblePid(owner.pid)) {
    // A pid no process can have (0, negative, above the kernel's limit) is a garbage record, not
    // evidence of a dead holder: process.kill() rejects pids >= 2^31 with a TypeError, which read
    // as "not running" and reclaimed a garbage-owned lock at once instead of by age.
    return byAge(`owner record has no usable pid (${owner.pid})`);
  }
  const scope = scopeOf(owner, facts);
  const foreignMs = facts.foreignStaleAfterMs ?? FOREIGN_STALE_AFTER_MS;
  switch (scope._tag) {
    case "OtherBoot":
      return byRefresh(
        `pid ${owner.pid} under another boot id (${scope.bootId}: a previous boot, or another machine named ${owner.hostname})`,
        OWNERLESS_STALE_AFTER_MS,
      );
    case "OtherPidNamespace":
      return byRefresh(
        `pid ${owner.pid} in another PID namespace (pid:[${scope.pidNamespace}]; ours is pid:[${String(facts.pidNamespace)}])`,
        foreignMs,
      );
    case "Unknown":
      return byRefresh(`pid ${owner.pid} in an unknown PID namespace (${scope.why})`, foreignMs);
    case "Ours":
      break;
  }
  const here = judgeLiveness(owner, facts);
  switch (here._tag) {
    case "OtherHost": // decided above, as are the two below
    case "NoPid":
    case "ImpossiblePid":
      return byAge(`owner record has no usable pid (${owner.pid})`);
    case "NotRunning":
      return { state: "stale", detail: `pid ${owner.pid} is not running` };
    case "StartTimeUnknown":
      return byAge(`pid ${owner.pid} is running but its start time is unknown`);
    case "Recycled":
      return {
        state: "stale",
        detail: `pid ${owner.pid} was recycled (start time ${here.startTime}, lock recorded ${here.recorded})`,
      };
    case "Running":
      return { state: "live", detail: `pid ${owner.pid} is running (${owner.command})` };
  }
};

/** Reads the lock beside a root, if any. Read-only: never creates or removes anything. */
export const readLockHolder = (root: string, facts: LockFacts): LockHolder | null => {
  const lockDir = lockPathFor(root);
  let mtimeMs: number;
  try {
    const st = fs.lstatSync(lockDir);
    mtimeMs = st.mtimeMs;
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return null;
    return { path: lockDir, owner: null, state: "unknown", detail: `cannot inspect lock: ${errnoCode(err)}` };
  }
  // whether a holder is live changes with time and other processes, not with anything on disk
  fs.noteUnrepeatable(`a lock exists at ${lockDir}`);
  const file = path.join(lockDir, OWNER_FILE);
  // A record another user wrote is no evidence (docs/security.md): a forged dead pid would make
  // root reclaim a live lock at once. Such a lock is judged by its age, which a live holder's
  // refreshes keep young.
  const distrust = ownerDistrust(file);
  const owner = distrust === null ? readOwner(file) : null;
  const verdict = assessLockOwner(owner, mtimeMs, facts);
  const detail = distrust === null ? verdict.detail : `${distrust}; ${verdict.detail}`;
  return { path: lockDir, owner, state: verdict.state, detail };
};

/** Why an owner record is not believed (null: it may be read), by who owns it. */
const ownerDistrust = (file: string): string | null => {
  try {
    const st = fs.lstatSync(file);
    return st.isFile() && !trustedUid(st.uid)
      ? `the owner record is written by uid ${st.uid}, neither this user nor root: not believed`
      : null;
  } catch {
    return null;
  }
};

const readOwner = (file: string): LockOwner | null => {
  try {
    const st = fs.lstatSync(file);
    if (!st.isFile() || st.size > 64 * 1024) return null; // a symlink or a huge file is no evidence
    // The read opens without following links or blocking: a FIFO swapped in after the lstat is
    // refused, not waited on (this runs in plugdeps/register too, at a host's start).
    const read = readRegularFile(file, { maxBytes: 64 * 1024 });
    if (read._tag !== "Read") return null;
    const parsed = parseJson(file, read.text);
    if (E.isLeft(parsed)) return null;
    const decoded = LockOwner.decode(parsed.right);
    return E.isRight(decoded) ? decoded.right : null;
  } catch {
    return null;
  }
};
