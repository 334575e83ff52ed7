import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import type { PlanDocument } from "../../src/model/plan.js";
import { readOwnKernelScope, readStartTime } from "../../src/util/process-info.js";
import {
  configFixture,
  copyFixture,
  describeRun,
  fixture,
  makeSandbox,
  NO_CHANGES,
  removeHostDebris,
  runCli,
  runCliOk,
  type RunResult,
  type Sandbox,
  sandboxArgs,
  snapshotTree,
  targetArgs,
  writeMinimalHost,
} from "../support/cli.js";
import { decodePlan } from "../support/apply.js";

/**
 * `plugdeps plan` end to end: the built CLI as a subprocess, on copies of the fixtures, with a
 * controlled environment (see test/support/cli.ts).
 */

const PREVIOUS_ROOT = "openclaw-2026.4.20-0a1b2c3d4e5f";
const STACK_LINE = /^\s{4}at /m;

const planArgs = (sb: Sandbox, config = "demo.json5", ...extra: string[]): string[] =>
  sandboxArgs("plan", sb, configFixture(config), ...extra);

/** Runs the command with `--json`, expects exit 0 and returns the decoded plan document. */
const planDocument = async (
  args: readonly string[],
  sb: Sandbox,
  env: Record<string, string> = {},
): Promise<PlanDocument> => {
  return decodePlan((await runCliOk([...args, "--json"], { home: sb.home, env })).stdout);
};

const expectCleanError = (r: RunResult): void => {
  expect(r.exitCode, describeRun(r)).toBe(1);
  expect(r.stderr.startsWith("Error: "), describeRun(r)).toBe(true);
  expect(r.stderr).not.toMatch(STACK_LINE);
  expect(r.stderr).not.toContain("internal error");
  expect(r.stdout).toBe("");
};

const pluginById = (plan: PlanDocument, id: string) => {
  const found = plan.plugins.find((p) => p.id === id);
  if (found === undefined) throw new Error(`no plugin ${id} in the plan`);
  return found;
};
const activeIds = (plan: PlanDocument): string[] => plan.plugins.filter((p) => p.active).map((p) => p.id);
const actionPackageNames = (plan: PlanDocument): string[] =>
  plan.actions.flatMap((a) => a.packages.map((p) => p.name));

