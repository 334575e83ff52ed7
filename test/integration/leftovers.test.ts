import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { configFixture, describeRun, NO_CHANGES } from "../support/cli.js";
import {
  APPLY_TIMEOUT_MS,
  type ApplySandbox,
  commonArgs,
  expectOk,
  makeApplySandbox,
  planJson,
  run,
} from "../support/apply.js";

/**
 * What an interrupted run leaves (here: a stage, as a kill during a build leaves it) is part of
 * the one observation: plan lists it under observed.leftovers and still says "No changes" (it is
 * not an action), doctor reports it, and the next apply removes it under the lock.
 */
describe("leftovers of an interrupted run: seen by plan and doctor, tidied by apply", () => {
  let sb: ApplySandbox;
  let stage: string;

  beforeAll(async () => {
    sb = makeApplySandbox("pnpm");
    expectOk(await run(sb, ["apply", ...commonArgs(sb, configFixture("demo.json5"))]));
    const root = (await planJson(sb)).desired.targetRoot;
    stage = path.join(sb.stage, `.plugdeps-stage-${path.basename(root)}-000000000abcdef`);
    fs.mkdirSync(path.join(stage, "node_modules"), { recursive: true });
  }, APPLY_TIMEOUT_MS);

  it("plan: listed under observed.leftovers, and still no action", async () => {
    const plan = await planJson(sb);
    expect(plan.actions).toEqual([]);
    expect(plan.observed.leftovers).toEqual([{ kind: "stage", path: stage }]);
    const human = expectOk(await run(sb, ["plan", ...commonArgs(sb, configFixture("demo.json5"))]));
    expect(human.stdout).toContain(NO_CHANGES);
    expect(human.stdout).toContain(`. ${stage} (stage)`);
  });

  it("doctor: one leftover finding, fixed by apply", async () => {
    const r = await run(sb, ["doctor", "--json", ...commonArgs(sb, configFixture("demo.json5"))]);
    const report = JSON.parse(r.stdout) as { findings: { id: string; subject: string; fixable: boolean }[] };
    expect(
      report.findings.filter((f) => f.id === "leftover"),
      describeRun(r),
    ).toEqual([expect.objectContaining({ id: "leftover", subject: stage, fixable: true })]);
  });

  it("apply removes it under the lock, and plan no longer lists it", async () => {
    const r = expectOk(await run(sb, ["apply", ...commonArgs(sb, configFixture("demo.json5"))]));
    expect(r.stdout).toContain(`cleaned leftover ${path.basename(stage)} of an interrupted run`);
    expect(fs.existsSync(stage)).toBe(false);
    expect((await planJson(sb)).observed.leftovers).toEqual([]);
  });
});
