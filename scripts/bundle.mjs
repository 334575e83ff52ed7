// The bundles `npm run build` makes from tsc's output (dist/), with esbuild. The published package
// has NO runtime dependencies: every file it runs is one of these bundles (package.json `files`).
// - dist/src/cli/plugdeps.cjs: the executable (`#!/usr/bin/env node`, mode 0755). One CommonJS
//   file holding only the no-op stamp check (src/cli/bin.ts); Node 20 loads it as fast as
//   `node -e 0` loads nothing.
// - dist/src/cli/main.bundle.cjs: the full CLI as one CommonJS file, which the executable runs on
//   a stamp miss. Loading ~150 separate modules (ours, fp-ts, io-ts, commander, execa, semver...)
//   cost a `plan` more than half its time; one file cut that by about 2.4x.
// - dist/src/cli/main.bundle.cjs.cache: V8's code cache for it, made here by running a `plan` of
//   the demo host once. Node 20 has no compile cache of its own (module.enableCompileCache is
//   22.1+); with this one the executable skips parsing and compiling the 1.3 MB bundle: a `plan`
//   of the demo host went from ~185 to ~130 ms (2026-12-02). A cache V8 rejects (another Node
//   version, other V8 flags) only costs that time back; the code is the same.
// - dist/src/cli/prom-client.cjs: prom-client, bundled on its own and required (as
//   "./prom-client.cjs", beside the CLI bundle) only by `reconcile --metrics-port`; `plan` does not
//   parse it. execa is required only when an install runs (a dynamic import in the source).
// - The library, as ES modules with code splitting: dist/src/index.js (`import "plugdeps"`, a
//   one-line re-export of dist/src/lib/index.js), dist/src/resolve/register.js
//   (plugdeps/register) and dist/src/resolve/esm-hooks.js (its module.register hooks, loaded
//   from beside it), with their shared and lazily imported code in dist/src/chunks/. Every output
//   sits one directory below dist/src, as the sources did, so paths the code finds from
//   import.meta.url (the units' ExecStart and register.js, the tool's package.json) stay right.
//   tsc's other dist/src/**/*.js stay for the tests and are not published; its .d.ts files are.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { build } from "esbuild";

const CLI_DIR = "dist/src/cli";
// What earlier layouts left behind (an ES module bundle and its chunks).
for (const name of fs.readdirSync(CLI_DIR)) {
  if (/^main\.bundle(-.+)?\.mjs$/.test(name)) fs.rmSync(path.join(CLI_DIR, name));
}

const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  logLevel: "warning",
  legalComments: "none",
  format: "cjs",
  // Which packages went into the bundles: their licenses are published with them (see the end).
  metafile: true,
};
const bundled = [];

const bin = path.join(CLI_DIR, "plugdeps.cjs");
bundled.push(
  await build({
    ...common,
    entryPoints: ["dist/src/cli/bin.js"],
    outfile: bin,
    // npm links the bin as is: without the #! line a shell runs it (`use strict: command not found`).
    banner: { js: "#!/usr/bin/env node" },
  }),
);
fs.chmodSync(bin, 0o755);

// prom-client, for `reconcile --metrics-port` only, in a file of its own beside the CLI bundle.
bundled.push(
  await build({
    ...common,
    entryPoints: ["prom-client"],
    outfile: path.join(CLI_DIR, "prom-client.cjs"),
  }),
);
/** The CLI bundle requires prom-client as the file built above, beside itself. */
const promClientBeside = {
  name: "prom-client-beside",
  setup(b) {
    b.onResolve({ filter: /^prom-client$/ }, () => ({ path: "./prom-client.cjs", external: true }));
  },
};

