import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { DiskUse } from "../../src/model/disk-use.js";
import type { Verification } from "../../src/model/verify.js";
import { configFixture, describeRun } from "../support/cli.js";
import {
  apply,
  APPLY_TIMEOUT_MS,
  type ApplySandbox,
  commonArgs,
  expectOk,
  expectRootValid,
  makeApplySandbox,
  MANAGERS,
  planJson,
  readState,
  run,
} from "../support/apply.js";

/**
 * `plugdeps status --verify` (SPEC §2, issue 16 item 5): every package of the live root checked on
 * disk against the root's own record; exit 0 when all hold, exit 1 naming each drifted package
 * and what is wrong, with the fix; `plugdeps apply` then repairs it (docs/security.md, promise 4).
 * Also: `status --json` carries the disk use of the root and its generations.
 */

interface StatusJson {
  readonly verify?: Verification;
  readonly diskUse: DiskUse;
}

const status = async (sb: ApplySandbox, ...extra: string[]) =>
  run(sb, ["status", ...commonArgs(sb, configFixture("demo.json5")), ...extra]);

describe.each(MANAGERS)("status --verify with %s", (pm) => {
  let sb: ApplySandbox;
  let root: string;
  /** Two packages of the shared set: one loses its entry file, one gets its version edited. */
  let broken: string;
  let edited: string;

  beforeAll(async () => {
    sb = makeApplySandbox(pm);
    expectOk(await apply(sb));
    root = (await planJson(sb)).desired.targetRoot;
    const shared = readState(root).sets.find((s) => s.id === "shared");
    const names = Object.keys(shared?.packages ?? {}).sort();
    expect(names.length).toBeGreaterThanOrEqual(2);
    broken = names[0] ?? "";
    edited = names[1] ?? "";
  }, APPLY_TIMEOUT_MS * 2);

  it("a converged root: exit 0, every package verified; status --json has the disk use", async () => {
    const r = await status(sb, "--verify");
    expect(r.exitCode, describeRun(r)).toBe(0);
    expect(r.stdout).toMatch(/Verified: \d+ packages of /);
    expect(r.stdout).toContain("Disk use:");
    const json = JSON.parse(expectOk(await status(sb, "--verify", "--json")).stdout) as StatusJson;
    expect(json.verify?.ok).toBe(true);
    expect(json.verify?.drifted).toEqual([]);
    expect(json.verify?.checked).toBeGreaterThanOrEqual(2);
    const use = json.diskUse;
    expect(use.stageBase).toBe(sb.stage);
    expect(use.roots[0]?.path).toBe(root);
    expect(use.roots[0]?.current).toBe(true);
    const live = use.roots[0]?.generations.find((g) => g.live);
    expect(live?.name).toBe(fs.readlinkSync(root));
    expect(live?.bytes).toBeGreaterThan(0);
    expect(live?.files).toBeGreaterThan(0);
    expect(use.totalBytes).toBeGreaterThanOrEqual(use.roots[0]?.bytes ?? Infinity);
    expect(use.logs?.files).toBeGreaterThan(0);
    // Without --verify there is no verification (the check is the slow path).
    const plain = JSON.parse(expectOk(await status(sb, "--json")).stdout) as StatusJson;
    expect(plain.verify).toBeUndefined();
  });

  it(
    "a deleted entry file and an edited version: exit 1 naming both, plan installs them, apply repairs",
    async () => {
      const dirOf = (name: string) => fs.realpathSync(path.join(root, "node_modules", name));
      const entry = JSON.parse(fs.readFileSync(path.join(dirOf(broken), "package.json"), "utf8")) as {
        main?: string;
      };
      fs.rmSync(path.join(dirOf(broken), entry.main ?? "index.js"));
      // A new version that still satisfies any caret range of the recorded one: only the record tells.
      const file = path.join(dirOf(edited), "package.json");
      const pkg = JSON.parse(fs.readFileSync(file, "utf8")) as { version: string };
      const bumped = pkg.version.replace(/\d+$/, (n) => String(Number(n) + 50));
      // Written to a new file and renamed: a hard-linked store file must not carry the edit.
      fs.writeFileSync(`${file}.new`, JSON.stringify({ ...pkg, version: bumped }));
      fs.renameSync(`${file}.new`, file);

      const r = await status(sb, "--verify");
      expect(r.exitCode, describeRun(r)).toBe(1);
      expect(r.stdout).toContain("Drift: 2 of");
      expect(r.stdout).toMatch(
        new RegExp(`! ${broken.replace(/[/@]/g, "\\$&")} \\[shared\\].*entry file missing`),
      );
      expect(r.stdout).toContain(
        `! ${edited} [shared] (recorded ${pkg.version}): its package.json says version ${bumped}`,
      );
      expect(r.stdout).toContain("Fix: run `plugdeps apply`");
      const json = JSON.parse((await status(sb, "--verify", "--json")).stdout) as StatusJson;
      expect(json.verify?.ok).toBe(false);
      expect(json.verify?.drifted.map((d) => d.name).sort()).toEqual([broken, edited].sort());

      // The plan is honest about the same drift: both are installed afresh.
      const plan = await planJson(sb);
      const installs = plan.actions
        .filter((a) => a.type === "install")
        .flatMap((a) => a.packages.map((p) => p.name));
      expect(installs).toEqual(expect.arrayContaining([broken, edited]));

      expectOk(await apply(sb));
      const after = await status(sb, "--verify");
      expect(after.exitCode, describeRun(after)).toBe(0);
      await expectRootValid(root, await planJson(sb));
      expect(JSON.parse(fs.readFileSync(path.join(dirOf(edited), "package.json"), "utf8")).version).toBe(
        pkg.version,
      );
    },
    APPLY_TIMEOUT_MS * 2,
  );
});

describe("status --verify without a live root", () => {
  it("exit 1 when the plan needs packages there, with the fix", async () => {
    const sb = makeApplySandbox("pnpm");
    const r = await status(sb, "--verify");
    expect(r.exitCode, describeRun(r)).toBe(1);
    expect(r.stdout).toMatch(/Verify failed: there is no live root at .*Fix: run `plugdeps apply`/);
  });
});
