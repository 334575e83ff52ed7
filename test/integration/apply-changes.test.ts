import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { PlanDocument } from "../../src/model/plan.js";
import { configFixture, describeRun, NO_CHANGES, removeHostDebris, snapshotTree } from "../support/cli.js";
import {
  addPlugin,
  apply,
  APPLY_TIMEOUT_MS,
  type ApplySandbox,
  commonArgs,
  expectOk,
  expectRootValid,
  inodes,
  leftovers,
  liveTarget,
  makeApplySandbox,
  MANAGERS,
  planJson,
  readState,
  run,
  spawnLines,
  spawnsByStage,
  writeConfig,
} from "../support/apply.js";

/**
 * `plugdeps apply` as the plugin plan changes (a plugin enabled, then disabled), a package manager
 * that fails, and saved plans: each with both package managers against the local registry.
 */

const names = (plan: PlanDocument, type: string): string[] =>
  plan.actions
    .filter((a) => a.type === type)
    .flatMap((a) => a.packages.map((p) => `${p.name} [${a.set ?? ""}]`))
    .sort();

/**
 * One sandbox per manager, driven through a sequence of plugin plans (each test starts where the
 * previous one left it): slack + discord, then telegram added (its markdown ^1 conflicts with
 * discord's ^2, so it gets an isolated set), then telegram disabled again, then a plugin whose
 * dependency no published version satisfies.
 */
