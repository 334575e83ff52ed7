// The two bundles `npm run build` makes from tsc's output (dist/), with esbuild:
// - dist/src/cli/plugdeps.cjs: the executable. One CommonJS file holding only the no-op stamp
//   check (src/cli/bin.ts); Node 20 loads it as fast as `node -e 0` loads nothing.
// - dist/src/cli/main.bundle.mjs: the full CLI as one ES module (plus main.bundle-*.mjs for what loads
//   only on demand), imported by the executable on a stamp miss. Loading ~150 separate modules (ours, fp-ts, io-ts, commander, execa, semver...)
//   cost a `plan` more than half its time; one file cuts that by about 2.4x. prom-client stays
//   external (loaded only by `reconcile --metrics-port`).
// dist/src/**/*.js stay as they are: the library API (`import "plugdeps"`) and plugdeps/register.
import * as fs from "node:fs";
import { build } from "esbuild";

// Chunk names carry a content hash: without this, every build would leave the last one's behind.
const CLI_DIR = "dist/src/cli";
for (const name of fs.readdirSync(CLI_DIR)) {
  if (/^main\.bundle-.+\.mjs$/.test(name)) fs.rmSync(`${CLI_DIR}/${name}`);
}

const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  logLevel: "warning",
  legalComments: "none",
};

await build({
  ...common,
  entryPoints: ["dist/src/cli/bin.js"],
  format: "cjs",
  outfile: "dist/src/cli/plugdeps.cjs",
  external: ["./main.bundle.mjs"],
});

await build({
  ...common,
  // Code splitting: what a command loads with a dynamic import (execa when an install runs, the
  // metrics module and prom-client for `reconcile --metrics-port`) goes into its own chunk,
  // parsed and run only by the runs that use it. Chunks sit beside main.bundle.mjs (not in a
  // subdirectory): code that finds files relative to import.meta.url (units, the tool's own
  // package.json) must see the same directory as in the one-file bundle. Without it, the static
  // import of the external prom-client was hoisted into the one file and every `plan` paid
  // ~40 ms for it, and execa ~12 ms (cpu profile of `--version`, 2026-12-02).
  entryPoints: { "main.bundle": "dist/src/cli/main.js" },
  outdir: "dist/src/cli",
  outExtension: { ".js": ".mjs" },
  chunkNames: "main.bundle-[name]-[hash]",
  splitting: true,
  format: "esm",
  external: ["prom-client"],
  // CommonJS dependencies inside an ES module bundle still use require(), __filename and
  // __dirname (write-file-atomic names its temp files after __filename).
  banner: {
    js: [
      'import { createRequire as __plugdepsCreateRequire } from "node:module";',
      'import { fileURLToPath as __plugdepsFileURLToPath } from "node:url";',
      'import { dirname as __plugdepsDirname } from "node:path";',
      "const require = __plugdepsCreateRequire(import.meta.url);",
      "const __filename = __plugdepsFileURLToPath(import.meta.url);",
      "const __dirname = __plugdepsDirname(__filename);",
    ].join(" "),
  },
});
