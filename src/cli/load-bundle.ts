import * as fs from "node:fs";
import Module, { createRequire } from "node:module";
import * as path from "node:path";
import * as vm from "node:vm";

/**
 * Runs the full CLI (`main.bundle.cjs`, one CommonJS file beside the executable) with V8's code
 * cache made for it at build time (`main.bundle.cjs.cache`, scripts/bundle.mjs). Node 20 has no
 * compile cache of its own, and parsing and compiling the 1.3 MB bundle was a third of a `plan`
 * of the demo host. The text is compiled exactly as scripts/warm-code-cache.mjs compiled it (the
 * file without its #! line, in Module.wrap): any other text and V8 rejects the cache. A missing or
 * rejected cache only costs the compile; the code that runs is the file's either way.
 * PLUGDEPS_DEBUG_CODE_CACHE=1 says on stderr which it was (the tests check "used").
 */
export const runBundle = (file: string, env: NodeJS.ProcessEnv): void => {
  const source = fs.readFileSync(file, "utf8").replace(/^#!.*/, "");
  let cachedData: Buffer | undefined;
  try {
    cachedData = fs.readFileSync(`${file}.cache`);
  } catch {
    cachedData = undefined; // not built with a cache (or removed): compile as usual
  }
  const script = new vm.Script(Module.wrap(source), {
    filename: file,
    ...(cachedData === undefined ? {} : { cachedData }),
  });
  if (env["PLUGDEPS_DEBUG_CODE_CACHE"] === "1") {
    const how = cachedData === undefined ? "none" : script.cachedDataRejected === true ? "rejected" : "used";
    process.stderr.write(`plugdeps: code cache: ${how}\n`);
  }
  const run = script.runInThisContext() as (
    exports: unknown,
    require: NodeJS.Require,
    module: { exports: unknown },
    filename: string,
    dirname: string,
  ) => void;
  const mod = { exports: {} };
  run(mod.exports, createRequire(file), mod, file, path.dirname(file));
};