describe.each(MANAGERS)("apply with %s as the plugin plan changes", (pm) => {
  let sb: ApplySandbox;
  let withoutTelegram: string;
  let withTelegram: string;

  beforeAll(async () => {
    sb = makeApplySandbox(pm);
    removeHostDebris(sb.host); // debris cleanup has its own test; here every action is a package
    const base = { channels: { slack: { enabled: true }, discord: { enabled: true } } };
    // anthropic is enabledByDefault: turned off to keep the sets small
    const plugins = { entries: { anthropic: { enabled: false } } };
    withoutTelegram = writeConfig(sb, "slack-discord", { ...base, plugins });
    withTelegram = writeConfig(sb, "slack-discord-telegram", {
      channels: { ...base.channels, telegram: { enabled: true } },
      plugins,
    });
    expectOk(await apply(sb, withoutTelegram));
  }, APPLY_TIMEOUT_MS);

  it("adding a plugin installs only its packages that are not there yet; the rest is hard-linked", async () => {
    const root = (await planJson(sb, withoutTelegram)).desired.targetRoot;
    const oldGeneration = path.join(sb.stage, liveTarget(root) ?? "(no live generation)");
    const oldTree = snapshotTree(oldGeneration);
    const oldInodes = inodes(path.join(oldGeneration, "node_modules"));
    const spawnsBefore = spawnLines(sb).length;

    const plan = await planJson(sb, withTelegram);
    expect(plan.desired.targetRoot).toBe(root);
    // http-kit: slack wants ^1.2.0, telegram ^1.3.0; the installed one satisfies both
    expect(names(plan, "install")).toEqual([
      "@fixture/markdown [plugin:telegram]",
      "@fixture/telegram-bot [shared]",
    ]);
    expect(plan.actions.map((a) => a.type).sort()).toEqual(["install", "install"]);

    const r = expectOk(await apply(sb, withTelegram));
    expect(r.stdout).toContain("Apply complete! 0 reused, 2 installed, 0 pruned, 0 legacy cleaned.");
    // one run per set with installs, both in this one build
    const spawns = spawnLines(sb).slice(spawnsBefore);
    expect(spawns).toHaveLength(2);
    expect(spawnsByStage(sb, spawns).size).toBe(1);
    const installing = r.stdout.split("\n").filter((l) => l.includes("+ installing"));
    expect(installing).toHaveLength(2);
    expect(installing.join("\n")).not.toMatch(/slack-sdk|http-kit|discord-client|markdown@\^2/);
    await expectRootValid(root, plan);

    // the manager saw the full union (npm prunes whatever the manifest does not name); logger
    // (slack) and memory-store (memory-core) are in the host's node_modules too, which OpenClaw
    // 2026.4.29 does not read, so they are in the root as well
    const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    expect(Object.keys(manifest.dependencies).sort()).toEqual([
      "@fixture/discord-client",
      "@fixture/http-kit",
      "@fixture/logger",
      "@fixture/markdown",
      "@fixture/memory-store",
      "@fixture/slack-sdk",
      "@fixture/telegram-bot",
    ]);

    // what was there is carried over by hard link: the very same inodes
    const newGeneration = path.join(sb.stage, liveTarget(root) ?? "");
    expect(newGeneration).not.toBe(oldGeneration);
    const newInodes = inodes(path.join(newGeneration, "node_modules"));
    let carried = 0;
    for (const [rel, ino] of oldInodes) {
      // package code; not the managers' metadata nor manifests, which may get a private copy
      if (!rel.startsWith(`@fixture${path.sep}`) || path.basename(rel) === "package.json") continue;
      expect(newInodes.get(rel), rel).toBe(ino);
      carried++;
    }
    expect(carried).toBeGreaterThanOrEqual(5); // slack-sdk, http-kit, retry, discord-client, markdown 2
    // building the new generation did not write through those links into the one that was live
    expect(snapshotTree(oldGeneration)).toEqual(oldTree);
  });

  it("disabling a plugin prunes only what it alone needed and leaves unowned entries alone", async () => {
    fs.writeFileSync(path.join(sb.stage, "operator-notes.txt"), "do not delete\n");
    fs.mkdirSync(path.join(sb.stage, "something-else", "deeper"), { recursive: true });
    fs.writeFileSync(path.join(sb.stage, "something-else", "deeper", "file.txt"), "mine\n");
    const notes = snapshotTree(path.join(sb.stage, "operator-notes.txt"));
    const other = snapshotTree(path.join(sb.stage, "something-else"));
    const spawnsBefore = spawnLines(sb).length;

    const plan = await planJson(sb, withoutTelegram);
    const root = plan.desired.targetRoot;
    expect(plan.actions.every((a) => a.type === "prune-package")).toBe(true);
    expect(names(plan, "prune-package")).toEqual([
      "@fixture/markdown [plugin:telegram]",
      "@fixture/telegram-bot [shared]",
    ]);
    const targets = plan.actions.flatMap((a) => a.targets).sort();
    expect(targets).toEqual([
      path.join(root, "isolated", "telegram"),
      path.join(root, "node_modules", "@fixture", "telegram-bot"),
    ]);

    const r = expectOk(await apply(sb, withoutTelegram));
    expect(r.stdout).toContain("Apply complete! 0 reused, 0 installed, 2 pruned, 0 legacy cleaned.");
    expect(spawnLines(sb)).toHaveLength(spawnsBefore);
    await expectRootValid(root, plan);
    expect(fs.existsSync(path.join(root, "node_modules", "@fixture", "telegram-bot"))).toBe(false);
    expect(fs.existsSync(path.join(root, "isolated", "telegram"))).toBe(false);
    // shared with slack: stays
    expect(fs.existsSync(path.join(root, "node_modules", "@fixture", "http-kit", "package.json"))).toBe(true);
    expect(readState(root).sets.map((s) => [s.id, Object.keys(s.packages).sort()])).toEqual([
      [
        "shared",
        [
          "@fixture/discord-client",
          "@fixture/http-kit",
          "@fixture/logger",
          "@fixture/markdown",
          "@fixture/memory-store",
          "@fixture/slack-sdk",
        ],
      ],
    ]);
    // unowned entries in the stage base are never touched
    expect(snapshotTree(path.join(sb.stage, "operator-notes.txt"))).toEqual(notes);
    expect(snapshotTree(path.join(sb.stage, "something-else"))).toEqual(other);
    expect(expectOk(await apply(sb, withoutTelegram)).stdout).toContain(NO_CHANGES);
  });

  it("a package-manager failure names the package and the log, and leaves the live root as it was", async () => {
    const plan = await planJson(sb, withoutTelegram);
    const root = plan.desired.targetRoot;
    const target = liveTarget(root);
    const live = snapshotTree(path.join(sb.stage, target ?? ""));
    const spawnsBefore = spawnLines(sb).length;
    // no published @fixture/tokenizer is 9.x, and no other plugin wants it: the shared set fails
    addPlugin(sb.host, "nine", { "@fixture/tokenizer": "^9.0.0" });

    const r = await apply(sb, withoutTelegram);
    expect(r.exitCode, describeRun(r)).toBe(1);
    expect(r.stderr).toContain("@fixture/tokenizer@^9.0.0");
    expect(r.stderr).toContain("the live root is unchanged");
    const log = /Last lines of (\S+\.log):/.exec(r.stderr)?.[1];
    expect(log, r.stderr).toBeDefined();
    expect(fs.existsSync(log ?? "")).toBe(true);
    expect(path.dirname(log ?? "")).toBe(path.join(sb.stage, ".plugdeps", "logs"));
    expect(fs.readFileSync(log ?? "", "utf8")).toContain("@fixture/tokenizer");
    expect(r.stderr).not.toMatch(/^\s{4}at /m);
    expect(spawnLines(sb).length).toBe(spawnsBefore + 1);

    // the previous live root: same generation, not one byte changed, still valid
    expect(liveTarget(root)).toBe(target);
    expect(snapshotTree(path.join(sb.stage, target ?? ""))).toEqual(live);
    await expectRootValid(root, plan);
    expect(leftovers(sb.stage)).toEqual([]);
    expect(fs.existsSync(`${root}.lock`)).toBe(false);

    // the failed build leaves nothing that makes the next run loop: without the bad plugin,
    // the root is converged and nothing runs
    fs.rmSync(path.join(sb.host, "dist", "extensions", "nine"), { recursive: true });
    expect(expectOk(await apply(sb, withoutTelegram)).stdout).toContain(NO_CHANGES);
    expect(spawnLines(sb).length).toBe(spawnsBefore + 1);
  });
});

