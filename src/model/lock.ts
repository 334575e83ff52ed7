import * as t from "io-ts";

/**
 * `<versioned root>.lock/owner.json` (SPEC §4.7). `starttime` is field 22 of /proc/<pid>/stat so a
 * recycled pid (openclaw #74346, #75028: PID 1 in a restarted container) is recognised as stale.
 */
export const LockOwner = t.type(
  {
    pid: t.Int,
    hostname: t.string,
    starttime: t.union([t.number, t.null]),
    createdAt: t.number,
    command: t.string,
  },
  "LockOwner",
);
export type LockOwner = t.TypeOf<typeof LockOwner>;
