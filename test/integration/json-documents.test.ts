import * as fs from "node:fs";
import { Option } from "commander";
import { beforeAll, describe, expect, it } from "vitest";
import { buildProgram } from "../../src/cli/program.js";
import { planToJson } from "../../src/model/plan.js";
import { statusFileIn } from "../../src/model/layout.js";
import { renderPlanJson } from "../../src/render/plan-json.js";
import {
  addPlugin,
  APPLY_TIMEOUT_MS,
  type ApplySandbox,
  commonArgs,
  makeApplySandbox,
  run,
} from "../support/apply.js";
import { configFixture, describeRun, type RunResult } from "../support/cli.js";
import { DOCUMENTS, expectDocument } from "../support/json-documents.js";

/**
 * Every `--json` output of the BUILT CLI against a real host and the local registry, held to its
 * document (docs/json.md) strictly: decoded by the exported decode function, its formatVersion
 * asserted, and no key its codec does not declare. The commands are taken from the CLI itself:
 * a command that gains `--json` without a document in DOCUMENTS (test/support) fails the first test.
 */

const CONFIG = configFixture("demo.json5");

const { plan: PLAN, show: SHOW, status: STATUS, doctor: DOCTOR } = DOCUMENTS;
const { apply: APPLY, resolve: RESOLVE, rollback: ROLLBACK, reconcile: RECONCILE } = DOCUMENTS;

let sb: ApplySandbox;
const cli = (...args: string[]) => run(sb, args);
const target = (command: string, ...extra: string[]) => cli(command, ...commonArgs(sb, CONFIG), ...extra);
const exits = (r: RunResult, code: number): RunResult => {
  expect(r.exitCode, describeRun(r)).toBe(code);
  return r;
};

beforeAll(() => {
  sb = makeApplySandbox("pnpm");
});

describe("--json documents of the built CLI", () => {
  it("covers every command that has --json", () => {
    const program = buildProgram(
      { stdout: () => undefined, stderr: () => undefined, isTTY: false, env: {}, homedir: "/" },
      () => undefined,
    );
    const withJson = program.commands
      .filter((c) => c.options.some((o: Option) => o.long === "--json"))
      .map((c) => c.name())
      .sort();
    expect(withJson).toEqual(Object.keys(DOCUMENTS).sort());
  });

  it(
    "plan, show, doctor, apply (changes, no-op), status --verify, resolve, rollback, reconcile --once, doctor --fix",
    async () => {
      // plan: the document it prints is the one --out saves, and `show --json` prints it again
      const planFile = sb.at("deps.plan.json");
      const plan = expectDocument(PLAN, exits(await target("plan", "--json", "--out", planFile), 0));
      expect(fs.readFileSync(planFile, "utf8")).toBe(renderPlanJson(plan));
      const shown = exits(await cli("show", planFile, "--json"), 0);
      expectDocument(SHOW, shown);
      expect(shown.stdout).toBe(fs.readFileSync(planFile, "utf8"));
      expect(JSON.parse(shown.stdout)).toEqual(planToJson(plan));

      // doctor before the first apply: findings of every kind the demo host has (exit 1: errors)
      const before = await target("doctor", "--no-host-check", "--json");
      expect([0, 1], describeRun(before)).toContain(before.exitCode);
      expectDocument(DOCTOR, before);

      // apply the saved plan, then again (a no-op), then once more (the no-op stamp's replay)
      const applied = expectDocument(APPLY, exits(await target("apply", planFile, "--json"), 0));
      expect(applied.noop).toBe(false);
      expect(applied.executed.install).toBeGreaterThan(0);
      for (let i = 0; i < 2; i++) {
        const again = expectDocument(APPLY, exits(await target("apply", "--json"), 0));
        expect(again.noop).toBe(true);
      }

      // status with the live root verified; no reconcile record yet
      const status = expectDocument(STATUS, exits(await target("status", "--verify", "--json"), 0));
      expect(status).toMatchObject({ inSync: true, verify: { ok: true }, reconcile: { state: "missing" } });

      // resolve: an import the root serves (exit 0), and one that would fail (exit 1)
      const served = expectDocument(
        RESOLVE,
        exits(
          await cli("resolve", "--stage-dir", sb.stage, "--plugin", "slack", "@fixture/slack-sdk", "--json"),
          0,
        ),
      );
      expect(served).toMatchObject({ outcome: "root", handled: true });
      const missing = expectDocument(
        RESOLVE,
        exits(
          await cli("resolve", "--stage-dir", sb.stage, "--plugin", "slack", "@fixture/nowhere", "--json"),
          1,
        ),
      );
      expect(missing).toMatchObject({ outcome: "not-found", handled: false });

      // a plugin added, applied: a second generation to roll back from
      addPlugin(sb.host, "extra", { "@fixture/exports-only": "1.0.0" });
      exits(await target("apply", "--json"), 0);
      const rolledBack = expectDocument(ROLLBACK, exits(await target("rollback", "--json"), 0));
      expect(rolledBack).toMatchObject({ rolledBack: true });
      expect(rolledBack.from).not.toBe(rolledBack.to);

      // reconcile --once --json: one pass (it converges again after the rollback); stdout is the
      // record alone, byte for byte the status file, and the log line went to stderr
      const pass = exits(await target("reconcile", "--once", "--json"), 0);
      const record = expectDocument(RECONCILE, pass);
      expect(record.lastPass.outcome).toBe("Applied");
      expect(record.nextPassAt).toBeUndefined();
      expect(pass.stdout).toBe(fs.readFileSync(statusFileIn(sb.stage), "utf8"));
      expect(pass.stderr).toMatch(/pass 1 \(start\): Applied/);

      // status now shows the record (the reconcile view's `found` member)
      const withRecord = expectDocument(STATUS, exits(await target("status", "--json"), 0));
      expect(withRecord.reconcile).toMatchObject({ state: "found", forCurrentRoot: true });
      expect(withRecord.reconcile?.state === "found" && withRecord.reconcile.record).toEqual(record);

      // doctor --fix: the report with its fix outcome
      const fixed = await target("doctor", "--no-host-check", "--fix", "--json");
      expect([0, 1], describeRun(fixed)).toContain(fixed.exitCode);
      const report = expectDocument(DOCTOR, fixed);
      expect(report.fix).not.toBeNull();
    },
    APPLY_TIMEOUT_MS * 4,
  );

  it("reconcile --json without --once is a usage error, and prints nothing on stdout", async () => {
    const r = exits(await target("reconcile", "--json"), 1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("--json needs --once");
  });
});
