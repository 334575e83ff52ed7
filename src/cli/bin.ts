import * as os from "node:os";
import * as path from "node:path";
import { replayable, replayNoop } from "../fastpath/replay.js";
import { logFormatOf, processLine } from "../util/json-line.js";
import { tolerateClosedPipes } from "./closed-pipe.js";
import { runBundle } from "./load-bundle.js";

// This file is only ever run as the CommonJS bundle plugdeps.cjs (scripts/bundle.mjs).
declare const __dirname: string;

/**
 * The `plugdeps` executable, bundled by esbuild into ONE CommonJS file
 * (`dist/src/cli/plugdeps.cjs`, see the `build` script): a converged `apply` is answered from its
 * no-op stamp (fastpath/) before anything else loads. Measured on Node 20: an ES module entry
 * alone costs a process ~10 ms more than `node -e 0`, and every further ES module file ~2-3 ms;
 * one CommonJS file costs neither. Anything else runs the full CLI (main.ts, itself bundled into
 * one CommonJS file, main.bundle.cjs) with its V8 code cache (load-bundle.ts).
 */
tolerateClosedPipes();
const argv = process.argv.slice(2);
const debug = process.env["PLUGDEPS_DEBUG_NOOP_STAMP"] === "1";
const replay = replayable(argv)
  ? replayNoop({
      argv,
      env: process.env,
      homedir: os.homedir(),
      cwd: process.cwd(),
      isTTY: process.stdout.isTTY === true,
    })
  : null;
if (replay !== null && replay._tag === "Replayed") {
  if (debug) process.stderr.write(`plugdeps: no-op stamp: replayed ${replay.stamp}\n`);
  process.stdout.write(replay.output.stdout);
  process.stderr.write(replay.output.stderr);
  process.exitCode = replay.output.exitCode;
} else {
  for (const w of replay?.warnings ?? [])
    process.stderr.write(processLine(logFormatOf(argv), "warn", "warning", w));
  // main.ts would look for the stamp again: tell it why this look missed.
  (globalThis as Record<symbol, unknown>)[Symbol.for("plugdeps.replay")] = replay?.why ?? "not an apply";
  // The full CLI, bundled beside this file (scripts/bundle.mjs), run with its code cache.
  try {
    runBundle(path.join(__dirname, "main.bundle.cjs"), process.env);
  } catch (err) {
    process.stderr.write(
      processLine(
        logFormatOf(argv),
        "error",
        "internal-error",
        `cannot load the CLI: ${err instanceof Error ? err.message : String(err)}`,
      ),
    );
    process.exitCode = 1;
  }
}
