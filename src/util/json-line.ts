/**
 * One JSON object as one line of a log (`--log-format json`, docs/log-events.md). JSON.stringify
 * escapes the C0 controls, the ESC byte included; this also escapes what it leaves raw and a
 * terminal or an editor could still act on: DEL, the C1 controls (a lone U+009B is a CSI), the
 * line and paragraph separators and the bidirectional controls (util/escape.ts lists why). They
 * can only occur inside JSON strings, where `\uXXXX` is the same character to any JSON reader.
 *
 * No imports: the packaged executable's no-op path (bin.ts) loads this file too.
 */

const RAW_IN_JSON = /[\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export const jsonLine = (record: Readonly<Record<string, unknown>>): string =>
  `${JSON.stringify(record).replace(RAW_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)}\n`;

/**
 * `--log-format` as the command line gives it, before commander has parsed it (for what is printed
 * before or instead of a command: a usage error, the no-op stamp's warnings, a crash). As with
 * commander, `--log-format json` or `--log-format=json`, the last one wins, nothing after `--`.
 */
export const logFormatOf = (argv: readonly string[]): "text" | "json" => {
  let format: "text" | "json" = "text";
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") break;
    const value = a === "--log-format" ? argv[i + 1] : a?.startsWith("--log-format=") ? a.slice(13) : null;
    if (value === "json" || value === "text") format = value;
  }
  return format;
};

/** A line about the process rather than a command (`plugdeps: ...` before or after one ran). */
export const processLine = (
  format: "text" | "json",
  level: "warn" | "error",
  event: string,
  message: string,
  now: Date = new Date(),
): string =>
  format === "json"
    ? jsonLine({ time: now.toISOString(), level, event, msg: message })
    : `plugdeps: ${level === "warn" ? "warning: " : ""}${message}\n`;
