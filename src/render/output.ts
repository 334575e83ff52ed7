import { describeLock } from "../model/lock-description.js";
import type { CliIO, LogFormat } from "../model/cli-io.js";
import { EXIT_ERROR } from "../model/cli-io.js";
import type { PlugdepsError } from "../model/errors.js";
import type { LockHolder } from "../model/plan.js";
import { escapeLinesForTerminal } from "../util/escape.js";
import { jsonLine } from "../util/json-line.js";
import type { StepFields } from "../util/progress.js";
import { makeStyle, plainStyle, type Style, wantsColor } from "./style.js";

/**
 * The one voice every command prints with (docs/log-events.md). A command says what happened as
 * events (a level, a stable name, the human sentence, structured fields) and hands over its result;
 * this module decides, once for every command, what reaches stdout and stderr:
 *
 *   --log-format json  every line is one JSON object: {time, level, event, msg, ...fields}
 *   --log-format text  the human line (the event's text, or its sentence escaped for a terminal)
 *   --quiet            no debug (progress) and no info events; warnings, errors and the result stay
 *   --json             stdout holds the document alone; progress goes to stderr as JSON lines
 *                      with --log-format json, nowhere in text
 *
 * Streams: the result and progress go to stdout (progress to stderr under --json), every other
 * event (notes, lock waits, warnings, errors) to stderr. Color only in text (render/style.ts
 * decides: NO_COLOR and --no-color win, FORCE_COLOR colors a pipe); cursor movement (the install
 * ticker) only on a TTY, never with FORCE_COLOR alone.
 */

export type Level = "debug" | "info" | "warn" | "error";
export type Fields = Readonly<Record<string, unknown>>;

export interface OutputOptions {
  readonly io: Pick<CliIO, "stdout" | "stderr" | "isTTY" | "env">;
  readonly format: LogFormat;
  readonly quiet?: boolean | undefined;
  /** False with `--no-color`. */
  readonly color?: boolean | undefined;
  /** `--json`: stdout is the document alone. */
  readonly json?: boolean | undefined;
  /** Text lines start with the ISO time (the reconcile loop: kubectl logs and files have none). */
  readonly timestamps?: boolean | undefined;
  readonly now?: () => Date;
}

export interface Result {
  /** The human sentence: the JSON line's `msg`. */
  readonly msg: string;
  /**
   * What text prints: the rendering or the line, already escaped and styled. Without it, the
   * event's text line (the sentence escaped, with the level's prefix and the time when asked).
   */
  readonly text?: (style: Style) => string;
  /** The result's facts, for the JSON line. */
  readonly fields?: Fields;
  /** The `--json` document (as `--json` prints it); the JSON line carries it, parsed, as `document`. */
  readonly document?: string;
  /** False: the JSON line leaves the document out (apply: its counts are the result). */
  readonly embed?: boolean;
  /** `info` by default; a failed result (`warn`, `error`) goes to stderr with the other problems. */
  readonly level?: Level;
}

export interface Output {
  readonly format: LogFormat;
  readonly quiet: boolean;
  /** The style of text output (plain in JSON): for renderings and styled lines. */
  readonly style: Style;
  /**
   * One event. `text` is its text-format line when it is not the sentence itself (a styled or
   * prefixed line, already escaped); by default `msg` escaped, `warning: ` or `Error: ` before it.
   */
  readonly event: (level: Level, name: string, msg: string, fields?: Fields, text?: string) => void;
  /** `warning`. */
  readonly warn: (msg: string, fields?: Fields, text?: string) => void;
  /** `error`, with the error's `tag` and `message`; returns the exit code EXIT_ERROR. */
  readonly error: (error: PlugdepsError) => number;
  /** The command's result: kept under --quiet; the document alone with --json. */
  readonly result: (name: string, result: Result) => void;
  /** A progress callback (apply, rollback, doctor --fix): `name` events, `warning` for a warning step. */
  readonly progress: (name: string, extra?: Fields) => (line: string, fields?: StepFields) => void;
  /** `lock.wait`: another writer holds the install-root lock. */
  readonly lockWait: (holder: LockHolder, extra?: Fields) => void;
  /**
   * A one-line ticker redrawn in place (apply's package-manager runs): only in text, on a TTY,
   * without --quiet or --json; null otherwise. Any other output first clears its line.
   */
  readonly ticker: { readonly tick: (text: string) => void; readonly clear: () => void } | null;
}

