import type { PlanDocument } from "../model/plan.js";
import type { ReconcileView } from "../model/status-view.js";
import { statusFileIn } from "../model/layout.js";
import { recordStaleness } from "../model/status.js";
import { readStatusFile } from "./status-file.js";

/**
 * The reconcile record as `plugdeps status` (and doctor) show it: read-only, never throws, and
 * judged against the clock the caller passes. Undefined when the plan has no writable stage base
 * (there is then nowhere a record could be).
 */
export const reconcileView = (plan: PlanDocument, nowMs: number): ReconcileView | undefined => {
  const base = plan.observed.candidates.find((c) => c.role === "target")?.path;
  if (base === undefined) return undefined;
  const read = readStatusFile(statusFileIn(base));
  switch (read._tag) {
    case "Missing":
      return { state: "missing", file: read.path };
    case "Invalid":
      return { state: "invalid", file: read.path, problem: read.error.message };
    case "Found": {
      const s = recordStaleness(read.status, nowMs);
      return {
        state: "found",
        file: read.path,
        stale: s.stale,
        ageSeconds: Number.isFinite(s.ageMs) ? Math.round(s.ageMs / 1000) : null,
        staleAfterSeconds: s.limitMs / 1000,
        forCurrentRoot: read.status.root === plan.desired.targetRoot,
        record: read.status,
      };
    }
  }
};
