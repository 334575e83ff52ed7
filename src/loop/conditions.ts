import { type ActionKind, isRuntimeAction, type PlanDocument, type Summary } from "../model/plan.js";
import type { Condition, ConditionStatus, ConditionType, PassError, PassOutcome } from "../model/status.js";

/**
 * Kubernetes-style conditions for the reconcile status record, as pure functions of the previous
 * conditions and what the pass learned. The clock comes in as an argument.
 *
 * - Ready: the live materialization matches the plugin plan, judged from an OBSERVATION of the
 *   root (a read-only plan made after the pass), not from whether the pass exited cleanly
 *   (LESSONS, openclaw #71812: health said green while every channel plugin was dead). A failed
 *   pass can leave Ready=True (e.g. a lock timeout while another writer already converged the
 *   root); a "successful" pass whose root does not match leaves Ready=False.
 * - Progressing: True while a pass is applying changes (written mid-pass) and while a failed
 *   pass waits for its backoff retry; False once converged, or when no retry will come.
 * - Degraded: True when the last pass failed, with the failure's reason.
 */

const ORDER: readonly ConditionType[] = ["Ready", "Progressing", "Degraded"];

export type ConditionInput = Omit<Condition, "lastTransitionTime">;

/**
 * Replaces (or adds) one condition. `lastTransitionTime` moves only when `status` changes —
 * a new reason, message or fingerprint under the same status keeps the old time.
 */
export const setCondition = (
  conditions: readonly Condition[],
  next: ConditionInput,
  now: string,
): Condition[] => {
  const previous = conditions.find((c) => c.type === next.type);
  const lastTransitionTime =
    previous !== undefined && previous.status === next.status ? previous.lastTransitionTime : now;
  // Key order as documented (the record is read by people too).
  const condition: Condition = {
    type: next.type,
    status: next.status,
    reason: next.reason,
    message: next.message,
    observedFingerprint: next.observedFingerprint,
    lastTransitionTime,
  };
  const merged = [...conditions.filter((c) => c.type !== next.type), condition];
  return merged.sort((a, b) => ORDER.indexOf(a.type) - ORDER.indexOf(b.type));
};

export const findCondition = (
  conditions: readonly Condition[] | undefined,
  type: ConditionType,
): Condition | undefined => conditions?.find((c) => c.type === type);

export const conditionStatus = (
  conditions: readonly Condition[] | undefined,
  type: ConditionType,
): ConditionStatus => findCondition(conditions, type)?.status ?? "Unknown";

/** Actions that change what lives in the root (prunes of whole old roots and debris do not). */
export const runtimeActions = (plan: PlanDocument) => plan.actions.filter(isRuntimeAction);

/**
 * What the root looks like against the plan, as apply's own convergence test sees it: no runtime
 * action left, and the live record names this plan (the record is what run-time resolution
 * reads, so a root with the right packages but another plan's record is not ready yet).
 */
export type Materialization =
  | { readonly _tag: "Matches" }
  | { readonly _tag: "Differs"; readonly pending: Summary }
  | { readonly _tag: "Unknown"; readonly reason: string; readonly message: string };

/** `recordNeeded`: apply's own rule, execute/materialization.ts `needsRecord`, on the same observation. */
export const observeMaterialization = (plan: PlanDocument, recordNeeded: boolean): Materialization => {
  const pending = runtimeActions(plan);
  if (pending.length === 0 && !recordNeeded) return { _tag: "Matches" };
  const count = (type: ActionKind) => pending.filter((a) => a.type === type).length;
  return {
    _tag: "Differs",
    pending: {
      reuse: count("reuse"),
      install: count("install"),
      prune: count("prune-package"),
      cleanLegacy: 0,
    },
  };
};

export interface PassFacts {
  readonly outcome: PassOutcome;
  readonly error: PassError | null;
  /** The desired-materialization fingerprint of the newest plan of this pass, if any. */
  readonly fingerprint: string | null;
  readonly materialization: Materialization;
  readonly executed: Summary;
  /** The retry or next pass the loop scheduled; null when it stops (--once, shutdown). */
  readonly next: { readonly delayMs: number; readonly reason: "interval" | "backoff" } | null;
}

