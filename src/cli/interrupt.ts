import * as os from "node:os";
import type { PlugdepsError } from "../model/errors.js";
import type { CliIO, Output } from "./io.js";

/**
 * SIGTERM and SIGINT for a command that changes things (`apply`, `doctor --fix`), the way the
 * reconcile loop already handles them (loop/run.ts): the first signal aborts the run's
 * AbortSignal, so a running package manager and its whole process group are stopped
 * (execute/package-manager.ts), the stage is removed and the lock released on the way out (their
 * `finally` blocks), and the command exits 128 + the signal's number (143 for SIGTERM, 130 for
 * SIGINT) with a message that says so. Before this (issue 15 item 12), SIGTERM during `apply`
 * killed plugdeps at once through proper-lockfile's signal-exit handler: exit 143 without a word,
 * the package manager running on as an orphan and the stage left until the next run.
 *
 * A second signal exits at once: the package manager's group is SIGKILLed by its `exit` hook and
 * the lock released by proper-lockfile's; the next run removes the stage.
 */

export interface Interrupts {
  readonly signal: AbortSignal;
  /** The signal that arrived, if one did. */
  readonly received: () => NodeJS.Signals | null;
  readonly dispose: () => void;
}

const SIGNALS = ["SIGTERM", "SIGINT"] as const;

export const listenForInterrupts = (io: CliIO, out: Output): Interrupts => {
  const controller = new AbortController();
  let received: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    if (received === null) {
      received = sig;
      controller.abort();
      return;
    }
    out.event(
      "warn",
      "signal.again",
      `${sig} again: exiting at once; the next run removes what this one left`,
      {
        signal: sig,
      },
      `${sig} again: exiting at once; the next run removes what this one left`,
    );
    io.exit?.(exitCodeFor(sig));
  };
  for (const s of SIGNALS) io.signals?.on(s, onSignal);
  return {
    signal: controller.signal,
    received: () => received,
    dispose: () => {
      for (const s of SIGNALS) io.signals?.off(s, onSignal);
    },
  };
};

/** A signal that came when the run could no longer be stopped safely: it was completed. */
export const lateSignal = (out: Output, sig: NodeJS.Signals, command: string): void => {
  const msg = `${sig} arrived when the ${command} could no longer be stopped safely: it was completed.`;
  out.event("warn", "signal.late", msg, { signal: sig }, msg);
};

/** 128 + the signal's number, as a shell reports a process killed by it: 143 SIGTERM, 130 SIGINT. */
export const exitCodeFor = (sig: NodeJS.Signals): number => 128 + (os.constants.signals[sig] ?? 15);

/**
 * The error an interrupted run reports. The install's own Aborted error says the package manager
 * was stopped; anything else stopped before a package manager ran.
 */
export const interruptedError = (sig: NodeJS.Signals, cause: PlugdepsError | null): PlugdepsError => {
  const fix = "Fix: run the command again to converge.";
  if (cause?._tag === "Aborted" && cause.install !== undefined)
    return {
      _tag: "Aborted",
      message:
        `interrupted by ${sig}: stopped the package manager, removed the stage, released the lock; the live root is unchanged.\n` +
        `It was installing ${cause.install}.\n${fix}`,
    };
  // A package manager that died of the same signal (systemd signals the whole cgroup) was stopped too.
  if (cause?._tag === "PackageManagerFailed")
    return {
      _tag: "Aborted",
      message:
        `interrupted by ${sig}: the package manager was stopped, the stage removed, the lock released; the live root is unchanged.\n` +
        `${cause.message.split("\n")[0] ?? ""}\n${fix}`,
    };
  return {
    _tag: "Aborted",
    message:
      `interrupted by ${sig}: stopped before anything was made live; the lock (if it was taken) is released and the live root is unchanged.` +
      `${cause === null || cause._tag === "Aborted" ? "" : `\n(${cause.message})`}\n${fix}`,
  };
};