describe.each(MANAGERS)("apply PLANFILE with %s", (pm) => {
  it("applies an unchanged saved plan and refuses a stale one", async () => {
    const sb = makeApplySandbox(pm, { stage: "demo" });
    const config = configFixture("demo.json5");
    const saved = sb.at("p.json");
    expectOk(await run(sb, ["plan", ...commonArgs(sb, config), "--out", saved]));
    const planned = JSON.parse(fs.readFileSync(saved, "utf8")) as PlanDocument;
    expect(planned.summary.install).toBeGreaterThan(0);

    // unchanged: applies, carrying out exactly the saved plan
    const r = expectOk(await run(sb, ["apply", saved, ...commonArgs(sb, config)]));
    const c = planned.summary;
    expect(r.stdout).toContain(
      `Apply complete! ${c.reuse} reused, ${c.install} installed, ${c.prune} pruned, ${c.cleanLegacy} legacy cleaned.`,
    );
    const plan = await planJson(sb, config);
    expect(plan.actions).toEqual([]);
    const root = plan.desired.targetRoot;
    await expectRootValid(root, plan);

    // saved while converged, then a package vanishes from the live root: stale
    const converged = sb.at("converged.json");
    expectOk(await run(sb, ["plan", ...commonArgs(sb, config), "--out", converged]));
    fs.rmSync(path.join(root, "node_modules", "@fixture", "discord-client"), { recursive: true });
    const spawnsBefore = spawnLines(sb).length;
    const before = snapshotTree(sb.root);
    const stale = await run(sb, ["apply", converged, ...commonArgs(sb, config)]);
    expect(stale.exitCode, describeRun(stale)).toBe(1);
    expect(stale.stderr).toContain("plan is stale");
    expect(stale.stderr).toContain(converged);
    expect(stale.stdout).toBe("");
    expect(spawnLines(sb)).toHaveLength(spawnsBefore);
    expect(snapshotTree(sb.root)).toEqual(before);

    // saved for one config, applied with another: stale too
    const withMinimal = await run(sb, [
      "apply",
      converged,
      ...commonArgs(sb, configFixture("minimal.json5")),
    ]);
    expect(withMinimal.exitCode, describeRun(withMinimal)).toBe(1);
    expect(withMinimal.stderr).toContain("plan is stale");

    // a fresh plan of the damage applies, and installs only what vanished
    const repair = sb.at("repair.json");
    expectOk(await run(sb, ["plan", ...commonArgs(sb, config), "--out", repair]));
    const fixed = expectOk(await run(sb, ["apply", repair, ...commonArgs(sb, config)]));
    expect(fixed.stdout).toContain("Apply complete! 0 reused, 1 installed, 0 pruned, 0 legacy cleaned.");
    expect(spawnLines(sb)).toHaveLength(spawnsBefore + 1);
    await expectRootValid(root, plan);
  });
});
