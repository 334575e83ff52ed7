// The install-side scenarios, run on one workload (W-demo or W15) against one local registry.
// Each run starts from a fresh temp tree and measures, in this order, interleaving the
// alternatives (their order rotates from run to run):
//   fresh     plugdeps apply --package-manager pnpm | raw pnpm install (cold store) | raw npm install (cold cache)
//   no-op     plugdeps apply (after one untimed apply, so its no-op stamp exists) | pnpm install |
//             npm install (each in its own complete root) | node -e 0
//   in-process createPlan on the live stage vs on a hard-linked drifted copy (a child process)
//   drift     one declared package deleted, one replaced: plugdeps plan + apply | pnpm install | npm install
//   upgrade   host version bumped: plugdeps apply (reuse) | pnpm install, warm store | cp -al of the root
//   add-one   a root for all plugins but one, then plugdeps apply with that plugin enabled
// Every check (no-op plans nothing, drift detected and repaired, ...) is counted and printed;
// a failing plugdeps command is recorded as a problem with its output, never retried.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import semver from "semver";
import {
  applyDrift,
  driftedStageCopy,
  driftRepaired,
  pickDriftTargets,
  planNamesDrift,
} from "../lib/drift.mjs";
import { rotate, runTimed } from "../lib/measure.mjs";
import {
  LIBRARY,
  REPO,
  countInstalled,
  freshTree,
  generatedManifests,
  planJson,
  plugdeps,
  rawInstall,
  rawProject,
  removeTree,
  tail,
} from "../lib/tools.mjs";

const INPROC_CHILD = path.join(REPO, "bench", "lib", "inproc-child.mjs");

/** Thrown to end one run early: what it says is recorded as a problem of the workload. */
class RunAborted extends Error {}

/** Collects samples (ms), peak memory, pass/fail counts, facts and problems of one workload. */
export const makeRecorder = () => {
  const rec = { samples: {}, rss: {}, checks: {}, facts: {}, problems: [] };
  rec.add = (key, ms, rssMb = null) => {
    (rec.samples[key] ??= []).push(ms);
    if (rssMb !== null && rssMb !== undefined) (rec.rss[key] ??= []).push(rssMb);
  };
  rec.check = (key, ok, detail = null) => {
    const c = (rec.checks[key] ??= { ok: 0, total: 0, details: [] });
    c.total++;
    if (ok) c.ok++;
    else if (detail !== null && c.details.length < 3) c.details.push(detail);
  };
  rec.problem = (text) => rec.problems.push(text);
  return rec;
};

/**
 * @param {{ name: string, hostSrc: string, config: string, configMinusOne: string, addOne: string,
 *   registry: { url: string, npmrc: string }, runs: number, noopRounds: number,
 *   inproc: { rounds: number, block: number }, log: (s: string) => void }} w
 */
export const runInstallWorkload = async (w) => {
  const rec = makeRecorder();
  let ctx;
  try {
    ctx = await prepare(w, rec);
  } catch (err) {
    rec.problem(`preparation failed, nothing measured: ${err.message}`);
    return rec;
  }
  for (let r = 0; r < w.runs; r++) {
    w.log(`${w.name}: run ${r + 1}/${w.runs}`);
    const tree = freshTree(w.hostSrc, w.registry);
    try {
      const raws = fresh(ctx, tree, r);
      noop(ctx, tree, raws, r);
      inProcess(ctx, tree);
      drift(ctx, tree, raws, r);
      upgrade(ctx, tree, raws, r);
      addOne(ctx, r);
    } catch (err) {
      rec.problem(`run ${r + 1} stopped: ${err instanceof RunAborted ? err.message : err.stack}`);
    } finally {
      removeTree(tree);
    }
  }
  return rec;
};

/**
 * One untimed apply in a fresh tree: proves the workload installs at all, and gives the generated
 * manifests (for the raw package managers), the size of the root and the drift targets.
 */
