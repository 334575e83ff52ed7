/**
 * plugdeps as a library: what the CLI uses is what a host embeds. The read-only half of the
 * controller (plan, status) is a pure function of config, plugin metadata and what is on disk.
 *
 *   import { createPlan } from "plugdeps";
 *   const plan = createPlan({ packageRoot: "/usr/lib/node_modules/openclaw" });
 *   if (plan._tag === "Right" && plan.right.actions.length > 0) { ...run `plugdeps apply`... }
 */
import * as os from "node:os";
import * as E from "fp-ts/lib/Either.js";
import { type Observation, observe } from "./observe/observe.js";
import type { RunOptions } from "./model/options.js";
import { makePlan } from "./run/plan.js";
import { makeMemo } from "./fastpath/memo.js";
import type { PlugdepsError } from "./model/errors.js";
import type { PlanDocument } from "./model/plan.js";

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
export { makeStyle, plainStyle } from "./render/style.js";
