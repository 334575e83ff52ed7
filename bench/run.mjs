#!/usr/bin/env node
// plugdeps benchmarks (issue 6): plugdeps against what a user would otherwise run, on three
// workloads, with real parts only — a local Verdaccio, the real pnpm and npm, the built CLI
// (package.json `bin`) and library (package.json `main`, dist/src/index.js), run from a copy of
// dist/ taken at start.
//   W-demo   the demo host (fixtures/hosts/openclaw-demo, fixtures/configs/demo.json5)
//   W15      a generated OpenClaw-sized host: 15 plugins, ~600 packages, ~45k files (bench/gen/w15.mjs)
//   W-scale  plan cost at 1,530 / 3,060 / 6,120 installed packages (bench/gen/wscale.mjs)
// Generated workloads, their published registry storage and the W-scale stages are cached under
// bench/.cache (gitignored) after the first run. Prints one table per workload (medians of
// interleaved runs, ratios, targets with MET / NOT MET), a summary of targets and findings, and
// writes bench/results/bench-<date>.json and bench/results/latest.json.
//
// Usage: npm run bench [-- [N] [--runs N] [--quick] [--only w-demo,w15,w-scale]]
//   N / --runs N   runs per workload (default 5; --quick: 2)
//   --quick        fewer samples per run, for development on a busy machine
//   --only LIST    some of: w-demo, w15, w-scale
// Progress goes to stderr, the tables to stdout.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import JSON5 from "json5";
import { startRegistry } from "../fixtures/registry/local-registry.mjs";
import { cachePath, ensureGenerated, startCachedRegistry } from "./gen/cache.mjs";
import { generateW15, W15_ADD_ONE, W15_VERSION } from "./gen/w15.mjs";
import { generateWScale, WSCALE_SIZES, WSCALE_VERSION } from "./gen/wscale.mjs";
import { HAS_GNU_TIME, fmtInt } from "./lib/measure.mjs";
import { installTable, scaleTable, summaryLines } from "./lib/report.mjs";
import { CLI, LIBRARY, REPO, snapshotDist } from "./lib/tools.mjs";
import { runInstallWorkload } from "./workloads/install.mjs";
import { runScaleWorkload } from "./workloads/scale.mjs";

const WORKLOADS = ["w-demo", "w15", "w-scale"];

const parseArgs = (argv) => {
  const opts = { runs: null, quick: false, only: WORKLOADS };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--quick") opts.quick = true;
    else if (a === "--runs") opts.runs = Number(argv[++i]);
    else if (a === "--only") opts.only = argv[++i].split(",").map(normalizeWorkload);
    else if (/^\d+$/.test(a)) opts.runs = Number(a);
    else
      throw new Error(
        `unknown argument ${a} (usage: bench/run.mjs [N] [--runs N] [--quick] [--only w-demo,w15,w-scale])`,
      );
  }
  const runs = opts.runs ?? (opts.quick ? 2 : 5);
  if (!Number.isInteger(runs) || runs < 1) throw new Error("--runs wants a positive integer");
  return {
    ...opts,
    runs,
    noopRounds: opts.quick ? 2 : 3,
    inproc: opts.quick ? { rounds: 4, block: 3 } : { rounds: 10, block: 5 },
  };
};

const normalizeWorkload = (name) => {
  const n = name.toLowerCase().replace(/[^a-z0-9]/g, "");
  const found = WORKLOADS.find((w) => w.replace("-", "") === n || w.replace("w-", "") === n);
  if (found === undefined) throw new Error(`unknown workload ${name} (one of ${WORKLOADS.join(", ")})`);
  return found;
};

const log = (s) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
const out = (s = "") => process.stdout.write(`${s}\n`);
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

const toolVersion = (cmd, args) => {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : "unknown";
};

const machine = () => {
  const cpus = os.cpus();
  const git = (args) => toolVersion("git", ["-C", REPO, ...args]);
  const dirty = git(["status", "--porcelain", "--", "src", "reconcilers"]);
  return {
    date: new Date().toISOString(),
    cores: cpus.length,
    model: cpus[0]?.model ?? "unknown",
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    pnpm: toolVersion(path.join(REPO, "node_modules", ".bin", "pnpm"), ["--version"]),
    npm: toolVersion("npm", ["--version"]),
    commit: git(["rev-parse", "--short", "HEAD"]),
    srcChanged: dirty === "unknown" ? null : dirty.split("\n").filter(Boolean).length,
    loadAvgStart: os.loadavg().map((x) => x.toFixed(2)),
  };
};

