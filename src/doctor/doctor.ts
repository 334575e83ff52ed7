import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { observe, type Observation } from "../observe/observe.js";
import type { RunOptions } from "../model/options.js";
import { makePlan, summarize } from "../run/plan.js";
import { apply } from "../run/apply.js";
import { acquireLock } from "../execute/lock.js";
import { rootPackages } from "../execute/materialization.js";
import type { ManagerChoice } from "../execute/package-manager.js";
import type { LockHolder, PlanDocument } from "../model/plan.js";
import { readLockHolder, realLockFacts } from "../observe/lock-holder.js";
import { diskUseFinding, type DoctorFacts, findingFromError, findingsFrom } from "./checks.js";
import { measureDiskUse } from "../observe/disk-use.js";
import {
  DOCTOR_FORMAT_VERSION,
  type DoctorReport,
  type Finding,
  type FixOutcome,
  findingKey,
  sortFindings,
  summarizeFindings,
} from "../model/doctor.js";
import { readStatusFacts } from "./status-facts.js";
import { compareHostCheck, runHostCheck } from "./host-check.js";
import type { Progress } from "../util/progress.js";

/**
 * `plugdeps doctor [--fix]`.
 *
 * Without `--fix` it is read-only like `plan` (LESSONS: openclaw #71743, read-only commands
 * triggered installs): one observation with the access(2) probe, no lock, no write.
 *
 * `--fix` deletes nothing itself. Debris, stale roots and the materialization are repaired by
 * `apply()` with the normal options: the same lock, the same delete-time ownership and
 * containment checks (removeWithin), the same validation. Stale plugdeps locks that apply has no
 * reason to touch (the root is converged, or the lock guards a retained previous root) are
 * reclaimed through `acquireLock`, the path apply itself takes when it meets a stale lock. Then
 * doctor observes again: what is gone is "fixed", what remains is reported with its fix.
 */

export interface DoctorOptions extends Omit<RunOptions, "probe"> {
  readonly fix: boolean;
  /** Run the host's own dependency check where the host has one (host-check.ts). */
  readonly hostCheck?: boolean;
  readonly packageManager: ManagerChoice;
  readonly lockTimeoutMs: number;
  readonly onProgress?: Progress;
  /** SIGTERM/SIGINT (the CLI's): stops --fix's apply, its package manager included. */
  readonly signal?: AbortSignal;
}

interface Diagnosis {
  readonly report: Omit<DoctorReport, "fix" | "summary">;
  readonly ctx: Observation | null;
  readonly locks: DoctorFacts["locks"];
}

/** One read-only observation and its findings. */
export const diagnose = (
  opts: Omit<RunOptions, "probe"> & { readonly hostCheck?: boolean },
  now = Date.now(),
): Diagnosis => {
  const built = observe({ ...opts, probe: "access", observeReadOnlyStage: true });
  if (E.isLeft(built)) {
    return {
      report: {
        formatVersion: DOCTOR_FORMAT_VERSION,
        host: null,
        stageBase: null,
        findings: [findingFromError(built.left)],
      },
      ctx: null,
      locks: [],
    };
  }
  const ctx = built.right;
  const plan = makePlan(ctx);
  const locks = locksOf(ctx, plan);
  const facts: DoctorFacts = {
    plan,
    current:
      ctx.current._tag === "Owned"
        ? { state: "owned", recordFingerprint: ctx.current.root.state.planFingerprint }
        : ctx.current._tag === "Absent"
          ? { state: "absent" }
          : {
              state: "not-owned",
              reason: ctx.current.reason,
              ...(ctx.current.foreign === undefined
                ? {}
                : { foreign: { path: ctx.current.foreign.path, uid: ctx.current.foreign.uid } }),
            },
    rootPackages: rootPackages(plan).length,
    locks,
    status: readStatusFacts(ctx.stage.target.path),
    host: ctx.adapter.slug,
    now,
  };
  return {
    report: {
      formatVersion: DOCTOR_FORMAT_VERSION,
      host: {
        name: plan.host.name,
        version: plan.host.version,
        packageRoot: plan.host.packageRoot,
        adapter: plan.host.adapter,
      },
      stageBase: ctx.stage.target.path,
      findings: sortFindings([
        ...findingsFrom(facts),
        ...[
          diskUseFinding(
            measureDiskUse(ctx.stage.target.path, [
              ctx.desired.targetRoot,
              ...ctx.previous.map((r) => r.path),
            ]),
          ),
        ].filter((f): f is Finding => f !== null),
        ...(opts.hostCheck === true ? hostCheckFindings(ctx, plan, opts.env) : []),
      ]),
    },
    ctx,
    locks,
  };
};

