// W-scale: how plan cost grows with the number of installed packages. One generated host (20
// plugins x 306 tiny packages), three configs (1,530 / 3,060 / 6,120 packages) and for each a
// stage base built by a real `plugdeps apply` against the local registry, kept under
// bench/.cache (the biggest first, cold; the smaller ones start from a hard-linked copy of its
// package-manager cache). Plan is read-only, so the runs use the cached stages in place.
// Each run times `plugdeps plan` (whole process) at every size, sizes interleaved, and one child
// process times createPlan at every size (library API, interleaved, after a warm-up call).
// A cached stage that does not plan as a no-op for the current build is re-applied, and says so.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { rotate } from "../lib/measure.mjs";
import { LIBRARY, countInstalled, planJson, plugdeps, tail, treeEnv } from "../lib/tools.mjs";
import { cachePath, updateMeta } from "../gen/cache.mjs";
import { WSCALE_SIZES } from "../gen/wscale.mjs";
import { makeRecorder, runInprocChild } from "./install.mjs";

/**
 * @param {{ cache: { dir: string, meta: Record<string, any> }, getRegistry: () => Promise<{ url: string, npmrc: string }>,
 *   runs: number, noopRounds: number, inproc: { rounds: number, block: number }, log: (s: string) => void }} w
 */
export const runScaleWorkload = async (w) => {
  const rec = makeRecorder();
  let sizes;
  const t0 = performance.now();
  try {
    sizes = await ensureStages(w, rec);
    rec.facts.prepareMs = performance.now() - t0;
  } catch (err) {
    rec.problem(`W-scale stages could not be built, nothing measured: ${err.stack}`);
    return rec;
  }
  for (let r = 0; r < w.runs; r++) {
    w.log(`W-scale: run ${r + 1}/${w.runs}`);
    for (let i = 0; i < w.noopRounds; i++) {
      for (const size of rotate(sizes, r + i)) {
        const res = plugdeps(size.tree, ["plan"], { config: size.config });
        if (res.status !== 0)
          rec.problem(`plugdeps plan failed at ${size.packages} (exit ${res.status}):\n${tail(res)}`);
        else rec.add(`plan.${size.packages}`, res.ms, res.rssMb);
      }
    }
    const out = runInprocChild({
      library: LIBRARY,
      rounds: w.inproc.rounds,
      block: Math.max(1, Math.floor(w.inproc.block / 2)),
      variants: sizes.map((s) => ({
        label: String(s.packages),
        options: {
          packageRoot: s.tree.host,
          config: s.config,
          stageDir: s.tree.stage,
          env: s.tree.env,
          homedir: s.tree.home,
        },
        expectDrift: null,
      })),
    });
    rec.add("inproc.import", out.importMs, out.maxRssMb);
    for (const s of sizes) {
      const v = out.variants[String(s.packages)];
      for (const ms of v.ms) rec.add(`inproc.${s.packages}`, ms);
      rec.add(`inproc.first.${s.packages}`, out.firstMs[String(s.packages)]);
      rec.check(
        `inproc.noAction.${s.packages}`,
        v.ok === v.total,
        `${v.total - v.ok} of ${v.total} calls planned actions`,
      );
    }
  }
  return rec;
};

/** The three stage bases, built once (timed, recorded in meta.json) and checked every time. */
const ensureStages = async (w, rec) => {
  const { dir, meta } = w.cache;
  const host = cachePath(dir, meta.summary.hostDir);
  const home = path.join(dir, "home");
  fs.mkdirSync(home, { recursive: true });
  const byLargest = [...WSCALE_SIZES].sort((a, b) => b.packages - a.packages);
  const sizes = [];
  const builds = { ...(meta.stageBuildMs ?? {}) };
  for (const size of byLargest) {
    const stage = path.join(dir, "stages", String(size.packages));
    const tree = {
      work: dir,
      host,
      home,
      stage,
      spawnLog: path.join(dir, "spawns.log"),
      env: treeEnv(null, home),
    };
    const config = cachePath(dir, meta.summary.configs[size.packages]);
    const marker = path.join(stage, ".bench-built.json");
    if (!fs.existsSync(marker)) {
      fs.rmSync(stage, { recursive: true, force: true });
      seedCache(byLargest[0], size, dir);
      w.log(`W-scale: building the ${size.packages}-package stage with a real plugdeps apply (once)`);
      const ms = await applyStage(w, tree, config, `build ${size.packages}`);
      builds[size.packages] = Math.round(ms);
      rec.facts.builtThisRun = true;
      w.log(`W-scale: built in ${(ms / 1000).toFixed(1)} s`);
      fs.writeFileSync(marker, `${JSON.stringify({ builtAt: new Date().toISOString(), ms })}\n`);
    }
    let plan = planJson(tree, config);
    if (plan.actions.length > 0) {
      rec.facts[`reapplied.${size.packages}`] = plan.summary;
      w.log(
        `W-scale: the cached ${size.packages}-package stage is not a no-op for this build (${JSON.stringify(plan.summary)}); re-applying`,
      );
      await applyStage(w, tree, config, `re-apply ${size.packages}`);
      plan = planJson(tree, config);
      if (plan.actions.length > 0) throw new Error(`still ${plan.actions.length} actions after apply`);
    }
    const live = fs.realpathSync(plan.desired.targetRoot);
    sizes.push({ ...size, tree, config, installed: countInstalled(live).packages });
  }
  rec.facts.stageBuildMs = builds;
  rec.facts.installed = Object.fromEntries(sizes.map((s) => [s.packages, s.installed]));
  w.cache.meta = updateMeta(dir, { stageBuildMs: builds });
  return sizes.sort((a, b) => a.packages - b.packages);
};

/** The smaller stages start with a hard-linked copy of the biggest one's package-manager cache. */
const seedCache = (largest, size, dir) => {
  if (size.packages === largest.packages) return;
  const from = path.join(dir, "stages", String(largest.packages), ".plugdeps", "cache");
  const to = path.join(dir, "stages", String(size.packages), ".plugdeps", "cache");
  fs.mkdirSync(path.dirname(to), { recursive: true });
  const r = spawnSync("cp", ["-al", from, to], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`cp -al ${from} ${to}: ${r.stderr}`);
};

const applyStage = async (w, tree, config, label) => {
  const registry = await w.getRegistry();
  tree.env = treeEnv(registry, tree.home);
  const res = plugdeps(tree, ["apply", "--package-manager", "pnpm"], { config, ownRss: true });
  tree.env = treeEnv(null, tree.home);
  if (res.status !== 0)
    throw new Error(`${label}: plugdeps apply failed (exit ${res.status}):\n${tail(res)}`);
  return res.ms;
};
