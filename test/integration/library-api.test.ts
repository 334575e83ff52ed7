import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import {
  APPLY_TIMEOUT_MS,
  applyEnv,
  type ApplySandbox,
  commonArgs,
  expectOk,
  makeApplySandbox,
  run,
  spawnLines,
} from "../support/apply.js";
import { cliEnv, configFixture, describeRun, REPO_ROOT } from "../support/cli.js";

/**
 * The library API (`import ... from "plugdeps"`, src/index.ts) from the BUILT package entry:
 *
 * 1. the example of docs/library.md, run as it stands (one substitution: the slack plugin's
 *    dependency is `@fixture/slack-sdk` here) by `node` in a project where `plugdeps` is this
 *    package, against an OpenClaw-shaped fixture host and the local registry, its target found
 *    from the environment as the CLI finds it;
 * 2. each function in this process (dist/src/index.js) returns the document the CLI's `--json`
 *    prints for the same options, and its errors are Lefts.
 */

type Library = typeof import("../../src/index.js");
const ENTRY = path.join(REPO_ROOT, "dist", "src", "index.js");
const loadLibrary = async (): Promise<Library> => (await import(pathToFileURL(ENTRY).href)) as Library;

const DOCS = path.join(REPO_ROOT, "docs", "library.md");

/** The first ```js block of docs/library.md. */
const docsExample = (): string => {
  const m = /```js\n([\s\S]*?)```/.exec(fs.readFileSync(DOCS, "utf8"));
  if (m?.[1] === undefined) throw new Error(`${DOCS} has no \`\`\`js block`);
  return m[1];
};

