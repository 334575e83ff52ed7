import * as E from "fp-ts/lib/Either.js";
import { needsRecord } from "../execute/materialization.js";
import { type Observation, observe } from "../observe/observe.js";
import { makePlan, summarize } from "../run/plan.js";
import { apply, type ApplyOptions } from "../run/apply.js";
import { statusFileIn } from "../model/layout.js";
import type { PlanDocument, Summary } from "../model/plan.js";
import {
  type Condition,
  type PassError,
  type PassOutcome,
  type ReconcileStatus,
  STATUS_FORMAT_VERSION,
  type StatusHost,
} from "../model/status.js";
import { escapeLinesForTerminal } from "../util/escape.js";
import { toolInfo } from "../util/tool-version.js";
import {
  conditionsAfterPass,
  conditionsWhileApplying,
  conditionStatus,
  describeDelay,
  type Materialization,
  observeMaterialization,
} from "./conditions.js";
import { locate } from "./locate.js";
import type { Logger } from "./log.js";
import type { LoopDeps, LoopVerdict, Trigger } from "./loop.js";
import type { ReconcileMetrics } from "./metrics.js";
import { readStatusFile, writeStatusFile } from "./status-file.js";
import type { ConfigWatcher } from "./watch.js";

/**
 * One reconcile pass and its bookkeeping: the `apply()` library call (in-process; its no-op fast
 * path starts no package manager and writes nothing when plan and observations are unchanged),
 * then an observation of the root for readiness, the conditions, the status record, the metrics
 * and one log line. Timing is the loop's business (loop.ts, scheduler.ts), not this module's.
 */

export type PassApplyOptions = Omit<
  ApplyOptions,
  "signal" | "onProgress" | "onLockWait" | "onInstallTick" | "planFile" | "planFilePath" | "probe"
>;

export interface PassRunnerOptions {
  readonly apply: PassApplyOptions;
  readonly intervalMs: number;
  readonly log: Logger;
  readonly metrics: ReconcileMetrics | null;
  readonly watcher: ConfigWatcher | null;
  readonly clock?: () => number;
  /** Each pass's status record as it is written (`reconcile --once --json` prints the last). */
  readonly onRecord?: (record: ReconcileStatus) => void;
}

/** What the loop runs each pass (a resource Reconciler is another thing: reconcilers/reconciler.ts). */
export interface PassRunner {
  readonly runPass: LoopDeps["runPass"];
  readonly afterPass: NonNullable<LoopDeps["afterPass"]>;
  /** The conditions as last computed (for /readyz); empty until this process completed a pass. */
  readonly conditions: () => readonly Condition[];
}

interface PassReport {
  readonly n: number;
  readonly trigger: Trigger;
  readonly startedMs: number;
  readonly finishedMs: number;
  readonly outcome: PassOutcome;
  readonly error: PassError | null;
  readonly executed: Summary;
  readonly fingerprint: string | null;
  readonly materialization: Materialization;
  readonly host: StatusHost | null;
  readonly root: string | null;
  /** Where the record goes, or why it cannot be written this pass. */
  readonly statusFile: { readonly path: string } | { readonly unwritable: string };
}

const NOTHING: Summary = { reuse: 0, install: 0, prune: 0, cleanLegacy: 0 };
const iso = (ms: number): string => new Date(ms).toISOString();

