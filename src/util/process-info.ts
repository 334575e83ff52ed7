import * as fs from "./observed-fs.js";
import { errnoCode } from "../model/errors.js";

/** Is a process with this pid running on this machine? EPERM means "exists, not ours". */
export const isPidAlive = (pid: number): boolean => {
  fs.noteUnrepeatable("a process's liveness was checked");
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === "EPERM";
  }
};

/**
 * Field 22 of /proc/<pid>/stat: the process start time in clock ticks since boot. With the pid it
 * identifies a process uniquely, so a recycled pid (openclaw #74346, #75028: PID 1 in a restarted
 * container) is told apart from the original holder. Null where /proc is not readable.
 */
export const readStartTime = (pid: number): number | null => {
  fs.noteUnrepeatable("a process's start time was read");
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may itself contain spaces or ')'.
    const afterComm = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // afterComm[0] is field 3 (state), so field 22 is at index 19.
    const value = Number(afterComm[19]);
    return Number.isFinite(value) ? value : null;
  } catch {
    return null;
  }
};

/**
 * Is this pid a process that still runs (not a zombie waiting to be reaped)? A SIGKILLed orphan
 * stays a zombie until its new parent reaps it, and `kill(pid, 0)` succeeds on a zombie.
 */
export const isPidRunning = (pid: number): boolean => {
  if (!isPidAlive(pid)) return false;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
    return state !== "Z" && state !== "X";
  } catch (err) {
    // no /proc (not Linux): kill(pid, 0) is all we know
    return errnoCode(err) !== "ENOENT" || !fs.existsSync("/proc/self/stat");
  }
};
