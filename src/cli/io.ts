import type { CliIO, LogFormat } from "../model/cli-io.js";
import { makeOutput, type Output } from "../render/output.js";

export { EXIT_CHANGES, EXIT_ERROR, EXIT_OK } from "../model/cli-io.js";
export type { CliIO, LogFormat } from "../model/cli-io.js";
export type { Output } from "../render/output.js";

/** The printing flags, as every command takes them (show and completion: all but --quiet's siblings). */
export interface OutputFlags {
  readonly logFormat: LogFormat;
  readonly quiet?: boolean | undefined;
  readonly color: boolean;
  readonly json?: boolean | undefined;
}

/**
 * A command's Output (render/output.ts): what it prints and where, decided once from `--log-format`,
 * `--quiet`, `--no-color` and `--json`. Errors are one line `Error: ...` (plus the message's own
 * lines), no stack trace; with `--log-format json`, one JSON object with `tag` and `message`.
 */
export const outputFor = (
  io: CliIO,
  flags: OutputFlags,
  options: { readonly timestamps?: boolean } = {},
): Output =>
  makeOutput({
    io,
    format: flags.logFormat,
    quiet: flags.quiet === true,
    color: flags.color,
    json: flags.json === true,
    ...options,
  });
