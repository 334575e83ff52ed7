import * as E from "fp-ts/lib/Either.js";
import type { PlugdepsError } from "../model/errors.js";
import { APPLY_FORMAT_VERSION, type ApplyDocument } from "../model/apply.js";
import type { PlanDocument } from "../model/plan.js";
import { apply, type ApplyResult } from "../run/apply.js";
import { summarize } from "../run/plan.js";
import { readPlanFile as readSavedPlan } from "./plan-file.js";
import { type ApplyCommandOptions, DEFAULT_LOCK_TIMEOUT, durationOf, runOptionsOf } from "./options.js";
import { withStrictUmask } from "./umask.js";

/** What `plugdeps apply --json` prints (model/apply.ts), built from apply's result. */
export type { ApplyDocument };

export const applyDocument = (r: ApplyResult): ApplyDocument => ({
  formatVersion: APPLY_FORMAT_VERSION,
  noop: r.noop,
  executed: summarize(r.executed),
  packageManagerRuns: r.packageManagerRuns,
  skipped: [...r.skipped],
  fingerprint: r.plan.desired.fingerprint,
});

/** A saved plan (`plan --out`), read as `show` reads it (api/plan-file.ts). */
export const readPlanFile = (planfile: string): E.Either<PlugdepsError, PlanDocument> =>
  E.map((read: { readonly plan: PlanDocument }) => read.plan)(readSavedPlan(planfile));

/** How the CLI runs apply beyond the library's options: its own progress and the no-op stamp. */
export interface ApplyRunExtras {
  /** How the run names itself in the lock (default `plugdeps apply`). */
  readonly command?: string;
  /** Journal the deciding observation's reads (the CLI's no-op stamp re-checks them). */
  readonly recordReads?: boolean;
  readonly onInstallTick?: (elapsedMs: number, lastLogLine: string) => void;
  /** How the duration options are named in errors: `--lock-timeout` (CLI) or `lockTimeout`. */
  readonly names?: { readonly lockTimeout: string; readonly installTimeout: string };
}

/**
 * `plugdeps apply [PLANFILE]`: the options checked as the CLI checks its flags (durations, then
 * the plan file), then run/apply.ts, under a umask that includes 022.
 */
export const runApply = async (
  opts: ApplyCommandOptions & ApplyRunExtras,
): Promise<E.Either<PlugdepsError, ApplyResult>> => {
  const names = opts.names ?? { lockTimeout: "lockTimeout", installTimeout: "installTimeout" };
  const lockTimeout = durationOf(names.lockTimeout, opts.lockTimeout ?? DEFAULT_LOCK_TIMEOUT, "non-negative");
  if (E.isLeft(lockTimeout)) return lockTimeout;
  const installTimeout = durationOf(names.installTimeout, opts.installTimeout, "positive");
  if (E.isLeft(installTimeout)) return installTimeout;
  const planFile = opts.planFile;
  let saved: PlanDocument | undefined = undefined;
  if (typeof planFile === "string") {
    const decoded = readPlanFile(planFile);
    if (E.isLeft(decoded)) return decoded;
    saved = decoded.right;
  } else saved = planFile;
  return withStrictUmask("apply", () =>
    apply({
      ...runOptionsOf(opts, "write"),
      planFile: saved,
      planFilePath: typeof planFile === "string" ? planFile : undefined,
      lockTimeoutMs: lockTimeout.right ?? 0,
      installTimeoutMs: installTimeout.right,
      packageManager: opts.packageManager ?? "auto",
      command: opts.command ?? `plugdeps apply${typeof planFile === "string" ? ` ${planFile}` : ""}`,
      recordReads: opts.recordReads ?? false,
      ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
      ...(opts.onProgress !== undefined ? { onProgress: opts.onProgress } : {}),
      ...(opts.onInstallTick !== undefined ? { onInstallTick: opts.onInstallTick } : {}),
      ...(opts.onLockWait !== undefined ? { onLockWait: opts.onLockWait } : {}),
    }),
  );
};