describe("plan on the demo host", () => {
  it("renders the plugin plan, conflict, invalid plugins, rejected specs and the summary", async () => {
    const sb = makeSandbox({ stage: "demo" });
    const out = (await runCliOk(planArgs(sb), { home: sb.home })).stdout;

    // README: 2 reuses from the 2026.4.20 root (http-kit, slack-sdk with its retry), 9 installs
    // (markdown twice: shared ^2 and telegram-isolated ^1; logger and memory-store, which the
    // host's node_modules has but OpenClaw 2026.4.29 does not read there), the old root kept for
    // rollback, 1 legacy entry in the stage base (the day-old openclaw-unknown-* root; the
    // hash-less root is left alone and reported) and 4 in the (writable, copied) host; and
    // OpenClaw's own root, linked to plugdeps' root, to put in place.
    expect(out).toContain(
      "Plan: 2 to reuse, 9 to install, 0 to prune, 5 legacy to clean; the host's own root to put in place.",
    );
    expect(out).toContain(`openclaw 2026.4.29 (${sb.host})`);
    expect(out).toMatch(
      /host root: +\S+\/stage\/openclaw-2026\.4\.29-[0-9a-f]{12} \(the host reads here; apply puts it in place: it does not exist yet\)/,
    );

    // the conflict: discord's ^2.0.0 stays shared, telegram's ^1.0.0 is isolated
    expect(out).toMatch(
      /@fixture\/markdown: .*\^2\.0\.0 \(discord\).*\^1\.0\.0 \(telegram\).*telegram isolated/,
    );
    expect(out).toMatch(/install @fixture\/markdown@\^1\.0\.0 \[plugin:telegram\]/);

    // invalid plugins, each with its file and the position or key path
    const brokenLine = out.split("\n").find((l) => /^\s*! broken\s/.test(l));
    expect(brokenLine, out).toBeDefined();
    expect(brokenLine).toContain(path.join(sb.host, "dist/extensions/broken/openclaw.plugin.json"));
    expect(brokenLine).toContain('channels: expected array, got "irc"');
    const legacyLine = out.split("\n").find((l) => /^\s*! legacy-json\s/.test(l));
    expect(legacyLine, out).toBeDefined();
    expect(legacyLine).toContain(`${path.join(sb.host, "dist/extensions/legacy-json/package.json")}:6:3`);

    // irc's rejected specs (git spec, traversal name), its valid spec still planned
    expect(out).toMatch(/dependency "\.\.\/\.\.\/escape"@"1\.0\.0" rejected: .*traversal/);
    expect(out).toMatch(/dependency irc-fixture-client@"github:someone\/irc-client" rejected/);

    // @fixture/logger is in the host's node_modules, which OpenClaw 2026.4.29 does not read: it
    // is installed, and the reason says why
    expect(out).toMatch(
      /install @fixture\/logger@\^1\.0\.0 \[shared\] .*node_modules\/@fixture\/logger has 1\.4\.0, but OpenClaw 2026\.4\.29 reads only/,
    );
    expect(out).not.toMatch(/= @fixture\/logger/);
    // the matrix trap: the debris copy of matrix-sdk does not count as satisfying
    expect(out).toMatch(/install @fixture\/matrix-sdk@\^0\.5\.0/);
    // the other host's root is never touched
    expect(out).not.toContain("acme-0.9.0-aaaaaaaaaaaa");
  });

  it("agrees with the JSON document on every count and decision", async () => {
    const sb = makeSandbox({ stage: "demo" });
    const plan = await planDocument(planArgs(sb), sb);
    expect(plan.summary).toEqual({ reuse: 2, install: 9, prune: 0, cleanLegacy: 5 });
    expect(activeIds(plan)).toEqual([
      "anthropic",
      "discord",
      "irc",
      "matrix",
      "memory-core",
      "openai",
      "slack",
      "telegram",
    ]);
    expect(pluginById(plan, "broken")).toMatchObject({ valid: false, active: false });
    expect(pluginById(plan, "legacy-json")).toMatchObject({ valid: false, active: false });
    // memory-core fills OpenClaw's memory slot by default; its deps are shipped by the host (layer)
    expect(pluginById(plan, "memory-core")).toMatchObject({
      active: true,
      reason: "plugins.slots.memory (default)",
    });
    expect(pluginById(plan, "matrix").reason).toContain("matrix-legacy");
    expect(plan.desired.conflicts.map((c) => [c.name, c.isolated.map((i) => i.plugin)])).toEqual([
      ["@fixture/markdown", ["telegram"]],
    ]);
    expect(plan.desired.rejected.map((r) => [r.plugin, r.name]).sort()).toEqual([
      ["irc", "../../escape"],
      ["irc", "irc-fixture-client"],
    ]);
    const host = plan.observed.layers.find((l) => l.kind === "host");
    // memory-core is staged like every selected plugin (OpenClaw never reads
    // stageRuntimeDependencies); the host's own node_modules has its dependency, but OpenClaw
    // 2026.4.29 reads only its own root in the stage base, so the host layer satisfies nothing
    expect(host?.satisfies).toEqual([]);
    expect(actionPackageNames(plan)).toContain("@fixture/logger");
    expect(actionPackageNames(plan)).toContain("@fixture/memory-store");
    expect(plan.observed.hostRoot).toMatchObject({
      linksTo: `../${path.basename(plan.desired.targetRoot)}/node_modules`,
      problems: ["it does not exist yet"],
    });
    expect(path.basename(plan.observed.hostRoot?.path ?? "")).toMatch(/^openclaw-2026\.4\.29-[0-9a-f]{12}$/);
    expect(plan.observed.previousRoots.map((r) => path.basename(r.path))).toEqual([PREVIOUS_ROOT]);
  });

  it("a broken plugin is reported for that plugin and the rest of the plan proceeds", async () => {
    const sb = makeSandbox({ stage: "empty" });
    // truncate slack's manifest: slack becomes invalid, everything else is planned as before
    fs.writeFileSync(
      path.join(sb.host, "dist/extensions/slack/openclaw.plugin.json"),
      '{\n  "id": "slack",\n  "channels": [\n',
    );
    const r = await runCli(planArgs(sb), { home: sb.home });
    expect(r.exitCode, describeRun(r)).toBe(0);
    expect(r.stdout).toMatch(/! slack\s+invalid\s+.*slack\/openclaw\.plugin\.json:\d+:\d+/);
    expect(r.stdout).toMatch(/! broken\s+invalid/);
    expect(r.stdout).toMatch(/! legacy-json\s+invalid/);
    expect(r.stdout).toMatch(/^Plan: \d+ to reuse, \d+ to install/m);

    const plan = await planDocument(planArgs(sb), sb);
    expect(pluginById(plan, "slack")).toMatchObject({ valid: false, active: false });
    expect(pluginById(plan, "slack").problems.join("\n")).toContain("openclaw.plugin.json");
    const wanted = plan.desired.sets.flatMap((s) => s.packages.map((p) => p.name));
    expect(wanted).not.toContain("@fixture/slack-sdk");
    expect(wanted).toEqual(expect.arrayContaining(["@fixture/telegram-bot", "@fixture/ai-sdk"]));
  });
});

