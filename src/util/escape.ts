/**
 * Text for a HUMAN's terminal (issue 15 item 10b). Ids, paths, names and reasons come from the
 * host package, the config, the stage base and the records: a plugin directory named
 * `evil\n\x1b[31mx` must not start a line of its own nor drive the terminal (colors, cursor
 * moves, OSC 8 links, a title change, a cleared screen). JSON output needs none of this: JSON
 * escapes control characters itself.
 *
 * Escaped, JSON-style: `\n` `\r` `\t` and every other C0 control (U+0000-U+001F) as `\u00XX`,
 * DEL (U+007F), the C1 controls (U+0080-U+009F: a lone U+009B is a CSI on many terminals), the
 * line and paragraph separators (U+2028, U+2029) and the bidirectional controls (U+200E, U+200F,
 * U+202A-U+202E, U+2066-U+2069: "Trojan source" reordering). Everything else, ordinary Unicode
 * and the backslash included, is kept as it is (so the output is readable, not reversible).
 */

/* eslint-disable no-control-regex -- matching control characters is the point */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** The same, without the newline. */
const UNSAFE_BUT_NEWLINE =
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/* eslint-enable no-control-regex */

const SHORT: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

const escapeChar = (c: string): string => SHORT[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;

/** One line of text, safe to print: no control character survives, a newline included. */
export const escapeForTerminal = (s: string): string => {
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(s) ? s.replace(UNSAFE, escapeChar) : s;
};

/**
 * A message that may span lines on purpose (a problem with its fix below it): its newlines are
 * kept, every other control character is escaped as in escapeForTerminal.
 */
export const escapeLinesForTerminal = (s: string): string => {
  UNSAFE_BUT_NEWLINE.lastIndex = 0;
  return UNSAFE_BUT_NEWLINE.test(s) ? s.replace(UNSAFE_BUT_NEWLINE, escapeChar) : s;
};

/**
 * Every string in plain data (a plan, a status view, a doctor report) escaped for a human
 * renderer: fully (escapeForTerminal) by default, so an id, a path, a name or a version never
 * breaks a line; with its newlines kept (escapeLinesForTerminal) under the keys in `multiLine`,
 * the messages a renderer splits into lines itself. Returns a copy; non-plain values (functions,
 * class instances) are returned as they are.
 */
export const escapeStringsForTerminal = <T>(value: T, multiLine: ReadonlySet<string>): T =>
  walk(value, false, multiLine) as T;

const walk = (value: unknown, keepLines: boolean, multiLine: ReadonlySet<string>): unknown => {
  if (typeof value === "string") return keepLines ? escapeLinesForTerminal(value) : escapeForTerminal(value);
  if (Array.isArray(value)) return value.map((v) => walk(v, keepLines, multiLine));
  if (value === null || typeof value !== "object") return value;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    // Keys too (a package name keying a map is printed); defineProperty: a "__proto__" key stays a key.
    Object.defineProperty(out, escapeForTerminal(k), {
      value: walk(v, keepLines || multiLine.has(k), multiLine),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
};