export const createPassRunner = (opts: PassRunnerOptions): PassRunner => {
  const clock = opts.clock ?? Date.now;
  const { log } = opts;
  /** The record as last written, or read at start-up so transition times survive restarts. */
  let current: ReconcileStatus | null = null;
  let currentFile: string | null = null;
  let report: PassReport | null = null;
  /**
   * Readiness (/readyz, the condition gauges) reflects only what THIS process observed: a record
   * adopted from disk at start-up may be days old, so until our first pass completes the answer
   * is "not ready yet", as a Kubernetes readiness probe starts out.
   */
  let completed = 0;

  /** Reads an existing record the first time a status file location is seen. */
  const adopt = (file: string | null): void => {
    if (file === null || file === currentFile) return;
    currentFile = file;
    const read = readStatusFile(file);
    if (read._tag === "Found") current = read.status;
    else {
      if (read._tag === "Invalid") {
        log.warn(
          `ignoring the unreadable status record (it is rewritten after this pass): ${read.error.message}`,
          { path: file },
        );
      }
      current = null;
    }
  };

  const write = async (
    file: { readonly path: string } | { readonly unwritable: string },
    status: ReconcileStatus,
  ): Promise<void> => {
    current = status;
    if (!("path" in file)) {
      log.warn(`the status record cannot be written this pass: ${file.unwritable}`);
      return;
    }
    const written = await writeStatusFile(file.path, status);
    if (E.isLeft(written)) log.warn(written.left.message, { path: file.path, tag: written.left._tag });
  };

  const runPass: PassRunner["runPass"] = async ({ n, trigger }, stop) => {
    const startedMs = clock();
    const runOptions = { ...opts.apply, probe: "access" as const };
    const located = locate(runOptions);
    let statusFile: { readonly path: string } | { readonly unwritable: string };
    if (E.isLeft(located)) {
      statusFile = { unwritable: `the host could not be located (${located.left._tag})` };
    } else {
      const { stageBase, stageError, watchFiles } = located.right;
      statusFile =
        stageBase !== null
          ? { path: statusFileIn(stageBase) }
          : { unwritable: `no writable stage base (${stageError?._tag ?? "unknown"})` };
      opts.watcher?.point(watchFiles);
    }
    adopt("path" in statusFile ? statusFile.path : null);
    log.event("debug", "reconcile.start", `pass ${n} (${trigger}) started`, { pass: n, trigger });

    // Lock wait, measured from outside apply(): from its first "waiting for the lock" callback to
    // its next progress line or the end of the pass (a timeout, or a root someone else converged
    // meanwhile). apply() reports nothing at the moment it gets the lock, so this over-counts by
    // what it does under the lock before its first line (re-plan, seeding the stage): an upper
    // bound. A `onLockAcquired` callback in apply() would make it exact.
    let waitStarted: number | null = null;
    let waitEnded: number | null = null;
    const endWait = () => {
      if (waitStarted !== null && waitEnded === null) waitEnded = clock();
    };
    // Mid-pass record: the pass is past the no-op path and changing things (an install can take
    // minutes; `plugdeps status` should say so). Only when a record exists already: a first pass
    // has no lastPass to keep, and the lock holder shown by `status` tells the same story.
    let interim: Promise<void> | null = null;
    const markApplying = () => {
      const previous = current;
      if (interim !== null || previous === null) return;
      const now = iso(clock());
      interim = write(statusFile, {
        ...previous,
        updatedAt: now,
        conditions: conditionsWhileApplying(previous.conditions, now),
      });
    };

    const step = log.progress("apply.step", { pass: n });
    let result: Awaited<ReturnType<typeof apply>> | { readonly _tag: "Thrown"; readonly message: string };
    try {
      result = await apply({
        ...opts.apply,
        probe: "write",
        signal: stop,
        onProgress: (line, fields) => {
          endWait();
          markApplying();
          step(line, fields);
        },
        onLockWait: (holder) => {
          if (waitStarted === null) waitStarted = clock();
          log.lockWait(holder, { pass: n });
        },
      });
    } catch (err) {
      // A bug, not a user error: report it with its stack, and keep the loop (and its backoff)
      // alive rather than take the controller down with it.
      const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
      result = { _tag: "Thrown", message: `internal error (this is a bug; please report it): ${message}` };
    }
    endWait();
    await interim;

    let plan: PlanDocument | null = null;
    let outcome: PassOutcome;
    let error: PassError | null = null;
    let executed = NOTHING;
    if (result._tag === "Right") {
      plan = result.right.plan;
      outcome = result.right.noop ? "Converged" : "Applied";
      executed = summarize(result.right.executed);
      for (const s of result.right.skipped)
        log.event(
          "warn",
          "apply.skipped",
          `skipped: ${s}`,
          { pass: n, reason: s },
          escapeLinesForTerminal(`skipped: ${s}`),
        );
    } else {
      outcome = stop.aborted ? "Interrupted" : "Failed";
      const cause =
        result._tag === "Thrown"
          ? { reason: "InternalError", message: result.message }
          : { reason: result.left._tag, message: result.left.message };
      // Killed by our own shutdown: the package manager's "failure" is the abort, not a fault.
      error =
        outcome === "Interrupted"
          ? { reason: "Interrupted", message: `stopped by shutdown during the pass: ${cause.message}` }
          : cause;
    }

    // Readiness from an observation (read-only plan), never from the exit status alone. The
    // no-op pass's plan IS that observation; after changes or a failure, look again.
    let materialization: Materialization = { _tag: "Matches" };
    if (outcome !== "Converged" || plan === null) {
      const observed = E.map((o: Observation) => {
        const p = makePlan(o);
        return { plan: p, recordNeeded: needsRecord(o.current, p) };
      })(observe(runOptions));
      if (E.isRight(observed)) {
        plan = observed.right.plan;
        materialization = observeMaterialization(observed.right.plan, observed.right.recordNeeded);
      } else {
        materialization = { _tag: "Unknown", reason: observed.left._tag, message: observed.left.message };
      }
    }
    const planBase = plan?.observed.candidates.find((c) => c.role === "target")?.path;
    if (planBase !== undefined) statusFile = { path: statusFileIn(planBase) };
    adopt("path" in statusFile ? statusFile.path : null);

    const finishedMs = clock();
    opts.metrics?.observePass(
      outcome,
      (finishedMs - startedMs) / 1000,
      executed,
      outcome === "Failed" ? (error?.reason ?? "Failed") : null,
    );
    if (waitStarted !== null) opts.metrics?.observeLockWait(((waitEnded ?? finishedMs) - waitStarted) / 1000);

    report = {
      n,
      trigger,
      startedMs,
      finishedMs,
      outcome,
      error,
      executed,
      fingerprint: plan?.desired.fingerprint ?? null,
      materialization,
      host: plan
        ? {
            name: plan.host.name,
            version: plan.host.version,
            packageRoot: plan.host.packageRoot,
            adapter: plan.host.adapter,
          }
        : E.isRight(located)
          ? located.right.host
          : null,
      root: plan?.desired.targetRoot ?? (E.isRight(located) ? located.right.root : null),
      statusFile,
    };
    return outcome === "Interrupted" ? "interrupted" : outcome === "Failed" ? "failure" : "success";
  };

  const afterPass: PassRunner["afterPass"] = async (_verdict: LoopVerdict, next, backoff) => {
    const r = report;
    if (r === null) return;
    report = null;
    const finishedAt = iso(r.finishedMs);
    const conditions = conditionsAfterPass(
      current?.conditions ?? [],
      {
        outcome: r.outcome,
        error: r.error,
        fingerprint: r.fingerprint,
        materialization: r.materialization,
        executed: r.executed,
        next,
      },
      finishedAt,
    );
    const record: ReconcileStatus = {
      formatVersion: STATUS_FORMAT_VERSION,
      host: r.host,
      root: r.root,
      updatedAt: finishedAt,
      lastPass: {
        startedAt: iso(r.startedMs),
        finishedAt,
        outcome: r.outcome,
        actions: r.executed,
        ...(r.error !== null ? { error: r.error } : {}),
      },
      interval: opts.intervalMs / 1000,
      conditions,
      ...(next !== null ? { nextPassAt: iso(r.finishedMs + next.delayMs) } : {}),
      tool: toolInfo(),
    };
    await write(r.statusFile, record);
    opts.onRecord?.(record);
    completed++;
    opts.metrics?.setConditions(conditions);

    const took = `${((r.finishedMs - r.startedMs) / 1000).toFixed(1)}s`;
    const did =
      r.outcome === "Applied"
        ? ` (${r.executed.reuse} reused, ${r.executed.install} installed, ${r.executed.prune} pruned, ${r.executed.cleanLegacy} legacy cleaned)`
        : r.outcome === "Failed"
          ? ` (${r.error?.reason ?? "Failed"})`
          : "";
    const then =
      next === null
        ? ""
        : next.reason === "backoff"
          ? `; retry in ${describeDelay(next.delayMs)} (backoff after ${backoff.failures} consecutive failure${backoff.failures === 1 ? "" : "s"})`
          : `; next pass in ${describeDelay(next.delayMs)}`;
    const fields = {
      pass: r.n,
      trigger: r.trigger,
      outcome: r.outcome,
      durationSeconds: (r.finishedMs - r.startedMs) / 1000,
      actions: r.executed,
      ready: conditionStatus(conditions, "Ready"),
      ...(next !== null ? { nextPassInSeconds: next.delayMs / 1000 } : {}),
      ...(r.error !== null ? { reason: r.error.reason } : {}),
    };
    log.result("reconcile.pass", {
      level: r.outcome === "Failed" ? "warn" : "info",
      msg:
        `pass ${r.n} (${r.trigger}): ${r.outcome}${did} in ${took}; Ready=${fields.ready}${then}` +
        (r.error !== null && r.outcome === "Failed" ? `\n${r.error.message}` : ""),
      fields,
    });
  };

  return { runPass, afterPass, conditions: () => (completed > 0 ? (current?.conditions ?? []) : []) };
};