describe("plan writes nothing", () => {
  const readOnlyCommands = (sb: Sandbox, stageDir: string): string[][] => {
    const common = targetArgs({ host: sb.host, config: configFixture("demo.json5"), stage: stageDir });
    return [
      ["plan", ...common],
      ["plan", ...common, "--json"],
      ["plan", ...common, "--detailed-exitcode"],
      ["status", ...common],
      ["status", ...common, "--json"],
    ];
  };

  it("leaves the host, the stage dir and HOME byte-for-byte and mtime-for-mtime unchanged", async () => {
    const sb = makeSandbox({ stage: "demo" });
    const before = snapshotTree(sb.root);
    expect(Object.keys(before).length).toBeGreaterThan(40);
    const targetRoot = (await planDocument(planArgs(sb), sb)).desired.targetRoot;
    const runs = await Promise.all(
      readOnlyCommands(sb, sb.stage).map((args) => runCli(args, { home: sb.home })),
    );
    for (const r of runs) expect([0, 2], describeRun(r)).toContain(r.exitCode);
    expect(snapshotTree(sb.root)).toEqual(before);
    expect(fs.existsSync(`${targetRoot}.lock`)).toBe(false);
    expect(fs.existsSync(targetRoot)).toBe(false);
  });

  it("does not create a stage dir that does not exist yet", async () => {
    const sb = makeSandbox({ stage: "absent" });
    const stageDir = sb.at("state", "deeper", "stage");
    const before = snapshotTree(sb.root);
    const runs = await Promise.all(
      readOnlyCommands(sb, stageDir).map((args) => runCli(args, { home: sb.home })),
    );
    for (const r of runs) expect([0, 2], describeRun(r)).toContain(r.exitCode);
    expect(runs[0]?.stdout).toContain(`stage base:  ${stageDir} (--stage-dir)`);
    expect(fs.existsSync(sb.at("state"))).toBe(false);
    expect(snapshotTree(sb.root)).toEqual(before);
  });
});

