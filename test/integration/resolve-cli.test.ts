import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import type { ResolveExplanation } from "../../src/resolve/explain.js";
import { describeRun, REPO_ROOT, runCli, snapshotTree } from "../support/cli.js";
import {
  addPlugin,
  apply,
  APPLY_TIMEOUT_MS,
  type ApplySandbox,
  expectOk,
  makeApplySandbox,
  testPath,
} from "../support/apply.js";

/**
 * `plugdeps resolve --plugin ID SPECIFIER` on a real root (pnpm apply of the demo host plus two
 * plugins): human output against golden files (temp paths, the root key and timestamps
 * normalized), `--json`, exit codes, read-only-ness, and agreement with what the hook really does.
 * `UPDATE_GOLDEN=1` rewrites the golden files; read the diff before committing it.
 */

const GOLDEN_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../golden");
const UPDATE = process.env["UPDATE_GOLDEN"] === "1";
const REGISTER = path.join(REPO_ROOT, "dist", "src", "resolve", "register.js");

let sb: ApplySandbox;
let root: string;

const normalize = (text: string): string =>
  text
    .split(sb.root)
    .join("<tmp>")
    .replace(/openclaw-2026\.4\.20-[0-9a-f]{12}/g, "openclaw-2026.4.20-<key>")
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, "<time>");

const matchGolden = (file: string, actual: string): void => {
  const full = path.join(GOLDEN_DIR, file);
  if (UPDATE) {
    fs.writeFileSync(full, actual);
    return;
  }
  if (!fs.existsSync(full))
    throw new Error(`golden file ${full} is missing; create it with UPDATE_GOLDEN=1 and review it`);
  expect(actual).toBe(fs.readFileSync(full, "utf8"));
};

const resolve = (plugin: string, specifier: string, ...extra: string[]) =>
  runCli(["resolve", "--plugin", plugin, specifier, ...extra], {
    home: sb.home,
    env: { PLUGDEPS_STAGE_DIR: sb.stage },
  });

beforeAll(async () => {
  // 2026.4.20: the band whose host counts its own node_modules, so "satisfied by the host,
  // resolved by Node's fallback" is a case here (a 2026.4.29 host installs it into the root).
  sb = makeApplySandbox("pnpm", { version: "2026.4.20" });
  addPlugin(sb.host, "exporter", { "@fixture/exports-only": "1.0.0" });
  addPlugin(sb.host, "ghost", { "@fixture/cli-tool": "1.0.0" });
  expectOk(await apply(sb));
  // plugdeps' root is the link to its live generation; the other `openclaw-*` entry is OpenClaw's own
  // root name, whose node_modules links into it (the host root, SPEC §5).
  const names = fs
    .readdirSync(sb.stage)
    .filter(
      (n) => /^openclaw-.+-[0-9a-f]{12}$/.test(n) && fs.lstatSync(path.join(sb.stage, n)).isSymbolicLink(),
    );
  expect(names).toHaveLength(1);
  root = path.join(sb.stage, names[0] ?? "");
  // ghost's only dependency disappears from the root after apply: recorded, not materialized.
  fs.rmSync(path.join(root, "node_modules", "@fixture", "cli-tool"), { recursive: true, force: true });
}, APPLY_TIMEOUT_MS * 2);

/** name -> [plugin, specifier, exit code, where it lands (null: nowhere)] */
const CASES: Record<string, readonly [string, string, number, ResolveExplanation["outcome"], string | null]> =
  {
    "resolve-shared": ["slack", "@fixture/slack-sdk", 0, "root", "shared"],
    "resolve-isolated": ["telegram", "@fixture/markdown", 0, "root", "isolated"],
    "resolve-conflict-other-side": ["discord", "@fixture/markdown", 0, "root", "shared"],
    "resolve-host-fallback": ["slack", "@fixture/logger", 0, "node", "node"],
    "resolve-subpath": ["exporter", "@fixture/exports-only/package.json", 0, "root", "shared"],
    "resolve-not-materialized": ["ghost", "@fixture/cli-tool", 1, "not-found", null],
    "resolve-rejected-spec": ["irc", "irc-fixture-client", 1, "not-found", null],
    "resolve-undeclared": ["slack", "@fixture/memory-store", 0, "node", "node"],
    "resolve-relative": ["slack", "./index.js", 0, "node", null],
  };

