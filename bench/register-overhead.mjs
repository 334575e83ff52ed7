#!/usr/bin/env node
// What `node --import plugdeps/register` costs a host's OWN imports (files outside every plugin
// directory), per module system and per hook mechanism:
// - Node 20 (this repository's): ESM through module.register (Node's off-thread hooks), CommonJS
//   through the Module._resolveFilename wrapper;
// - Node >= 22.15 (`npm run fetch:node22` puts one in .cache/node22): ESM through
//   module.registerHooks (in-thread), CommonJS through the same wrapper.
// A real root is built first (local Verdaccio, `plugdeps apply` on the demo host) so the hook is
// really installed. Then, in one process each, a host file imports N modules (each of which
// imports a builtin and a relative sibling), timed inside the process around one dynamic import()
// / require(), with and without the hook, interleaved, medians of R runs. Printed: ms per run and
// µs per import, hook minus no hook.
// Usage: npm run build && node bench/register-overhead.mjs [R] [N]
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { startRegistry } from "../fixtures/registry/local-registry.mjs";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const R = Number(process.argv[2] ?? 15);
const N = Number(process.argv[3] ?? 500);
const register = path.join(repo, "dist", "src", "resolve", "register.js");
const node22 = path.join(repo, ".cache", "node22", "bin", "node");

/** The demo host with a converged root, so the hook has records and installs itself. */
const buildRoot = async () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "plugdeps-register-bench-"));
  const host = path.join(work, "usr", "lib", "node_modules", "openclaw");
  fs.mkdirSync(path.dirname(host), { recursive: true });
  fs.cpSync(path.join(repo, "fixtures", "hosts", "openclaw-demo"), host, { recursive: true });
  fs.mkdirSync(path.join(work, "home"));
  const registry = await startRegistry();
  const r = spawnSync(
    process.execPath,
    [
      path.join(repo, "dist", "src", "cli", "plugdeps.cjs"),
      "apply",
      "--package-root",
      host,
      "--config",
      path.join(repo, "fixtures", "configs", "demo.json5"),
      "--stage-dir",
      path.join(work, "stage"),
    ],
    {
      encoding: "utf8",
      env: {
        PATH: `${path.join(repo, "node_modules", ".bin")}${path.delimiter}${process.env.PATH ?? ""}`,
        HOME: path.join(work, "home"),
        npm_config_userconfig: registry.npmrc,
      },
    },
  );
  await registry.stop();
  if (r.status !== 0) throw new Error(`plugdeps apply failed:\n${r.stdout}\n${r.stderr}`);
  return { work, host, stage: path.join(work, "stage") };
};

/** N host modules outside plugin dirs (in the host's dist/, beside extensions/), ESM and CJS. */
const writeHostModules = (host) => {
  const dir = path.join(host, "dist", "bench-host");
  fs.mkdirSync(dir, { recursive: true });
  for (let i = 0; i < N; i++) {
    fs.writeFileSync(
      path.join(dir, `m${i}.mjs`),
      `import * as p from "node:path";\nimport { v } from "./leaf.mjs";\nexport const x${i} = p.sep + v;\n`,
    );
    fs.writeFileSync(
      path.join(dir, `m${i}.cjs`),
      `const p = require("node:path");\nconst { v } = require("./leaf.cjs");\nexports.x${i} = p.sep + v;\n`,
    );
  }
  fs.writeFileSync(path.join(dir, "leaf.mjs"), "export const v = 1;\n");
  fs.writeFileSync(path.join(dir, "leaf.cjs"), "exports.v = 1;\n");
  const list = Array.from({ length: N }, (_, i) => i);
  fs.writeFileSync(path.join(dir, "all.mjs"), list.map((i) => `import "./m${i}.mjs";`).join("\n"));
  fs.writeFileSync(path.join(dir, "all.cjs"), list.map((i) => `require("./m${i}.cjs");`).join("\n"));
  const timer = (what) => `const t = performance.now();
${what}
process.stdout.write(String(performance.now() - t));
`;
  fs.writeFileSync(path.join(dir, "time-esm.mjs"), timer('await import("./all.mjs");'));
  fs.writeFileSync(
    path.join(dir, "time-cjs.mjs"),
    `import { createRequire } from "node:module";\nconst require = createRequire(import.meta.url);\n${timer('require("./all.cjs");')}`,
  );
  return dir;
};

const once = (node, hook, file, stage) => {
  const r = spawnSync(node, [...(hook ? ["--import", register] : []), file], {
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", PLUGDEPS_STAGE_DIR: stage },
  });
  if (r.status !== 0 || r.stderr !== "") throw new Error(`${node} ${file} failed:\n${r.stderr}`);
  return Number(r.stdout);
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const tree = await buildRoot();
const dir = writeHostModules(tree.host);
const nodes = [["Node " + process.versions.node, process.execPath]];
if (fs.existsSync(node22)) {
  const v = spawnSync(node22, ["-p", "process.versions.node"], { encoding: "utf8" }).stdout.trim();
  nodes.push([`Node ${v}`, node22]);
}
const mechanism = (node) =>
  spawnSync(
    node,
    ["--import", register, "-p", 'JSON.stringify(globalThis[Symbol.for("plugdeps.register")])'],
    {
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "", PLUGDEPS_STAGE_DIR: tree.stage },
    },
  ).stdout.trim();

const rows = [];
for (const [label, node] of nodes) {
  const mech = JSON.parse(mechanism(node));
  for (const kind of ["esm", "cjs"]) {
    const file = path.join(dir, `time-${kind}.mjs`);
    const samples = { hook: [], none: [] };
    once(node, true, file, tree.stage); // warm the page cache
    for (let i = 0; i < R; i++) {
      samples.none.push(once(node, false, file, tree.stage));
      samples.hook.push(once(node, true, file, tree.stage));
    }
    const none = median(samples.none);
    const hook = median(samples.hook);
    rows.push({
      node: label,
      modules: kind === "esm" ? `ESM (${mech.esm})` : `CommonJS (${mech.cjs})`,
      imports: N * 3,
      noHookMs: Number(none.toFixed(1)),
      hookMs: Number(hook.toFixed(1)),
      extraUsPerImport: Number((((hook - none) * 1000) / (N * 3)).toFixed(2)),
      ratio: Number((hook / none).toFixed(2)),
    });
  }
}
fs.rmSync(tree.work, { recursive: true, force: true });

console.log(
  `\nplugdeps/register: cost to a host's own imports outside plugin dirs (${os.cpus().length} cores, ${os.cpus()[0]?.model ?? "?"}), ${N} modules x 3 imports each, medians of ${R}\n`,
);
console.log(
  "| Node | modules (mechanism) | imports | no hook (ms) | hook (ms) | extra per import (µs) | ratio |",
);
console.log("|---|---|---|---|---|---|---|");
for (const r of rows)
  console.log(
    `| ${r.node} | ${r.modules} | ${r.imports} | ${r.noHookMs} | ${r.hookMs} | ${r.extraUsPerImport} | ${r.ratio}x |`,
  );
fs.mkdirSync(path.join(repo, "bench", "results"), { recursive: true });
fs.writeFileSync(
  path.join(repo, "bench", "results", "register-overhead.json"),
  `${JSON.stringify({ date: new Date().toISOString(), runs: R, modules: N, rows }, null, 2)}\n`,
);
