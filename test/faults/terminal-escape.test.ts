import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  configFixture,
  describeRun,
  makeSandbox,
  runCli,
  type RunResult,
  type Sandbox,
  sandboxArgs,
} from "../support/cli.js";
import { decodePlan } from "../support/apply.js";

/**
 * Issue 15 item 10b: ids, paths and reasons printed for a HUMAN never carry a raw control
 * character. A real plugin directory named `evil\n\x1b[31mx` in the host package (a newline and an
 * SGR escape sequence), and a valid plugin whose package.json declares a dependency named with an
 * escape sequence (an OSC title change), run through the BUILT CLI: `plan` reports the bad name
 * invalid (that plugin only: the rest of the plan proceeds) and the bad dependency rejected, and
 * its human output holds no ESC and no line that the names started. `--json` stays JSON, with the
 * names exact.
 */

const BAD_DIR = "evil\n\u001b[31mx";
const BAD_DEP = "dep\u001b]0;pwned\u0007";
// eslint-disable-next-line no-control-regex -- the point of the test
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

let sb: Sandbox;
const run = (...args: string[]): Promise<RunResult> =>
  runCli(sandboxArgs(args[0] ?? "plan", sb, configFixture("demo.json5"), ...args.slice(1)), {
    home: sb.home,
    env: { NO_COLOR: "1" },
  });

beforeAll(() => {
  sb = makeSandbox();
  const ext = path.join(sb.host, "dist", "extensions");
  const bad = path.join(ext, BAD_DIR);
  fs.mkdirSync(bad);
  fs.writeFileSync(
    path.join(bad, "package.json"),
    JSON.stringify({ dependencies: { "@fixture/logger": "1.0.0" } }),
  );
  fs.writeFileSync(
    path.join(bad, "openclaw.plugin.json"),
    JSON.stringify({ id: "evil", enabledByDefault: true }),
  );
  // slack is active in demo.json5: add a dependency whose NAME carries an escape sequence.
  const slackManifest = path.join(ext, "slack", "package.json");
  const pkg = JSON.parse(fs.readFileSync(slackManifest, "utf8")) as { dependencies?: Record<string, string> };
  pkg.dependencies = { ...pkg.dependencies, [BAD_DEP]: "1.0.0" };
  fs.writeFileSync(slackManifest, JSON.stringify(pkg, null, 2));
});

const expectNoRawControl = (r: RunResult): void => {
  for (const [stream, text] of [
    ["stdout", r.stdout],
    ["stderr", r.stderr],
  ] as const) {
    const bad = text.split("\n").filter((line) => RAW_CONTROL.test(line));
    expect(bad, `${stream} of ${describeRun(r)}`).toEqual([]);
    expect(text, stream).not.toContain("\u001b");
    // The name's newline did not start a line: no line begins with the part after it.
    expect(
      text.split("\n").filter((line) => line.startsWith("\u001b[31mx") || line.startsWith("[31mx")),
    ).toEqual([]);
  }
};

describe("a plugin directory named with a newline and an escape sequence", () => {
  it("plan (human): the plugin is invalid, shown escaped; the bad dependency is rejected, shown escaped", async () => {
    const r = await run("plan");
    expect(r.exitCode, describeRun(r)).toBe(0);
    expectNoRawControl(r);
    const line = r.stdout.split("\n").find((l) => l.includes("evil\\n\\u001b[31mx"));
    expect(line, r.stdout).toBeDefined();
    expect(line).toMatch(/! evil\\n\\u001b\[31mx\s+invalid\s+.*is not a valid plugin id/);
    expect(r.stdout).toContain("dep\\u001b]0;pwned\\u0007");
    // The rest of the plan proceeds: slack stays active.
    expect(r.stdout).toMatch(/✓ slack\s+active/);
  });

  it("plan --json: still JSON, the names exact, the plugin invalid with its reason", async () => {
    const r = await run("plan", "--json");
    expect(r.exitCode, describeRun(r)).toBe(0);
    const plan = decodePlan(r.stdout);
    const evil = plan.plugins.find((p) => p.id === BAD_DIR);
    expect(evil, "the invalid plugin is in the plan under its real name").toBeDefined();
    expect(evil?.valid).toBe(false);
    expect(evil?.active).toBe(false);
    expect(evil?.problems.join("\n")).toContain('"evil\\n\\u001b[31mx" is not a valid plugin id');
    expect(plan.plugins.find((p) => p.id === "slack")?.active).toBe(true);
  });

  it("status and doctor (human) print no raw control character either", async () => {
    for (const command of ["status", "doctor"]) {
      const r = await run(command);
      expect([0, 1], describeRun(r)).toContain(r.exitCode);
      expectNoRawControl(r);
    }
  });
});