const TEXT_PREFIX: Readonly<Record<Level, string>> = {
  debug: "",
  info: "",
  warn: "warning: ",
  error: "Error: ",
};

/** Keys an event's fields may not take over. */
const RESERVED = new Set(["time", "level", "event", "msg"]);

export const makeOutput = (options: OutputOptions): Output => {
  const { io, format } = options;
  const quiet = options.quiet === true;
  const json = options.json === true;
  const now = options.now ?? (() => new Date());
  const style =
    format === "json"
      ? plainStyle
      : makeStyle({
          color: wantsColor({ isTTY: io.isTTY, noColorFlag: options.color === false, env: io.env }),
        });

  let ticking = false;
  const clearTicker = () => {
    if (!ticking) return;
    ticking = false;
    io.stdout("\r\u001b[2K");
  };
  const write = (stream: "stdout" | "stderr", text: string) => {
    clearTicker();
    io[stream](text);
  };

  /** The line of one event in the chosen format (the time first: fastpath/replay.ts renews it). */
  const line = (level: Level, name: string, msg: string, fields: Fields, text: string | undefined) => {
    const time = now().toISOString();
    if (format === "json") {
      const record: Record<string, unknown> = { time, level, event: name, msg };
      for (const [k, v] of Object.entries(fields)) if (!RESERVED.has(k)) record[k] = v;
      return jsonLine(record);
    }
    const body = text ?? `${TEXT_PREFIX[level]}${escapeLinesForTerminal(msg)}`;
    return `${options.timestamps === true ? `${time} ` : ""}${body}\n`;
  };

  const event: Output["event"] = (level, name, msg, fields = {}, text) => {
    if (quiet && (level === "debug" || level === "info")) return;
    // Under --json in text, progress goes nowhere: stdout is the document's, stderr the problems'.
    if (level === "debug" && json && format === "text") return;
    // Progress is stdout's unless the document has it; everything else is about the run: stderr.
    write(level === "debug" && !json ? "stdout" : "stderr", line(level, name, msg, fields, text));
  };

  const warn: Output["warn"] = (msg, fields, text) => event("warn", "warning", msg, fields, text);

  return {
    format,
    quiet,
    style,
    event,
    warn,
    error: (error) => {
      event("error", "error", error.message, { tag: error._tag, message: error.message });
      return EXIT_ERROR;
    },
    result: (name, r) => {
      if (json && r.document !== undefined) return write("stdout", r.document);
      const level = r.level ?? "info";
      // Under --json stdout is the document's alone: a result that is not it (the reconcile
      // loop's pass line, whose command prints the pass's record) is a log line on stderr.
      const stream = level === "warn" || level === "error" || json ? "stderr" : "stdout";
      if (format === "json" || r.text === undefined) {
        const document =
          format === "json" && r.document !== undefined && r.embed !== false
            ? { document: JSON.parse(r.document) as unknown }
            : {};
        return write(stream, line(level, name, r.msg, { ...r.fields, ...document }, undefined));
      }
      const text = r.text(style);
      // Quiet output has no blank lines separating the result from progress it did not print.
      write(stream, quiet ? text.replace(/^\n+/, "") : text);
    },
    progress:
      (name, extra = {}) =>
      (msg, fields) => {
        if (fields?.step === "warning") return warn(msg, extra);
        // The sentence without the text log's indentation; the text line as it always was.
        event("debug", name, msg.trim(), { ...extra, ...fields }, escapeLinesForTerminal(msg));
      },
    lockWait: (holder, extra = {}) => {
      const msg = `waiting for the install-root lock ${holder.path}: held by ${describeLock(holder).oneLine}`;
      event(
        "info",
        "lock.wait",
        msg,
        {
          ...extra,
          path: holder.path,
          state: holder.state,
          ...(holder.owner !== null
            ? { pid: holder.owner.pid, hostname: holder.owner.hostname, command: holder.owner.command }
            : {}),
        },
        escapeLinesForTerminal(msg),
      );
    },
    ticker:
      io.isTTY && format === "text" && !quiet && !json
        ? {
            tick: (text) => {
              io.stdout(`\r\u001b[2K${text}`);
              ticking = true;
            },
            clear: clearTicker,
          }
        : null,
  };
};
