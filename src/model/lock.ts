import * as t from "io-ts";

/**
 * `<versioned root>.lock/owner.json` (SPEC §4.7). `starttime` is field 22 of /proc/<pid>/stat so a
 * recycled pid (openclaw #74346, #75028: PID 1 in a restarted container) is recognised as stale.
 *
 * `pidNamespace` (the inode of the writer's `/proc/self/ns/pid`) and `bootId`
 * (`/proc/sys/kernel/random/boot_id`) say where the pid means something (issue 15: two containers
 * sharing a stage base on one host each have a pid 1; a reader in the other container took a live
 * holder for a recycled pid and stole the lock). They are optional so that records written before
 * them still decode; a record without them (or with null: unreadable for the writer) cannot be
 * judged by its pid, only by whether its holder keeps refreshing the lock
 * (observe/lock-holder.ts, `assessLockOwner`).
 */
export const LockOwner = t.intersection(
  [
    t.type({
      pid: t.Int,
      hostname: t.string,
      starttime: t.union([t.number, t.null]),
      createdAt: t.number,
      command: t.string,
    }),
    t.partial({
      pidNamespace: t.union([t.number, t.null]),
      bootId: t.union([t.string, t.null]),
    }),
  ],
  "LockOwner",
);
export type LockOwner = t.TypeOf<typeof LockOwner>;

/**
 * How often a holder refreshes its lock (proper-lockfile's `update`: the lock directory's mtime is
 * set to now). A holder whose pid cannot be checked from here is live exactly as long as it keeps
 * doing this (observe/lock-holder.ts).
 */
export const LOCK_REFRESH_MS = 5_000;
