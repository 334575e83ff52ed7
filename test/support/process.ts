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
