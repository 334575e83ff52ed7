#!/usr/bin/env node
// Fetches the pinned `openclaw` tarballs that `npm run test:host` compares plugdeps with
// (test/host/conformance.test.ts), and the few packages that OpenClaw's own selection code needs to
// be imported as an oracle (test/host/oracle/select.mjs). Node 20, no dependencies.
//
//   .cache/openclaw/<version>/package/        the published package, extracted as is (no node_modules)
//   .cache/openclaw/<version>/node_modules/   the bare imports of the oracle chunks, and nothing else
//   .cache/openclaw/<version>/.complete       written last: a rerun with it present does nothing
//
// The packages sit in the PARENT of package/: Node's resolution from package/dist/*.js finds them,
// while OpenClaw's own "is this dependency installed?" checks (<packageRoot>/node_modules/...) see
// nothing, so the oracle reports every selected dependency. The public npm registry is named
// explicitly so that a local registry configured for the other suites never answers here.
import { spawnSync } from "node:child_process";
import { builtinModules } from "node:module";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The pinned OpenClaw versions (SPEC §5 bands: 4.20, 4.22-4.28, 4.29-4.30, >= 5.2). The one list. */
export const OPENCLAW_VERSIONS = Object.freeze([
  "2026.4.20",
  "2026.4.22",
  "2026.4.29",
  "2026.4.30-beta.1",
  "2026.5.2",
]);

export const PUBLIC_REGISTRY = "https://registry.npmjs.org/";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const CACHE_DIR = path.join(REPO_ROOT, ".cache", "openclaw");

/** `.cache/openclaw/<version>` */
export const versionDir = (version) => path.join(CACHE_DIR, version);

/**
 * The OpenClaw functions the oracle calls, by the name they have in OpenClaw's source (the dist
 * keeps it; only the export alias is minified). Each version has some of them; a chunk defining
 * one is an "oracle chunk", and its import closure decides what is installed beside the package.
 * `dynamic`: follow literal `import("...")` too (the selection chunks: small closures, and a lazy
 * import on the selection path must resolve); the gateway chunks sit on top of most of OpenClaw,
 * so only what loading them needs (static imports and `require`) is installed.
 */
export const ORACLE_FUNCTIONS = Object.freeze([
  // doctor / `openclaw plugins deps` selection (4.20 - 4.29)
  { name: "scanBundledPluginRuntimeDeps", dynamic: true },
  // the same in 4.30, which has no scan function any more
  { name: "createBundledRuntimeDepsPackagePlan", dynamic: true },
  // the gateway's startup plugin ids and auto-enabled config (4.29 - 4.30:
  // prestageGatewayBundledRuntimeDepsImpl)
  { name: "loadPluginLookUpTable", dynamic: false },
  // `runtime`: packages a chunk on its path requires by a computed `require` that no import scan
  // sees (4.20/4.22: mime-*.js requires `file-type` when a channel key needs normalizing).
  { name: "applyPluginAutoEnable", dynamic: false, runtime: ["file-type"] },
]);

/** What the cached record is checked against: a change here fetches again. */
const oracleSignature = () => ORACLE_FUNCTIONS.map((f) => [f.name, ...(f.runtime ?? [])].join("+"));

export const SELECTION_FUNCTIONS = Object.freeze([
  "scanBundledPluginRuntimeDeps",
  "createBundledRuntimeDepsPackagePlan",
]);

/** The dist chunks (file names) that define `function <name>(`. */
export const findChunksDefining = (distDir, name) => {
  const needle = new RegExp(`(?:^|[\\s;])(?:async\\s+)?function\\s+${name}\\s*\\(`, "m");
  return fs
    .readdirSync(distDir)
    .filter((f) => f.endsWith(".js"))
    .filter((f) => needle.test(fs.readFileSync(path.join(distDir, f), "utf8")))
    .sort();
};

const BUILTINS = new Set(builtinModules);
const STATIC_IMPORT = /^(?:import|export)\b[^;]*?["']([^"']+)["'];?\s*$/gm;
const DYNAMIC_IMPORT = /\bimport\(\s*["']([^"']+)["']\s*\)/g;
const REQUIRE_CALL = /\brequire\(\s*["']([^"']+)["']\s*\)|createRequire\([^)]*\)\(\s*["']([^"']+)["']\s*\)/g;

const packageNameOf = (specifier) =>
  specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0];

/**
 * The bare packages reachable from `entries` (dist file names): static imports and re-exports,
 * `require`/`createRequire(...)(...)` calls and (with `dynamic`) literal dynamic imports, followed
 * through relative specifiers. Returns a sorted list of package names.
 */
export const bareImportClosure = (distDir, entries, { dynamic = true } = {}) => {
  const seen = new Set();
  const bare = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = fs.readFileSync(file, "utf8");
    const specifiers = [
      ...[...source.matchAll(STATIC_IMPORT)].map((m) => m[1]),
      ...(dynamic ? [...source.matchAll(DYNAMIC_IMPORT)].map((m) => m[1]) : []),
      ...[...source.matchAll(REQUIRE_CALL)].map((m) => m[1] ?? m[2]),
    ];
    for (const specifier of specifiers) {
      if (specifier.startsWith(".")) {
        const target = path.resolve(path.dirname(file), specifier);
        if (fs.existsSync(target) && fs.statSync(target).isFile()) visit(target);
      } else if (!specifier.startsWith("node:") && !BUILTINS.has(specifier.split("/")[0])) {
        bare.add(packageNameOf(specifier));
      }
    }
  };
  for (const entry of entries) visit(path.join(distDir, entry));
  return [...bare].sort();
};

