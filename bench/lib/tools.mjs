// How the benchmarks run plugdeps, pnpm and npm hermetically against the local registry: a
// fresh temp tree per run (host copy, stage base, HOME), the built CLI, pnpm from
// node_modules/.bin, caches and stores inside the tree, `npm_config_userconfig` pointing at the
// registry's npmrc, scripts ignored, production only, hoisted layout. The raw pnpm/npm flags are
// the ones plugdeps itself passes (src/execute/package-manager.ts), so a comparison differs only
// in who drives the install.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { runTimed, scratchFile, readKb } from "./measure.mjs";

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
/**
 * The executable a user runs (package.json `bin.plugdeps`, e.g. dist/src/cli/plugdeps.cjs) and
 * the library a host imports (package.json `main`) under `root`.
 */
const entryPoints = (root) => {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
  const bin = typeof pkg.bin === "string" ? pkg.bin : (pkg.bin?.plugdeps ?? "dist/src/cli/main.js");
  return { cli: path.join(root, bin), library: path.join(root, pkg.main ?? "dist/src/index.js") };
};

/** The built CLI and library; `snapshotDist` points them at a private copy. */
export let { cli: CLI, library: LIBRARY } = entryPoints(REPO);
const BIN = path.join(REPO, "node_modules", ".bin");
const PNPM = path.join(BIN, "pnpm");
const RSS_PRELOAD = path.join(REPO, "bench", "lib", "rss-preload.mjs");

/**
 * Copies dist/ and package.json to a temp dir (node_modules linked back) and makes CLI and
 * LIBRARY point there, so a rebuild of dist/ during a long run (the other engineer's `npm run
 * build`) cannot mix two builds in one table. A copy that overlapped a build (files newer after
 * the copy than before) is taken again. Returns the dir (remove it at the end) and the build time.
 */
export const snapshotDist = () => {
  for (let attempt = 1; ; attempt++) {
    const before = newestMtime(path.join(REPO, "dist"));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plugdeps-bench-dist-"));
    fs.cpSync(path.join(REPO, "dist"), path.join(dir, "dist"), { recursive: true });
    fs.copyFileSync(path.join(REPO, "package.json"), path.join(dir, "package.json"));
    fs.symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"));
    if (newestMtime(path.join(REPO, "dist")) === before || attempt === 5) {
      ({ cli: CLI, library: LIBRARY } = entryPoints(dir));
      return { dir, builtAt: new Date(before).toISOString() };
    }
    fs.rmSync(dir, { recursive: true, force: true });
    spawnSync("sleep", ["5"]);
  }
};

const newestMtime = (dir) => {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) newest = Math.max(newest, fs.statSync(path.join(e.parentPath, e.name)).mtimeMs);
  }
  return newest;
};

/**
 * The environment every command of a tree gets (plugdeps, pnpm, npm, the `node -e 0` floor):
 * nothing inherited but PATH. (An inherited NODE_EXTRA_CA_CERTS makes every node start parse a
 * CA bundle: on this machine it took `node -e 0` from ~27 to ~70 ms.)
 */
export const treeEnv = (registry, home) => ({
  PATH: `${BIN}${path.delimiter}${process.env.PATH ?? ""}`,
  HOME: home,
  ...(registry ? { npm_config_userconfig: registry.npmrc } : {}),
  NO_COLOR: "1",
});

/** A fresh tree: the host copied to an npm-global-like path, an empty stage base, a HOME. */
export const freshTree = (hostSrc, registry) => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "plugdeps-bench-"));
  const host = path.join(work, "usr", "lib", "node_modules", "openclaw");
  fs.mkdirSync(path.dirname(host), { recursive: true });
  fs.cpSync(hostSrc, host, { recursive: true });
  const home = path.join(work, "home");
  fs.mkdirSync(home, { recursive: true });
  return {
    work,
    host,
    home,
    stage: path.join(work, "stage"),
    spawnLog: path.join(work, "spawns.log"),
    env: treeEnv(registry, home),
  };
};

export const removeTree = (tree) => fs.rmSync(tree.work, { recursive: true, force: true });

/**
 * The built plugdeps CLI on a tree. `ownRss`: load the RSS preload so `ownRssMb` is plugdeps's own
 * peak (use it when the command may spawn a package manager). `spawns`: how many package-manager
 * processes this run started (plugdeps' PLUGDEPS_SPAWN_LOG).
 */
export const plugdeps = (tree, args, { config, ownRss = false } = {}) => {
  const rssOut = ownRss ? scratchFile("own") : null;
  const before = spawnCount(tree);
  const r = runTimed(
    process.execPath,
    [
      ...(ownRss ? ["--import", RSS_PRELOAD] : []),
      CLI,
      ...args,
      "--package-root",
      tree.host,
      "--config",
      config,
      "--stage-dir",
      tree.stage,
    ],
    {
      env: {
        ...tree.env,
        PLUGDEPS_SPAWN_LOG: tree.spawnLog,
        ...(rssOut ? { PLUGDEPS_BENCH_RSS_OUT: rssOut } : {}),
      },
    },
  );
  const ownRssMb = rssOut ? readKb(rssOut) : r.rssMb;
  return { ...r, ownRssMb, spawns: spawnCount(tree) - before };
};

