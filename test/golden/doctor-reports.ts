import type { Int } from "io-ts";
import { noWritableStageBase } from "../../src/model/errors.js";
import type { PlanDocument } from "../../src/model/plan.js";
import { type DoctorFacts, findingFromError, findingsFrom } from "../../src/doctor/checks.js";
import { DOCTOR_FORMAT_VERSION, type DoctorReport, type FixOutcome, summarizeFindings } from "../../src/model/doctor.js";
import { legacyOnly, noChanges, rich } from "./plans.js";

/**
 * Doctor reports for the golden tests, built from the plan fixtures with the real checks, so the
 * golden files show what those machines would get: the OpenClaw gateway mid-change (one of nearly
 * every finding), the profile host at rest, the developer box after `doctor --fix`, and a unit
 * whose stage base is read-only.
 */

const NOW = Date.parse("2026-03-04T10:30:00.000Z");

const hostOf = (plan: PlanDocument): DoctorReport["host"] => ({
  name: plan.host.name,
  version: plan.host.version,
  packageRoot: plan.host.packageRoot,
  adapter: plan.host.adapter,
});

const report = (plan: PlanDocument | null, findings: DoctorReport["findings"], fix: FixOutcome | null): DoctorReport => ({
  formatVersion: DOCTOR_FORMAT_VERSION,
  host: plan === null ? null : hostOf(plan),
  stageBase: plan === null ? null : plan.desired.stageBase,
  findings,
  fix,
  summary: summarizeFindings(findings),
});

const STALE_ROOT = rich.observed.previousRoots[1]?.path ?? "";

export const problemFacts: DoctorFacts = {
  plan: rich,
  current: { state: "owned", recordFingerprint: "sha256:0b1e" },
  rootPackages: 5,
  locks: [
    ...(rich.observed.lock === null ? [] : [{ root: rich.desired.targetRoot, lock: rich.observed.lock }]),
    {
      root: STALE_ROOT,
      lock: {
        path: `${STALE_ROOT}.lock`,
        owner: { pid: 3117 as Int, hostname: "gw-01", starttime: 5521, createdAt: 1769000000000, command: "plugdeps apply" },
        state: "stale",
        detail: "pid 3117 is not running",
      },
    },
  ],
  status: {
    file: `${rich.desired.stageBase}/.plugdeps/status.json`,
    finishedAtMs: Date.parse("2026-03-04T09:12:00.000Z"),
    intervalMs: 15 * 60_000,
  },
  host: "openclaw",
  now: NOW,
};

export const problems = report(rich, findingsFrom(problemFacts), null);

export const healthy = report(
  noChanges,
  findingsFrom({
    plan: noChanges,
    current: { state: "owned", recordFingerprint: noChanges.desired.fingerprint },
    rootPackages: 2,
    locks: [],
    status: {
      file: `${noChanges.desired.stageBase}/.plugdeps/status.json`,
      finishedAtMs: NOW - 4 * 60_000,
      intervalMs: 15 * 60_000,
    },
    host: "acme-gateway",
    now: NOW,
  }),
  null,
);

const legacyFacts: DoctorFacts = {
  plan: legacyOnly,
  current: { state: "owned", recordFingerprint: legacyOnly.desired.fingerprint },
  rootPackages: 1,
  locks: legacyOnly.observed.lock === null ? [] : [{ root: legacyOnly.desired.targetRoot, lock: legacyOnly.observed.lock }],
  status: null,
  host: "openclaw",
  now: NOW,
};
const legacyBefore = findingsFrom(legacyFacts);

/** After `--fix` on the developer box: apply cleaned the debris and the stale lock was reclaimed. */
export const fixed = report(legacyOnly, legacyBefore.filter((f) => !f.fixable), {
  fixed: legacyBefore.filter((f) => f.fixable),
  notFixed: legacyBefore.filter((f) => !f.fixable && f.severity !== "info"),
  applied: { reuse: 0, install: 0, prune: 0, cleanLegacy: 3 },
  messages: [
    `  x removed legacy ${legacyOnly.observed.debris[0]?.path ?? ""}`,
    `  x removed legacy ${legacyOnly.observed.debris[1]?.path ?? ""}`,
    `  x removed legacy ${legacyOnly.observed.debris[2]?.path ?? ""}`,
    `  reclaimed the stale lock ${legacyOnly.observed.lock?.path ?? ""}`,
  ],
});

export const noStage = report(
  null,
  [
    findingFromError(
      noWritableStageBase(
        [
          {
            path: "/var/lib/openclaw/plugin-runtime-deps",
            source: "OPENCLAW_PLUGIN_STAGE_DIR[0]",
            error: "EROFS: /var/lib is on a read-only filesystem",
          },
        ],
        "OPENCLAW_PLUGIN_STAGE_DIR (or STATE_DIRECTORY / OPENCLAW_STATE_DIR)",
      ),
    ),
  ],
  null,
);

/** Golden file stem -> report; each renders `<stem>.txt` (and the problems one `.json`). */
export const goldenDoctorReports: Readonly<Record<string, DoctorReport>> = {
  "doctor-problems": problems,
  "doctor-healthy": healthy,
  "doctor-fixed": fixed,
  "doctor-no-stage": noStage,
};
