import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import type { StatusView } from "../../src/render/status-human.js";
import {
  configFixture,
  describeRun,
  makeSandbox,
  runCli,
  runCliOk,
  type Sandbox,
  sandboxArgs,
  snapshotTree,
  writeMinimalHost,
} from "../support/cli.js";

/** `plugdeps status` end to end: the built CLI as a subprocess, on copies of the fixtures. */

const PREVIOUS_ROOT = "openclaw-2026.4.20-0a1b2c3d4e5f";

const statusArgs = (sb: Sandbox, config = "demo.json5", ...extra: string[]): string[] =>
  sandboxArgs("status", sb, configFixture(config), ...extra);

const statusJson = async (args: readonly string[], sb: Sandbox): Promise<StatusView> => {
  return JSON.parse((await runCliOk([...args, "--json"], { home: sb.home })).stdout) as StatusView;
};

describe("status on the demo host", () => {
  it("shows host, stage base, previous roots, lock, debris and that it is out of sync", async () => {
    const sb = makeSandbox({ stage: "demo" });
    const out = (await runCliOk(statusArgs(sb), { home: sb.home })).stdout;
    expect(out).toContain(`openclaw 2026.4.29 (${sb.host})`);
    expect(out).toMatch(new RegExp(`stage base:\\s+${escapeRegExp(sb.stage)} \\(--stage-dir\\)`));
    expect(out).toMatch(/current root:\s+none yet/);
    expect(out).toMatch(new RegExp(`previous roots:\\s+${PREVIOUS_ROOT}\\s+3 packages, host 2026\\.4\\.20`));
    expect(out).toMatch(/plugins:\s+10 total, 8 active, 2 invalid/);
    expect(out).toMatch(/lock:\s+free/);
    expect(out).toContain("Legacy debris: 5 paths");
    // OpenClaw 2026.4.29 reads only its own root name in the stage base, not there yet
    expect(out).toMatch(
      /host root:\s+openclaw-2026\.4\.29-[0-9a-f]{12} \(the host reads here; not in place: it does not exist yet\)/,
    );
    expect(out).toContain(
      "Out of sync. Plan: 2 to reuse, 9 to install, 0 to prune, 5 legacy to clean; the host's own root to put in place.",
    );
  });

  it("--json parses and carries the same facts", async () => {
    const sb = makeSandbox({ stage: "demo" });
    const view = await statusJson(statusArgs(sb), sb);
    expect(view.host).toMatchObject({ name: "openclaw", version: "2026.4.29", packageRoot: sb.host });
    expect(view.stageBase).toMatchObject({ path: sb.stage, source: "--stage-dir", role: "target" });
    expect(view.currentRoot).toBeNull();
    expect(view.previousRoots.map((root) => root.path)).toEqual([path.join(sb.stage, PREVIOUS_ROOT)]);
    expect(view.previousRoots[0]).toMatchObject({ hostVersion: "2026.4.20", packages: 3, locked: false });
    expect(view.plugins).toEqual({ total: 10, active: 8, invalid: 2 });
    expect(view.lock).toBeNull();
    expect(view.debris).toHaveLength(5);
    expect(view.inSync).toBe(false);
    expect(view.pendingActions).toEqual({ reuse: 2, install: 9, prune: 0, cleanLegacy: 5 });
    expect(view.hostRoot?.problems).toEqual(["it does not exist yet"]);
  });

  it("status never uses exit code 2 and writes nothing", async () => {
    const sb = makeSandbox({ stage: "demo" });
    const before = snapshotTree(sb.root);
    const r = await runCli([...statusArgs(sb), "--quiet"], { home: sb.home });
    expect(r.exitCode, describeRun(r)).toBe(0);
    expect(snapshotTree(sb.root)).toEqual(before);
  });
});

describe("status when in sync", () => {
  it("says so (human and --json), exit 0", async () => {
    const sb = makeSandbox({ host: null, stage: "empty" });
    writeMinimalHost(sb.host);
    const args = sandboxArgs("status", sb, undefined);
    const r = await runCli(args, { home: sb.home });
    expect(r.exitCode, describeRun(r)).toBe(0);
    expect(r.stdout).toContain("In sync. Runtime dependencies match the plugin plan.");
    expect(r.stdout).toMatch(/previous roots:\s+none/);
    const view = await statusJson(args, sb);
    expect(view.inSync).toBe(true);
    expect(view.pendingActions).toBeNull();
    expect(view.plugins).toEqual({ total: 1, active: 1, invalid: 0 });
  });
});

describe("status errors", () => {
  it("a config error exits 1 with one message and no stack", async () => {
    const sb = makeSandbox();
    const r = await runCli(statusArgs(sb, "wrong-types.json5"), { home: sb.home });
    expect(r.exitCode, describeRun(r)).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr.startsWith("Error: ")).toBe(true);
    expect(r.stderr).toContain("plugins.allow[1]");
    expect(r.stderr).not.toMatch(/^\s{4}at /m);
  });

  it("--log-format json on status errors too", async () => {
    const sb = makeSandbox({ host: null });
    fs.mkdirSync(sb.host);
    const r = await runCli(
      ["status", "--package-root", sb.host, "--stage-dir", sb.stage, "--log-format", "json"],
      { home: sb.home },
    );
    expect(r.exitCode, describeRun(r)).toBe(1);
    const parsed = JSON.parse(r.stderr) as { tag?: unknown; message?: unknown };
    expect(typeof parsed.tag).toBe("string");
    expect(parsed.message).toEqual(expect.stringContaining("--package-root"));
  });
});

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