const run = (command, args, options = {}) => {
  const result = spawnSync(command, args, {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 64 * 1024 * 1024,
    ...options,
  });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(" ")} failed (exit ${result.status ?? result.signal}):\n${result.stderr}${result.stdout}`,
    );
  }
  return result.stdout;
};

/** An npm environment without what an enclosing `npm run` or the developer's shell would leak in. */
const npmEnv = () => {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    if (/^npm_/i.test(key) || key.startsWith("OPENCLAW_")) continue;
    env[key] = value;
  }
  return env;
};

const readJson = (file) => JSON.parse(fs.readFileSync(file, "utf8"));

/** Fetches one version into .cache/openclaw/<version>/ unless it is already complete. */
export const fetchOpenClaw = (version, log = console.log) => {
  const dest = versionDir(version);
  const marker = path.join(dest, ".complete");
  if (fs.existsSync(marker)) {
    // Complete, unless it was made for another list of oracle functions (then it is redone).
    const record = readJson(marker);
    if (JSON.stringify(record.functions) === JSON.stringify(oracleSignature())) return record;
    log(`openclaw@${version}: the oracle functions changed, fetching again`);
  }

  fs.mkdirSync(CACHE_DIR, { recursive: true });
  const work = `${dest}.tmp-${process.pid}`;
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  try {
    const env = npmEnv();
    log(`openclaw@${version}: npm pack from ${PUBLIC_REGISTRY}`);
    run(
      "npm",
      [
        "pack",
        `openclaw@${version}`,
        `--registry=${PUBLIC_REGISTRY}`,
        "--pack-destination",
        work,
        "--silent",
      ],
      { env },
    );
    const tarballs = fs.readdirSync(work).filter((f) => f.endsWith(".tgz"));
    if (tarballs.length !== 1)
      throw new Error(`openclaw@${version}: npm pack left ${tarballs.join(", ") || "nothing"}`);
    const tarball = path.join(work, tarballs[0]);
    run("tar", ["-xzf", tarball, "-C", work]);
    fs.rmSync(tarball);

    const packageRoot = path.join(work, "package");
    const pkg = readJson(path.join(packageRoot, "package.json"));
    if (pkg.version !== version) throw new Error(`openclaw@${version}: the tarball says ${pkg.version}`);
    if (fs.existsSync(path.join(packageRoot, "node_modules"))) {
      throw new Error(`openclaw@${version}: the tarball ships node_modules; the oracle would see them`);
    }

    const distDir = path.join(packageRoot, "dist");
    // A version without a selection function (>= 2026.5.2 stages nothing) gets no oracle at all.
    const oracleChunks = {};
    const bareSet = new Set();
    if (SELECTION_FUNCTIONS.some((name) => findChunksDefining(distDir, name).length > 0)) {
      for (const { name, dynamic, runtime } of ORACLE_FUNCTIONS) {
        const chunks = findChunksDefining(distDir, name);
        if (chunks.length === 0) continue;
        oracleChunks[name] = chunks;
        for (const bareName of bareImportClosure(distDir, chunks, { dynamic })) bareSet.add(bareName);
        const ranges = { ...pkg.dependencies, ...pkg.optionalDependencies };
        for (const extra of runtime ?? []) if (typeof ranges[extra] === "string") bareSet.add(extra);
      }
    }
    const bare = [...bareSet].sort();
    const ranges = { ...pkg.dependencies, ...pkg.optionalDependencies };
    const dependencies = {};
    for (const name of bare) {
      const range = ranges[name];
      if (typeof range !== "string") {
        throw new Error(
          `openclaw@${version}: the oracle chunks import ${name}, which openclaw does not depend on`,
        );
      }
      dependencies[name] = range;
    }

    if (bare.length > 0) {
      log(
        `openclaw@${version}: installing the oracle's imports (${bare.map((n) => `${n}@${dependencies[n]}`).join(", ")})`,
      );
      fs.writeFileSync(
        path.join(work, "package.json"),
        `${JSON.stringify({ name: "openclaw-oracle-imports", private: true, dependencies }, null, 2)}\n`,
      );
      run(
        "npm",
        [
          "install",
          "--ignore-scripts",
          "--no-audit",
          "--no-fund",
          "--omit=dev",
          `--registry=${PUBLIC_REGISTRY}`,
          "--prefix",
          work,
        ],
        { env, cwd: work },
      );
    }

    const record = {
      version,
      functions: oracleSignature(),
      oracleChunks,
      dependencies,
      fetchedAt: new Date().toISOString(),
    };
    fs.writeFileSync(path.join(work, ".complete"), `${JSON.stringify(record, null, 2)}\n`);
    fs.rmSync(dest, { recursive: true, force: true });
    fs.renameSync(work, dest);
    return record;
  } catch (error) {
    fs.rmSync(work, { recursive: true, force: true });
    throw error;
  }
};

const main = () => {
  const wanted = process.argv.slice(2);
  const versions = wanted.length > 0 ? wanted : OPENCLAW_VERSIONS;
  for (const version of versions) {
    const record = fetchOpenClaw(version);
    const chunks = Object.entries(record.oracleChunks)
      .map(([fn, files]) => `${fn}: ${files.join(", ")}`)
      .join("; ");
    console.log(`openclaw@${version}: ready (${chunks || "no oracle chunk"})`);
  }
};

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  try {
    main();
  } catch (error) {
    console.error(String(error instanceof Error ? error.message : error));
    process.exit(1);
  }
}
