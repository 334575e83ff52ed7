// W15 generator: an OpenClaw-shaped host with 15 bundled plugins whose runtime dependencies form
// a realistic tree — about 600 installed packages, six levels deep, transitive dependencies shared
// between plugins, some packages in two majors (nested installs), one top-level version conflict
// (plugdeps isolates one plugin), two dependencies the host's own node_modules already satisfies,
// and about 45k files (lib/*.js, typings, README, LICENSE, ...). One plugin ("zalo") owns a subtree
// of its own: the add-one-plugin scenario enables it last. Deterministic: a fixed seed.
//
// Writes the packages to publish into `packagesDir` (<name>/<version>/), and under `outDir`: host/
// (the package root), config-all.json5 (all 15 plugins on), config-minus-one.json5 (all but
// zalo). Returns a summary.
// Used by bench/gen/cache.mjs; not run on its own.
import * as fs from "node:fs";
import * as path from "node:path";
import { int, makeRng, pick, shuffled, word } from "../lib/rng.mjs";
import { writeConfig, writeHost } from "./host.mjs";

/** Bump when the generated output changes: the cache under bench/.cache is keyed by it. */
export const W15_VERSION = 3;
const SEED = 15;

const PLUGINS = [
  ...["slack", "telegram", "discord", "matrix", "msteams", "whatsapp", "signal", "mattermost"].map((id) => ({
    id,
    kind: "channel",
  })),
  ...["googlechat", "line"].map((id) => ({ id, kind: "channel" })),
  ...["anthropic", "openai", "google"].map((id) => ({ id, kind: "provider" })),
  { id: "voice-call", kind: "entry" },
  { id: "zalo", kind: "channel" },
];
export const W15_ADD_ONE = "zalo";

/** Names per level (level 0 is what plugins declare). The exclusive subtree belongs to zalo. */
const SHARED_LEVELS = [84, 120, 125, 95, 60, 30];
const EXCLUSIVE_LEVELS = [4, 8, 8, 6, 4];

export const generateW15 = (outDir, packagesDir) => {
  const rng = makeRng(SEED);
  const graph = buildGraph(rng);
  const declared = declareDependencies(rng, graph);
  const stats = writePackages(rng, graph, packagesDir);
  const hostProvided = graph.hostProvided.map((p) => ({
    name: p.name,
    dir: path.join(packagesDir, p.name, p.pvs[0].version),
  }));
  writeHost(path.join(outDir, "host"), { version: "2026.4.29", plugins: PLUGINS, declared, hostProvided });
  writeConfig(path.join(outDir, "config-all.json5"), PLUGINS);
  writeConfig(
    path.join(outDir, "config-minus-one.json5"),
    PLUGINS.filter((p) => p.id !== W15_ADD_ONE),
  );
  const installed = graph.all.filter((pv) => !graph.hostProvided.includes(pv.pkg));
  return {
    plugins: PLUGINS.length,
    packageNames: graph.packages.length,
    publishedVersions: stats.published,
    expectedInstalled: installed.length,
    expectedInstalledWithoutAddOne: installed.filter((pv) => !pv.pkg.exclusive).length,
    filesInstalled: installed.reduce((n, pv) => n + pv.fileCount, 0),
    bytesInstalled: stats.bytesInstalled,
    depth: SHARED_LEVELS.length,
    conflict: graph.conflict.name,
    addOne: W15_ADD_ONE,
    hostProvided: graph.hostProvided.map((p) => p.name),
    hostDir: path.join(outDir, "host"),
    configAll: path.join(outDir, "config-all.json5"),
    configMinusOne: path.join(outDir, "config-minus-one.json5"),
  };
};

// ---- the dependency graph -------------------------------------------------------------------