const printHeader = (mc, opts) => {
  out(`plugdeps benchmarks — ${mc.date}`);
  out(`machine: ${mc.cores} cores, ${mc.model}, ${mc.memoryGb} GB, ${mc.os}`);
  out(
    `tools:   node ${mc.node}, pnpm ${mc.pnpm}, npm ${mc.npm}; max RSS from ${HAS_GNU_TIME ? "GNU time %M" : "(GNU time missing: none)"}`,
  );
  out(
    `plugdeps: commit ${mc.commit}${mc.srcChanged ? ` + ${mc.srcChanged} uncommitted src files` : ""}, dist built ${mc.distBuiltAt} ` +
      `(run from a copy taken at start); load average at start ${mc.loadAvgStart.join(" ")}`,
  );
  out(
    `         CLI = package.json bin: ${path.relative(mc.snapshotDir, CLI)}; library = package.json main: ${path.relative(mc.snapshotDir, LIBRARY)}`,
  );
  out(
    `method:  ${opts.runs} runs per workload, alternatives interleaved (order rotates run by run), fresh temp trees; ` +
      `no-op and plan rows ${opts.noopRounds} samples per run; createPlan ${opts.inproc.rounds * opts.inproc.block} calls per variant per run after a warm-up call; medians`,
  );
  out(
    "         plugdeps' own peak RSS where it runs a package manager (process.resourceUsage, via --import bench/lib/rss-preload.mjs)",
  );
  out();
};

const runDemo = async (opts) => {
  let t0 = performance.now();
  const registry = await startRegistry();
  const startMs = performance.now() - t0;
  const cfgDir = fs.mkdtempSync(path.join(os.tmpdir(), "plugdeps-bench-demo-"));
  const config = path.join(REPO, "fixtures", "configs", "demo.json5");
  const configMinusOne = path.join(cfgDir, "demo-without-slack.json5");
  const parsed = JSON5.parse(fs.readFileSync(config, "utf8"));
  parsed.plugins = { ...parsed.plugins, entries: { ...parsed.plugins?.entries, slack: { enabled: false } } };
  fs.writeFileSync(configMinusOne, JSON.stringify(parsed, null, 2));
  try {
    t0 = performance.now();
    const rec = await runInstallWorkload({
      name: "W-demo",
      hostSrc: path.join(REPO, "fixtures", "hosts", "openclaw-demo"),
      config,
      configMinusOne,
      addOne: "slack",
      registry,
      ...opts,
      log,
    });
    return {
      rec,
      intro: [
        `W-demo — fixtures/hosts/openclaw-demo + fixtures/configs/demo.json5 (add-one: slack, off via plugins.entries)`,
        `  ${describe(rec)}`,
        `  registry: Verdaccio, fixture packages published at start in ${seconds(startMs)}; workload took ${seconds(performance.now() - t0)}`,
      ],
    };
  } finally {
    await registry.stop();
    fs.rmSync(cfgDir, { recursive: true, force: true });
  }
};

const describe = (rec) => {
  const f = rec.facts;
  if (f.installedPackages === undefined) return "not prepared";
  return (
    `${f.activePlugins} active plugins, ${f.declared} declared packages in ${f.sets.join(" + ")}; ` +
    `${fmtInt(f.installedPackages)} packages / ${fmtInt(f.installedFiles)} files installed (first apply ${seconds(f.prepareApplyMs)})\n` +
    `  raw pnpm / npm rows: one install per set (${f.sets.length}), each in its own complete root, times summed`
  );
};

const generationLine = (cache) => {
  const m = cache.meta;
  return `generated ${m.createdAt} in ${seconds(m.generateMs)} + published in ${seconds(m.publishMs)} (${cache.cached ? "cached from an earlier run" : "this run"})`;
};

