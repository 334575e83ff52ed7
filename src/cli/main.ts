#!/usr/bin/env node
import * as os from "node:os";
import { replayNoop } from "../fastpath/replay.js";
import { logFormatOf, processLine } from "../util/json-line.js";
import { tolerateClosedPipes } from "./closed-pipe.js";
import type { CliIO } from "./io.js";

/**
 * The `plugdeps` bin. User errors are values and come back as exit codes with a message; only a
 * programmer error reaches the catch below, which prints the stack because it is a bug to report.
 *
 * A converged `apply` is answered from its no-op stamp before anything else is loaded
 * (fastpath/): the planner, fp-ts, io-ts and commander cost a no-op most of its time. Everything
 * else imports the full CLI. The packaged executable is bin.ts, which does the stamp check in a
 * single CommonJS file and imports this module only when it misses.
 */
tolerateClosedPipes();
const argv = process.argv.slice(2);
const format = logFormatOf(argv);
// Nothing plugdeps or its package manager writes is group- or world-writable, whatever umask the
// caller had (under `umask 000` generations and packages were world-writable: issue "hostile
// stage base", item 13). Stricter umasks stay as they are.
process.umask(process.umask(0o022) | 0o022);
const io: CliIO = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTTY: process.stdout.isTTY === true,
  env: process.env,
  homedir: os.homedir(),
  signals: process,
  exit: (code) => process.exit(code),
};
const debug =
  process.env["PLUGDEPS_DEBUG_NOOP_STAMP"] === "1"
    ? (line: string) => process.stderr.write(`plugdeps: no-op stamp: ${line}\n`)
    : () => undefined;

const main = async (): Promise<number> => {
  // Started through bin.ts (the packaged executable), which has already looked for the stamp.
  const tried = (globalThis as Record<symbol, unknown>)[Symbol.for("plugdeps.replay")];
  const replay =
    typeof tried === "string"
      ? ({ _tag: "NotReplayed", why: tried } as const)
      : replayNoop({ argv, env: io.env, homedir: io.homedir, cwd: process.cwd(), isTTY: io.isTTY });
  if (replay._tag === "Replayed") {
    debug(`replayed ${replay.stamp}`);
    io.stdout(replay.output.stdout);
    io.stderr(replay.output.stderr);
    return replay.output.exitCode;
  }
  debug(`not replayed: ${replay.why}`);
  for (const w of replay.warnings ?? []) io.stderr(processLine(format, "warn", "warning", w));
  const [{ runCli }, { runAndStamp }] = await Promise.all([
    import("./program.js"),
    import("../fastpath/record.js"),
  ]);
  return runAndStamp(runCli, { argv, io, cwd: process.cwd(), debug });
};

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(
      processLine(
        format,
        "error",
        "internal-error",
        `internal error (this is a bug; please report it with the output below)\n${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      ),
    );
    process.exitCode = 1;
  },
);
