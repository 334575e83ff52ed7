import * as fs from "node:fs";

/**
 * A pid a process could have (<= 2^22: larger ones are garbage) that is not running now:
 * process.kill(pid, 0) fails with ESRCH, so a lock recorded for it has a dead holder.
 */
export const unusedPid = (): number => {
  for (let pid = 4_194_000; pid > 1; pid--) {
    try {
      process.kill(pid, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ESRCH") return pid;
    }
  }
  throw new Error("no free pid found");
};

/** Field 22 of /proc/<pid>/stat (the start time in clock ticks since boot). */
export const procStartTime = (pid: number): number => {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
};
