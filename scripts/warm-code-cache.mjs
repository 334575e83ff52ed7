// Build step (scripts/bundle.mjs): runs the CLI bundle once, compiled exactly as the executable
// compiles it (src/cli/load-bundle.ts: the file's text without its #! line, in Module.wrap), and
// writes V8's code cache for it beside it (<bundle>.cache) when the run is over, so the cache
// holds every function that run compiled. Usage: node scripts/warm-code-cache.mjs BUNDLE ARGS...
// The run's own output is dropped; its exit code is ignored (a plan with changes exits 0 anyway).
import * as fs from "node:fs";
import Module from "node:module";
import * as path from "node:path";
import * as vm from "node:vm";

const [bundle, ...args] = process.argv.slice(2);
const file = path.resolve(bundle);
process.argv = [process.argv[0], file, ...args];
const source = fs.readFileSync(file, "utf8").replace(/^#!.*/, "");
const script = new vm.Script(Module.wrap(source), { filename: file });
let written = false;
process.on("beforeExit", () => {
  if (written) return;
  written = true;
  fs.writeFileSync(`${file}.cache`, script.createCachedData());
  process.exitCode = 0;
});
process.stdout.write = () => true;
const mod = { exports: {} };
script.runInThisContext()(mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
