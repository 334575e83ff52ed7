/**
 * Named crash points for fault tests (PLUGDEPS_FAILPOINT=<name>): the process kills itself with
 * SIGKILL there, as a power cut or the OOM killer would. The variable is read once; when it is
 * unset a failpoint is one string comparison.
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
