import * as t from "io-ts";
import { Summary } from "./plan.js";

const nullable = <C extends t.Mixed>(codec: C) => t.union([codec, t.null]);

/**
 * `<stage base>/.plugdeps/status.json` (`statusFileIn`, layout.ts): what the reconcile loop last
 * saw and did, as Kubernetes-style conditions. Written only by `plugdeps reconcile` (atomically,
 * after every pass); `plugdeps status` and `doctor` read it and never write it.
 *
 * Condition semantics follow Kubernetes: `lastTransitionTime` changes only when that condition's
 * `status` changes (a new reason or message alone keeps it), so "Ready since ..." means what it
 * says. Readiness is derived from an observation of the materialization, never from "the last
 * command exited 0" (LESSONS, openclaw #71812: health said green while every channel plugin was
 * dead).
 */

export const STATUS_FORMAT_VERSION = 1 as const;

export const ConditionType = t.keyof({ Ready: null, Progressing: null, Degraded: null }, "ConditionType");
export type ConditionType = t.TypeOf<typeof ConditionType>;

export const ConditionStatus = t.keyof({ True: null, False: null, Unknown: null }, "ConditionStatus");
export type ConditionStatus = t.TypeOf<typeof ConditionStatus>;

export const Condition = t.type(
  {
    type: ConditionType,
    status: ConditionStatus,
    /** CamelCase, machine-matchable: Converged, Applying, PackageManagerFailed, LockTimeout, ... */
    reason: t.string,
    message: t.string,
    /** The plan (desired-materialization) fingerprint this condition was computed for; null when no plan could be made. */
    observedFingerprint: nullable(t.string),
    /** ISO-8601; changes only when `status` changes. */
    lastTransitionTime: t.string,
  },
  "Condition",
);
export type Condition = t.TypeOf<typeof Condition>;

/** Interrupted: SIGTERM/SIGINT aborted the pass (the live root was left as it was). */
export const PassOutcome = t.keyof(
  { Converged: null, Applied: null, Failed: null, Interrupted: null },
  "PassOutcome",
);
export type PassOutcome = t.TypeOf<typeof PassOutcome>;

export const PassError = t.type({ reason: t.string, message: t.string }, "PassError");
export type PassError = t.TypeOf<typeof PassError>;

export const LastPass = t.intersection(
  [
    t.type({
      startedAt: t.string,
      finishedAt: t.string,
      outcome: PassOutcome,
      /** Actions carried out by this pass (zero on a no-op or failed pass). */
      actions: Summary,
    }),
    t.partial({ error: PassError }),
  ],
  "LastPass",
);
export type LastPass = t.TypeOf<typeof LastPass>;

export const StatusHost = t.type(
  { name: t.string, version: t.string, packageRoot: t.string, adapter: t.string },
  "StatusHost",
);
export type StatusHost = t.TypeOf<typeof StatusHost>;

export const ReconcileStatus = t.intersection(
  [
    t.type({
      formatVersion: t.literal(STATUS_FORMAT_VERSION),
      /** null when the host could not even be identified (e.g. the package root is gone). */
      host: nullable(StatusHost),
      /** The versioned root being converged, or null when it could not be determined. */
      root: nullable(t.string),
      /** When this record was written: after every pass, and as a pass starts applying changes. */
      updatedAt: t.string,
      lastPass: LastPass,
      /** The loop's base interval in seconds (`--every`); a status older than two intervals is stale. */
      interval: t.number,
      conditions: t.array(Condition),
    }),
    t.partial({
      /** When the loop plans to run next (ISO-8601); absent after `--once` or a shutdown. */
      nextPassAt: t.string,
      tool: t.type({ name: t.string, version: t.string }),
    }),
  ],
  "ReconcileStatus",
);
export type ReconcileStatus = t.TypeOf<typeof ReconcileStatus>;

/**
 * `plugdeps reconcile --once --json` prints the record its pass wrote, byte for byte what
 * `<stage base>/.plugdeps/status.json` holds (docs/json.md): one format for a one-shot caller, the
 * file, and `status --json`'s `reconcile.record`.
 */
export const ReconcileDocument = ReconcileStatus;
export type ReconcileDocument = ReconcileStatus;

/** A status record is stale once its last sign of life is more than this many intervals old. */
export const STALE_AFTER_INTERVALS = 2;

export interface Staleness {
  readonly stale: boolean;
  /** Since the last sign of life; infinite when there is none that can be dated. */
  readonly ageMs: number;
  readonly limitMs: number;
}

/**
 * The one staleness rule of the status record, for `status` and `doctor` alike: stale when its
 * last sign of life is more than two intervals old. One late pass is not a problem; two mean the
 * loop that writes the record has stopped (or its timer is not firing). No datable sign of life
 * (null) counts as stale: a record we cannot date is no evidence of a live loop.
 */
export const statusStaleness = (
  lastSignOfLifeMs: number | null,
  intervalMs: number,
  nowMs: number,
): Staleness => {
  const limitMs = STALE_AFTER_INTERVALS * intervalMs;
  const ageMs = lastSignOfLifeMs === null ? Number.POSITIVE_INFINITY : nowMs - lastSignOfLifeMs;
  return { stale: !(ageMs <= limitMs), ageMs, limitMs };
};

/**
 * The rule applied to a decoded record (`plugdeps status`). Its last sign of life is the end of
 * the last pass or a later mid-pass write: a pass still applying rewrites the record as it starts
 * changing things (`updatedAt`), so one long install is not mistaken for a dead loop. Unparseable
 * timestamps leave no sign of life (stale).
 */
export const recordStaleness = (status: ReconcileStatus, nowMs: number): Staleness => {
  const times = [Date.parse(status.lastPass.finishedAt), Date.parse(status.updatedAt)].filter(
    (t) => !Number.isNaN(t),
  );
  return statusStaleness(times.length === 0 ? null : Math.max(...times), status.interval * 1000, nowMs);
};
