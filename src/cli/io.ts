import type { CliIO, LogFormat } from "../model/cli-io.js";
import { EXIT_ERROR } from "../model/cli-io.js";
import type { PlugdepsError } from "../model/errors.js";
import { escapeLinesForTerminal } from "../util/escape.js";

export { EXIT_CHANGES, EXIT_ERROR, EXIT_OK } from "../model/cli-io.js";
export type { CliIO, LogFormat } from "../model/cli-io.js";

/**
 * A user error: one line `Error: ...` (plus the message's own lines), no stack trace. With
 * `--log-format json` the same error is one JSON object so log pipelines can index `tag`.
 */
export const reportError = (io: CliIO, format: LogFormat, error: PlugdepsError): number => {
  if (format === "json") {
    io.stderr(`${JSON.stringify({ level: "error", tag: error._tag, message: error.message })}\n`);
  } else {
    // The message names paths and ids: its own lines are kept, no other control character.
    io.stderr(`Error: ${escapeLinesForTerminal(error.message)}\n`);
  }
  return EXIT_ERROR;
};
