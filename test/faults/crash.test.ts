import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FailpointName } from "../../src/execute/failpoint.js";
import type { PlanDocument } from "../../src/model/plan.js";
import { removeSandboxes } from "../support/cli.js";
import {
  APPLY_TIMEOUT_MS,
  type ApplySandbox,
  makeApplySandbox,
  liveTarget,
  leftovers,
  type Manager,
  readState,
  setHostVersion,
  spawnLines,
  spawnsByStage,
} from "../support/apply.js";
import {
  allGenerations,
  applyArgs,
  createDebris,
  describeEnded,
  type Ended,
  expectClean,
  expectExit0,
  expectKilled,
  expectLiveOneOf,
  forgetOrphanPids,
  freezeOrphans,
  generationsOf,
  killAll,
  mulberry32,
  planOf,
  type ProcessId,
  type ReaderReport,
  runCliProcess,
  seedFromEnv,
  sleep,
  startCli,
  startReader,
  stillRunning,
  writeChain,
} from "./support.js";

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

afterAll(removeSandboxes);

const NO_CHANGES = "No changes. Runtime dependencies match the plugin plan.";
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

interface Figure {
  fault: string;
  runs: number;
  converged: number;
  readerIterations: number;
  readerResolutions: number;
  readerFailures: number;
}
const figures: Figure[] = [];
afterAll(() => {
  // The numbers RELIABILITY.md reports: printed, since the table is written by hand from a run.
  for (const f of figures) {
    console.log(
      `[faults] ${f.fault}: ${f.converged}/${f.runs} converged; reader ${f.readerResolutions} resolutions in ${f.readerIterations} iterations, ${f.readerFailures} failures`,
    );
  }
});

const record = (fault: string, report: ReaderReport | null, converged: boolean): void => {
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
const expectConverges = async (sb: ApplySandbox, args: string[], to: PlanDocument): Promise<Ended> => {
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
const resync = async (sb: ApplySandbox, chain: readonly string[], plans: readonly PlanDocument[]) => {
  const root = plans[0]?.desired.targetRoot ?? "";
  const at = plans.findIndex((p) => p.desired.fingerprint === readState(root).planFingerprint);
  if (at < 0) throw new Error(`${root} is live with none of the chain's plans`);
  if (leftovers(sb.stage).length > 0 || fs.existsSync(`${root}.lock`)) {
    expectExit0(await runCliProcess(sb, applyArgs(sb, chain[at] ?? "")));
  }
  return at;
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
    let plans: PlanDocument[];
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
      setHostVersion(sb.host, `2026.6.${rep + 1}`);
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

/**
 * Kills from outside at random moments (SIGKILL of the plugdeps process only, as the OOM killer
 * does): the delays are drawn from a seeded RNG between 0 and (a little over) the duration of an
 * unkilled apply of the same kind, one per eighth of that span, so kills land anywhere from
 * start-up to the last cleanup. The seed is printed; FAULT_SEED=<seed> replays a run (the
 * moments are the same, what the process was doing at them varies with the machine's load).
 */
describe("SIGKILL at random times from outside (pnpm)", () => {
  const KILLS = 8;
  const seed = seedFromEnv();
  const random = mulberry32(seed);
  let sb: ApplySandbox;
  let chain: string[];
  let plans: PlanDocument[];
  let step = 1;
  let applyMs = 0;
  const outcomes = { killed: 0, finishedFirst: 0, previousLive: 0, newLive: 0, orphans: 0 };

  beforeAll(async () => {
    console.log(`[faults] random kills: seed ${seed} (replay with FAULT_SEED=${seed})`);
    sb = makeApplySandbox("pnpm");
    chain = writeChain(sb);
    plans = await Promise.all(chain.map((c) => planOf(sb, c)));
    expectExit0(await runCliProcess(sb, applyArgs(sb, chain[0] ?? "")));
    // the yardstick: one unkilled apply of a chain step (install + prune)
    const started = performance.now();
    expectExit0(await runCliProcess(sb, applyArgs(sb, chain[1] ?? "")));
    applyMs = performance.now() - started;
  }, APPLY_TIMEOUT_MS);

  afterAll(() => {
    console.log(
      `[faults] random kills (seed ${seed}, delays 0-${Math.round(applyMs * 1.1)} ms): ${outcomes.killed} killed mid-run, ${outcomes.finishedFirst} finished before the kill; previous state live after ${outcomes.previousLive}, new after ${outcomes.newLive}; ${outcomes.orphans} orphaned package managers stopped by the next run`,
    );
  });

  for (let k = 0; k < KILLS; k++) {
    it(`kill #${k + 1}: the previous or the new state is live, a reader never fails, the next apply converges`, async () => {
      step = await resync(sb, chain, plans);
      const from = plans[step % 3];
      const to = plans[(step + 1) % 3];
      const config = chain[(step + 1) % 3];
      if (from === undefined || to === undefined || config === undefined) throw new Error("chain");
      const root = to.desired.targetRoot;
      // stratified: kill k lands at a random moment of the k-th eighth of [0, 1.1 x the duration],
      // so the eight kills spread over start-up, build, swap and cleanup
      const delay = Math.round(((k + random()) / KILLS) * applyMs * 1.1);
      const context = `seed ${seed}, kill #${k + 1} after ${delay} ms`;
      const reader = startReader(sb, { roots: [root], plans: [from, to] });
      await reader.warmedUp();
      let report: ReaderReport | null = null;
      let converged = false;
      let orphans: ProcessId[] = [];
      try {
        const run = startCli(sb, applyArgs(sb, config));
        await sleep(delay);
        run.kill("SIGKILL");
        const ended = await run.done;
        orphans = freezeOrphans(sb.stage);
        if (ended.signal === "SIGKILL") outcomes.killed++;
        else {
          expect(ended.exitCode, `${context}\n${describeEnded(ended)}`).toBe(0);
          outcomes.finishedFirst++;
        }
        if ((await expectLiveOneOf(root, [from, to])) === 0) outcomes.previousLive++;
        else outcomes.newLive++;
        outcomes.orphans += orphans.length;
        const recovered = await expectConverges(sb, applyArgs(sb, config), to);
        expect(orphans.filter(stillRunning), `${context}: orphans\n${describeEnded(recovered)}`).toEqual([]);
        converged = true;
        step++;
      } finally {
        killAll(orphans);
        report = await reader.stop();
        record("kill at a random time (pnpm)", report, converged);
      }
      expect(report.failures, `${context}: the reader's failures`).toEqual([]);
      expect(report.resolutions).toBeGreaterThan(0);
    });
  }
});

// npm: one representative case (its install is the slowest step, so the kill lands inside it)
crashAt("npm", ["during-install"], 1);