describe("library API: the docs/library.md example", () => {
  it(
    "plans, applies against the registry, and reports status, doctor and resolve",
    async () => {
      const sb = makeApplySandbox("pnpm");
      const project = sb.at("project");
      fs.mkdirSync(path.join(project, "node_modules"), { recursive: true });
      // `plugdeps` is this package: the import goes through its package.json exports to dist/src/index.js
      fs.symlinkSync(REPO_ROOT, path.join(project, "node_modules", "plugdeps"));
      fs.writeFileSync(path.join(project, "package.json"), '{ "type": "module", "private": true }\n');
      const example = docsExample();
      expect(example).toContain('specifier: "@slack/web-api"');
      fs.writeFileSync(
        path.join(project, "example.mjs"),
        example.replace('specifier: "@slack/web-api"', 'specifier: "@fixture/slack-sdk"'),
      );
      const r = await execa(process.execPath, ["example.mjs"], {
        cwd: project,
        reject: false,
        extendEnv: false,
        env: cliEnv(
          sb.home,
          applyEnv(sb, {
            // found as the CLI finds them: the host under npm's global prefix, the config and the
            // stage dir from OpenClaw's variables
            npm_config_prefix: sb.at("usr"),
            OPENCLAW_CONFIG_PATH: configFixture("demo.json5"),
            OPENCLAW_PLUGIN_STAGE_DIR: sb.stage,
          }),
        ),
        timeout: APPLY_TIMEOUT_MS,
      });
      const shown = `exit ${r.exitCode}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
      expect(r.exitCode, shown).toBe(0);
      expect(r.stderr, shown).toBe("");
      expect(r.stdout, shown).toMatch(/^plan: [1-9]\d* action\(s\)$/m);
      expect(r.stdout, shown).toMatch(/^apply: [1-9]\d* installed$/m);
      expect(r.stdout, shown).toContain("\nstatus: in sync\n");
      expect(r.stdout, shown).toMatch(/^doctor: 0 error\(s\)$/m);
      expect(r.stdout, shown).toMatch(/^resolve: root \d+\.\d+\.\d+$/m);
      // onProgress got apply's progress lines
      expect(r.stdout, shown).toMatch(/install/i);
      expect(spawnLines(sb).length).toBeGreaterThan(0);
    },
    APPLY_TIMEOUT_MS * 2,
  );
});

describe("library API: the same documents as the CLI's --json", () => {
  let lib: Library;
  let sb: ApplySandbox;
  let target: {
    packageRoot: string;
    config: string;
    stageDir: string;
    env: Record<string, string>;
    homedir: string;
  };
  const config = configFixture("demo.json5");
  const cli = async (...args: string[]) => expectOk(await run(sb, args));

  beforeAll(async () => {
    lib = await loadLibrary();
    sb = makeApplySandbox("pnpm");
    target = {
      packageRoot: sb.host,
      config,
      stageDir: sb.stage,
      env: cliEnv(sb.home, applyEnv(sb)),
      homedir: sb.home,
    };
  });

  it(
    "plan, apply, status, doctor, resolve",
    async () => {
      // plan: the same bytes as `plan --json` once rendered
      const planned = await lib.plan(target);
      if (planned._tag === "Left") throw new Error(planned.left.message);
      expect(planned.right.actions.length).toBeGreaterThan(0);
      const planCli = await cli("plan", ...commonArgs(sb, config), "--json");
      expect(lib.renderPlanJson(planned.right)).toBe(planCli.stdout);

      // apply, with a umask that would leave files group-writable: the library tightens it while
      // it runs, as the CLI does, and puts it back
      const before = process.umask(0o002);
      let applied;
      try {
        applied = await lib.apply({ ...target, planFile: planned.right, packageManager: "pnpm" });
        expect(process.umask()).toBe(0o002);
      } finally {
        process.umask(before);
      }
      if (applied._tag === "Left") throw new Error(applied.left.message);
      expect(applied.right.noop).toBe(false);
      expect(applied.right.packageManagerRuns).toBe(spawnLines(sb).length);
      expect(applied.right.packageManagerRuns).toBeGreaterThan(0);
      expect(applied.right.executed.install).toBeGreaterThan(0);
      expect(applied.right.fingerprint).toBe(planned.right.desired.fingerprint);
      const runs = spawnLines(sb).length;
      const groupWritable = (dir: string): string[] =>
        fs.readdirSync(dir, { recursive: true, withFileTypes: true }).flatMap((e) => {
          const p = path.join(e.parentPath, e.name);
          return !e.isSymbolicLink() && (fs.lstatSync(p).mode & 0o022) !== 0 ? [p] : [];
        });
      expect(groupWritable(sb.stage)).toEqual([]);

      // a second apply is a no-op, the same document from both
      const again = await lib.apply({ ...target, packageManager: "pnpm" });
      const applyCli = await cli("apply", ...commonArgs(sb, config), "--json");
      expect(again).toEqual({ _tag: "Right", right: JSON.parse(applyCli.stdout) });
      expect(again._tag === "Right" && again.right.noop).toBe(true);
      expect(spawnLines(sb)).toHaveLength(runs);

      // status, doctor, resolve: deep-equal to the CLI's JSON
      const st = await lib.status(target);
      const statusCli = await cli("status", ...commonArgs(sb, config), "--json");
      expect(st).toEqual({ _tag: "Right", right: JSON.parse(statusCli.stdout) });
      expect(st._tag === "Right" && st.right.inSync).toBe(true);

      const report = await lib.doctor({ ...target, hostCheck: false });
      const doctorCli = await cli("doctor", ...commonArgs(sb, config), "--no-host-check", "--json");
      expect(report).toEqual({ _tag: "Right", right: JSON.parse(doctorCli.stdout) });
      expect(report._tag === "Right" && lib.doctorHasErrors(report.right)).toBe(false);

      const where = await lib.resolve({ ...target, plugin: "slack", specifier: "@fixture/slack-sdk" });
      const resolveCli = await cli(
        "resolve",
        "--stage-dir",
        sb.stage,
        "--plugin",
        "slack",
        "@fixture/slack-sdk",
        "--json",
      );
      expect(where).toEqual({ _tag: "Right", right: JSON.parse(resolveCli.stdout) });
      expect(where._tag === "Right" && where.right.outcome).toBe("root");

      // each value is its exported codec's document (docs/json.md), and renders to the CLI's bytes
      const values = { applied: again, st, report, where };
      const codecs = {
        applied: lib.ApplyDocument,
        st: lib.StatusDocument,
        report: lib.DoctorReport,
        where: lib.ResolveDocument,
      };
      for (const [name, value] of Object.entries(values)) {
        expect(value._tag === "Right" && codecs[name as keyof typeof codecs].is(value.right), name).toBe(
          true,
        );
      }
      expect(lib.PlanDocumentJson.is(lib.planToJson(planned.right))).toBe(true);
      if (again._tag === "Right") expect(lib.renderApplyJson(again.right)).toBe(applyCli.stdout);
      if (st._tag === "Right") expect(lib.renderStatusJson(st.right)).toBe(statusCli.stdout);
      if (report._tag === "Right") expect(lib.renderDoctorJson(report.right)).toBe(doctorCli.stdout);
      if (where._tag === "Right") expect(lib.renderResolveJson(where.right)).toBe(resolveCli.stdout);
    },
    APPLY_TIMEOUT_MS * 2,
  );

  it("errors are Lefts with the CLI's error, never a rejected promise", async () => {
    const badLock = await lib.apply({ ...target, lockTimeout: "soon" });
    expect(badLock).toMatchObject({ _tag: "Left", left: { _tag: "UsageError" } });
    expect(badLock._tag === "Left" && badLock.left.message).toContain('lockTimeout "soon" is not a duration');
    const badInstall = await lib.doctor({ ...target, installTimeout: 0 });
    expect(badInstall).toMatchObject({ _tag: "Left", left: { _tag: "UsageError" } });

    const unknown = await lib.resolve({ ...target, plugin: "no-such-plugin", specifier: "x" });
    expect(unknown).toMatchObject({ _tag: "Left", left: { _tag: "PluginNotRecorded" } });

    const missing = sb.at("missing-plan.json");
    const stale = await lib.apply({ ...target, planFile: missing });
    expect(stale).toMatchObject({ _tag: "Left", left: { _tag: "FsError" } });
    const cliStale = await run(sb, ["apply", ...commonArgs(sb, config), missing]);
    expect(cliStale.exitCode, describeRun(cliStale)).toBe(1);
    expect(stale._tag === "Left" && cliStale.stderr).toBe(
      `Error: ${stale._tag === "Left" ? stale.left.message : ""}\n`,
    );

    const noHost = await lib.plan({ ...target, packageRoot: sb.at("nowhere") });
    expect(noHost._tag).toBe("Left");
  });

  it("keeps createPlan as it was (synchronous, the same plan)", async () => {
    const sync = lib.createPlan(target);
    const planned = await lib.plan(target);
    expect(sync._tag).toBe("Right");
    if (sync._tag === "Right" && planned._tag === "Right")
      expect(sync.right.desired.fingerprint).toBe(planned.right.desired.fingerprint);
  });
});
