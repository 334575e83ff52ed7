// The bundles `npm run build` makes from tsc's output (dist/), with esbuild:
// - dist/src/cli/plugdeps.cjs: the executable. One CommonJS file holding only the no-op stamp
//   check (src/cli/bin.ts); Node 20 loads it as fast as `node -e 0` loads nothing.
// - dist/src/cli/main.bundle.cjs: the full CLI as one CommonJS file, which the executable runs on
//   a stamp miss. Loading ~150 separate modules (ours, fp-ts, io-ts, commander, execa, semver...)
//   cost a `plan` more than half its time; one file cut that by about 2.4x.
// - dist/src/cli/main.bundle.cjs.cache: V8's code cache for it, made here by running a `plan` of
//   the demo host once. Node 20 has no compile cache of its own (module.enableCompileCache is
//   22.1+); with this one the executable skips parsing and compiling the 1.3 MB bundle: a `plan`
//   of the demo host went from ~185 to ~130 ms (2026-12-02). A cache V8 rejects (another Node
//   version, other V8 flags) only costs that time back; the code is the same.
// prom-client stays external and is required only by `reconcile --metrics-port`; execa is
// required only when an install runs (a dynamic import in the source).
// dist/src/**/*.js stay as they are: the library API (`import "plugdeps"`) and plugdeps/register.
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
};

await build({
  ...common,
  entryPoints: ["dist/src/cli/bin.js"],
  outfile: path.join(CLI_DIR, "plugdeps.cjs"),
});

const full = path.join(CLI_DIR, "main.bundle.cjs");
await build({
  ...common,
  entryPoints: ["dist/src/cli/main.js"],
  outfile: full,
  external: ["prom-client"],
  // The sources are ES modules that find files beside themselves from import.meta.url (units'
  // ExecStart, the tool's own package.json, the stamp's self-check): in one CommonJS file that is
  // this file's own URL, as it was for the one-file ES module bundle.
  define: { "import.meta.url": "__plugdepsImportMetaUrl" },
  banner: { js: 'const __plugdepsImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
});

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