const prepare = async (w, rec) => {
  const tree = freshTree(w.hostSrc, w.registry);
  try {
    const res = plugdeps(tree, ["apply", "--package-manager", "pnpm"], { config: w.config });
    if (res.status !== 0) throw new Error(`plugdeps apply failed (exit ${res.status}):\n${tail(res)}`);
    const plan = planJson(tree, w.config);
    const live = fs.realpathSync(plan.desired.targetRoot);
    const manifests = generatedManifests(plan);
    const installed = countInstalled(live);
    const targets = await pickDriftTargets(w.registry.url, plan, live);
    rec.facts = {
      ...rec.facts,
      addOne: w.addOne,
      activePlugins: plan.plugins.filter((p) => p.active).length,
      declared: plan.desired.sets.reduce((n, s) => n + s.packages.length, 0),
      sets: plan.desired.sets.map((s) => `${s.id} (${s.packages.length})`),
      installedPackages: installed.packages,
      installedFiles: installed.files,
      prepareApplyMs: res.ms,
      drift: {
        deleted: targets.remove.name,
        replaced: `${targets.replace.name} -> ${targets.replace.version}`,
      },
    };
    return { w, rec, manifests, targets };
  } finally {
    removeTree(tree);
  }
};

const mustSucceed = (label, res) => {
  if (res.status !== 0) throw new RunAborted(`${label} failed (exit ${res.status}):\n${tail(res)}`);
  return res;
};

const mustRaw = (label, res) => {
  if (!res.ok) throw new RunAborted(`${label} failed:\n${res.failure}`);
  return res;
};

/** The live generation of the tree's current root (`tree.targetRoot` is the symlink). */
const liveRootOf = (tree) => fs.realpathSync(tree.targetRoot);

const checkNoActions = (ctx, tree, key, config = ctx.w.config) => {
  const plan = planJson(tree, config);
  ctx.rec.check(key, plan.actions.length === 0, `${plan.actions.length} actions: ${summary(plan)}`);
  return plan;
};

const summary = (plan) =>
  plan.actions.map((a) => `${a.type} ${a.packages.map((p) => p.name).join(",")}`.slice(0, 160)).join("; ");

const fresh = (ctx, tree, r) => {
  const { w, rec } = ctx;
  const raws = {
    pnpm: rawProject(path.join(tree.work, "raw-pnpm"), ctx.manifests),
    npm: rawProject(path.join(tree.work, "raw-npm"), ctx.manifests),
  };
  const steps = {
    plugdeps: () => {
      const res = plugdeps(tree, ["apply", "--package-manager", "pnpm"], { config: w.config, ownRss: true });
      mustSucceed("fresh plugdeps apply", res);
      rec.add("fresh.plugdeps", res.ms, res.ownRssMb);
    },
    pnpm: () => rec.add("fresh.pnpm", mustRaw("fresh pnpm install", rawInstall("pnpm", raws.pnpm, tree)).ms),
    npm: () => rec.add("fresh.npm", mustRaw("fresh npm install", rawInstall("npm", raws.npm, tree)).ms),
  };
  for (const k of rotate(Object.keys(steps), r)) steps[k]();
  tree.targetRoot = checkNoActions(ctx, tree, "fresh.planEmptyAfter").desired.targetRoot;
  return raws;
};

const noop = (ctx, tree, raws, r) => {
  const { w, rec } = ctx;
  // The first no-op after the fresh apply (a different command line: --package-manager pnpm) is
  // timed on its own; the rows below are the steady state of a timer running `plugdeps apply`.
  const first = mustSucceed("first no-op plugdeps apply", plugdeps(tree, ["apply"], { config: w.config }));
  rec.add("noop.plugdepsFirst", first.ms, first.rssMb);
  rec.check("noop.noPackageManager", first.spawns === 0, `${first.spawns} package-manager runs`);
  const steps = {
    plugdeps: () => {
      const res = mustSucceed("no-op plugdeps apply", plugdeps(tree, ["apply"], { config: w.config }));
      rec.add("noop.plugdeps", res.ms, res.rssMb);
      rec.check("noop.noPackageManager", res.spawns === 0, `${res.spawns} package-manager runs`);
    },
    pnpm: () => rec.add("noop.pnpm", mustRaw("no-op pnpm install", rawInstall("pnpm", raws.pnpm, tree)).ms),
    npm: () => rec.add("noop.npm", mustRaw("no-op npm install", rawInstall("npm", raws.npm, tree)).ms),
    // Same environment as plugdeps: an inherited NODE_EXTRA_CA_CERTS alone adds ~40 ms to any node.
    node: () => rec.add("noop.node", runTimed(process.execPath, ["-e", "0"], { env: tree.env }).ms),
  };
  for (let i = 0; i < w.noopRounds; i++) for (const k of rotate(Object.keys(steps), r + i)) steps[k]();
};

