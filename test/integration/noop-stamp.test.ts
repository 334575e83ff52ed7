import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { configFixture, describeRun, NO_CHANGES, snapshotTree } from "../support/cli.js";
import {
  APPLY_TIMEOUT_MS,
  type ApplySandbox,
  expectOk,
  expectRootValid,
  makeApplySandbox,
  planJson,
  run,
  commonArgs,
  spawnLines,
  writeConfig,
} from "../support/apply.js";

/**
 * The no-op stamp (src/fastpath/): a converged `apply` is answered by replaying the last
 * converged run's output while everything that run observed is unchanged. These tests prove the
 * replay is never wrong: any drift a full plan would see — a package deleted or replaced by hand,
 * a config edit, another environment, a tampered stamp — makes the run plan from scratch and
 * repair, with the package manager where needed.
 */

const DEBUG = { PLUGDEPS_DEBUG_NOOP_STAMP: "1" };
const REPLAYED = "plugdeps: no-op stamp: replayed";

const applyDebug = (
  sb: ApplySandbox,
  config = configFixture("demo.json5"),
  env: Record<string, string> = {},
) => run(sb, ["apply", ...commonArgs(sb, config)], { ...DEBUG, ...env });

/** stderr without the debug lines: what an operator sees. */
const operatorStderr = (stderr: string): string =>
  stderr
    .split("\n")
    .filter((l) => !l.startsWith("plugdeps: no-op stamp:"))
    .join("\n");

const stamps = (sb: ApplySandbox): string[] => {
  const dir = path.join(sb.stage, ".plugdeps", "noop");
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => n.endsWith(".json")) : [];
};

