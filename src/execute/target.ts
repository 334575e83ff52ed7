import type { ManagerChoice } from "./package-manager.js";
import type { Observation } from "../observe/observe.js";
import type { Progress } from "../util/progress.js";

/**
 * Where and how a plan is carried out: the observation made under the install-root lock (its
 * stage base, target root, identity, debris) and the caller's knobs for the package manager and
 * progress. Every executor takes this one value.
 */
export interface ExecutionTarget {
  readonly observed: Observation;
  readonly packageManager: ManagerChoice;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly signal?: AbortSignal | undefined;
  readonly progress: Progress;
  /** Progress while a package manager runs (the CLI passes one only on a TTY). */
  readonly onInstallTick?: ((elapsedMs: number, lastLogLine: string) => void) | undefined;
}