const firstLine = (text: string): string => text.split("\n")[0] ?? text;

const pendingText = (p: Summary): string => {
  const parts = [
    p.install > 0 ? `${p.install} to install` : "",
    p.reuse > 0 ? `${p.reuse} to reuse` : "",
    p.prune > 0 ? `${p.prune} to prune` : "",
  ].filter((s) => s !== "");
  return parts.length > 0 ? parts.join(", ") : "its record names another plan";
};

export const describeDelay = (ms: number): string => {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  const h = Math.floor(m / 60);
  return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
};

const readyCondition = (f: PassFacts): ConditionInput => {
  const base = { type: "Ready" as const, observedFingerprint: f.fingerprint };
  const failed = f.error !== null ? `; the last pass failed: ${firstLine(f.error.message)}` : "";
  switch (f.materialization._tag) {
    case "Matches":
      return {
        ...base,
        status: "True",
        reason: "Converged",
        message: `the live root holds every dependency the plugin plan needs${failed}`,
      };
    case "Differs":
      return {
        ...base,
        status: "False",
        reason: f.error?.reason ?? (f.outcome === "Interrupted" ? "Interrupted" : "MaterializationMismatch"),
        message: `the live root does not match the plugin plan (${pendingText(f.materialization.pending)})${failed}`,
      };
    case "Unknown":
      return {
        ...base,
        status: "Unknown",
        reason: f.materialization.reason,
        message: `cannot tell whether the live root matches: ${firstLine(f.materialization.message)}`,
      };
  }
};

const progressingCondition = (f: PassFacts): ConditionInput => {
  const base = { type: "Progressing" as const, observedFingerprint: f.fingerprint };
  switch (f.outcome) {
    case "Converged":
      return { ...base, status: "False", reason: "Converged", message: "no changes were needed" };
    case "Applied":
      return {
        ...base,
        status: "False",
        reason: "Applied",
        message: `applied ${f.executed.reuse} reuse, ${f.executed.install} install, ${f.executed.prune} prune, ${f.executed.cleanLegacy} clean-legacy`,
      };
    case "Interrupted":
      return {
        ...base,
        status: "False",
        reason: "Interrupted",
        message: "shutdown stopped the pass before it finished; the live root was left as it was",
      };
    case "Failed":
      return f.next !== null
        ? {
            ...base,
            status: "True",
            reason: "Backoff",
            message: `retrying in ${describeDelay(f.next.delayMs)} after ${f.error?.reason ?? "a failure"}`,
          }
        : {
            ...base,
            status: "False",
            reason: f.error?.reason ?? "Failed",
            message: "the pass failed and no retry is scheduled (single pass)",
          };
  }
};

const degradedCondition = (f: PassFacts, previous: readonly Condition[]): ConditionInput => {
  const base = { type: "Degraded" as const, observedFingerprint: f.fingerprint };
  if (f.outcome === "Failed") {
    return {
      ...base,
      status: "True",
      reason: f.error?.reason ?? "Failed",
      message: f.error?.message ?? "the pass failed",
    };
  }
  if (f.outcome === "Interrupted") {
    // An interrupted pass says nothing about health: keep what the last complete pass found.
    const kept = findCondition(previous, "Degraded");
    return (
      kept ?? { ...base, status: "Unknown", reason: "Interrupted", message: "no pass has completed yet" }
    );
  }
  return { ...base, status: "False", reason: "PassSucceeded", message: "the last pass succeeded" };
};

export const conditionsAfterPass = (
  previous: readonly Condition[],
  facts: PassFacts,
  now: string,
): Condition[] =>
  [readyCondition(facts), progressingCondition(facts), degradedCondition(facts, previous)].reduce<
    Condition[]
  >((acc, c) => setCondition(acc, c, now), [...previous]);

/** Mid-pass: a pass started changing things. Ready and Degraded stay as the last pass left them. */
export const conditionsWhileApplying = (previous: readonly Condition[], now: string): Condition[] =>
  setCondition(
    previous,
    {
      type: "Progressing",
      status: "True",
      reason: "Applying",
      message: `a pass is applying changes (since ${now})`,
      observedFingerprint: findCondition(previous, "Progressing")?.observedFingerprint ?? null,
    },
    now,
  );