const runW15 = async (opts) => {
  const cache = await ensureGenerated({ id: "w15", version: W15_VERSION, generate: generateW15, log });
  const { registry, startMs } = await startCachedRegistry(cache.dir);
  const t0 = performance.now();
  try {
    const s = cache.meta.summary;
    const rec = await runInstallWorkload({
      name: "W15",
      hostSrc: cachePath(cache.dir, s.hostDir),
      config: cachePath(cache.dir, s.configAll),
      configMinusOne: cachePath(cache.dir, s.configMinusOne),
      addOne: W15_ADD_ONE,
      registry,
      ...opts,
      log,
    });
    return {
      rec,
      intro: [
        `W15 — generated: ${s.plugins} plugins, ${s.packageNames} package names / ${s.publishedVersions} versions published, ` +
          `${s.depth} levels deep, conflict on ${s.conflict}, ${s.hostProvided.length} deps in the host's node_modules`,
        `  ${describe(rec)}`,
        `  cache ${path.relative(REPO, cache.dir)}: ${generationLine(cache)}; cached start (Verdaccio on the stored storage) ${seconds(startMs)}; workload took ${seconds(performance.now() - t0)}`,
      ],
    };
  } finally {
    await registry.stop();
  }
};

const runScale = async (opts) => {
  const t0 = performance.now();
  const cache = await ensureGenerated({
    id: "wscale",
    version: WSCALE_VERSION,
    generate: generateWScale,
    log,
  });
  let registry = null;
  const getRegistry = async () => {
    if (registry === null) registry = (await startCachedRegistry(cache.dir)).registry;
    return registry;
  };
  try {
    const rec = await runScaleWorkload({ cache, getRegistry, ...opts, log });
    const builds = cache.meta.stageBuildMs ?? {};
    return {
      rec,
      intro: [
        `W-scale — generated: 20 plugins x 306 tiny packages; stages built by a real plugdeps apply --package-manager pnpm`,
        `  cache ${path.relative(REPO, cache.dir)}: ${generationLine(cache)}`,
        `  stage builds (once): ${Object.entries(builds)
          .map(([n, ms]) => `${fmtInt(Number(n))} packages ${seconds(ms)}`)
          .join(
            ", ",
          )}${Object.keys(rec.facts).some((k) => k.startsWith("reapplied.")) ? " (some re-applied this run, see findings)" : ""}`,
        rec.facts.builtThisRun
          ? `  stages built this run: ${seconds(rec.facts.prepareMs ?? 0)} with the checks; workload took ${seconds(performance.now() - t0)}`
          : `  cached start (a plan --json check of each stored stage, no registry): ${seconds(rec.facts.prepareMs ?? 0)}; workload took ${seconds(performance.now() - t0)}`,
      ],
    };
  } finally {
    if (registry !== null) await registry.stop();
  }
};

const main = async () => {
  const opts = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first (npm run bench does)`);
  const snapshot = snapshotDist();
  process.on("exit", () => fs.rmSync(snapshot.dir, { recursive: true, force: true }));
  const mc = { ...machine(), distBuiltAt: snapshot.builtAt, snapshotDir: snapshot.dir };
  printHeader(mc, opts);
  const result = { machine: mc, options: opts, workloads: {} };
  const targets = [];
  const findings = [];
  const runners = {
    "w-demo": async () => {
      const { rec, intro } = await runDemo(opts);
      return { rec, intro, table: installTable("W-demo", rec) };
    },
    w15: async () => {
      const { rec, intro } = await runW15(opts);
      return { rec, intro, table: installTable("W15", rec) };
    },
    "w-scale": async () => {
      const { rec, intro } = await runScale(opts);
      return {
        rec,
        intro,
        table: scaleTable(
          rec,
          WSCALE_SIZES.map((s) => s.packages),
        ),
      };
    },
  };
  for (const name of opts.only) {
    log(`${name}: start`);
    const { rec, intro, table } = await runners[name]();
    for (const l of [...intro, ...table.lines, ""]) out(l);
    targets.push(...table.targets);
    findings.push(...table.findings);
    const { samples, rss, checks, facts, problems } = rec;
    result.workloads[name] = {
      facts,
      medians: table.medians,
      samples,
      rss,
      checks,
      problems,
      targets: table.targets,
    };
  }
  for (const l of summaryLines(targets, findings)) out(l);
  result.targets = targets;
  result.findings = findings;
  result.machine.loadAvgEnd = os.loadavg().map((x) => x.toFixed(2));
  out(`\nload average at end ${result.machine.loadAvgEnd.join(" ")}`);
  const dir = path.join(REPO, "bench", "results");
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `bench-${mc.date.replace(/[:.]/g, "-")}.json`);
  fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  fs.copyFileSync(file, path.join(dir, "latest.json"));
  out(`results: ${path.relative(REPO, file)} (and bench/results/latest.json)`);
};

await main();
