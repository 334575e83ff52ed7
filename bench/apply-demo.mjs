#!/usr/bin/env node
// Measures plugdeps apply on the demo host against what an operator would otherwise run on the
// same manifest: `pnpm install` and `npm install`. One local registry (Verdaccio, fixture
// packages), every run in a fresh temp tree, medians of N interleaved runs, ratios printed.
// Usage: npm run build && node bench/apply-demo.mjs [N]
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { startRegistry } from "../fixtures/registry/local-registry.mjs";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const cli = path.join(repo, "dist", "src", "cli", "main.js");
const bin = path.join(repo, "node_modules", ".bin");
const N = Number(process.argv[2] ?? 5);

const registry = await startRegistry();
const baseEnv = {
  PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}`,
  npm_config_userconfig: registry.npmrc,
  NO_COLOR: "1",
};

const time = (cmd, args, opts) => {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ["ignore", "pipe", "pipe"], ...opts });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return ms;
};

/** A fresh demo tree: host, empty stage (no previous root), home. */
const freshTree = () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "plugdeps-bench-"));
  const host = path.join(work, "usr", "lib", "node_modules", "openclaw");
  fs.mkdirSync(path.dirname(host), { recursive: true });
  fs.cpSync(path.join(repo, "fixtures", "hosts", "openclaw-demo"), host, { recursive: true });
  fs.mkdirSync(path.join(work, "home"), { recursive: true });
  return { work, host, stage: path.join(work, "stage"), home: path.join(work, "home") };
};

const plugdeps = (tree, args, extra = {}) =>
  time(
    process.execPath,
    [
      cli,
      ...args,
      "--package-root",
      tree.host,
      "--config",
      path.join(repo, "fixtures", "configs", "demo.json5"),
      "--stage-dir",
      tree.stage,
    ],
    {
      env: { ...baseEnv, HOME: tree.home, ...extra },
    },
  );

/** The manifest plugdeps generated for the shared set, copied to a clean dir for the raw tools. */
const rawProject = (tree) => {
  const root = fs.realpathSync(
    fs
      .readdirSync(tree.stage)
      .map((n) => path.join(tree.stage, n))
      .find((p) => fs.lstatSync(p).isSymbolicLink()),
  );
  const dir = path.join(tree.work, "raw");
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(path.join(root, "package.json"), path.join(dir, "package.json"));
  return dir;
};

const pnpmArgs = (dir) => [
  "install",
  "--prod",
  "--ignore-scripts",
  "--config.node-linker=hoisted",
  `--config.store-dir=${path.join(dir, ".store")}`,
];
const npmArgs = (dir) => [
  "install",
  "--omit=dev",
  "--ignore-scripts",
  "--no-audit",
  "--no-fund",
  `--cache=${path.join(dir, ".npm-cache")}`,
];

const samples = {};
const add = (k, ms) => (samples[k] ??= []).push(ms);

for (let i = 0; i < N; i++) {
  const tree = freshTree();
  add("fresh: plugdeps apply (pnpm)", plugdeps(tree, ["apply", "--package-manager", "pnpm"]));
  add("no-op: plugdeps apply", plugdeps(tree, ["apply"]));
  const raw = rawProject(tree);
  add(
    "fresh: pnpm install (cold store)",
    time(path.join(bin, "pnpm"), pnpmArgs(raw), { cwd: raw, env: { ...baseEnv, HOME: tree.home } }),
  );
  add(
    "no-op: pnpm install",
    time(path.join(bin, "pnpm"), pnpmArgs(raw), { cwd: raw, env: { ...baseEnv, HOME: tree.home } }),
  );
  const rawNpm = path.join(tree.work, "raw-npm");
  fs.mkdirSync(rawNpm);
  fs.copyFileSync(path.join(raw, "package.json"), path.join(rawNpm, "package.json"));
  add(
    "fresh: npm install (cold cache)",
    time("npm", npmArgs(rawNpm), { cwd: rawNpm, env: { ...baseEnv, HOME: tree.home } }),
  );
  add(
    "no-op: npm install",
    time("npm", npmArgs(rawNpm), { cwd: rawNpm, env: { ...baseEnv, HOME: tree.home } }),
  );
  // Host upgrade with unchanged dependencies: a new root that reuses the previous one.
  const pkg = JSON.parse(fs.readFileSync(path.join(tree.host, "package.json"), "utf8"));
  fs.writeFileSync(path.join(tree.host, "package.json"), JSON.stringify({ ...pkg, version: "2026.5.3" }));
  add("upgrade: plugdeps apply (reuse)", plugdeps(tree, ["apply"]));
  add("floor: node -e 0", time(process.execPath, ["-e", "0"], {}));
  fs.rmSync(tree.work, { recursive: true, force: true });
}
await registry.stop();

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const m = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
const rows = Object.entries(m);
const width = Math.max(...rows.map(([k]) => k.length));
console.log(
  `\nplugdeps apply on the demo host (${os.cpus().length} cores, node ${process.version}), medians of ${N}\n`,
);
for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v.toFixed(0).padStart(6)} ms`);
const r = (a, b) => (m[a] / m[b]).toFixed(2);
console.log(`
  fresh apply / raw pnpm install      ${r("fresh: plugdeps apply (pnpm)", "fresh: pnpm install (cold store)")}x
  fresh apply / raw npm install       ${r("fresh: plugdeps apply (pnpm)", "fresh: npm install (cold cache)")}x
  no-op apply / pnpm install no-op    ${r("no-op: plugdeps apply", "no-op: pnpm install")}x
  no-op apply / npm install no-op     ${r("no-op: plugdeps apply", "no-op: npm install")}x
  no-op apply / node -e 0             ${r("no-op: plugdeps apply", "floor: node -e 0")}x
  upgrade (reuse) / fresh npm install ${r("upgrade: plugdeps apply (reuse)", "fresh: npm install (cold cache)")}x
`);
fs.mkdirSync(path.join(repo, "bench", "results"), { recursive: true });
fs.writeFileSync(
  path.join(repo, "bench", "results", "apply-demo.json"),
  `${JSON.stringify({ date: new Date().toISOString(), n: N, medians: m }, null, 2)}\n`,
);
