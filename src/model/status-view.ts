import * as t from "io-ts";
import { DiskUse } from "./disk-use.js";
import { Debris, HostRootJson, LockHolder, PlanHost, RootSummary, StageCandidate, Summary } from "./plan.js";
import { ReconcileStatus } from "./status.js";
import { Verification } from "./verify.js";

/**
 * `plugdeps status --json` (and the library's `status()`): the materialized state, built by
 * api/status.ts from one observation and its plan; render/status-human.ts draws the same value for
 * people. The codec is the document's one definition (its parts are the plan document's own
 * codecs): the type derives from it, the JSON renderer emits keys in its order,
 * `decodeStatusJson` reads it. Its formatVersion is the status DOCUMENT's; the reconcile loop's
 * status record it may carry (`reconcile.record`) has a formatVersion of its own.
 */

const nullable = <C extends t.Mixed>(codec: C) => t.union([codec, t.null]);

export const STATUS_VIEW_FORMAT_VERSION = 1 as const;

/** What `status` found of the reconcile status record. Staleness is judged with the caller's clock. */
export const ReconcileView = t.union(
  [
    t.type({ state: t.literal("missing"), file: t.string }),
    t.type({ state: t.literal("invalid"), file: t.string, problem: t.string }),
    t.type({
      state: t.literal("found"),
      file: t.string,
      /** Older than two intervals: the loop that writes it is not running (or not passing). */
      stale: t.boolean,
      /** null when the record's timestamps cannot be parsed (then it counts as stale). */
      ageSeconds: nullable(t.number),
      staleAfterSeconds: t.number,
      /** False when the record is for another versioned root (e.g. written before a host upgrade). */
      forCurrentRoot: t.boolean,
      record: ReconcileStatus,
    }),
  ],
  "ReconcileView",
);
export type ReconcileView = t.TypeOf<typeof ReconcileView>;

export const StatusDocument = t.intersection(
  [
    t.type({
      formatVersion: t.literal(STATUS_VIEW_FORMAT_VERSION),
      host: PlanHost,
      /** The writable target stage base, or null when no candidate was writable. */
      stageBase: nullable(StageCandidate),
      candidates: t.array(StageCandidate),
      currentRoot: nullable(RootSummary),
      previousRoots: t.array(RootSummary),
      lock: nullable(LockHolder),
      debris: t.array(Debris),
      plugins: t.type({ total: t.number, active: t.number, invalid: t.number }),
      /** Whether apply has nothing to do (apply's own convergence rule); null: not determined. */
      inSync: nullable(t.boolean),
      /** The pending plan's counts when out of sync, else null. */
      pendingActions: nullable(Summary),
    }),
    t.partial({
      /** The root the host itself reads (HostAdapter.hostRoot), for hosts that read only their own. */
      hostRoot: HostRootJson,
      /**
       * The reconcile loop's status record (`<stage base>/.plugdeps/status.json`); absent when there
       * is no writable stage base to look in.
       */
      reconcile: ReconcileView,
      /** Disk use of this host's roots, their generations, the cache and the logs (model/disk-use.ts). */
      diskUse: DiskUse,
      /** `status --verify`: every package of the live root checked on disk (model/verify.ts). */
      verify: Verification,
    }),
  ],
  "StatusDocument",
);
export type StatusDocument = t.TypeOf<typeof StatusDocument>;