const buildGraph = (rng) => {
  const names = new Set();
  const newName = () => {
    for (;;) {
      const n = rng() < 0.2 ? `@w15-${word(rng)}/${word(rng)}` : `w15-${word(rng)}-${word(rng)}`;
      if (!names.has(n)) {
        names.add(n);
        return n;
      }
    }
  };
  const makeLevels = (sizes, exclusive) =>
    sizes.map((n, level) => Array.from({ length: n }, () => makePackage(rng, newName(), level, exclusive)));
  const shared = makeLevels(SHARED_LEVELS, false);
  const exclusive = makeLevels(EXCLUSIVE_LEVELS, true);
  // Level 0: one package in two majors declared by different plugins (the top-level conflict),
  // and two dependency-free packages the host ships in its own node_modules.
  const conflict = shared[0][0];
  addSecondMajor(conflict);
  const hostProvided = [shared[0][1], shared[0][2]];
  for (const p of hostProvided) p.hostProvided = true;
  for (const levels of [shared, exclusive]) linkParents(rng, levels);
  addSharedEdges(rng, shared, shared);
  addSharedEdges(rng, exclusive, shared);
  addSharedEdges(rng, exclusive, exclusive);
  const packages = [...shared.flat(), ...exclusive.flat()];
  return { shared, exclusive, conflict, hostProvided, packages, all: packages.flatMap((p) => p.pvs) };
};

const makePackage = (rng, name, level, exclusive) => {
  const pkg = { name, level, exclusive, hostProvided: false, pvs: [], older: [] };
  const major = pick(rng, [0, 1, 1, 1, 2, 2, 3, 4, 5, 7]);
  pkg.pvs.push(makeVersion(rng, pkg, major));
  // Some deeper packages exist in two majors: their dependents pick one or the other.
  if (level > 0 && rng() < 0.12) addSecondMajor(pkg);
  // Older releases that nothing resolves to (only for one-major packages, so an older release
  // can never land in another major's range): realistic packuments, and drift material.
  else if (rng() < 0.3) {
    const { major: M, minor, patch } = pkg.pvs[0];
    if (minor > 0) pkg.older.push(`${M}.${minor - 1}.${int(rng, 0, 9)}`);
    else if (M > 0) pkg.older.push(`${M - 1}.${int(rng, 0, 12)}.${patch}`);
  }
  return pkg;
};

const makeVersion = (rng, pkg, major) => {
  // No 0.0.x: `^0.0.0` would match only 0.0.0 (caret ranges pin the first non-zero part).
  const minor = int(rng, major === 0 ? 1 : 0, 24);
  const patch = int(rng, 0, 12);
  return {
    pkg,
    major,
    minor,
    patch,
    version: `${major}.${minor}.${patch}`,
    deps: new Map(),
    fileCount: fileCount(rng),
  };
};

const addSecondMajor = (pkg) => {
  const first = pkg.pvs[0];
  const major = first.major + 1;
  pkg.pvs.push({ ...first, major, version: `${major}.${first.minor}.${first.patch}`, deps: new Map() });
};

/** Files per package: many small packages, a few huge ones (about 75 on average). */
const fileCount = (rng) => {
  const r = rng();
  if (r < 0.45) return int(rng, 4, 15);
  if (r < 0.75) return int(rng, 20, 90);
  if (r < 0.93) return int(rng, 90, 220);
  return int(rng, 280, 700);
};

const specFor = (rng, pv) => {
  const r = rng();
  if (r < 0.8) return `^${pv.major}.${pv.minor}.0`;
  if (r < 0.92) return `~${pv.major}.${pv.minor}.0`;
  return pv.version;
};

/** Every version at level L > 0 gets a parent at level L - 1, so everything is reachable. */
const linkParents = (rng, levels) => {
  for (let level = 1; level < levels.length; level++) {
    const parents = levels[level - 1].filter((p) => !p.hostProvided).flatMap((p) => p.pvs);
    for (const pv of levels[level].flatMap((p) => p.pvs)) {
      const free = parents.filter((parent) => !parent.deps.has(pv.pkg.name));
      const parent = pick(rng, free.length > 0 ? free : parents);
      parent.deps.set(pv.pkg.name, specFor(rng, pv));
    }
  }
};

