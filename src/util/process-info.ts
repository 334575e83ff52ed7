import * as os from "node:os";
import * as nodeFs from "node:fs";
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
    return parseStartTime(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return null;
  }
};

/** Field 22 of a `/proc/<pid>/stat` text. The command name (field 2) may contain spaces and ')'. */
export const parseStartTime = (stat: string): number | null => {
  // After the last ") " comes field 3 (state), so field 22 is at index 19.
  const value = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
  return Number.isFinite(value) ? value : null;
};

/**
 * Where a pid means something. A pid names a process only inside one PID namespace of one running
 * kernel: two containers on one host (same hostname when they share the host's UTS namespace, or
 * set the same name) each have their pid 1, and a pid recorded before a reboot names nothing after
 * it. So a lock record carries these two facts beside the pid, and a pid is checked against our
 * process table only when both match ours (SPEC §4.7, issue 15).
 *
 * Read with plain node:fs, not the observation journal: they are facts about this process, fixed
 * for its lifetime (setns(CLONE_NEWPID) changes only the namespace of later children), not about
 * the disk a plan is computed from. Read once.
 */
export interface KernelScope {
  /**
   * The inode of `/proc/self/ns/pid` (`pid:[4026531836]` is the initial namespace): it identifies
   * the PID namespace for as long as it exists. Null where unreadable (no /proc, not Linux). The
   * kernel may reuse the number once a namespace is gone; then every process of the recorded one is
   * gone too, so judging its pid here finds it dead or recycled (another start time): still right.
   */
  readonly pidNamespace: number | null;
  /** `/proc/sys/kernel/random/boot_id`: new at every boot. Null where unreadable. */
  readonly bootId: string | null;
}

let ownScope: KernelScope | undefined;

export const readOwnKernelScope = (): KernelScope => {
  ownScope ??= { pidNamespace: readOwnPidNamespace(), bootId: readBootId() };
  return ownScope;
};

const readOwnPidNamespace = (): number | null => {
  try {
    const ino = nodeFs.statSync("/proc/self/ns/pid").ino;
    return Number.isSafeInteger(ino) && ino > 0 ? ino : null;
  } catch {
    return null;
  }
};

const readBootId = (): string | null => {
  try {
    const id = nodeFs.readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    return id === "" ? null : id;
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

// ---------------------------------------------------------------------------------------------
// Is the process a lock names still there? (plugdeps' install-root lock, OpenClaw's own lock)

/** Linux's PID_MAX_LIMIT (2^22, the most /proc/sys/kernel/pid_max allows): no pid is larger. */
export const PID_MAX_LIMIT = 4_194_304;

/** Could a process have this pid at all (a positive integer no larger than PID_MAX_LIMIT)? */
export const isPossiblePid = (pid: number): boolean =>
  Number.isInteger(pid) && pid > 0 && pid <= PID_MAX_LIMIT;

/** The machine, as far as liveness needs it; injectable so tests can fake other processes. */
export interface ProcessProbes {
  readonly hostname: string;
  /** kill(pid, 0) succeeds or fails with EPERM (a zombie counts as alive). */
  readonly isAlive: (pid: number) => boolean;
  /** Field 22 of /proc/<pid>/stat, or null where unreadable. */
  readonly startTime: (pid: number) => number | null;
}

/**
 * The real machine. Both probes note the journal as unrepeatable: a decision that depends on
 * another process's liveness may change by itself, so it must not feed the no-op fast path.
 */
export const realProcessProbes = (): ProcessProbes => ({
  hostname: os.hostname(),
  isAlive: isPidAlive,
  startTime: readStartTime,
});

/** Who a lock record says holds it: a pid, the start time it recorded, the host it ran on. */
export interface RecordedProcess {
  /** undefined: the record names none. */
  readonly pid: number | undefined;
  /** undefined or null: the record carries none. */
  readonly starttime: number | null | undefined;
  /** undefined: the record names no host (taken to be this one). */
  readonly hostname: string | undefined;
}

/**
 * What this machine can tell about a recorded process. Each lock applies its own policy to it
 * (plugdeps' lock falls back to the lock's age where this is no evidence; OpenClaw's lock keeps
 * what it cannot judge):
 * - OtherHost: the record names another host; a pid means nothing here (network filesystem).
 * - NoPid: the record names no process.
 * - ImpossiblePid: no process can have it (not a positive integer, above PID_MAX_LIMIT): a garbage
 *   record, and never handed to kill() (process.kill throws a TypeError at 2^31 and above).
 * - NotRunning: no such process.
 * - Recycled: a process runs under that pid with another start time (openclaw #74346, #75028).
 * - StartTimeUnknown: it runs, and one side has no start time (not recorded, no /proc).
 * - Running: it runs with the recorded start time; however old the lock, it is live (openclaw
 *   #74818: never expire a live holder by age alone).
 */
export type Liveness =
  | { readonly _tag: "OtherHost"; readonly hostname: string }
  | { readonly _tag: "NoPid" }
  | { readonly _tag: "ImpossiblePid" }
  | { readonly _tag: "NotRunning" }
  | { readonly _tag: "Recycled"; readonly startTime: number; readonly recorded: number }
  | { readonly _tag: "StartTimeUnknown" }
  | { readonly _tag: "Running" };

/** The one liveness rule, in this order: host, pid plausibility, kill(pid, 0), start time. */
export const judgeLiveness = (recorded: RecordedProcess, probes: ProcessProbes): Liveness => {
  const { pid, starttime, hostname } = recorded;
  if (hostname !== undefined && hostname !== probes.hostname) return { _tag: "OtherHost", hostname };
  if (pid === undefined) return { _tag: "NoPid" };
  if (!isPossiblePid(pid)) return { _tag: "ImpossiblePid" };
  if (!probes.isAlive(pid)) return { _tag: "NotRunning" };
  if (starttime === null || starttime === undefined) return { _tag: "StartTimeUnknown" };
  const now = probes.startTime(pid);
  if (now === null) return { _tag: "StartTimeUnknown" };
  return now === starttime ? { _tag: "Running" } : { _tag: "Recycled", startTime: now, recorded: starttime };
};