describe("the no-op stamp (pnpm)", () => {
  let sb: ApplySandbox;
  let root: string;
  let fullNoop: { stdout: string; stderr: string };
  let stampedByApply: string[];

  beforeAll(async () => {
    sb = makeApplySandbox("pnpm");
    const first = expectOk(await applyDebug(sb));
    expect(first.stdout).toContain("Apply complete!");
    expect(first.stderr, describeRun(first)).toContain("stamp written");
    stampedByApply = stamps(sb);
    root = (await planJson(sb)).desired.targetRoot;
    // The same no-op computed the slow way: without its stamp, the run plans from scratch (and
    // writes the stamp again).
    fs.rmSync(path.join(sb.stage, ".plugdeps", "noop"), { recursive: true });
    const full = expectOk(await applyDebug(sb));
    expect(full.stderr, describeRun(full)).not.toContain(REPLAYED);
    fullNoop = { stdout: full.stdout, stderr: operatorStderr(full.stderr) };
  }, APPLY_TIMEOUT_MS);

  it("an apply that changed things leaves a stamp, and the next apply replays it: same output, nothing written", async () => {
    expect(stampedByApply).toHaveLength(1);
    expect(stamps(sb)).toEqual(stampedByApply);
    const before = snapshotTree(sb.root);
    const spawns = spawnLines(sb).length;
    const r = expectOk(await applyDebug(sb));
    expect(r.stderr, describeRun(r)).toContain(REPLAYED);
    expect(r.stdout).toBe(fullNoop.stdout);
    expect(r.stdout).toContain(NO_CHANGES);
    expect(operatorStderr(r.stderr)).toBe(fullNoop.stderr);
    expect(spawnLines(sb)).toHaveLength(spawns);
    expect(snapshotTree(sb.root)).toEqual(before);
  });

  it("a declared package deleted by hand is seen and reinstalled", async () => {
    const pkg = path.join(root, "node_modules", "@fixture", "http-kit");
    expect(fs.existsSync(pkg), `${pkg} is installed`).toBe(true);
    fs.rmSync(pkg, { recursive: true });
    const spawns = spawnLines(sb).length;
    const r = expectOk(await applyDebug(sb));
    expect(r.stderr, describeRun(r)).not.toContain(REPLAYED);
    expect(r.stdout).toContain("Apply complete!");
    expect(spawnLines(sb).length).toBeGreaterThan(spawns);
    expect(fs.existsSync(path.join(pkg, "package.json"))).toBe(true);
    await expectRootValid(root, await planJson(sb));
    const again = expectOk(await applyDebug(sb));
    expect(again.stderr).toContain(REPLAYED);
  });

  it("a package replaced in place by another version (same size, same directory) is seen and repaired", async () => {
    const manifest = path.join(root, "node_modules", "@fixture", "http-kit", "package.json");
    const text = fs.readFileSync(manifest, "utf8");
    const version = (JSON.parse(text) as { version: string }).version;
    // Same length, so only the identity (mtime/ctime) can tell; wait out one clock tick first.
    const other = version.replace(/^\d/, (d) => String((Number(d) + 1) % 10));
    await new Promise((resolve) => setTimeout(resolve, 30));
    fs.writeFileSync(manifest, text.replace(`"version": "${version}"`, `"version": "${other}"`));
    expect(fs.statSync(manifest).size).toBe(Buffer.byteLength(text));
    const r = expectOk(await applyDebug(sb));
    expect(r.stderr, describeRun(r)).not.toContain(REPLAYED);
    expect(r.stdout).toContain("Apply complete!");
    expect((JSON.parse(fs.readFileSync(manifest, "utf8")) as { version: string }).version).toBe(version);
  });

  it("a config edit that enables a plugin is seen; an edit that changes nothing only refreshes the stamp", async () => {
    const slackOnly = writeConfig(sb, "slack-only", {
      channels: { slack: { enabled: true } },
      plugins: { entries: { anthropic: { enabled: false } } },
    });
    const first = expectOk(await applyDebug(sb, slackOnly));
    expect(first.stdout, describeRun(first)).toContain("Apply complete!");
    expect(expectOk(await applyDebug(sb, slackOnly)).stderr).toContain(REPLAYED);
    // Rewrite the same config with other formatting: the plan is unchanged, the stamp is not
    // replayed (the file changed), the full no-op writes a fresh one, and the next run replays.
    await new Promise((resolve) => setTimeout(resolve, 30));
    fs.writeFileSync(slackOnly, `${fs.readFileSync(slackOnly, "utf8")}\n// touched\n`);
    const touched = expectOk(await applyDebug(sb, slackOnly));
    expect(touched.stderr, describeRun(touched)).not.toContain(REPLAYED);
    expect(touched.stdout).toContain(NO_CHANGES);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(expectOk(await applyDebug(sb, slackOnly)).stderr).toContain(REPLAYED);
    // back to the demo config for the tests below
    const back = await applyDebug(sb);
    expect(back.exitCode, describeRun(back)).toBe(0);
  });

  it("another value of a variable the plan read is not replayed", async () => {
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(expectOk(await applyDebug(sb)).stderr).toContain(REPLAYED);
    // With every location given as a flag, the plan reads one variable: PLUGDEPS_SETTINGS. A
    // settings file that says what the defaults say leaves the plan as it is.
    const settings = sb.at("settings.json5");
    fs.writeFileSync(settings, "{ retention: 1 }\n");
    const r = expectOk(await applyDebug(sb, configFixture("demo.json5"), { PLUGDEPS_SETTINGS: settings }));
    expect(r.stderr, describeRun(r)).toContain("the environment differs");
    expect(r.stdout).toContain(NO_CHANGES);
  });

  it("a tampered or hostile stamp is ignored: the run plans from scratch", async () => {
    const dir = path.join(sb.stage, ".plugdeps", "noop");
    for (const name of stamps(sb)) {
      const file = path.join(dir, name);
      const stamp = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
      // a stamp that claims nothing was observed and prints a lie
      fs.writeFileSync(
        file,
        JSON.stringify({ ...stamp, observations: [{ kind: "stat", path: "relative", seen: {} }] }),
      );
    }
    const r = expectOk(await applyDebug(sb));
    expect(r.stderr, describeRun(r)).not.toContain(REPLAYED);
    expect(r.stdout).toContain(NO_CHANGES);
    // garbage, a directory or a symlink in place of the stamp: all ignored. The link points at a
    // canary in the sandbox: it pointed at /etc/passwd once, and the build of that time re-stamped
    // THROUGH it (write-file-atomic resolved the link), overwriting the machine's /etc/passwd.
    const canary = path.join(sb.root, "canary-passwd");
    fs.writeFileSync(canary, "root:x:0:0:root:/root:/bin/bash\n");
    const files = stamps(sb).map((name) => path.join(dir, name));
    for (const make of [
      (file: string) => fs.writeFileSync(file, "{ not json"),
      (file: string) => fs.mkdirSync(file),
      (file: string) => fs.symlinkSync(canary, file),
    ]) {
      for (const file of files) {
        fs.rmSync(file, { recursive: true, force: true });
        make(file);
      }
      const again = expectOk(await applyDebug(sb));
      expect(again.stderr, describeRun(again)).not.toContain(REPLAYED);
      expect(again.stdout).toContain(NO_CHANGES);
    }
    expect(fs.readFileSync(canary, "utf8")).toBe("root:x:0:0:root:/root:/bin/bash\n");
  });
});
