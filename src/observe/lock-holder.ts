import * as fs from "../util/observed-fs.js";
import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { errnoCode } from "../model/errors.js";
import { LockOwner } from "../model/lock.js";
import type { LockHolder } from "../model/plan.js";
import { readRegularFile } from "../util/bounded-read.js";
import { parseJson } from "../util/read-json.js";
import { judgeLiveness, type ProcessProbes, realProcessProbes } from "../util/process-info.js";

/** `<versioned root>.lock`: beside the root, so swapping the root never moves the lock. */
export const lockPathFor = (root: string): string => `${root}.lock`;
export const OWNER_FILE = "owner.json";

/**
 * A lock with no usable owner record (garbage, truncated, missing) is reclaimed only once the lock
 * directory is this old (openclaw #74948: evidence-less locks were never reclaimed). A live holder
 * refreshes the directory's mtime, so this never expires a working lock.
 */
export const OWNERLESS_STALE_AFTER_MS = 2 * 60_000;

/** The machine (liveness probes) and the clock, as the lock's staleness rule needs them. */
export interface LockFacts extends ProcessProbes {
  readonly now: number;
}

export const realLockFacts = (): LockFacts => ({ ...realProcessProbes(), now: Date.now() });

export type LockOwnerVerdict = { readonly state: "live" | "stale" | "unknown"; readonly detail: string };

/**
 * Is the holder of a lock still there? Pure given the facts. The rules (SPEC §4.7), in order,
 * the liveness itself being `judgeLiveness` (util/process-info.ts):
 * - no owner evidence (no record, or a pid no process can have): only the filesystem age decides;
 * - another hostname: we cannot see its processes (network filesystem), so age decides;
 * - pid not running: stale at once;
 * - pid running with another start time: the pid was recycled, stale at once;
 * - pid running, a start time unknown on either side: age decides;
 * - pid running with the recorded start time: live, however old (openclaw #74818 was the
 *   opposite failure: never expire a live holder by age alone).
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
  if (owner === null) return byAge("no valid owner record");
  const liveness = judgeLiveness(owner, facts);
  switch (liveness._tag) {
    case "OtherHost":
      return byAge(`held on another host (${liveness.hostname})`);
    case "NoPid": // not from a decoded record (pid is required), but no evidence either
    case "ImpossiblePid":
      // A pid no process can have (0, negative, above the kernel's limit) is a garbage record, not
      // evidence of a dead holder: process.kill() rejects pids >= 2^31 with a TypeError, which read
      // as "not running" and reclaimed a garbage-owned lock at once instead of by age.
      return byAge(`owner record has no usable pid (${owner.pid})`);
    case "NotRunning":
      return { state: "stale", detail: `pid ${owner.pid} is not running` };
    case "StartTimeUnknown":
      return byAge(`pid ${owner.pid} is running but its start time is unknown`);
    case "Recycled":
      return {
        state: "stale",
        detail: `pid ${owner.pid} was recycled (start time ${liveness.startTime}, lock recorded ${liveness.recorded})`,
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
  const owner = readOwner(path.join(lockDir, OWNER_FILE));
  const verdict = assessLockOwner(owner, mtimeMs, facts);
  return { path: lockDir, owner, state: verdict.state, detail: verdict.detail };
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