describe("plugdeps resolve", () => {
  for (const [name, [plugin, specifier, exit, outcome, via]] of Object.entries(CASES)) {
    it(`${name}: --plugin ${plugin} ${specifier} (human, golden)`, async () => {
      const r = await resolve(plugin, specifier);
      expect(r.exitCode, describeRun(r)).toBe(exit);
      expect(r.stderr).toBe("");
      matchGolden(`${name}.txt`, normalize(r.stdout));
    });

    it(`${name}: --json`, async () => {
      const r = await resolve(plugin, specifier, "--json");
      expect(r.exitCode, describeRun(r)).toBe(exit);
      const x = JSON.parse(r.stdout) as ResolveExplanation;
      expect(x.plugin.id).toBe(plugin);
      expect(x.specifier).toBe(specifier);
      expect(x.outcome).toBe(outcome);
      expect(x.lands?.via ?? null).toBe(via);
      if (outcome === "not-found") expect(x.error).toMatch(/plugdeps apply/);
      matchGolden(`${name}.json`, normalize(r.stdout));
    });
  }

  it("the isolated answer names what was skipped and the version", async () => {
    const x = JSON.parse(
      (await resolve("discord", "@fixture/markdown", "--json")).stdout,
    ) as ResolveExplanation;
    expect(x.lands?.version).toMatch(/^2\./);
    expect(x.skipped).toContainEqual({ what: "isolated set", reason: "discord has none" });
    const t = JSON.parse(
      (await resolve("telegram", "@fixture/markdown", "--json")).stdout,
    ) as ResolveExplanation;
    expect(t.lands?.version).toMatch(/^1\./);
    expect(t.lands?.packageDir).toBe(
      path.join(root, "isolated", "telegram", "node_modules", "@fixture", "markdown"),
    );
  });

  it("--stage-dir works like PLUGDEPS_STAGE_DIR", async () => {
    const r = await runCli(
      ["resolve", "--plugin", "slack", "@fixture/slack-sdk", "--stage-dir", sb.stage, "--json"],
      {
        home: sb.home,
      },
    );
    expect(r.exitCode, describeRun(r)).toBe(0);
    expect((JSON.parse(r.stdout) as ResolveExplanation).lands?.via).toBe("shared");
  });

  it("a plugin no record lists: exit 1, naming the stage bases searched and the fix", async () => {
    // broken's manifest is invalid, so no root records it (memory-core, which this test used
    // before, is now staged: it fills OpenClaw's default memory slot)
    const r = await resolve("broken", "@fixture/http-kit");
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain('no materialization record lists plugin "broken"');
    expect(r.stderr).toContain(`${sb.stage} (PLUGDEPS_STAGE_DIR[0]): 1 root(s)`);
    expect(r.stderr).toContain("plugdeps apply");
  });

  it("writes nothing (host and stage unchanged)", async () => {
    const before = { host: snapshotTree(sb.host), stage: snapshotTree(sb.stage) };
    for (const [plugin, specifier] of Object.values(CASES)) await resolve(plugin, specifier);
    expect(snapshotTree(sb.host)).toEqual(before.host);
    expect(snapshotTree(sb.stage)).toEqual(before.stage);
  });

  it("explains the decision the hook makes: the hook loads from the directory resolve names", async () => {
    const checks = [
      ["slack", "@fixture/slack-sdk"],
      ["telegram", "@fixture/markdown"],
      ["discord", "@fixture/markdown"],
      ["slack", "@fixture/logger"],
      ["exporter", "@fixture/exports-only"],
    ] as const;
    for (const [plugin, specifier] of checks) {
      const x = JSON.parse((await resolve(plugin, specifier, "--json")).stdout) as ResolveExplanation;
      expect(x.lands, `${plugin} ${specifier}`).not.toBeNull();
      const probe = path.join(sb.host, "dist", "extensions", plugin, `resolve-probe-${plugin}.mjs`);
      fs.writeFileSync(
        probe,
        `import { fileURLToPath } from "node:url";\nprocess.stdout.write(fileURLToPath(import.meta.resolve(${JSON.stringify(specifier)})));\n`,
      );
      const r = await execa(process.execPath, ["--import", REGISTER, probe], {
        reject: false,
        extendEnv: false,
        env: { PATH: testPath(), HOME: sb.home, PLUGDEPS_STAGE_DIR: sb.stage },
      });
      fs.rmSync(probe);
      expect(r.exitCode, r.stderr).toBe(0);
      const dir = fs.realpathSync(x.lands?.packageDir ?? "");
      expect(
        r.stdout.startsWith(`${dir}${path.sep}`),
        `${plugin} ${specifier}: hook ${r.stdout}, resolve ${dir}`,
      ).toBe(true);
    }
  });
});