/** Extra edges from `from` to deeper levels of `to`: shared transitive dependencies. */
const addSharedEdges = (rng, from, to) => {
  for (const [level, pkgs] of from.entries()) {
    const deeper = to.slice(level + 1).flat();
    if (deeper.length === 0) continue;
    for (const pv of pkgs.filter((p) => !p.hostProvided).flatMap((p) => p.pvs)) {
      const extra = pick(rng, [0, 0, 1, 1, 1, 2, 2, 3, 4]);
      for (let i = 0; i < extra; i++) {
        const target = pick(rng, deeper);
        if (!pv.deps.has(target.name)) pv.deps.set(target.name, specFor(rng, pick(rng, target.pvs)));
      }
    }
  }
};

/** Which plugin declares what: level-0 packages spread over the plugins, some declared twice. */
const declareDependencies = (rng, graph) => {
  const declared = new Map(PLUGINS.map((p) => [p.id, { dependencies: {}, optionalDependencies: {} }]));
  const regular = PLUGINS.filter((p) => p.id !== W15_ADD_ONE);
  const declare = (pluginId, pv, spec = specFor(rng, pv)) => {
    declared.get(pluginId).dependencies[pv.pkg.name] = spec;
  };
  const [c1, c2] = graph.conflict.pvs;
  declare(regular[0].id, c2, `^${c2.major}.${c2.minor}.0`);
  declare(regular[1].id, c2, `^${c2.major}.${c2.minor}.0`);
  declare(regular[2].id, c1, `^${c1.major}.${c1.minor}.0`); // the minority: isolated
  graph.hostProvided.forEach((p, i) =>
    declare(regular[3 + i].id, p.pvs[0], `^${p.pvs[0].major}.${p.pvs[0].minor}.0`),
  );
  const level0 = shuffled(
    rng,
    graph.shared[0].filter((p) => p !== graph.conflict && !p.hostProvided),
  );
  level0.forEach((p, i) => {
    declare(regular[i % regular.length].id, p.pvs[0]);
    if (rng() < 0.2) for (let k = int(rng, 1, 2); k > 0; k--) declare(pick(rng, regular).id, p.pvs[0]);
  });
  for (const p of graph.exclusive[0]) declare(W15_ADD_ONE, p.pvs[0]);
  for (const p of level0.slice(0, 2)) declare(W15_ADD_ONE, p.pvs[0]);
  // One plugin lists a dependency under optionalDependencies (required all the same).
  const discord = declared.get("discord");
  const [optional] = Object.keys(discord.dependencies).filter((n) => n !== graph.conflict.name);
  discord.optionalDependencies[optional] = discord.dependencies[optional];
  delete discord.dependencies[optional];
  return declared;
};

// ---- files ----------------------------------------------------------------------------------

const writePackages = (rng, graph, packagesDir) => {
  const lines = Array.from({ length: 256 }, () => codeLine(rng));
  let published = 0;
  let bytesInstalled = 0;
  for (const pkg of graph.packages) {
    for (const pv of pkg.pvs) {
      const bytes = writePackage(rng, lines, path.join(packagesDir, pkg.name, pv.version), pv);
      if (!pkg.hostProvided) bytesInstalled += bytes;
      published++;
    }
    for (const version of pkg.older) {
      writeOlder(path.join(packagesDir, pkg.name, version), pkg.name, version);
      published++;
    }
  }
  return { published, bytesInstalled };
};

const codeLine = (rng) => {
  const a = word(rng);
  const b = word(rng);
  return pick(rng, [
    `function ${a}(${b}, options) { return ${b} == null ? options : ${b}.${a}; }`,
    `const ${a} = (${b}) => ${b}.map((x) => x * ${int(rng, 2, 97)});`,
    `  if (${a}.length > ${int(rng, 1, 64)}) throw new TypeError("${a}: ${b} expected");`,
    `// ${a} ${b}: see https://example.invalid/${a}/${b}`,
    `exports.${a} = ${a};`,
    `  ${a}[${b}] = ${a}[${b}] || Object.create(null);`,
  ]);
};