const full = path.join(CLI_DIR, "main.bundle.cjs");
bundled.push(
  await build({
    ...common,
    entryPoints: ["dist/src/cli/main.js"],
    outfile: full,
    plugins: [promClientBeside],
    // The sources are ES modules that find files beside themselves from import.meta.url (units'
    // ExecStart, the tool's own package.json, the stamp's self-check): in one CommonJS file that is
    // this file's own URL, as it was for the one-file ES module bundle.
    define: { "import.meta.url": "__plugdepsImportMetaUrl" },
    banner: { js: 'const __plugdepsImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
  }),
);

// The library entry points (ES modules). The bundled CommonJS packages (fp-ts, io-ts, semver...)
// call require() for Node's builtins, which an ES module has not got: each output file makes one.
const LIB_DIR = "dist/src";
const STUB_MARK = "// plugdeps' library API, bundled (scripts/bundle.mjs).";
if (fs.readFileSync(path.join(LIB_DIR, "index.js"), "utf8").startsWith(STUB_MARK)) {
  // The inputs are tsc's files, which the last bundle replaced: bundling them again would bundle
  // the bundles. `npm run build` runs tsc first.
  throw new Error("dist/src is already bundled: run `npm run build` (tsc, then this script)");
}
for (const dir of ["lib", "chunks"]) fs.rmSync(path.join(LIB_DIR, dir), { recursive: true, force: true });
const lib = await build({
  ...common,
  format: "esm",
  splitting: true,
  write: false,
  entryPoints: [
    { in: "dist/src/index.js", out: "lib/index" },
    { in: "dist/src/resolve/register.js", out: "resolve/register" },
    { in: "dist/src/resolve/esm-hooks.js", out: "resolve/esm-hooks" },
  ],
  outdir: LIB_DIR,
  chunkNames: "chunks/[name]-[hash]",
  banner: {
    js: 'import { createRequire as __plugdepsCreateRequire } from "node:module"; const require = __plugdepsCreateRequire(import.meta.url);',
  },
});
bundled.push(lib);
// Written here, not by esbuild: two of them replace the files they were built from.
for (const out of lib.outputFiles) {
  fs.mkdirSync(path.dirname(out.path), { recursive: true });
  fs.writeFileSync(out.path, out.contents);
}
fs.writeFileSync(path.join(LIB_DIR, "index.js"), `${STUB_MARK}\nexport * from "./lib/index.js";\n`);
for (const stale of ["index.js.map", "resolve/register.js.map", "resolve/esm-hooks.js.map"])
  fs.rmSync(path.join(LIB_DIR, stale), { force: true });

// The code cache, warmed by one real run: V8 caches what it compiled by then, so the functions a
// plan runs are in it, not only the top level. The run is a read-only `plan` of the demo host
// against an empty stage directory; its output is not needed.
const cacheFile = `${full}.cache`;
fs.rmSync(cacheFile, { force: true });
const stage = fs.mkdtempSync(path.join(os.tmpdir(), "plugdeps-build-"));
try {
  const warm = spawnSync(
    process.execPath,
    [
      "scripts/warm-code-cache.mjs",
      full,
      "plan",
      "--package-root",
      "fixtures/hosts/openclaw-demo",
      "--config",
      "fixtures/configs/demo.json5",
      "--stage-dir",
      stage,
    ],
    { encoding: "utf8", env: { PATH: process.env.PATH ?? "", HOME: stage } },
  );
  if (warm.status !== 0 || !fs.existsSync(cacheFile)) {
    throw new Error(`the code cache warm-up failed (exit ${warm.status}):\n${warm.stdout}\n${warm.stderr}`);
  }
} finally {
  fs.rmSync(stage, { recursive: true, force: true });
}

// The licenses of every package inlined above (MIT, ISC, Apache-2.0 ask for their notices to go
// with copies of the code): dist/THIRD-PARTY-LICENSES.md, published beside the bundles.
const packageDirs = new Set();
for (const result of bundled) {
  for (const input of Object.keys(result.metafile.inputs)) {
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m !== null) packageDirs.add(m[1]);
  }
}
const notices = [...packageDirs]
  .map((dir) => {
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
    const licenseFile = fs.readdirSync(dir).find((f) => /^(licen[sc]e|copying)(\.|$)/i.test(f));
    const text =
      licenseFile === undefined ? null : fs.readFileSync(path.join(dir, licenseFile), "utf8").trim();
    return { name: pkg.name, version: pkg.version, license: pkg.license ?? "(see package)", text };
  })
  .sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
fs.writeFileSync(
  "dist/THIRD-PARTY-LICENSES.md",
  [
    "# Third-party licenses",
    "",
    "The bundles in this package (dist/src/cli/*.cjs, dist/src/lib, dist/src/chunks, dist/src/resolve)",
    "include code from these packages, under these licenses.",
    "",
    ...notices.flatMap((n) => [
      `## ${n.name}@${n.version} (${n.license})`,
      "",
      n.text === null ? "No license file in the package; see its package.json." : "```\n" + n.text + "\n```",
      "",
    ]),
  ].join("\n"),
);
