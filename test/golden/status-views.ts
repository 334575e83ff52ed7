import type { ReconcileStatus } from "../../src/model/status.js";
import type { StatusView } from "../../src/render/status-human.js";
import { noChanges, rich } from "./plans.js";

/**
 * Status views for the golden tests, derived from the plan fixtures so both describe the same
 * machines: the profile host at rest, and the OpenClaw gateway mid-change with a live lock.
 */

const candidate = (plan: typeof rich, role: "target") => plan.observed.candidates.find((c) => c.role === role) ?? null;

export const inSync: StatusView = {
  formatVersion: 1,
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
  formatVersion: 1,
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

// --- with the reconcile loop's status record -------------------------------------------------

const statusFile = (view: StatusView): string => `${view.stageBase?.path ?? "/nowhere"}/.plugdeps/status.json`;

/** The profile host, converged by a loop running every 15 minutes; the last pass installed one package. */
const readyRecord: ReconcileStatus = {
  formatVersion: 1,
  host: { name: noChanges.host.name, version: noChanges.host.version, packageRoot: noChanges.host.packageRoot, adapter: noChanges.host.adapter },
  root: noChanges.desired.targetRoot,
  updatedAt: "2026-03-04T10:15:02.311Z",
  lastPass: {
    startedAt: "2026-03-04T10:14:58.902Z",
    finishedAt: "2026-03-04T10:15:02.311Z",
    outcome: "Applied",
    actions: { reuse: 0, install: 1, prune: 0, cleanLegacy: 0 },
  },
  interval: 900,
  conditions: [
    {
      type: "Ready",
      status: "True",
      reason: "Converged",
      message: "the live root holds every dependency the plugin plan needs",
      observedFingerprint: noChanges.desired.fingerprint,
      lastTransitionTime: "2026-03-01T08:00:11.020Z",
    },
    {
      type: "Progressing",
      status: "False",
      reason: "Applied",
      message: "applied 0 reuse, 1 install, 0 prune, 0 clean-legacy",
      observedFingerprint: noChanges.desired.fingerprint,
      lastTransitionTime: "2026-03-04T10:15:02.311Z",
    },
    {
      type: "Degraded",
      status: "False",
      reason: "PassSucceeded",
      message: "the last pass succeeded",
      observedFingerprint: noChanges.desired.fingerprint,
      lastTransitionTime: "2026-03-01T08:00:11.020Z",
    },
  ],
  nextPassAt: "2026-03-04T10:29:41.007Z",
  tool: { name: "plugdeps", version: "0.1.0" },
};

export const reconcileReady: StatusView = {
  ...inSync,
  reconcile: {
    state: "found",
    file: statusFile(inSync),
    stale: false,
    ageSeconds: 312,
    staleAfterSeconds: 1800,
    forCurrentRoot: true,
    record: readyRecord,
  },
};

/**
 * The gateway whose loop died during a registry outage: the record says Degraded, and it is
 * hours old, so `status` must not let it pass for the current truth.
 */
export const reconcileStaleDegraded: StatusView = {
  ...outOfSync,
  reconcile: {
    state: "found",
    file: statusFile(outOfSync),
    stale: true,
    ageSeconds: 3 * 3600 + 14 * 60,
    staleAfterSeconds: 1800,
    forCurrentRoot: true,
    record: {
      ...readyRecord,
      host: { name: rich.host.name, version: rich.host.version, packageRoot: rich.host.packageRoot, adapter: rich.host.adapter },
      root: rich.desired.targetRoot,
      updatedAt: "2026-03-04T06:45:19.550Z",
      lastPass: {
        startedAt: "2026-03-04T06:45:12.004Z",
        finishedAt: "2026-03-04T06:45:19.550Z",
        outcome: "Failed",
        actions: { reuse: 0, install: 0, prune: 0, cleanLegacy: 0 },
        error: {
          reason: "PackageManagerFailed",
          message: "pnpm install exited with code 1 while installing @fixture/ws@^8.0.0; the live root is unchanged.\nLast lines of ...",
        },
      },
      conditions: [
        {
          type: "Ready",
          status: "False",
          reason: "PackageManagerFailed",
          message:
            "the live root does not match the plugin plan (3 to install, 1 to reuse); the last pass failed: pnpm install exited with code 1 while installing @fixture/ws@^8.0.0; the live root is unchanged.",
          observedFingerprint: rich.desired.fingerprint,
          lastTransitionTime: "2026-03-04T06:30:08.411Z",
        },
        {
          type: "Progressing",
          status: "True",
          reason: "Backoff",
          message: "retrying in 40s after PackageManagerFailed",
          observedFingerprint: rich.desired.fingerprint,
          lastTransitionTime: "2026-03-04T06:30:08.411Z",
        },
        {
          type: "Degraded",
          status: "True",
          reason: "PackageManagerFailed",
          message: "pnpm install exited with code 1 while installing @fixture/ws@^8.0.0; the live root is unchanged.\nLast lines of ...",
          observedFingerprint: rich.desired.fingerprint,
          lastTransitionTime: "2026-03-04T06:30:08.411Z",
        },
      ],
      nextPassAt: "2026-03-04T06:45:59.550Z",
    },
  },
};

/** A truncated record (a full disk during an old, non-atomic write, or a hand edit). */
export const reconcileUnreadable: StatusView = {
  ...inSync,
  reconcile: {
    state: "invalid",
    file: statusFile(inSync),
    problem: `${statusFile(inSync)}:14:5: not valid JSON: Unexpected end of JSON input. Fix the syntax at that position.`,
  },
};

/** Golden file stem -> status view. */
export const goldenStatusViews: Readonly<Record<string, StatusView>> = {
  "status-in-sync": inSync,
  "status-out-of-sync": outOfSync,
  "status-reconcile-ready": reconcileReady,
  "status-reconcile-stale-degraded": reconcileStaleDegraded,
  "status-reconcile-unreadable": reconcileUnreadable,
};
