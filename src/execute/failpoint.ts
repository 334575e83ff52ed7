import * as fs from "node:fs";

/**
 * Named crash points for fault tests (PLUGDEPS_FAILPOINT=<name>): the process kills itself with
 * SIGKILL there, as a power cut or the OOM killer would. The variable is read once; when it is
 * unset a failpoint is one string comparison.
 *
 * PLUGDEPS_PAUSE_AT=<name>:<ms>[:<file>] makes `pausePoint(<name>)` wait (asynchronously, the
 * event loop keeps running, so the lock keeps being refreshed) for at most <ms>, or until <file>
 * exists. Tests use it to hold the lock deterministically while they look from outside (e.g.
 * `plan` and `status` during an apply). Unset, a pause point is one string comparison too.
 */
const armed = process.env["PLUGDEPS_FAILPOINT"] ?? "";

export type FailpointName =
  | "after-lock"
  | "after-stage-seeded"
  | "during-install"
  | "after-install"
  | "after-validate"
  | "between-swap-steps"
  | "after-swap-before-cleanup"
  | "during-prune"
  | "during-clean-legacy";

export const failpoint = (name: FailpointName): void => {
  if (armed === name) process.kill(process.pid, "SIGKILL");
};

export const isArmed = (name: FailpointName): boolean => armed === name;

interface Pause {
  readonly name: string;
  readonly ms: number;
  readonly until: string | null;
}

const parsePause = (spec: string): Pause | null => {
  const [name, ms, ...rest] = spec.split(":");
  const wait = Number(ms);
  if (name === undefined || name === "" || !Number.isFinite(wait) || wait <= 0) return null;
  return { name, ms: Math.min(wait, 10 * 60_000), until: rest.length > 0 ? rest.join(":") : null };
};

const pause = parsePause(process.env["PLUGDEPS_PAUSE_AT"] ?? "");

export const pausePoint = async (name: FailpointName): Promise<void> => {
  if (pause === null || pause.name !== name) return;
  const deadline = Date.now() + pause.ms;
  while (Date.now() < deadline) {
    if (pause.until !== null && fs.existsSync(pause.until)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
};
