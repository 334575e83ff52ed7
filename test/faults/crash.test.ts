import * as fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FailpointName } from "../../src/execute/failpoint.js";
import type { PlanDocumentJson } from "../../src/model/plan.js";
import {
  APPLY_TIMEOUT_MS,
  type ApplySandbox,
  makeApplySandbox,
  liveTarget,
  type Manager,
  setHostVersion,
  spawnLines,
  spawnsByStage,
} from "../support/apply.js";
import {
  applyArgs,
  createDebris,
  describeEnded,
  expectExit0,
  expectKilled,
  expectLiveOneOf,
  forgetOrphanPids,
  freezeOrphans,
  killAll,
  planOf,
  type ProcessId,
  type ReaderReport,
  runCliProcess,
  startReader,
  stillRunning,
  writeChain,
} from "./support.js";
import { expectConverges, printFigures, record, resync } from "./crash-support.js";

/**
 * SIGKILL at every named failpoint (PLUGDEPS_FAILPOINT, SPEC §4.5) and at random times from
 * outside. Each kill starts from a converged root and a changed desired state that needs a new
 * generation built with an install (plus legacy debris to clean, and for `during-prune` a previous
 * root beyond the retention). After the kill:
 * - the live root is exactly the previous validated state or the new one (deterministic per
 *   failpoint), never a partial generation;
 * - a reader process resolving every desired package of the live state in a loop saw no failure;
 * - the next apply converges, the one after is a no-op that runs no package manager, and no
 *   stage, link, lock or orphaned generation is left behind.
 */

afterAll(printFigures);

const REPETITIONS = 3;

/** Which state a kill at each point leaves live: the swap is the only moment it changes. */
const LEAVES: Record<FailpointName, "previous" | "new"> = {
  "after-lock": "previous",
  "after-stage-seeded": "previous",
  "during-install": "previous",
  "after-install": "previous",
  "after-validate": "previous",
  "between-swap-steps": "previous",
  "after-swap-before-cleanup": "new",
  "during-prune": "new",
  "during-clean-legacy": "new",
};

/** The debris is gone (after a successful apply). */
const expectNoDebris = (debris: readonly string[]): void => {
  expect(debris.filter((d) => fs.existsSync(d))).toEqual([]);
};

/**
 * One sandbox per manager for all its failpoints: every repetition moves one step along the
 * config chain, so after each failpoint's repetitions (a multiple of 3) the root is back where it
 * started, converged on chain[0].
 */
const crashAt = (pm: Manager, failpoints: readonly FailpointName[], repetitions: number) => {
  describe(`SIGKILL at named failpoints (${pm})`, () => {
    let sb: ApplySandbox;
    let chain: string[];
    let plans: PlanDocumentJson[];
    let step = 0;

    beforeAll(async () => {
      sb = makeApplySandbox(pm);
      chain = writeChain(sb);
      plans = await Promise.all(chain.map((c) => planOf(sb, c)));
      expectExit0(await runCliProcess(sb, applyArgs(sb, chain[0] ?? "")));
    }, APPLY_TIMEOUT_MS);

    for (const failpoint of failpoints) {
      for (let rep = 0; rep < repetitions; rep++) {
        it(`${failpoint} #${rep + 1}: the previous or the new state is live, a reader never fails, the next apply converges`, async () => {
          step = await resync(sb, chain, plans);
          const from = plans[step % 3];
          const to = plans[(step + 1) % 3];
          const config = chain[(step + 1) % 3];
          if (from === undefined || to === undefined || config === undefined) throw new Error("chain");
          const root = to.desired.targetRoot;
          await expectLiveOneOf(root, [from]);
          // legacy debris only where it is the point: with it, every apply has work, which would
          // hide what a converged-but-interrupted run leaves behind (a stale lock, a generation)
          const debris = failpoint === "during-clean-legacy" ? createDebris(sb.host) : [];
          const reader = startReader(sb, { roots: [root], plans: [from, to] });
          await reader.warmedUp();
          let report: ReaderReport | null = null;
          let converged = false;
          let orphans: ProcessId[] = [];
          try {
            const spawnsBefore = spawnLines(sb).length;
            const killed = expectKilled(
              await runCliProcess(sb, applyArgs(sb, config), { PLUGDEPS_FAILPOINT: failpoint }),
            );
            // SIGKILL does not reach the package manager: it runs on in the abandoned stage
            orphans = freezeOrphans(sb.stage);
            if (failpoint === "during-install") {
              expect(orphans.length, "the package manager outlived the killed apply").toBeGreaterThan(0);
              // the second time, as if the kill had come between the spawn and the recording of
              // its pid (a window of a few hundred microseconds): only the directory is known
              if (rep === 1) forgetOrphanPids(sb.stage);
            }
            const which = await expectLiveOneOf(root, [from, to]);
            expect(which === 0 ? "previous" : "new", describeEnded(killed)).toBe(LEAVES[failpoint]);
            // at most one build, and only a kill after the lock gets that far
            const builds = spawnsByStage(sb, spawnLines(sb).slice(spawnsBefore)).size;
            expect(builds).toBeLessThanOrEqual(
              failpoint === "after-lock" || failpoint === "after-stage-seeded" ? 0 : 1,
            );
            // the killed holder released nothing: its lock is still there
            expect(fs.existsSync(`${root}.lock`)).toBe(true);

            const recovered = await expectConverges(sb, applyArgs(sb, config), to);
            expect(
              orphans.filter(stillRunning),
              `orphans after the next apply\n${describeEnded(recovered)}`,
            ).toEqual([]);
            expectNoDebris(debris);
            converged = true;
            step++;
          } finally {
            killAll(orphans);
            report = await reader.stop();
            record(`kill at ${failpoint} (${pm})`, report, converged);
          }
          expect(report.failures, "the reader's failures").toEqual([]);
          expect(report.liveIterations).toBeGreaterThan(0);
          expect(report.resolutions).toBeGreaterThan(0);
        });
      }
    }
  });
};

