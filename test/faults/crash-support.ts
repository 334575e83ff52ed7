import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "vitest";
import type { PlanDocumentJson } from "../../src/model/plan.js";
import { type ApplySandbox, leftovers, readState, spawnLines } from "../support/apply.js";
import {
  allGenerations,
  applyArgs,
  describeEnded,
  type Ended,
  expectClean,
  expectExit0,
  expectLiveOneOf,
  generationsOf,
  type ReaderReport,
  runCliProcess,
} from "./support.js";

/** What the crash files share: the figures they print, convergence after a kill, re-syncing. */

export const NO_CHANGES = "No changes. Runtime dependencies match the plugin plan.";

interface Figure {
  fault: string;
  runs: number;
  converged: number;
  readerIterations: number;
  readerResolutions: number;
  readerFailures: number;
}
const figures: Figure[] = [];

/** The numbers RELIABILITY.md reports: printed, since the table is written by hand from a run. */
export const printFigures = (): void => {
  for (const f of figures) {
    console.log(
      `[faults] ${f.fault}: ${f.converged}/${f.runs} converged; reader ${f.readerResolutions} resolutions in ${f.readerIterations} iterations, ${f.readerFailures} failures`,
    );
  }
};

export const record = (fault: string, report: ReaderReport | null, converged: boolean): void => {
  let f = figures.find((x) => x.fault === fault);
  if (f === undefined) {
    f = { fault, runs: 0, converged: 0, readerIterations: 0, readerResolutions: 0, readerFailures: 0 };
    figures.push(f);
  }
  f.runs++;
  if (converged) f.converged++;
  if (report !== null) {
    f.readerIterations += report.iterations;
    f.readerResolutions += report.resolutions;
    f.readerFailures += report.failureCount;
  }
};

/**
 * After a kill: a normal apply converges to `to` (exit 0, validates), the next one is a no-op
 * that starts no package manager, and the stage base holds no leftovers, no lock, at most the
 * live and one previous generation of the root, and no generation of any other root.
 */
export const expectConverges = async (
  sb: ApplySandbox,
  args: string[],
  to: PlanDocumentJson,
): Promise<Ended> => {
  const root = to.desired.targetRoot;
  const recovered = expectExit0(await runCliProcess(sb, args));
  expect(await expectLiveOneOf(root, [to]), describeEnded(recovered)).toBe(0);
  const spawns = spawnLines(sb).length;
  const again = expectExit0(await runCliProcess(sb, args));
  expect(again.stdout, describeEnded(again)).toContain(NO_CHANGES);
  expect(spawnLines(sb), "the second apply runs no package manager").toHaveLength(spawns);
  expectClean(sb.stage);
  expect(generationsOf(root).length).toBeLessThanOrEqual(2);
  expect(
    allGenerations(sb.stage).filter((g) => !g.startsWith(`${path.basename(root)}.gen-`)),
    "generations of other roots (orphaned by an interrupted prune)",
  ).toEqual([]);
  return recovered;
};

/**
 * Where the chain really is: the index of the plan whose fingerprint the live state records. If
 * an earlier test failed half-way, a plain apply of that state first tidies what it left, so one
 * failure does not knock every later test out of step.
 */
export const resync = async (
  sb: ApplySandbox,
  chain: readonly string[],
  plans: readonly PlanDocumentJson[],
) => {
  const root = plans[0]?.desired.targetRoot ?? "";
  const at = plans.findIndex((p) => p.desired.fingerprint === readState(root).planFingerprint);
  if (at < 0) throw new Error(`${root} is live with none of the chain's plans`);
  if (leftovers(sb.stage).length > 0 || fs.existsSync(`${root}.lock`)) {
    expectExit0(await runCliProcess(sb, applyArgs(sb, chain[at] ?? "")));
  }
  return at;
};
