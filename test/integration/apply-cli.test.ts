import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PlanDocument } from "../../src/model/plan.js";
import { describeRun, NO_CHANGES, type RunResult, snapshotTree, type TreeEntry } from "../support/cli.js";
import {
  addPlugin,
  apply,
  APPLY_TIMEOUT_MS,
  type ApplySandbox,
  expectOk,
  expectRootValid,
  inodes,
  LIFECYCLE_CANARY,
  leftovers,
  liveTarget,
  loadFromRoot,
  makeApplySandbox,
  MANAGERS,
  planJson,
  readState,
  run,
  setHostVersion,
  spawnLines,
  spawnsByStage,
  wantedInRoot,
} from "../support/apply.js";

/**
 * `plugdeps apply` end to end on the demo host (a copy laid out as
 * `<tmp>/usr/lib/node_modules/openclaw`) and the demo stage, with each package manager against
 * the local registry: one fresh apply per manager (beforeAll) is shared by the tests below, which
 * only read it, except the host-upgrade test, which runs last because it changes the host.
 */

const PREVIOUS_ROOT = "openclaw-2026.4.20-0a1b2c3d4e5f"; // left by "an earlier run" for another install
const OTHER_HOST_ROOT = "acme-0.9.0-aaaaaaaaaaaa";
// Only what OpenClaw itself removes: its day-old openclaw-unknown-* root (test/support/cli.ts ages it)
const STAGE_DEBRIS = ["openclaw-unknown-7f3a9c"];
// A name OpenClaw never produces, and a lock dir outside any root: left alone
const STAGE_LEFT_ALONE = ["openclaw-2026.4.18-1713900000", ".openclaw-runtime-deps.lock"];
const HOST_DEBRIS = [
  "dist/extensions/matrix/node_modules",
  "dist/extensions/matrix/.openclaw-runtime-deps.json",
  "dist/extensions/matrix/.openclaw-install-stage-1714000000",
  "dist/extensions/telegram/.openclaw-runtime-deps-stamp.json",
];
const timings: string[] = [];
afterAll(() => {
  if (process.env["PLUGDEPS_TEST_TIMINGS"]) console.log(`apply wall times:\n  ${timings.join("\n  ")}`);
});

/** Entries of a snapshot under `prefix` (relative), re-keyed relative to it. */
const under = (snap: Record<string, TreeEntry>, prefix: string): Record<string, TreeEntry> =>
  Object.fromEntries(
    Object.entries(snap)
      .filter(([rel]) => rel === prefix || rel.startsWith(`${prefix}/`))
      .map(([rel, e]) => [rel.slice(prefix.length), e]),
  );

/** Files and symlinks of a snapshot (directories' mtimes change when an entry in them is removed). */
const leaves = (snap: Record<string, TreeEntry>, except: readonly string[] = []) =>
  Object.fromEntries(
    Object.entries(snap).filter(
      ([rel, e]) => e.type !== "dir" && !except.some((x) => rel === x || rel.startsWith(`${x}/`)),
    ),
  );

/** Every `@scope/name` or `name` package directly in a node_modules dir. */
const packagesIn = (nodeModules: string): string[] => {
  if (!fs.existsSync(nodeModules)) return [];
  return fs
    .readdirSync(nodeModules)
    .filter((n) => !n.startsWith("."))
    .flatMap((n) =>
      n.startsWith("@") ? fs.readdirSync(path.join(nodeModules, n)).map((m) => `${n}/${m}`) : [n],
    )
    .sort();
};

