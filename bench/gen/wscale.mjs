// W-scale generator: an OpenClaw-shaped host whose 20 plugins declare 306 tiny packages each
// (6,120 in all; a third of them scoped), and configs enabling 5, 10 and 20 of the plugins, so
// plan cost can be measured at 1,530 / 3,060 / 6,120 declared (and installed) packages. Each
// package has package.json, index.js and README.md. Deterministic (seeded).
// Used by bench/gen/cache.mjs; not run on its own.
import * as fs from "node:fs";
import * as path from "node:path";
import { int, makeRng, word } from "../lib/rng.mjs";
import { writeConfig, writeHost } from "./host.mjs";

/** Bump when the generated output changes: the cache under bench/.cache is keyed by it. */
export const WSCALE_VERSION = 2;
const SEED = 6000;
const PLUGINS = 20;
const PER_PLUGIN = 306;
/** Plugins enabled per size: 5, 10, 20 -> 1,530 / 3,060 / 6,120 packages. */
export const WSCALE_SIZES = [5, 10, 20].map((plugins) => ({ plugins, packages: plugins * PER_PLUGIN }));

export const generateWScale = (outDir, packagesDir) => {
  const rng = makeRng(SEED);
  const plugins = Array.from({ length: PLUGINS }, (_, i) => ({
    id: `scale-${String(i + 1).padStart(2, "0")}`,
    kind: "entry",
  }));
  const declared = new Map();
  let n = 0;
  for (const plugin of plugins) {
    const dependencies = {};
    for (let k = 0; k < PER_PLUGIN; k++, n++) {
      const name = n % 3 === 0 ? `@wscale-${n % 12}/${word(rng)}-${n}` : `wscale-${word(rng)}-${n}`;
      const version = `1.${int(rng, 0, 9)}.${int(rng, 0, 9)}`;
      writeTinyPackage(path.join(packagesDir, name, version), name, version);
      dependencies[name] = `^${version}`;
    }
    declared.set(plugin.id, { dependencies });
  }
  writeHost(path.join(outDir, "host"), { version: "2026.4.29", plugins, declared });
  const configs = {};
  for (const size of WSCALE_SIZES) {
    const file = path.join(outDir, `config-${size.packages}.json5`);
    writeConfig(file, plugins.slice(0, size.plugins));
    configs[size.packages] = file;
  }
  return { plugins: PLUGINS, packages: n, hostDir: path.join(outDir, "host"), configs };
};

const writeTinyPackage = (dir, name, version) => {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, "package.json"),
    `${JSON.stringify({ name, version, license: "MIT", main: "index.js" }, null, 2)}\n`,
  );
  fs.writeFileSync(path.join(dir, "index.js"), `module.exports = ${JSON.stringify({ name, version })};\n`);
  fs.writeFileSync(path.join(dir, "README.md"), `# ${name}\n`);
};
