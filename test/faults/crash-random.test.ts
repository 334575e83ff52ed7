import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PlanDocumentJson } from "../../src/model/plan.js";
import { APPLY_TIMEOUT_MS, type ApplySandbox, makeApplySandbox } from "../support/apply.js";
import {
  applyArgs,
  describeEnded,
  expectExit0,
  expectLiveOneOf,
  freezeOrphans,
  killAll,
  mulberry32,
  planOf,
  type ProcessId,
  type ReaderReport,
  runCliProcess,
  seedFromEnv,
  startCli,
  startReader,
  stillRunning,
  writeChain,
} from "./support.js";
import { expectConverges, printFigures, record, resync } from "./crash-support.js";
import { sleep } from "../support/wait.js";

afterAll(printFigures);

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
  let plans: PlanDocumentJson[];
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
