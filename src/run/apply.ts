import * as E from "fp-ts/lib/Either.js";
import { type Executed, executePlan } from "../execute/execute-plan.js";
import { failpoint, pausePoint } from "../execute/failpoint.js";
import { removeLeftovers } from "../execute/tidy.js";
import { acquireLock, type HeldLock } from "../execute/lock.js";
import { aborted, type PlugdepsError } from "../model/errors.js";
import type { PlanDocument } from "../model/plan.js";
import { probeWritable } from "../util/probe-writable.js";
import {
  type ApplyOptions,
  type ApplyResult,
  applyResult,
  type Done,
  lookedOf,
  onward,
  otherRoot,
  release,
  type Run,
  savedPlanStale,
  type Step,
} from "./apply-parts.js";
import { isConverged, look, type Looked } from "./plan.js";

export type { ApplyOptions, ApplyResult } from "./apply-parts.js";

/**
 * `apply` (SPEC §4.3–4.10) as one table of phases, run top to bottom. Each phase reads the run so
 * far and either goes on (with what it learnt) or ends the run with a result or an error. The
 * install-root lock, once taken, is released whatever happens.
 *
 *   look      observe exactly as `plan` does (access(2) probe, nothing written) and decide
 *   choose    pick the root to lock: the one access(2) found writable, after one real write
 *             probe; else observe again with the real probe (openclaw #70163: bits that lie)
 *   lock      take that root's install lock (waiting for a live holder)
 *   re-look   observe and decide again under the lock: someone may have converged the root
 *             meanwhile; a saved plan whose observation no longer matches is refused as stale
 *   tidy      remove what interrupted runs left (stages, surplus generations, dead locks)
 *   execute   build one generation, swap it live, prune old roots, clean legacy (execute/)
 *
 * A crash at any point leaves the previous generation live; the next run's tidy removes the rest.
 */

type Phase = readonly [name: string, run: (r: Run) => Step | Promise<Step>];

const PHASES: readonly Phase[] = [
  ["look", (r) => lookFirst(r)],
  ["choose", (r) => choose(r)],
  ["lock", (r) => lock(r)],
  ["re-look", (r) => reLook(r)],
  ["tidy", (r) => tidy(r)],
  ["execute", (r) => execute(r)],
];

export const apply = async (opts: ApplyOptions): Promise<E.Either<PlugdepsError, ApplyResult>> => {
  let run: Run = {
    opts,
    progress: opts.onProgress ?? (() => undefined),
    seen: E.left({ _tag: "UsageError", message: "not observed yet" }),
    tidyOnly: null,
    root: null,
    carefully: false,
    lock: null,
  };
  try {
    for (let i = 0; i < PHASES.length; i++) {
      const [name, phase] = PHASES[i] as Phase;
      // SIGTERM/SIGINT between phases: stop before the next one (the lock is released below).
      // Once the execute phase runs, it finishes what it can no longer undo quickly (a swap) and
      // stops a running package manager at once (execute/package-manager.ts).
      if (opts.signal?.aborted === true) return E.left(aborted(`apply (before its ${name} phase)`));
      const step = await phase(run);
      if (!run.carefully && E.isRight(step) && step.right === "again-carefully") {
        // The root chosen by access(2) is not the one the real probe picks under its lock:
        // release it and choose again with the real probe (once; the second time is an error).
        await release(run);
        run = { ...run, lock: null, carefully: true };
        i = PHASES.findIndex(([name]) => name === "choose") - 1;
        continue;
      }
      if (E.isLeft(step)) return run.tidyOnly !== null && run.lock === null ? noop(run.tidyOnly) : step;
      if (step.right === "again-carefully") return E.left(otherRoot(run.root ?? "?"));
      if ("done" in step.right) return E.right(step.right.done);
      run = step.right;
    }
    return E.left({ _tag: "UsageError", message: "apply: the phase table ended without a result" });
  } finally {
    await release(run);
  }
};

/** Phase look: observe and decide with the access(2) probe; nothing is written. */
const lookFirst = (r: Run): Step => {
  // A converged root on a read-only stage base is still a no-op, not an error (openclaw #71420;
  // ProtectSystem=strict without ReadWritePaths=): this first look may observe a stage base it
  // cannot write, as `status` does. A saved plan is judged against what `plan` saw (writable).
  const seen = look(r.opts, "access", r.opts.planFile === undefined);
  if (E.isLeft(seen)) return E.right({ ...r, seen });
  return onward(judge(r, seen.right), (next) => ({ ...next, seen }));
};

