import * as fs from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import {
  configFixture,
  describeRun,
  makeSandbox,
  runCli,
  type Sandbox,
  sandboxArgs,
} from "../support/cli.js";

/**
 * `plugdeps show PLANFILE` (issue 16 item 5): a plan saved with `plan --out` rendered again, like
 * `terraform show`: the human rendering `plan` printed, or the same JSON bytes; a file that is
 * not a plan is a PlanFileInvalid error with the command that writes a good one.
 */
describe("plugdeps show PLANFILE", () => {
  let sb: Sandbox;
  let planfile: string;
  let planHuman: string;

  beforeAll(async () => {
    sb = makeSandbox({ stage: "demo" });
    planfile = sb.at("saved.plan.json");
    const r = await runCli(sandboxArgs("plan", sb, configFixture("demo.json5"), "--out", planfile), {
      home: sb.home,
    });
    expect(r.exitCode, describeRun(r)).toBe(0);
    planHuman = r.stdout;
  });

  it("renders the saved plan as plan did, after a header naming the file", async () => {
    // The host changes after the plan was saved: show reads only the file, never the host.
    fs.rmSync(sb.host, { recursive: true, force: true });
    const r = await runCli(["show", planfile], { home: sb.home });
    expect(r.exitCode, describeRun(r)).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout.startsWith(`Saved plan ${planfile} `), describeRun(r)).toBe(true);
    expect(r.stdout.endsWith(planHuman), describeRun(r)).toBe(true);
    expect(r.stdout).toMatch(/Plan: \d+ to reuse, \d+ to install, \d+ to prune, \d+ legacy to clean[.;]/);
  });

  it("--json prints the document byte for byte as plan --out wrote it", async () => {
    const r = await runCli(["show", planfile, "--json"], { home: sb.home });
    expect(r.exitCode, describeRun(r)).toBe(0);
    expect(r.stdout).toBe(fs.readFileSync(planfile, "utf8"));
  });

  it.each([
    ["not JSON", "{ this is not json", /not valid JSON at line 1/],
    ["another format version", JSON.stringify({ formatVersion: 7 }), /formatVersion 7/],
    [
      "keys that do not match",
      JSON.stringify({ formatVersion: 1, host: 3 }),
      /keys do not match the plan format/,
    ],
  ])("a file with %s: PlanFileInvalid, exit 1, with the fix", async (_what, text, detail) => {
    const bad = sb.at("bad.json");
    fs.writeFileSync(bad, text);
    const r = await runCli(["show", bad], { home: sb.home });
    expect(r.exitCode, describeRun(r)).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^Error: plan file .*bad\.json is not a plugdeps plan: /);
    expect(r.stderr).toMatch(detail);
    expect(r.stderr).toContain("Fix: re-create it with `plugdeps plan --out");
    const json = await runCli(["show", bad, "--log-format", "json"], { home: sb.home });
    expect(json.exitCode).toBe(1);
    expect((JSON.parse(json.stderr) as { tag: string }).tag).toBe("PlanFileInvalid");
  });

  it("a missing file: exit 1, naming it", async () => {
    const r = await runCli(["show", sb.at("nope.json")], { home: sb.home });
    expect(r.exitCode, describeRun(r)).toBe(1);
    expect(r.stderr).toContain(`${sb.at("nope.json")}: ENOENT`);
  });
});