/** createPlan in one process: the live stage (clean) and a drifted hard-linked copy, interleaved. */
const inProcess = (ctx, tree) => {
  const { w, rec } = ctx;
  const copy = path.join(tree.work, "stage-drift");
  driftedStageCopy(tree.stage, copy, path.basename(tree.targetRoot), ctx.targets);
  const base = { packageRoot: tree.host, config: w.config, env: tree.env, homedir: tree.home };
  const input = {
    library: LIBRARY,
    rounds: w.inproc.rounds,
    block: w.inproc.block,
    variants: [
      { label: "clean", options: { ...base, stageDir: tree.stage }, expectDrift: null },
      {
        label: "drift",
        options: { ...base, stageDir: copy },
        expectDrift: [ctx.targets.remove.name, ctx.targets.replace.name],
      },
    ],
  };
  const out = runInprocChild(input);
  fs.rmSync(copy, { recursive: true, force: true });
  rec.add("inproc.import", out.importMs, out.maxRssMb);
  rec.add("inproc.first", out.firstMs.clean);
  for (const label of ["clean", "drift"]) {
    const v = out.variants[label];
    for (const ms of v.ms) rec.add(`inproc.${label}`, ms);
    const key = label === "clean" ? "inproc.cleanNoAction" : "inproc.driftDetected";
    const c = (rec.checks[key] ??= { ok: 0, total: 0, details: [] });
    c.ok += v.ok;
    c.total += v.total;
    if (v.ok < v.total)
      c.details.push(
        `${v.total - v.ok} of ${v.total} calls; last plan had ${v.actions} actions ${v.errors.join(" ")}`,
      );
  }
};

