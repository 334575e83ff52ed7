#!/usr/bin/env node
import * as os from "node:os";
import { runCli } from "./program.js";

/**
 * The `plugdeps` bin. User errors are values and come back as exit codes with a message; only a
 * programmer error reaches the catch below, which prints the stack because it is a bug to report.
 */
runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTTY: process.stdout.isTTY === true,
  env: process.env,
  homedir: os.homedir(),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(
      `plugdeps: internal error (this is a bug; please report it with the output below)\n${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 1;
  },
);