describe("plan --json and --out", () => {
  it("prints a formatVersion 1 document whose summary counts its actions", async () => {
    const sb = makeSandbox({ stage: "demo" });
    const out = sb.at("plan.json");
    const r = await runCli([...planArgs(sb), "--json", "--out", out], { home: sb.home });
    expect(r.exitCode, describeRun(r)).toBe(0);
    const plan = decodePlan(r.stdout);
    expect(plan.formatVersion).toBe(1);
    expect(plan.tool.name).toBe("plugdeps");
    expect(plan.host).toMatchObject({ name: "openclaw", version: "2026.4.29", packageRoot: sb.host });
    const count = (type: string) => plan.actions.filter((a) => a.type === type).length;
    expect(plan.summary).toEqual({
      reuse: count("reuse"),
      install: count("install"),
      prune: count("prune"),
      cleanLegacy: count("clean-legacy"),
    });
    expect(plan.desired.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(plan.observed.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);

    // --out writes the very same document, and it decodes on its own
    const saved = fs.readFileSync(out, "utf8");
    expect(saved).toBe(r.stdout);
    expect(decodePlan(saved, out)).toEqual(plan);
  });

  it("--out with the human rendering saves the same document as --json prints", async () => {
    const sb = makeSandbox({ stage: "demo" });
    const out = sb.at("saved.plan");
    const human = await runCli([...planArgs(sb), "--out", out], { home: sb.home });
    expect(human.exitCode, describeRun(human)).toBe(0);
    expect(human.stdout).toContain("Plan: ");
    const json = await runCli([...planArgs(sb), "--json"], { home: sb.home });
    expect(fs.readFileSync(out, "utf8")).toBe(json.stdout);
  });

  it("an unwritable --out is an error naming the path", async () => {
    const sb = makeSandbox({ stage: "demo" });
    fs.writeFileSync(sb.at("a-file"), "");
    const out = sb.at("a-file", "plan.json");
    const r = await runCli([...planArgs(sb), "--out", out], { home: sb.home });
    expectCleanError(r);
    expect(r.stderr).toContain(out);
  });
});

describe("--detailed-exitcode", () => {
  it("exits 2 when the plan has changes", async () => {
    const sb = makeSandbox({ stage: "demo" });
    const r = await runCli(planArgs(sb, "demo.json5", "--detailed-exitcode"), { home: sb.home });
    expect(r.exitCode, describeRun(r)).toBe(2);
    expect(r.stdout).toContain("Plan: 2 to reuse, 9 to install, 0 to prune, 5 legacy to clean;");
    // without the flag the same plan exits 0
    const plain = await runCli(planArgs(sb), { home: sb.home });
    expect(plain.exitCode).toBe(0);
  });

  it("exits 0 with no changes: everything off, no debris, empty stage", async () => {
    const sb = makeSandbox({ stage: "empty" });
    removeHostDebris(sb.host);
    const r = await runCli(planArgs(sb, "all-off.json5", "--detailed-exitcode"), { home: sb.home });
    expect(r.exitCode, describeRun(r)).toBe(0);
    expect(r.stdout).toContain(NO_CHANGES);
    expect(r.stdout).not.toContain("Plan: ");
  });

  it("exits 0 with no changes: an active staged plugin fully satisfied by the host", async () => {
    const sb = makeSandbox({ host: null, stage: "empty" });
    writeMinimalHost(sb.host);
    const args = sandboxArgs("plan", sb, undefined, "--detailed-exitcode");
    const r = await runCli(args, { home: sb.home });
    expect(r.exitCode, describeRun(r)).toBe(0);
    expect(r.stdout).toContain(NO_CHANGES);
    expect(r.stdout).toMatch(/= @fixture\/logger\s+1\.4\.0 from host node_modules/);
    const plan = decodePlan((await runCli([...args, "--json"], { home: sb.home })).stdout);
    expect(activeIds(plan)).toEqual(["solo"]);
    expect(plan.actions).toEqual([]);
    expect(plan.summary).toEqual({ reuse: 0, install: 0, prune: 0, cleanLegacy: 0 });
  });

  it("exits 1 on an error", async () => {
    const sb = makeSandbox();
    const r = await runCli(planArgs(sb, "broken-syntax.json5", "--detailed-exitcode"), { home: sb.home });
    expectCleanError(r);
  });
});

describe("errors: exit 1, one message, no stack trace", () => {
  it("a JSON5 syntax error names file:line:col", async () => {
    const sb = makeSandbox();
    const r = await runCli(planArgs(sb, "broken-syntax.json5"), { home: sb.home });
    expectCleanError(r);
    expect(r.stderr).toContain("broken-syntax.json5:4:3");
  });

  it("wrong types name their key paths", async () => {
    const sb = makeSandbox();
    const r = await runCli(planArgs(sb, "wrong-types.json5"), { home: sb.home });
    expectCleanError(r);
    expect(r.stderr).toContain("plugins.allow[1]");
    expect(r.stderr).toContain("channels.slack.enabled");
    expect(r.stderr).toContain("wrong-types.json5");
  });

  it("a missing --config names the path and the flag", async () => {
    const sb = makeSandbox();
    const args = [
      "plan",
      "--package-root",
      sb.host,
      "--config",
      "/nonexistent.json5",
      "--stage-dir",
      sb.stage,
    ];
    const r = await runCli(args, { home: sb.home });
    expectCleanError(r);
    expect(r.stderr).toContain("/nonexistent.json5");
    expect(r.stderr).toContain("--config");
  });

  it("a --package-root without package.json names the dir and the flag", async () => {
    const sb = makeSandbox({ host: null });
    const empty = sb.at("not-a-package");
    fs.mkdirSync(empty);
    const args = [
      "plan",
      "--package-root",
      empty,
      "--config",
      configFixture("demo.json5"),
      "--stage-dir",
      sb.stage,
    ];
    const r = await runCli(args, { home: sb.home });
    expectCleanError(r);
    expect(r.stderr).toContain(empty);
    expect(r.stderr).toContain("--package-root");
  });

  it("an unusable --stage-dir lists the candidate and why, and names the flag", async () => {
    const sb = makeSandbox();
    // a file as the parent makes the stage dir uncreatable for any user, root included (ENOTDIR)
    fs.writeFileSync(sb.at("a-file"), "not a directory\n");
    const stageDir = sb.at("a-file", "stage");
    const before = snapshotTree(sb.root);
    const r = await runCli(
      ["plan", "--package-root", sb.host, "--config", configFixture("demo.json5"), "--stage-dir", stageDir],
      { home: sb.home },
    );
    expectCleanError(r);
    expect(r.stderr).toContain(`${stageDir} (--stage-dir)`);
    expect(r.stderr).toContain("not a directory");
    expect(r.stderr).toMatch(/Fix: .*--stage-dir/);
    expect(snapshotTree(sb.root)).toEqual(before);
  });

  it("an unknown --host is an error", async () => {
    const sb = makeSandbox();
    const r = await runCli([...planArgs(sb), "--host", "foo"], { home: sb.home });
    expectCleanError(r);
    expect(r.stderr).toContain('unknown --host "foo"');
  });

  it("a host package the CLI cannot identify asks for --host", async () => {
    const sb = makeSandbox({ host: "acme-demo" });
    const r = await runCli(planArgs(sb, "acme.json"), { home: sb.home });
    expectCleanError(r);
    expect(r.stderr).toContain(sb.host);
    expect(r.stderr).toContain("--host");
  });

  it("an unknown option is a usage error (exit 1)", async () => {
    const sb = makeSandbox();
    const r = await runCli([...planArgs(sb), "--bogus"], { home: sb.home });
    expect(r.exitCode, describeRun(r)).toBe(1);
    expect(r.stderr).toContain("--bogus");
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it("--log-format json prints the error as one JSON object with tag and message", async () => {
    const sb = makeSandbox();
    const r = await runCli(planArgs(sb, "broken-syntax.json5", "--log-format", "json"), { home: sb.home });
    expect(r.exitCode, describeRun(r)).toBe(1);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    const parsed = JSON.parse(lines[0] ?? "") as Record<string, unknown>;
    expect(parsed["tag"]).toBe("ConfigParseError");
    expect(parsed["message"]).toEqual(expect.stringContaining("broken-syntax.json5:4:3"));
  });
});

describe("config precedence through the environment", () => {
  const noConfigArgs = (sb: Sandbox, ...extra: string[]) => sandboxArgs("plan", sb, undefined, ...extra);

  it("OPENCLAW_CONFIG_PATH is used without --config", async () => {
    const sb = makeSandbox();
    const plan = await planDocument(noConfigArgs(sb), sb, {
      OPENCLAW_CONFIG_PATH: configFixture("demo.json5"),
    });
    expect(plan.config).toEqual({
      path: configFixture("demo.json5"),
      source: "OPENCLAW_CONFIG_PATH",
      found: true,
    });
    expect(pluginById(plan, "slack")).toMatchObject({ active: true, reason: "channels.slack.enabled=true" });
  });

  it("--config beats OPENCLAW_CONFIG_PATH", async () => {
    const sb = makeSandbox();
    const plan = await planDocument(noConfigArgs(sb, "--config", configFixture("minimal.json5")), sb, {
      OPENCLAW_CONFIG_PATH: configFixture("demo.json5"),
    });
    expect(plan.config.source).toBe("--config");
    expect(activeIds(plan)).toEqual(["memory-core"]);
  });

  it("OPENCLAW_STATE_DIR/openclaw.json, and its plugin-runtime-deps as the stage base (not created)", async () => {
    const sb = makeSandbox();
    const stateDir = sb.at("state");
    fs.mkdirSync(stateDir);
    fs.copyFileSync(configFixture("deny.json5"), path.join(stateDir, "openclaw.json"));
    const args = ["plan", "--package-root", sb.host];
    const plan = await planDocument(args, sb, { OPENCLAW_STATE_DIR: stateDir });
    expect(plan.config).toEqual({
      path: path.join(stateDir, "openclaw.json"),
      source: "OPENCLAW_STATE_DIR",
      found: true,
    });
    expect(pluginById(plan, "slack").active).toBe(false);
    expect(pluginById(plan, "slack").reason).toContain("plugins.deny");
    const target = plan.observed.candidates.find((c) => c.role === "target");
    expect(target).toMatchObject({
      path: path.join(stateDir, "plugin-runtime-deps"),
      source: "OPENCLAW_STATE_DIR",
    });
    expect(fs.existsSync(path.join(stateDir, "plugin-runtime-deps"))).toBe(false);
  });

  it("HOME/.openclaw/openclaw.json by default, with ~/.openclaw/plugin-runtime-deps", async () => {
    const sb = makeSandbox();
    fs.mkdirSync(path.join(sb.home, ".openclaw"));
    fs.copyFileSync(configFixture("demo.json5"), path.join(sb.home, ".openclaw", "openclaw.json"));
    const plan = await planDocument(["plan", "--package-root", sb.host], sb);
    expect(plan.config).toEqual({
      path: path.join(sb.home, ".openclaw", "openclaw.json"),
      source: "default",
      found: true,
    });
    expect(pluginById(plan, "slack").active).toBe(true);
    expect(plan.desired.stageBase).toBe(path.join(sb.home, ".openclaw", "plugin-runtime-deps"));
    expect(fs.existsSync(path.join(sb.home, ".openclaw", "plugin-runtime-deps"))).toBe(false);
  });

  it("a missing default config is the empty config: only enabledByDefault plugins", async () => {
    const sb = makeSandbox();
    const plan = await planDocument(noConfigArgs(sb), sb);
    expect(plan.config).toEqual({
      path: path.join(sb.home, ".openclaw", "openclaw.json"),
      source: "default",
      found: false,
    });
    // 2026.4.29+: a provider plugin is on by default but staged only when a provider or model of
    // it is referenced; memory-core fills the default memory slot
    expect(activeIds(plan)).toEqual(["memory-core"]);
    expect(pluginById(plan, "anthropic").reason).toBe(
      "enabledByDefault, but none of its providers is referenced (OpenClaw 2026.4.29+)",
    );
  });
});

describe("stage precedence through the environment", () => {
  it("OPENCLAW_PLUGIN_STAGE_DIR: earlier entries are read-only layers, the last is the target", async () => {
    const sb = makeSandbox();
    const layer = sb.at("layer");
    fs.mkdirSync(layer);
    const plan = await planDocument(["plan", "--package-root", sb.host], sb, {
      OPENCLAW_PLUGIN_STAGE_DIR: [layer, sb.stage].join(path.delimiter),
    });
    expect(plan.observed.candidates.map((c) => [c.path, c.source, c.role, c.writable])).toEqual([
      [layer, "OPENCLAW_PLUGIN_STAGE_DIR[0]", "layer", false],
      [sb.stage, "OPENCLAW_PLUGIN_STAGE_DIR[1]", "target", true],
    ]);
    expect(plan.desired.stageBase).toBe(sb.stage);
    expect(plan.observed.layers.filter((l) => l.kind === "read-only-stage").map((l) => l.path)).toEqual([
      layer,
    ]);
  });

  it("--stage-dir beats OPENCLAW_PLUGIN_STAGE_DIR", async () => {
    const sb = makeSandbox();
    const plan = await planDocument(["plan", "--package-root", sb.host, "--stage-dir", sb.stage], sb, {
      OPENCLAW_PLUGIN_STAGE_DIR: sb.at("elsewhere"),
    });
    expect(plan.observed.candidates.map((c) => [c.path, c.source, c.role])).toEqual([
      [sb.stage, "--stage-dir", "target"],
    ]);
  });

  it("STATE_DIRECTORY (systemd) gives <first entry>/plugin-runtime-deps", async () => {
    const sb = makeSandbox();
    const state = sb.at("systemd-state");
    fs.mkdirSync(state);
    const plan = await planDocument(["plan", "--package-root", sb.host], sb, {
      STATE_DIRECTORY: `${state}:${sb.at("second")}`,
    });
    expect(plan.desired.stageBase).toBe(path.join(state, "plugin-runtime-deps"));
    expect(plan.observed.candidates[0]).toMatchObject({ source: "STATE_DIRECTORY", role: "target" });
  });
});

describe("a read-only layer", () => {
  it("OpenClaw 2026.4.29 reads none: what the layer has is installed into the target root, and the plan says why", async () => {
    // OpenClaw 2026.4.22 - 4.30 check only their own root, the last entry of the stage dir list
    // (SPEC §5; issue 14: a layer-only copy made the real 4.29 run its package manager).
    const sb = makeSandbox({ stage: "empty" });
    const layer = sb.at("layer");
    fs.mkdirSync(layer);
    copyFixture(fixture("stages", "demo", PREVIOUS_ROOT), path.join(layer, PREVIOUS_ROOT));
    const env = { OPENCLAW_PLUGIN_STAGE_DIR: [layer, sb.stage].join(path.delimiter) };
    const args = ["plan", "--package-root", sb.host, "--config", configFixture("demo.json5")];
    const layerBefore = snapshotTree(layer);

    const plan = await planDocument(args, sb, env);
    const layerEntry = plan.observed.layers.find((l) => l.kind === "read-only-stage");
    expect(layerEntry).toMatchObject({ path: layer, writable: false, satisfies: [] });
    const touched = actionPackageNames(plan);
    expect(touched).toContain("@fixture/http-kit");
    expect(touched).toContain("@fixture/slack-sdk");
    // nothing in a read-only layer is an action target
    for (const a of plan.actions) for (const t of a.targets) expect(t.startsWith(layer)).toBe(false);

    const human = await runCli(args, { home: sb.home, env });
    expect(human.exitCode, describeRun(human)).toBe(0);
    expect(human.stdout).not.toContain("from read-only stage");
    expect(snapshotTree(layer)).toEqual(layerBefore);
  });

  it("a host that reads layers (profile acme): packages the layer satisfies are neither installed nor reused", async () => {
    const sb = makeSandbox({ host: "acme-demo", stage: "empty" });
    const layer = sb.at("layer");
    fs.mkdirSync(layer);
    copyFixture(fixture("stages", "demo", PREVIOUS_ROOT, "node_modules"), path.join(layer, "node_modules"));
    const env = {
      ACME_CONFIG: configFixture("acme.json"),
      ACME_PLUGIN_STAGE_DIR: [layer, sb.stage].join(path.delimiter),
    };
    const args = ["plan", "--host", `profile:${fixture("profiles", "acme.json")}`, "--package-root", sb.host];
    const layerBefore = snapshotTree(layer);

    const plan = await planDocument(args, sb, env);
    expect(plan.observed.hostRoot).toBeUndefined();
    const layerEntry = plan.observed.layers.find((l) => l.kind === "read-only-stage");
    expect(layerEntry).toMatchObject({ path: layer, writable: false });
    // http-kit 1.3.2 satisfies acme's ^1.2.0; nothing in the layer satisfies logger ^1.4.0 or
    // markdown ^2.1.0
    expect(layerEntry?.satisfies.map((s) => [s.name, s.version])).toEqual([["@fixture/http-kit", "1.3.2"]]);
    for (const s of layerEntry?.satisfies ?? []) expect(s.path.startsWith(`${layer}${path.sep}`)).toBe(true);
    const touched = actionPackageNames(plan);
    expect(touched).not.toContain("@fixture/http-kit");
    expect(touched.sort()).toEqual(["@fixture/logger", "@fixture/markdown"]);
    expect(plan.summary.reuse).toBe(0);
    for (const a of plan.actions) for (const t of a.targets) expect(t.startsWith(layer)).toBe(false);

    const human = await runCli(args, { home: sb.home, env });
    expect(human.exitCode, describeRun(human)).toBe(0);
    expect(human.stdout).toMatch(/= @fixture\/http-kit\s+1\.3\.2 from read-only stage/);
    expect(snapshotTree(layer)).toEqual(layerBefore);
  });
});

describe("a lock held by a live process", () => {
  it("plan does not wait, names the holder, and leaves the lock alone", async () => {
    const sb = makeSandbox({ stage: "demo" });
    const { targetRoot } = (await planDocument(planArgs(sb), sb)).desired;
    const lockDir = `${targetRoot}.lock`;
    fs.mkdirSync(lockDir);
    const owner = {
      pid: process.pid,
      hostname: os.hostname(),
      starttime: readStartTime(process.pid),
      createdAt: Date.now(),
      command: "plugdeps apply (integration test)",
      ...readOwnKernelScope(),
    };
    fs.writeFileSync(path.join(lockDir, "owner.json"), `${JSON.stringify(owner)}\n`);
    const lockBefore = snapshotTree(lockDir);

    const r = await runCli(planArgs(sb), { home: sb.home, timeoutMs: 20_000 });
    expect(r.exitCode, describeRun(r)).toBe(0);
    expect(r.durationMs).toBeLessThan(10_000);
    expect(r.stdout).toContain(`Lock held by pid ${process.pid}`);
    expect(r.stdout).toContain("plugdeps apply (integration test)");

    const plan = await planDocument(planArgs(sb), sb);
    expect(plan.observed.lock).toMatchObject({ path: lockDir, owner: { pid: process.pid } });
    if (owner.starttime !== null) expect(plan.observed.lock?.state).toBe("live");
    // plugdeps' own lock is never legacy debris (it once matched the hash-less-root rule)
    expect(plan.observed.debris.map((d) => d.path)).not.toContain(lockDir);
    for (const a of plan.actions) expect(a.targets).not.toContain(lockDir);
    expect(plan.summary.cleanLegacy).toBe(5);

    const status = await runCli(["status", ...planArgs(sb).slice(1)], { home: sb.home });
    expect(status.exitCode, describeRun(status)).toBe(0);
    expect(status.stdout).toContain(`held by pid ${process.pid}`);
    expect(snapshotTree(lockDir)).toEqual(lockBefore);
  });
});

describe("profile host (end to end)", () => {
  const acmeArgs = (sb: Sandbox, ...extra: string[]) =>
    sandboxArgs(
      "plan",
      sb,
      "fixtures/configs/acme.json",
      "--host",
      "profile:fixtures/profiles/acme.json",
      ...extra,
    );

  it("plans acme-demo through fixtures/profiles/acme.json", async () => {
    const sb = makeSandbox({ host: "acme-demo", stage: "empty" });
    const r = await runCli(acmeArgs(sb), { home: sb.home });
    expect(r.exitCode, describeRun(r)).toBe(0);
    expect(r.stdout).toContain("adapter:     profile:acme");
    expect(r.stdout).toMatch(/✓ builtin-ui\s+active\s+enabledByDefault \(ships its deps\)/);
    expect(r.stdout).toMatch(/✓ search\s+active\s+plugins\.entries\.search\.enabled=true/);
    expect(r.stdout).toContain("Plan: 0 to reuse, 3 to install, 0 to prune, 0 legacy to clean.");

    const plan = await planDocument(acmeArgs(sb), sb);
    expect(plan.host).toMatchObject({ name: "acme-host", version: "3.2.0", adapter: "profile:acme" });
    expect(path.basename(plan.desired.targetRoot)).toMatch(/^acme-3\.2\.0-[0-9a-f]{12}$/);
    expect(plan.plugins.map((p) => [p.id, p.active, p.staged, p.reason])).toEqual([
      ["builtin-ui", true, false, "enabledByDefault"],
      ["notify", true, true, "enabledByDefault"],
      ["search", true, true, "plugins.entries.search.enabled=true"],
    ]);
    // builtin-ui ships its deps, so its markdown ^1.0.0 is no conflict: only search wants markdown
    expect(plan.desired.conflicts).toEqual([]);
    const wanted = plan.desired.sets.flatMap((s) => s.packages.map((p) => [p.name, p.spec, p.wantedBy]));
    expect(wanted).toEqual([
      ["@fixture/http-kit", "^1.2.0", ["search"]],
      ["@fixture/logger", "^1.4.0", ["notify"]],
      ["@fixture/markdown", "^2.1.0", ["search"]],
    ]);
  });

  it("takes the profile's variables: ACME_CONFIG and a layered ACME_PLUGIN_STAGE_DIR", async () => {
    const sb = makeSandbox({ host: "acme-demo", stage: "empty" });
    const layer = sb.at("layer");
    const plan = await planDocument(
      ["plan", "--host", `profile:${fixture("profiles", "acme.json")}`, "--package-root", sb.host],
      sb,
      {
        ACME_CONFIG: configFixture("acme.json"),
        ACME_PLUGIN_STAGE_DIR: [layer, sb.stage].join(path.delimiter),
        // another host's variables change nothing for a profile host
        OPENCLAW_PLUGIN_STAGE_DIR: sb.at("openclaw-stage"),
      },
    );
    expect(plan.config).toEqual({ path: configFixture("acme.json"), source: "ACME_CONFIG", found: true });
    expect(plan.observed.candidates.map((c) => [c.path, c.source, c.role])).toEqual([
      [layer, "ACME_PLUGIN_STAGE_DIR[0]", "layer"],
      [sb.stage, "ACME_PLUGIN_STAGE_DIR[1]", "target"],
    ]);
  });
});