/**
 * Phase choose: the root to lock. The first look's root when access(2) found its stage base
 * writable and a real write probe (one mkdir and rmdir) agrees; else a second look with the real
 * write probe, which falls back to the next candidate or names each failure (diskfull fault
 * test). A second plan before the lock would only repeat the first look where the bits agree: it
 * cost a reuse after a host upgrade ~15% of its time on the demo host.
 */
const choose = (r: Run): Step => {
  const first = r.seen;
  if (
    !r.carefully &&
    E.isRight(first) &&
    first.right.ctx.stage.target.writable === true &&
    r.opts.planFile === undefined &&
    r.tidyOnly === null &&
    probeWritable(first.right.ctx.stage.target.path, "write").writable
  )
    return E.right({ ...r, root: first.right.ctx.desired.targetRoot });
  const seen = look(unrecorded(r.opts), "write", false);
  if (E.isLeft(seen)) return seen;
  const root = seen.right.ctx.desired.targetRoot;
  return onward(judge({ ...r, carefully: true }, seen.right), (next) => ({ ...next, seen, root }));
};

/** Phase lock: the install-root lock of the chosen root. Tidying alone never waits for it. */
const lock = async (r: Run): Promise<Step> => {
  const root = r.root ?? "";
  const tidy = r.tidyOnly !== null;
  const held = await acquireLock(root, {
    timeoutMs: tidy ? 0 : r.opts.lockTimeoutMs,
    command: r.opts.command,
    ...(r.opts.onLockWait && !tidy ? { onWait: r.opts.onLockWait } : {}),
    ...(r.opts.signal ? { signal: r.opts.signal } : {}),
    onReclaim: (holder) =>
      r.progress(`  reclaimed the stale install-root lock ${holder.path}: ${holder.detail}`, {
        step: "reclaim-lock",
        path: holder.path,
        ...(holder.owner !== null ? { pid: holder.owner.pid } : {}),
      }),
  });
  if (E.isLeft(held)) return held;
  failpoint("after-lock");
  await pausePoint("after-lock");
  return E.right({ ...r, lock: held.right });
};

/** Phase re-look: observe and plan again under the lock, with the real write probe. */
const reLook = (r: Run): Step => {
  const seen = look(unrecorded(r.opts), "write", false, true);
  if (E.isLeft(seen)) return seen;
  // A root is never built without its own lock.
  if (seen.right.ctx.desired.targetRoot !== r.root) return E.right("again-carefully");
  const stale = savedPlanStale(r.opts, seen.right.plan);
  return stale !== null ? E.left(stale) : E.right({ ...r, seen, tidyOnly: null });
};

/** Phase tidy: leftovers of interrupted runs, now that we hold the lock; then, converged? */
const tidy = async (r: Run): Promise<Step> => {
  const { ctx, plan } = lookedOf(r);
  await removeLeftovers(ctx, ctx.leftovers, r.progress);
  return isConverged(ctx, plan) ? E.right({ done: applyResult(plan, { noop: true }) }) : E.right(r);
};

/** Phase execute: build, swap, prune, clean (execute/execute-plan.ts). */
const execute = async (r: Run): Promise<Step> => {
  const { ctx, plan } = lookedOf(r);
  const held = r.lock as HeldLock;
  const target = { ...r.opts, observed: ctx, progress: r.progress };
  const done = await executePlan(target, plan, () => held.isIntact(), held.path);
  return E.map((x: Executed) => ({ done: applyResult(plan, x) }))(done);
};

/**
 * What a look before the lock decides: a stale saved plan is refused; a converged root with
 * nothing left behind is done (observedOnly when nothing was written to find out); a converged
 * root with leftovers goes on to tidy, best effort (never waiting for a live holder, and a
 * failure to tidy is still the same no-op).
 */
const judge = (r: Run, seen: Looked): E.Either<PlugdepsError, Run | Done> => {
  const stale = savedPlanStale(r.opts, seen.plan);
  if (stale !== null) return E.left(stale);
  if (r.opts.planFile !== undefined || !isConverged(seen.ctx, seen.plan))
    return E.right({ ...r, tidyOnly: null });
  if (seen.ctx.leftovers.length === 0)
    return E.right({
      done: applyResult(seen.plan, { noop: true, observedOnly: !r.carefully, reads: seen.ctx.reads }),
    });
  return E.right({ ...r, tidyOnly: seen.plan });
};

/** Only the first look's reads can be stamped (an observation-only no-op): the others journal nothing. */
const unrecorded = (opts: ApplyOptions): ApplyOptions => ({ ...opts, recordReads: false });

const noop = (plan: PlanDocument): E.Either<PlugdepsError, ApplyResult> =>
  E.right(applyResult(plan, { noop: true }));
