import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { configFixture, describeRun } from "../support/cli.js";
import {
  addPlugin,
  apply,
  APPLY_TIMEOUT_MS,
  type ApplySandbox,
  commonArgs,
  expectOk,
  expectRootValid,
  liveTarget,
  loadFromRoot,
  makeApplySandbox,
  MANAGERS,
  planJson,
  readState,
  run,
} from "../support/apply.js";

/**
 * `plugdeps rollback` (issue 16 item 5): the retained previous generation made live again,
 * validated first; refused with the reason when there is none, when it is not ours, or when it
 * fails validation. The host's own root (OpenClaw 2026.4.29, the demo host) links through the
 * root's name, so it follows. The desired state is unchanged: plan shows the difference, apply
 * converges again.
 */

const rollback = (sb: ApplySandbox, ...extra: string[]) =>
  run(sb, ["rollback", ...commonArgs(sb, configFixture("demo.json5")), ...extra]);

/** Every package a root's own record lists loads from its set's directory in the root. */
const expectRecordLoads = async (root: string): Promise<void> => {
  const requests = readState(root).sets.flatMap((s) =>
    Object.keys(s.packages).map((name) => ({ name, from: path.join(root, s.dir) })),
  );
  expect(requests.length).toBeGreaterThan(0);
  const loaded = await loadFromRoot(requests);
  for (const l of loaded) expect(l.file.startsWith(fs.realpathSync(root) + path.sep), l.file).toBe(true);
};

describe.each(MANAGERS)("plugdeps rollback with %s", (pm) => {
  let sb: ApplySandbox;
  let root: string;
  let first: string;
  let second: string;

  beforeAll(async () => {
    sb = makeApplySandbox(pm);
    expectOk(await apply(sb));
    root = (await planJson(sb)).desired.targetRoot;
    first = liveTarget(root) ?? "";
    // A plugin added after the first apply: the second generation holds one more package.
    addPlugin(sb.host, "extra", { "@fixture/exports-only": "1.0.0" });
    expectOk(await apply(sb));
    second = liveTarget(root) ?? "";
    expect(second).not.toBe(first);
  }, APPLY_TIMEOUT_MS * 3);

  it(
    "makes the previous generation live: packages load, the host root follows, plan shows the drift",
    async () => {
      const r = await rollback(sb);
      expect(r.exitCode, describeRun(r)).toBe(0);
      expect(r.stdout).toContain(`✓ live: ${path.basename(root)} -> ${first} (was ${second})`);
      expect(r.stdout).toContain("Rollback complete!");
      expect(liveTarget(root)).toBe(first);
      expect(fs.existsSync(path.join(sb.stage, second)), "nothing is removed by a rollback").toBe(true);
      await expectRecordLoads(root);
      expect(fs.existsSync(path.join(root, "node_modules", "@fixture", "exports-only"))).toBe(false);

      // The host's own root reads through the root's name: it now shows the first generation.
      const plan = await planJson(sb);
      const hostRoot = plan.observed.hostRoot;
      expect(hostRoot).toBeDefined();
      if (hostRoot === undefined) return;
      expect(r.stdout).toContain(`the host's own root ${hostRoot.path} follows`);
      expect(fs.realpathSync(path.join(hostRoot.path, "node_modules"))).toBe(
        fs.realpathSync(path.join(sb.stage, first, "node_modules")),
      );

      // Honest drift: the desired state still wants the extra plugin's package.
      const installs = plan.actions
        .filter((a) => a.type === "install")
        .flatMap((a) => a.packages.map((p) => p.name));
      expect(installs).toContain("@fixture/exports-only");
      const status = await run(sb, ["status", ...commonArgs(sb, configFixture("demo.json5"))]);
      expect(status.stdout).toContain("Out of sync.");

      // A later apply converges again.
      expectOk(await apply(sb));
      const third = liveTarget(root);
      expect(third).not.toBe(first);
      expect(third).not.toBe(second);
      // The generation rolled back from was surplus: tidied; the one rolled back to is now previous.
      expect(fs.existsSync(path.join(sb.stage, second))).toBe(false);
      expect(fs.existsSync(path.join(sb.stage, first))).toBe(true);
      await expectRootValid(root, await planJson(sb));
      expect((await planJson(sb)).actions).toEqual([]);
    },
    APPLY_TIMEOUT_MS * 2,
  );

  it("refuses a previous generation that fails validation, and changes nothing", async () => {
    // After the converging apply above, the retained previous generation is the first one.
    const live = liveTarget(root);
    const shared = readState(path.join(sb.stage, first)).sets.find((s) => s.id === "shared");
    const name = Object.keys(shared?.packages ?? {}).sort()[0] ?? "";
    const dir = fs.realpathSync(path.join(sb.stage, first, "node_modules", name));
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { main?: string };
    // unlink: the live generation's hard link to the same file stays.
    fs.rmSync(path.join(dir, manifest.main ?? "index.js"));
    const r = await rollback(sb);
    expect(r.exitCode, describeRun(r)).toBe(1);
    expect(r.stderr).toContain(
      `rollback of ${root} refused: the previous generation ${first} does not hold what its own record says`,
    );
    expect(r.stderr).toContain(`${name} (shared): entry file missing`);
    expect(r.stderr).toContain("the live root is unchanged");
    expect(liveTarget(root)).toBe(live);
    await expectRootValid(root, await planJson(sb));
    const json = await rollback(sb, "--log-format", "json");
    expect((JSON.parse(json.stderr) as { tag: string }).tag).toBe("RollbackRefused");
  });
});

describe("plugdeps rollback with nothing to roll back to", () => {
  it(
    "one generation only: refused, exit 1, with the reason",
    async () => {
      const sb = makeApplySandbox("pnpm");
      expectOk(await apply(sb));
      const root = (await planJson(sb)).desired.targetRoot;
      const live = liveTarget(root);
      const r = await rollback(sb);
      expect(r.exitCode, describeRun(r)).toBe(1);
      expect(r.stderr).toContain(
        `rollback of ${root} refused: no previous generation is retained: none of this root's generations is older than the live one, ${live}`,
      );
      expect(liveTarget(root)).toBe(live);
    },
    APPLY_TIMEOUT_MS,
  );

  it("nothing applied yet: refused, exit 1", async () => {
    const sb = makeApplySandbox("pnpm");
    const r = await rollback(sb);
    expect(r.exitCode, describeRun(r)).toBe(1);
    expect(r.stderr).toContain("refused: there is no live root (nothing was applied here yet)");
  });

  it(
    "another user's previous generation: refused as not ours (as root)",
    async (ctx) => {
      if (process.getuid?.() !== 0) return ctx.skip("needs root to chown");
      const sb = makeApplySandbox("pnpm");
      expectOk(await apply(sb));
      const root = (await planJson(sb)).desired.targetRoot;
      const live = liveTarget(root) ?? "";
      // A generation name older than the live one, planted by uid 54321.
      const planted = path.join(sb.stage, `${path.basename(root)}.gen-000000000aaaaaa`);
      fs.cpSync(path.join(sb.stage, live), planted, { recursive: true, verbatimSymlinks: true });
      fs.lchownSync(planted, 54321, 54321);
      const r = await rollback(sb);
      expect(r.exitCode, describeRun(r)).toBe(1);
      expect(r.stderr).toContain(`${path.basename(planted)}, owned by uid 54321`);
      expect(r.stderr).toContain("not plugdeps'");
      expect(liveTarget(root)).toBe(live);
    },
    APPLY_TIMEOUT_MS,
  );
});