const dependenciesOf = (nodeModules: string, name: string): string[] => {
  const manifest = JSON.parse(fs.readFileSync(path.join(nodeModules, name, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
  };
  return Object.keys(manifest.dependencies ?? {});
};

describe.each(MANAGERS)("apply with %s on the demo host", (pm) => {
  let sb: ApplySandbox;
  let planBefore: PlanDocument;
  let first: RunResult;
  /** The plan after the first apply (same desired state; observed: the converged root). */
  let plan: PlanDocument;
  let root: string;
  const before: { stage: Record<string, TreeEntry>; host: Record<string, TreeEntry> } = {
    stage: {},
    host: {},
  };

  beforeAll(async () => {
    sb = makeApplySandbox(pm, { stage: "demo" });
    // A staged plugin whose dependency has a postinstall script: the canary must never run.
    addPlugin(sb.host, "canary", { "@fixture/with-install-script": "1.0.0" });
    if (fs.existsSync(LIFECYCLE_CANARY)) {
      console.warn(`${LIFECYCLE_CANARY} existed before the test (left by an earlier run?); removed`);
      fs.rmSync(LIFECYCLE_CANARY, { force: true });
    }
    before.stage = snapshotTree(sb.stage);
    before.host = snapshotTree(sb.host);
    planBefore = await planJson(sb);
    first = await apply(sb);
    timings.push(`fresh apply (${pm}, demo host): ${first.durationMs.toFixed(0)} ms`);
    expectOk(first);
    plan = await planJson(sb);
    root = plan.desired.targetRoot;
  }, APPLY_TIMEOUT_MS * 2);

  it("materializes exactly the desired set, each plugin gets the version it asked for", async () => {
    expect(first.stderr, describeRun(first)).toBe("");
    const c = planBefore.summary;
    expect(first.stdout).toContain(
      `Apply complete! ${c.reuse} reused, ${c.install} installed, ${c.prune} pruned, ${c.cleanLegacy} legacy cleaned.`,
    );
    expect(c.install).toBeGreaterThan(0);
    // converged: the same plan, re-observed, has nothing left to do
    expect(plan.actions, JSON.stringify(plan.actions, null, 2)).toEqual([]);
    expect(plan.desired.fingerprint).toBe(planBefore.desired.fingerprint);

    // the root is our link to a generation, and every package really loads from it
    expect(liveTarget(root)).toMatch(new RegExp(`^${path.basename(root).replace(/\./g, "\\.")}\\.gen-`));
    await expectRootValid(root, plan);

    // nothing extraneous: every package in a set's node_modules is wanted there or loaded by one
    for (const set of plan.desired.sets) {
      const nodeModules = path.join(set.dir, "node_modules");
      const present = packagesIn(nodeModules);
      const needed = new Set<string>();
      const queue = wantedInRoot(plan)
        .filter((w) => w.set === set.id)
        .map((w) => w.name);
      for (let name = queue.pop(); name !== undefined; name = queue.pop()) {
        if (needed.has(name)) continue;
        needed.add(name);
        queue.push(...dependenciesOf(nodeModules, name).filter((dep) => present.includes(dep)));
      }
      expect(present, `${set.id}: ${nodeModules}`).toEqual([...needed].sort());
    }

    // @fixture/logger is in the host's node_modules (1.4.0), which OpenClaw 2026.4.29 does not
    // read: installed into the root, where the host looks
    const hostLayer = plan.observed.layers.find((l) => l.kind === "host");
    expect(hostLayer?.satisfies).toEqual([]);
    expect(fs.existsSync(path.join(root, "node_modules", "@fixture", "logger", "package.json"))).toBe(true);

    // OpenClaw's own root name: a real directory whose node_modules links to plugdeps' root, and
    // the manifest 2026.4.29 compares its spec set with (the shared set's specs)
    const hostRoot = plan.observed.hostRoot;
    expect(hostRoot?.problems).toEqual([]);
    const hostRootPath = hostRoot?.path ?? "";
    expect(path.dirname(hostRootPath)).toBe(sb.stage);
    expect(fs.lstatSync(hostRootPath).isDirectory()).toBe(true);
    expect(fs.readlinkSync(path.join(hostRootPath, "node_modules"))).toBe(
      `../${path.basename(root)}/node_modules`,
    );
    expect(fs.realpathSync(path.join(hostRootPath, "node_modules"))).toBe(
      fs.realpathSync(path.join(root, "node_modules")),
    );
    const sharedSpecs = Object.fromEntries(
      (plan.desired.sets.find((set) => set.id === "shared")?.packages ?? []).map((p) => [p.name, p.spec]),
    );
    expect(JSON.parse(fs.readFileSync(path.join(hostRootPath, "package.json"), "utf8"))).toMatchObject({
      name: "openclaw-runtime-deps-install",
      dependencies: sharedSpecs,
    });

    // the conflict: telegram's isolated set has markdown 1.x, the shared set (discord) 2.x
    const [shared, isolated] = await loadFromRoot([
      { name: "@fixture/markdown", from: root },
      { name: "@fixture/markdown", from: path.join(root, "isolated", "telegram") },
    ]);
    expect(shared?.version).toMatch(/^2\./);
    expect(isolated?.version).toMatch(/^1\./);

    // the record: decodes as RootState, names this plan, lists what each set holds
    const state = readState(root);
    expect(state.planFingerprint).toBe(plan.desired.fingerprint);
    expect(state.host).toMatchObject({ name: "openclaw", version: "2026.4.29", packageRoot: sb.host });
    const recorded = state.sets.flatMap((s) => Object.keys(s.packages).map((n) => `${s.id} ${n}`)).sort();
    expect(recorded).toEqual(
      wantedInRoot(plan)
        .map((w) => `${w.set} ${w.name}`)
        .sort(),
    );

    // every package-manager run belonged to this one build, one per set with installs
    const setsWithInstalls = new Set(
      planBefore.actions.filter((a) => a.type === "install").map((a) => a.set),
    );
    expect(spawnLines(sb)).toHaveLength(setsWithInstalls.size);
    expect(spawnsByStage(sb).size).toBe(1);
    expect(spawnLines(sb).every((l) => l.startsWith(`${pm} `))).toBe(true);
    expect(leftovers(sb.stage)).toEqual([]);
    expect(fs.existsSync(`${root}.lock`)).toBe(false);
  });

  // Reused packages keep their version with both managers: the generated manifest pins what is
  // already in the stage. npm also keeps the very files (same inodes as the previous root); pnpm,
  // which has no lockfile entry for a package it did not install, re-links the same version from
  // its store (in the stage base, same filesystem), so its files are not the reused inodes.
  it("keeps what the plan reused: same version (and, with npm, the same files)", () => {
    const reuses = planBefore.actions.filter((a) => a.type === "reuse");
    expect(reuses.length).toBeGreaterThan(0);
    for (const action of reuses) {
      action.packages.forEach((p, i) => {
        const target = action.targets[i] ?? "";
        const source = path.join(action.from ?? "", path.relative(planBefore.desired.targetRoot, target));
        const manifest = JSON.parse(fs.readFileSync(path.join(target, "package.json"), "utf8")) as {
          version: string;
        };
        expect(manifest.version, p.name).toBe(p.version);
        if (pm === "npm") {
          expect(fs.statSync(path.join(target, "index.js")).ino, p.name).toBe(
            fs.statSync(path.join(source, "index.js")).ino,
          );
        }
      });
    }
  });

  it("never runs lifecycle scripts", () => {
    const canary = path.join(root, "node_modules", "@fixture", "with-install-script", "package.json");
    expect(fs.existsSync(canary), "the canary package is installed").toBe(true);
    expect(fs.existsSync(LIFECYCLE_CANARY), `${LIFECYCLE_CANARY} was written by a postinstall`).toBe(false);
  });

  it("a second apply changes nothing: no package manager, not one byte or mtime written", async () => {
    const spawnsBefore = spawnLines(sb).length;
    const snap = snapshotTree(sb.root);
    const r = expectOk(await apply(sb));
    timings.push(`no-op apply (${pm}): ${r.durationMs.toFixed(0)} ms`);
    expect(r.stdout).toContain(NO_CHANGES);
    expect(r.stdout).not.toContain("Apply complete!");
    expect(r.stderr).toBe("");
    expect(spawnLines(sb)).toHaveLength(spawnsBefore);
    expect(snapshotTree(sb.root)).toEqual(snap);
    expect(fs.existsSync(`${root}.lock`)).toBe(false);

    const detailed = await run(sb, [
      "plan",
      "--package-root",
      sb.host,
      "--config",
      plan.config.path ?? "",
      "--stage-dir",
      sb.stage,
      "--detailed-exitcode",
    ]);
    expect(detailed.exitCode, describeRun(detailed)).toBe(0);
  });

  it("cleans the legacy debris by exact name and touches nothing else", () => {
    for (const name of STAGE_DEBRIS) expect(fs.existsSync(path.join(sb.stage, name)), name).toBe(false);
    for (const name of STAGE_LEFT_ALONE) {
      expect(under(snapshotTree(sb.stage), name), name).toEqual(under(before.stage, name));
    }
    for (const rel of HOST_DEBRIS) expect(fs.existsSync(path.join(sb.host, rel)), rel).toBe(false);

    const stageNow = snapshotTree(sb.stage);
    // another host's root: not one entry changed
    expect(Object.keys(under(before.stage, OTHER_HOST_ROOT)).length).toBeGreaterThan(0);
    expect(under(stageNow, OTHER_HOST_ROOT)).toEqual(under(before.stage, OTHER_HOST_ROOT));
    // the previous root of another install was a reuse source (hard links): unchanged, kept
    expect(under(stageNow, PREVIOUS_ROOT)).toEqual(under(before.stage, PREVIOUS_ROOT));
    // the host: every file except the debris is as it was
    expect(leaves(snapshotTree(sb.host))).toEqual(leaves(before.host, HOST_DEBRIS));
    // the matrix trap: its debris copy of matrix-sdk is gone, the root has its own
    expect(fs.existsSync(path.join(root, "node_modules", "@fixture", "matrix-sdk", "package.json"))).toBe(
      true,
    );
  });

  // Runs last: it changes the shared host.
  it("a host upgrade with unchanged plugins reuses the previous root: no package manager", async () => {
    const oldRoot = root;
    const oldTarget = liveTarget(oldRoot);
    const oldInodes = inodes(path.join(oldRoot, "node_modules"));
    setHostVersion(sb.host, "2026.4.30");

    const up = await planJson(sb);
    const newRoot = up.desired.targetRoot;
    expect(path.basename(newRoot)).toMatch(/^openclaw-2026\.4\.30-[0-9a-f]{12}$/);
    expect(up.actions.length).toBeGreaterThan(0);
    for (const a of up.actions) {
      expect(a.type, a.reason).toBe("reuse");
      expect(a.from).toBe(oldRoot);
    }
    const reused = new Set(up.actions.flatMap((a) => a.packages.map((p) => `${a.set ?? ""} ${p.name}`)));
    for (const w of wantedInRoot(up)) expect(reused.has(`${w.set} ${w.name}`), w.name).toBe(true);

    const spawnsBefore = spawnLines(sb).length;
    const r = expectOk(await apply(sb));
    timings.push(`reuse-after-upgrade apply (${pm}): ${r.durationMs.toFixed(0)} ms`);
    expect(r.stdout).toContain(`Apply complete! ${up.summary.reuse} reused, 0 installed, 0 pruned`);
    expect(spawnLines(sb)).toHaveLength(spawnsBefore);
    await expectRootValid(newRoot, up);
    expect(readState(newRoot)).toMatchObject({
      planFingerprint: up.desired.fingerprint,
      host: { version: "2026.4.30" },
    });
    // reused by hard link (never a symlink into a root that pruning may delete); manifests and
    // the managers' metadata may get a private copy
    const newInodes = inodes(path.join(newRoot, "node_modules"));
    let linked = 0;
    for (const [rel, ino] of newInodes) {
      if (rel.split(path.sep).some((part) => part.startsWith("."))) continue;
      if (path.basename(rel) === "package.json") continue;
      expect(oldInodes.get(rel), rel).toBe(ino);
      linked++;
    }
    expect(linked).toBeGreaterThanOrEqual(wantedInRoot(up).filter((w) => w.set === "shared").length);
    for (const name of packagesIn(path.join(newRoot, "node_modules"))) {
      expect(fs.lstatSync(path.join(newRoot, "node_modules", name)).isSymbolicLink(), name).toBe(false);
    }
    // the previous root is kept for rollback (retention 1) and still validates for its plan
    expect(liveTarget(oldRoot)).toBe(oldTarget);
    await expectRootValid(oldRoot, plan);
    expect(fs.existsSync(path.join(sb.stage, PREVIOUS_ROOT))).toBe(true);
    expect(expectOk(await apply(sb)).stdout).toContain(NO_CHANGES);

    // one more upgrade: now the 2026.4.29 root is beyond the retention and pruned, with its
    // generations; the root that was just live is kept; another install's root is never pruned
    setHostVersion(sb.host, "2026.5.1");
    const next = await planJson(sb);
    expect(next.actions.filter((a) => a.type === "prune-root").map((a) => a.targets)).toEqual([[oldRoot]]);
    expect(next.actions.every((a) => a.type === "reuse" || a.type === "prune-root")).toBe(true);
    expect(next.actions.filter((a) => a.type === "reuse").every((a) => a.from === newRoot)).toBe(true);
    expectOk(await apply(sb));
    expect(spawnLines(sb)).toHaveLength(spawnsBefore);
    expect(fs.existsSync(oldRoot)).toBe(false);
    expect(fs.readdirSync(sb.stage).filter((n) => n.startsWith(path.basename(oldRoot)))).toEqual([]);
    expect(liveTarget(newRoot)).not.toBeNull();
    await expectRootValid(newRoot, up);
    await expectRootValid(next.desired.targetRoot, next);
    expect(fs.existsSync(path.join(sb.stage, PREVIOUS_ROOT))).toBe(true);
    expect(fs.existsSync(path.join(sb.stage, OTHER_HOST_ROOT))).toBe(true);
  });
});
