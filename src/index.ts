/**
 * plugdeps as a library: what the CLI runs is what a host embeds. `plan`, `apply`, `status`,
 * `doctor` and `resolve` take the options of the CLI command of the same name (src/api/options.ts;
 * `--flag-name` is `flagName`) and return what its `--json` prints, as a value. Every one returns
 * a `Promise<Either<PlugdepsError, T>>` (fp-ts): an expected failure (no host, a lock held past the
 * timeout, a failed install, a stale plan file) is a `Left` with the error the CLI prints, never a
 * rejected promise. docs/library.md has the example test/integration/library-api.test.ts runs.
 *
 *   import { plan, apply } from "plugdeps";
 *   const planned = await plan({ packageRoot: "/usr/lib/node_modules/openclaw" });
 *   if (planned._tag === "Right" && planned.right.actions.length > 0) await apply({ planFile: planned.right });
 *
 * `createPlan` (synchronous, memoized: a host checking at every start) is kept as it was.
 */
import * as os from "node:os";
import * as E from "fp-ts/lib/Either.js";
import { type Observation, observe } from "./observe/observe.js";
import type { RunOptions } from "./model/options.js";
import { makePlan } from "./run/plan.js";
import { makeMemo } from "./fastpath/memo.js";
import type { PlugdepsError } from "./model/errors.js";
import type { PlanDocument } from "./model/plan.js";
import type { DoctorReport } from "./model/doctor.js";
import type { ApplyDocument } from "./model/apply.js";
import type {
  ApplyCommandOptions,
  DoctorCommandOptions,
  PlanCommandOptions,
  ResolveCommandOptions,
  StatusCommandOptions,
} from "./api/options.js";
import { planDocument } from "./api/plan.js";
import { statusDocument } from "./api/status.js";
import { resolveDocument } from "./api/resolve.js";
import type { ResolveDocument } from "./model/resolve.js";
import type { StatusDocument } from "./model/status-view.js";

/** createPlan's options: RunOptions, every one optional. */
export type PlanOptions = Partial<RunOptions>;

/**
 * Computes the plan (SPEC §3) without writing anything and without taking the lock. Defaults:
 * the process environment and home directory, host detected, stage base probed with access(2).
 */
export const createPlan = (options: PlanOptions = {}): E.Either<PlugdepsError, PlanDocument> => {
  const { env = process.env, ...rest } = options;
  const opts = { probe: "access" as const, homedir: os.homedir(), ...rest };
  return planMemo(JSON.stringify(opts), env, (recorded) =>
    E.map((o: Observation) => ({ value: makePlan(o), reads: o.reads }))(
      observe({ ...opts, env: recorded, recordReads: true }),
    ),
  );
};

/**
 * Repeated calls (a host checking at every start or on a timer) reuse the last plan while every
 * file and directory it observed is unchanged and the environment reads the same (fastpath/memo.ts).
 * Callers must treat the returned document as read-only: it may be returned again.
 */
const planMemo = makeMemo<PlugdepsError, PlanDocument>();

/**
 * `plugdeps plan`: the plan document, observed and decided without writing anything (but `out`)
 * and without the lock. `renderPlanJson(plan)` is, byte for byte, what `plan --json` prints.
 */
export const plan = async (
  options: PlanCommandOptions = {},
): Promise<E.Either<PlugdepsError, PlanDocument>> => planDocument(options);

/**
 * `plugdeps apply [PLANFILE]`: converges the root under the install-root lock; the document
 * `apply --json` prints. `planFile` takes a path or a document `plan()` returned. While it runs,
 * the process umask includes 022 (as the CLI's always does). Loads the apply machinery (and
 * execa) on the first call only.
 */
export const apply = async (
  options: ApplyCommandOptions = {},
): Promise<E.Either<PlugdepsError, ApplyDocument>> => {
  const { runApply, applyDocument } = await import("./api/apply.js");
  return E.map(applyDocument)(await runApply(options));
};

/** `plugdeps status`: the document `status --json` prints (read-only, no lock). */
export const status = async (
  options: StatusCommandOptions = {},
): Promise<E.Either<PlugdepsError, StatusDocument>> => statusDocument(options);

/**
 * `plugdeps doctor [--fix]`: the report `doctor --json` prints. A host that cannot be observed is
 * an error finding in a Right; a Left only for options that are not valid. The CLI exits 1 when
 * `doctorHasErrors(report)`.
 */
export const doctor = async (
  options: DoctorCommandOptions = {},
): Promise<E.Either<PlugdepsError, DoctorReport>> => {
  const { runDoctorCommand } = await import("./api/doctor.js");
  return runDoctorCommand(options);
};

/**
 * `plugdeps resolve --plugin ID SPECIFIER`: the explanation `resolve --json` prints. An import
 * that would fail is a Right with `outcome: "not-found"` (the CLI exits 1); no record listing the
 * plugin is a Left.
 */
export const resolve = async (
  options: ResolveCommandOptions,
): Promise<E.Either<PlugdepsError, ResolveDocument>> => resolveDocument(options);

export { observe, type Observation } from "./observe/observe.js";
export { makePlan, summarize } from "./run/plan.js";
export type { RunOptions } from "./model/options.js";
export type { PlugdepsError, ErrorTag } from "./model/errors.js";
export * from "./model/plan.js";
export { RootState } from "./model/state.js";
export { LockOwner } from "./model/lock.js";
export { LAYOUT_VERSION } from "./model/layout.js";
export type { HostAdapter, PluginFacts, Decision, DiscoveredPlugin } from "./hosts/types.js";
export * from "./hosts/index.js";
export { computeDesired } from "./desired/desired.js";
export { renderPlanHuman } from "./render/plan-human.js";
export { renderPlanJson, decodePlanJson } from "./render/plan-json.js";
export { renderStatusHuman, type StatusView } from "./render/status-human.js";
// The --json documents (docs/json.md): one io-ts codec each (the plan's is PlanDocumentJson, above),
// a decode function that checks the formatVersion and names the key paths that do not match, and
// the renderer of what the command prints.
export { ApplyDocument, APPLY_FORMAT_VERSION } from "./model/apply.js";
export { DoctorReport, DOCTOR_FORMAT_VERSION } from "./model/doctor.js";
export { Landing, ResolveDocument, ResolveOutcome, RESOLVE_FORMAT_VERSION } from "./model/resolve.js";
export { RollbackDocument, ROLLBACK_FORMAT_VERSION } from "./model/rollback.js";
export { ReconcileDocument, ReconcileStatus, STATUS_FORMAT_VERSION } from "./model/status.js";
export { ReconcileView, StatusDocument, STATUS_VIEW_FORMAT_VERSION } from "./model/status-view.js";
export {
  decodeApplyJson,
  decodeDoctorJson,
  decodeReconcileJson,
  decodeResolveJson,
  decodeRollbackJson,
  decodeStatusJson,
  renderApplyJson,
  renderReconcileJson,
  renderResolveJson,
  renderRollbackJson,
  renderStatusJson,
} from "./render/documents.js";
export type {
  ApplyCommandOptions,
  CommonCommandOptions,
  DoctorCommandOptions,
  Duration,
  PlanCommandOptions,
  ResolveCommandOptions,
  StatusCommandOptions,
} from "./api/options.js";
export type { Finding, FixOutcome } from "./model/doctor.js";
export { renderDoctorJson } from "./model/doctor.js";
export { doctorHasErrors } from "./doctor/doctor.js";
export type { ResolveExplanation } from "./resolve/explain.js";
export { makeStyle, plainStyle } from "./render/style.js";