/** The host's own check, when its adapter has one for this version (doctor/host-check.ts). */
const hostCheckFindings = (
  ctx: Observation,
  plan: PlanDocument,
  env: Readonly<Record<string, string | undefined>>,
): Finding[] => {
  const spec = ctx.adapter.hostCheck?.({
    version: ctx.identity.version,
    packageRoot: ctx.identity.packageRoot,
    stageList: [...ctx.stage.layers.map((l) => l.path), ctx.stage.target.path],
    config: plan.config.found ? plan.config.path : null,
  });
  return spec === undefined || spec === null ? [] : compareHostCheck(plan, spec, runHostCheck(spec, env));
};

/** The current root's lock and the locks beside previous roots (each with its root). */
const locksOf = (ctx: Observation, plan: PlanDocument): { root: string; lock: LockHolder }[] => [
  ...(plan.observed.lock === null ? [] : [{ root: plan.desired.targetRoot, lock: plan.observed.lock }]),
  ...ctx.previous.flatMap((r) => (r.lock === null ? [] : [{ root: r.path, lock: r.lock }])),
];

/** Finding kinds that `apply()` repairs. */
const APPLY_FIXES = new Set([
  "materialization-missing",
  "host-root-not-in-place",
  "host-check-missing",
  "materialization-not-owned",
  "materialization-foreign",
  "materialization-incomplete",
  "materialization-extraneous",
  "materialization-record-outdated",
  "stale-root",
  "legacy-debris",
  "stale-legacy-lock",
  "dangling-global-symlink",
  "beyond-retention",
]);

export const runDoctor = async (opts: DoctorOptions): Promise<DoctorReport> => {
  const before = diagnose(opts);
  if (!opts.fix) return finish(before.report, null);
  const progress = opts.onProgress ?? (() => undefined);
  const messages: string[] = [];
  // The report keeps each line as the text log showed it (a warning with its prefix).
  const say: Progress = (line, fields) => {
    messages.push(fields?.step === "warning" ? `warning: ${line}` : line);
    progress(line, fields);
  };
  let applied: FixOutcome["applied"] = null;

  if (before.ctx === null) {
    say("nothing can be fixed before plugdeps can observe the host (see the error above)", {
      step: "nothing-to-fix",
    });
  } else {
    const fixable = before.report.findings.filter((f) => f.fixable);
    if (fixable.some((f) => APPLY_FIXES.has(f.id))) {
      const result = await apply({
        ...opts,
        probe: "write",
        command: "plugdeps doctor --fix",
        onProgress: say,
      });
      if (E.isLeft(result))
        say(`apply failed: ${result.left.message}`, { step: "apply-failed", tag: result.left._tag });
      else {
        applied = summarize(result.right.executed);
        for (const skipped of result.right.skipped)
          say(`skipped: ${skipped}`, { step: "skipped", reason: skipped });
      }
    }
    for (const { root } of before.locks.filter(({ lock }) => lock.state === "stale")) {
      // apply may have reclaimed it already (it locks the current root when it has work).
      const now = readLockHolder(root, realLockFacts());
      if (now === null || now.state !== "stale") continue;
      const held = await acquireLock(root, { timeoutMs: 0, command: "plugdeps doctor --fix" });
      if (E.isLeft(held)) {
        say(
          `could not reclaim the lock beside ${path.basename(root)}: ${held.left.message.split("\n")[0] ?? ""}`,
          { step: "reclaim-lock-failed", root, tag: held.left._tag },
        );
        continue;
      }
      const released = await held.right.release();
      if (E.isLeft(released)) say(released.left.message, { step: "warning" });
      else say(`  reclaimed the stale lock ${now.path}`, { step: "reclaim-lock", path: now.path });
    }
  }

  const after = diagnose(opts);
  const beforeKeys = new Set(before.report.findings.map(findingKey));
  const afterKeys = new Set(after.report.findings.map(findingKey));
  const fix: FixOutcome = {
    fixed: before.report.findings.filter((f) => f.severity !== "info" && !afterKeys.has(findingKey(f))),
    notFixed: after.report.findings.filter((f) => f.severity !== "info" && beforeKeys.has(findingKey(f))),
    applied,
    messages,
  };
  return finish(after.report, fix);
};

const finish = (report: Omit<DoctorReport, "fix" | "summary">, fix: FixOutcome | null): DoctorReport => ({
  ...report,
  fix,
  summary: summarizeFindings(report.findings),
});

/** Exit status: 1 while any error finding remains (after the fixes, with --fix). */
export const doctorHasErrors = (report: DoctorReport): boolean =>
  report.findings.some((f: Finding) => f.severity === "error");