const text = (rng, lines, bytes) => {
  const out = [];
  let n = 0;
  while (n < bytes) {
    const line = pick(rng, lines);
    out.push(line);
    n += line.length + 1;
  }
  return `${out.join("\n")}\n`;
};

/** Writes one installable package version with `pv.fileCount` files; returns its byte count. */
const writePackage = (rng, lines, dir, pv) => {
  const style = pick(rng, ["lib", "lib", "dist", "root"]);
  const typed = rng() < 0.5;
  const files = new Map();
  files.set("README.md", `# ${pv.pkg.name}\n\n${text(rng, lines, int(rng, 300, 3000))}`);
  files.set("LICENSE", `MIT License\n\nCopyright (c) bench\n${text(rng, lines, 900)}`);
  const entry = { lib: "lib/index.js", dist: "dist/index.js", root: "index.js" }[style];
  files.set(entry, `module.exports = { name: ${JSON.stringify(pv.pkg.name)}, version: "${pv.version}" };\n`);
  if (style === "dist") files.set("dist/index.mjs", `export const name = ${JSON.stringify(pv.pkg.name)};\n`);
  if (typed) files.set(entry.replace(/\.js$/, ".d.ts"), "export declare const name: string;\n");
  const base = style === "root" ? "lib" : style;
  const subdirs = ["", "", "internal/", "utils/", `${word(rng)}/`];
  for (let i = 0; files.size < pv.fileCount - 1; i++) {
    const stem = `${base}/${pick(rng, subdirs)}${word(rng)}-${i}`;
    const r = rng();
    if (r < 0.06) files.set(`${stem}.json`, `${JSON.stringify({ id: i, stem })}\n`);
    else if (r < 0.1)
      files.set(`${stem}.js.map`, `{"version":3,"sources":["${stem}.ts"],"mappings":"AAAA"}\n`);
    else {
      files.set(`${stem}.js`, text(rng, lines, int(rng, 200, 4000)));
      if (typed && files.size < pv.fileCount - 1)
        files.set(`${stem}.d.ts`, text(rng, lines, int(rng, 80, 600)));
    }
  }
  const manifest = {
    name: pv.pkg.name,
    version: pv.version,
    description: `Generated W15 package ${pv.pkg.name} (level ${pv.pkg.level})`,
    license: "MIT",
    keywords: ["bench", "w15"],
    repository: { type: "git", url: `https://example.invalid/${pv.pkg.name}.git` },
    ...(style === "dist"
      ? {
          main: "dist/index.js",
          exports: {
            ".": { import: "./dist/index.mjs", require: "./dist/index.js" },
            "./package.json": "./package.json",
          },
        }
      : { main: entry }),
    ...(typed ? { types: entry.replace(/\.js$/, ".d.ts") } : {}),
    ...(pv.deps.size > 0 ? { dependencies: Object.fromEntries([...pv.deps].sort()) } : {}),
  };
  files.set("package.json", `${JSON.stringify(manifest, null, 2)}\n`);
  let bytes = 0;
  for (const [rel, content] of files) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
    bytes += content.length;
  }
  return bytes;
};

const writeOlder = (dir, name, version) => {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, "package.json"),
    `${JSON.stringify({ name, version, license: "MIT", main: "index.js" }, null, 2)}\n`,
  );
  fs.writeFileSync(
    path.join(dir, "index.js"),
    `module.exports = { name: ${JSON.stringify(name)}, version: "${version}" };\n`,
  );
  fs.writeFileSync(path.join(dir, "README.md"), `# ${name}\n\nAn older release.\n`);
};