crashAt(
  "pnpm",
  [
    "after-lock",
    "after-stage-seeded",
    "during-install",
    "after-install",
    "after-validate",
    "between-swap-steps",
    "after-swap-before-cleanup",
    "during-clean-legacy",
  ],
  REPETITIONS,
);
/**
 * during-prune: each repetition upgrades the host (a new versioned root) with retention 0, so the
 * previous root is pruned in the same apply, after the new one went live. The failpoint sits
 * between removing the old root's link and removing its generations.
 */
describe("SIGKILL at during-prune (pnpm)", () => {
  let sb: ApplySandbox;
  let chain: string[];
  let extra: string[];

  beforeAll(async () => {
    sb = makeApplySandbox("pnpm");
    chain = writeChain(sb);
    const settings = sb.at("settings.json5");
    fs.writeFileSync(settings, "{ retention: 0 }\n");
    extra = ["--settings", settings];
    expectExit0(await runCliProcess(sb, applyArgs(sb, chain[0] ?? "", ...extra)));
  }, APPLY_TIMEOUT_MS);

  for (let rep = 0; rep < REPETITIONS; rep++) {
    it(`#${rep + 1}: the new root is live, the old one goes, a reader never fails, the next apply converges`, async () => {
      const fromConfig = chain[rep % 3] ?? "";
      const toConfig = chain[(rep + 1) % 3] ?? "";
      const from = await planOf(sb, fromConfig, extra);
      const oldRoot = from.desired.targetRoot;
      await expectLiveOneOf(oldRoot, [from]);
      setHostVersion(sb.host, `2026.4.29-rc.${rep + 1}`);
      const to = await planOf(sb, toConfig, extra);
      const newRoot = to.desired.targetRoot;
      expect(newRoot).not.toBe(oldRoot);
      expect(to.actions.filter((a) => a.type === "prune" && a.set === null).map((a) => a.targets)).toEqual([
        [oldRoot],
      ]);
      const reader = startReader(sb, { roots: [newRoot, oldRoot], plans: [from, to] });
      await reader.warmedUp();
      let report: ReaderReport | null = null;
      let converged = false;
      try {
        expectKilled(
          await runCliProcess(sb, applyArgs(sb, toConfig, ...extra), { PLUGDEPS_FAILPOINT: "during-prune" }),
        );
        expect(await expectLiveOneOf(newRoot, [from, to])).toBe(1);
        expect(liveTarget(oldRoot), "the old root's link went first").toBeNull();
        await expectConverges(sb, applyArgs(sb, toConfig, ...extra), to);
        expect(fs.existsSync(oldRoot)).toBe(false);
        converged = true;
      } finally {
        report = await reader.stop();
        record("kill at during-prune (pnpm)", report, converged);
      }
      expect(report.failures, "the reader's failures").toEqual([]);
      expect(report.resolutions).toBeGreaterThan(0);
    });
  }
});

// npm: one representative case (its install is the slowest step, so the kill lands inside it)
crashAt("npm", ["during-install"], 1);
