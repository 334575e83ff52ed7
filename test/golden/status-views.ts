import type { StatusView } from "../../src/render/status-human.js";
import { noChanges, rich } from "./plans.js";

/**
 * Status views for the golden tests, derived from the plan fixtures so both describe the same
 * machines: the profile host at rest, and the OpenClaw gateway mid-change with a live lock.
 */

const candidate = (plan: typeof rich, role: "target") => plan.observed.candidates.find((c) => c.role === role) ?? null;

export const inSync: StatusView = {
  host: noChanges.host,
  stageBase: candidate(noChanges, "target"),
  candidates: noChanges.observed.candidates,
  currentRoot: noChanges.observed.currentRoot,
  previousRoots: noChanges.observed.previousRoots,
  lock: null,
  debris: [],
  plugins: { total: 3, active: 2, invalid: 0 },
  inSync: true,
  pendingActions: null,
};

export const outOfSync: StatusView = {
  host: rich.host,
  stageBase: candidate(rich, "target"),
  candidates: rich.observed.candidates,
  currentRoot: rich.observed.currentRoot,
  previousRoots: rich.observed.previousRoots,
  lock: rich.observed.lock,
  debris: rich.observed.debris,
  plugins: { total: 8, active: 5, invalid: 1 },
  inSync: false,
  pendingActions: rich.summary,
};

/** Golden file stem -> status view. */
export const goldenStatusViews: Readonly<Record<string, StatusView>> = {
  "status-in-sync": inSync,
  "status-out-of-sync": outOfSync,
};