const spawnCount = (tree) =>
  fs.existsSync(tree.spawnLog)
    ? fs.readFileSync(tree.spawnLog, "utf8").split("\n").filter(Boolean).length
    : 0;

/** `plugdeps plan --json` on a tree, parsed; throws with the output when it fails. */
export const planJson = (tree, config) => {
  const r = plugdeps(tree, ["plan", "--json"], { config });
  if (r.status !== 0) throw new Error(`plugdeps plan --json failed (exit ${r.status}):\n${tail(r)}`);
  return JSON.parse(r.stdout);
};

/** The last lines of a command's output, for failure messages. */
export const tail = (r, lines = 15) =>
  `$ ${r.command}\n${`${r.stdout}\n${r.stderr}`.trim().split("\n").slice(-lines).join("\n")}`;

// ---- raw package managers on the manifests plugdeps generated --------------------------------

/**
 * One directory per install set with that set's generated package.json (shared root, isolated
 * plugin sets), as a user would have to lay them out to install the same thing by hand.
 */
export const rawProject = (dir, manifests) => {
  const sets = manifests.map((m) => {
    const setDir = path.join(dir, m.id.replace(/[^a-z0-9]+/gi, "_"));
    fs.mkdirSync(setDir, { recursive: true });
    fs.writeFileSync(path.join(setDir, "package.json"), m.text);
    return setDir;
  });
  return { dir, sets, cache: path.join(dir, ".cache") };
};

const pnpmArgs = (cache) => [
  "install",
  "--prod",
  "--ignore-scripts",
  "--ignore-workspace",
  "--config.frozen-lockfile=false",
  "--config.node-linker=hoisted",
  "--config.confirmModulesPurge=false",
  `--config.store-dir=${path.join(cache, "pnpm-store")}`,
  `--config.cache-dir=${path.join(cache, "pnpm-cache")}`,
  `--config.state-dir=${path.join(cache, "pnpm-state")}`,
  "--reporter=append-only",
];

const npmArgs = (cache) => [
  "install",
  "--omit=dev",
  "--ignore-scripts",
  "--workspaces=false",
  "--no-audit",
  "--no-fund",
  "--install-strategy=hoisted",
  `--cache=${path.join(cache, "npm")}`,
  "--loglevel=warn",
];

/**
 * `pnpm install` / `npm install` in every set directory of a raw project, one after the other
 * (what installing the same sets by hand takes). `cache`: whose store and cache to use (default
 * the project's own). Returns the summed time, the largest RSS and whether every run succeeded.
 */
export const rawInstall = (tool, project, tree, { cache = project.cache } = {}) => {
  const env = { ...tree.env, CI: "true", npm_config_update_notifier: "false" };
  const results = project.sets.map((cwd) =>
    tool === "pnpm"
      ? runTimed(PNPM, pnpmArgs(cache), { cwd, env })
      : runTimed("npm", npmArgs(cache), { cwd, env }),
  );
  const failed = results.find((r) => r.status !== 0);
  return {
    ms: results.reduce((n, r) => n + r.ms, 0),
    rssMb: Math.max(...results.map((r) => r.rssMb ?? 0)) || null,
    ok: failed === undefined,
    failure: failed ? tail(failed) : null,
    /** Each set's output, in set order (the shared set first). */
    outputs: results.map((r) => `${r.stdout}\n${r.stderr}`),
  };
};

/** The live root of a stage base (the symlink's target) and the generated manifests in it. */
export const liveRoot = (targetRoot) => fs.realpathSync(targetRoot);

export const generatedManifests = (plan) =>
  plan.desired.sets
    .map((set) => ({ id: set.id, file: path.join(set.dir, "package.json") }))
    .filter((m) => fs.existsSync(m.file))
    .map((m) => ({ id: m.id, text: fs.readFileSync(m.file, "utf8") }));

// ---- counting what is installed --------------------------------------------------------------

/** Installed package directories (nested node_modules included) and their files, under `root`. */
export const countInstalled = (root) => {
  let packages = 0;
  let files = 0;
  const countFiles = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) {
        if (e.name !== "node_modules") countFiles(path.join(dir, e.name));
      } else files++;
    }
  };
  const walkNodeModules = (nm) => {
    if (!fs.existsSync(nm)) return;
    for (const e of fs.readdirSync(nm, { withFileTypes: true })) {
      if (e.name.startsWith(".") || !e.isDirectory()) continue;
      const dirs = e.name.startsWith("@")
        ? fs.readdirSync(path.join(nm, e.name)).map((n) => path.join(nm, e.name, n))
        : [path.join(nm, e.name)];
      for (const dir of dirs) {
        packages++;
        countFiles(dir);
        walkNodeModules(path.join(dir, "node_modules"));
      }
    }
  };
  const walkSets = (dir) => {
    walkNodeModules(path.join(dir, "node_modules"));
    const isolated = path.join(dir, "isolated");
    if (fs.existsSync(isolated)) for (const p of fs.readdirSync(isolated)) walkSets(path.join(isolated, p));
  };
  walkSets(root);
  return { packages, files };
};
