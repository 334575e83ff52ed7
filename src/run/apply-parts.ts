import * as E from "fp-ts/lib/Either.js";
import type { ManagerChoice } from "../execute/package-manager.js";
import { planStale, type PlugdepsError } from "../model/errors.js";
import type { RunOptions } from "../model/options.js";
import type { Action, LockHolder, PlanDocument } from "../model/plan.js";
import type { HeldLock } from "../execute/lock.js";
import type { Journal } from "../util/observed-fs.js";
import type { Progress } from "../util/progress.js";
import type { Looked } from "./plan.js";

/** What a caller says about one apply, what it gets back, and the saved-plan rule (run/apply.ts does the work). */

export interface ApplyOptions extends RunOptions {
  readonly planFile?: PlanDocument | undefined;
  readonly planFilePath?: string | undefined;
  readonly lockTimeoutMs: number;
  readonly packageManager: ManagerChoice;
  readonly command: string;
  readonly onProgress?: Progress;
  /** Progress while a package manager runs (the CLI passes one only on a TTY). */
  readonly onInstallTick?: (elapsedMs: number, lastLogLine: string) => void;
  readonly onLockWait?: (holder: LockHolder) => void;
  readonly signal?: AbortSignal;
}

export interface ApplyResult {
  /** The plan that was carried out (the one computed under the lock). */
  readonly plan: PlanDocument;
  readonly executed: readonly Action[];
  /** True when nothing had to be done (the fast path or a root converged by someone else). */
  readonly noop: boolean;
  readonly packageManagerRuns: number;
  /** Actions that were skipped at execution time, with the reason (e.g. a root locked meanwhile). */
  readonly skipped: readonly string[];
  /**
   * The no-op was decided from observation alone: no lock, no write probe, nothing written. Only
   * such a run may be replayed from a stamp (fastpath/), since its result is a function of what
   * it read.
   */
  readonly observedOnly: boolean;
  /** What that observation-only no-op read (when `recordReads`): the no-op stamp re-checks it. */
  readonly reads: Journal | null;
}

export const applyResult = (plan: PlanDocument, x: Partial<Omit<ApplyResult, "plan">>): ApplyResult => ({
  plan,
  executed: [],
  noop: false,
  packageManagerRuns: 0,
  skipped: [],
  observedOnly: false,
  reads: null,
  ...x,
});

/** Terraform's saved-plan rule: another host, another desired state or another disk is stale. */
export const savedPlanStale = (opts: ApplyOptions, now: PlanDocument): PlugdepsError | null => {
  const saved = opts.planFile;
  if (saved === undefined) return null;
  const file = opts.planFilePath ?? "PLANFILE";
  if (saved.host.packageRoot !== now.host.packageRoot || saved.host.identity !== now.host.identity) {
    return planStale(
      file,
      `it was made for ${saved.host.name} ${saved.host.version} at ${saved.host.packageRoot}, the host is now ${now.host.version} at ${now.host.packageRoot}`,
    );
  }
  if (saved.desired.fingerprint !== now.desired.fingerprint)
    return planStale(file, "the plugin plan or the desired dependencies changed since it was made");
  if (saved.observed.fingerprint !== now.observed.fingerprint)
    return planStale(file, "what is on disk changed since it was made (observed-state fingerprint differs)");
  return null;
};

export const otherRoot = (locked: string): PlugdepsError => ({
  _tag: "LockLost",
  path: `${locked}.lock`,
  message: `the stage base chosen under the install-root lock of ${locked} is another one now (its writability changed meanwhile); nothing was changed. Fix: run apply again.`,
});

/** What the phases have learnt so far. */
export interface Run {
  readonly opts: ApplyOptions;
  readonly progress: Progress;
  /** The latest observation and the plan decided from it. */
  readonly seen: E.Either<PlugdepsError, Looked>;
  /** Converged, but an interrupted run left something only a run under the lock removes. */
  readonly tidyOnly: PlanDocument | null;
  /** The root chosen to lock, and whether it was chosen by the real write probe. */
  readonly root: string | null;
  readonly carefully: boolean;
  readonly lock: HeldLock | null;
}

export interface Done {
  readonly done: ApplyResult;
}
export type Step = E.Either<PlugdepsError, Run | Done | "again-carefully">;

/** Goes on with `f` unless the run ended. */
export const onward = (step: E.Either<PlugdepsError, Run | Done>, f: (r: Run) => Run): Step =>
  E.map((x: Run | Done) => ("done" in x ? x : f(x)))(step);

export const lookedOf = (r: Run): Looked => {
  if (E.isLeft(r.seen)) throw new Error("apply: a phase ran without an observation");
  return r.seen.right;
};

export const release = async (r: Run): Promise<void> => {
  if (r.lock === null) return;
  const released = await r.lock.release();
  if (E.isLeft(released)) r.progress(released.left.message, { step: "warning" });
};