export const runInprocChild = (input) => {
  const r = spawnSync(process.execPath, [INPROC_CHILD, JSON.stringify(input)], {
    env: { PATH: process.env.PATH ?? "" },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0)
    throw new RunAborted(`in-process child failed (exit ${r.status}):\n${r.stderr.slice(-3000)}`);
  return JSON.parse(r.stdout);
};

const drift = (ctx, tree, raws, r) => {
  const { w, rec, targets } = ctx;
  const steps = {
    plugdeps: () => {
      applyDrift(liveRootOf(tree), targets);
      const planRun = plugdeps(tree, ["plan", "--json"], { config: w.config });
      const plan = JSON.parse(mustSucceed("drift plugdeps plan", planRun).stdout);
      rec.add("drift.plugdepsPlan", planRun.ms, planRun.rssMb);
      rec.check(
        "drift.planDetected",
        planNamesDrift(plan, targets),
        `plan: ${summary(plan) || "no actions"}`,
      );
      const res = plugdeps(tree, ["apply"], { config: w.config, ownRss: true });
      if (res.status !== 0) {
        rec.problem(`drift: plugdeps apply failed (exit ${res.status}):\n${tail(res)}`);
        rec.check("drift.repaired", false, `apply exit ${res.status}`);
        return;
      }
      rec.add("drift.plugdeps", res.ms, res.ownRssMb);
      (rec.facts.driftApplySpawns ??= []).push(res.spawns);
      const repaired = driftRepaired(liveRootOf(tree), targets);
      rec.check("drift.repaired", repaired.ok, repaired.problems.join(", "));
      checkNoActions(ctx, tree, "drift.planEmptyAfter");
    },
    pnpm: () => rawDrift(ctx, tree, "pnpm", raws.pnpm),
    npm: () => rawDrift(ctx, tree, "npm", raws.npm),
  };
  for (const k of rotate(Object.keys(steps), r)) steps[k]();
};

const rawDrift = (ctx, tree, tool, project) => {
  const { rec, targets } = ctx;
  applyDrift(project.sets[0], targets);
  const res = rawInstall(tool, project, tree);
  if (!res.ok) {
    rec.check(`drift.${tool}Repaired`, false, `${tool} failed`);
    rec.problem(`drift: ${tool} install failed (the alternative, not plugdeps):\n${res.failure}`);
    return;
  }
  rec.add(`drift.${tool}`, res.ms);
  const repaired = driftRepaired(project.sets[0], targets);
  rec.check(`drift.${tool}Repaired`, repaired.ok, repaired.problems.join(", "));
  if (tool === "pnpm") rec.check("drift.pnpmSaidUpToDate", /Already up to date/i.test(res.outputs[0]));
};

const upgrade = (ctx, tree, raws, r) => {
  const { w, rec } = ctx;
  const previousRoot = liveRootOf(tree);
  const pkgFile = path.join(tree.host, "package.json");
  const pkg = JSON.parse(fs.readFileSync(pkgFile, "utf8"));
  const version = semver.inc(pkg.version, "patch") ?? `${pkg.version}-1`;
  fs.writeFileSync(pkgFile, `${JSON.stringify({ ...pkg, version }, null, 2)}\n`);
  const before = planJson(tree, w.config);
  rec.facts.upgradePlan = before.summary;
  tree.targetRoot = before.desired.targetRoot;
  const steps = {
    plugdeps: () => {
      const res = mustSucceed(
        "upgrade plugdeps apply",
        plugdeps(tree, ["apply"], { config: w.config, ownRss: true }),
      );
      rec.add("upgrade.plugdeps", res.ms, res.ownRssMb);
      rec.check("upgrade.noPackageManager", res.spawns === 0, `${res.spawns} package-manager runs`);
    },
    pnpmWarm: () => {
      const warm = rawProject(path.join(tree.work, "raw-pnpm-warm"), ctx.manifests);
      const res = mustRaw("warm pnpm install", rawInstall("pnpm", warm, tree, { cache: raws.pnpm.cache }));
      rec.add("upgrade.pnpmWarm", res.ms);
    },
    cpal: () => {
      const res = runTimed("cp", ["-al", previousRoot, path.join(tree.work, "cp-al-copy")], {
        env: tree.env,
      });
      rec.add("upgrade.cpal", mustSucceed("cp -al", res).ms);
    },
  };
  for (const k of rotate(Object.keys(steps), r)) steps[k]();
  checkNoActions(ctx, tree, "upgrade.planEmptyAfter");
};

const addOne = (ctx) => {
  const { w, rec } = ctx;
  const tree = freshTree(w.hostSrc, w.registry);
  try {
    mustSucceed("add-one setup apply", plugdeps(tree, ["apply"], { config: w.configMinusOne }));
    const plan = planJson(tree, w.config);
    rec.facts.addOnePlan = plan.summary;
    tree.targetRoot = plan.desired.targetRoot;
    const before = countInstalled(liveRootOf(tree));
    const res = mustSucceed(
      "add-one plugdeps apply",
      plugdeps(tree, ["apply"], { config: w.config, ownRss: true }),
    );
    rec.add("addone.plugdeps", res.ms, res.ownRssMb);
    const after = countInstalled(liveRootOf(tree));
    rec.facts.addOneNewPackages = after.packages - before.packages;
    checkNoActions(ctx, tree, "addone.planEmptyAfter");
    // "Only the new packages' cost": what installing the added plugin's own packages alone takes,
    // by hand, with a cold store (raw pnpm, the same flags). Its closure may overlap packages the
    // root already has, so this is at least what the new packages cost.
    const added = plan.plugins.find((p) => p.id === w.addOne);
    const newOnly = rawProject(path.join(tree.work, "raw-pnpm-new-only"), [
      {
        id: "new-only",
        text: JSON.stringify({
          name: "new-only",
          version: "0.0.0",
          private: true,
          dependencies: added?.dependencies ?? {},
        }),
      },
    ]);
    const raw = rawInstall("pnpm", newOnly, tree);
    if (raw.ok) rec.add("addone.pnpmNewOnly", raw.ms);
    else rec.problem(`raw pnpm install of ${w.addOne}'s packages alone failed:\n${raw.failure}`);
  } finally {
    removeTree(tree);
  }
};
