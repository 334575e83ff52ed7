import * as fs from "./observed-fs.js";
import * as E from "fp-ts/lib/Either.js";
import JSON5 from "json5";
import { fileKind } from "./bounded-read.js";
import { readRegularFile } from "./bounded-read.js";
import { configParseError, errnoCode, fsError, type PlugdepsError } from "../model/errors.js";

/** Files larger than this are refused before parsing: config and manifests are untrusted input. */
export const MAX_JSON_BYTES = 8 * 1024 * 1024;

export type ReadFailure =
  | { readonly _tag: "Missing"; readonly path: string }
  | { readonly _tag: "Failed"; readonly error: PlugdepsError };

/** Reads a text file; a missing file is a distinct, expected outcome. */
export const readTextFile = (path: string): E.Either<ReadFailure, string> => {
  try {
    // No exception for the common "missing" case: plan asks about thousands of absent paths.
    const st = fs.statSync(path, { throwIfNoEntry: false });
    if (st === undefined) return E.left({ _tag: "Missing", path });
    if (!st.isFile()) {
      return E.left({
        _tag: "Failed",
        error: fsError("read", path, {
          code: st.isDirectory() ? "EISDIR" : "EINVAL",
          message: `not a regular file (${fileKind(st)})`,
        }),
      });
    }
    if (st.size > MAX_JSON_BYTES) {
      return E.left({
        _tag: "Failed",
        error: fsError("read", path, {
          code: "EFBIG",
          message: `file is ${st.size} bytes, limit ${MAX_JSON_BYTES}`,
        }),
      });
    }
    // The stat above is journaled (observed-fs), and it was taken before the read, which is what
    // covers the content: the journaled readFileSync would only stat the file a second time.
    // The read opens without blocking and checks what it opened: a FIFO swapped in after the
    // stat is refused, not waited on.
    const read = readRegularFile(path, { maxBytes: MAX_JSON_BYTES, followLinks: true });
    switch (read._tag) {
      case "Read":
        return E.right(read.text);
      case "Missing":
        return E.left({ _tag: "Missing", path });
      case "Refused":
        return E.left({
          _tag: "Failed",
          error: fsError("read", path, { code: "EINVAL", message: read.reason }),
        });
      case "Failed":
        return E.left({ _tag: "Failed", error: fsError("read", path, read) });
    }
  } catch (err) {
    const code = errnoCode(err);
    if (code === "ENOENT" || code === "ENOTDIR") return E.left({ _tag: "Missing", path });
    return E.left({ _tag: "Failed", error: fsError("read", path, err) });
  }
};

/**
 * Parses JSON5 text. Syntax errors carry file:line:col. `__proto__` and `constructor` keys are
 * dropped by a reviver so a hostile config cannot reach Object.prototype through later merges.
 */
export const parseJson5 = (path: string, text: string): E.Either<PlugdepsError, unknown> => {
  const tooDeep = nestingTooDeep(text);
  if (tooDeep !== undefined) return E.left(depthError(path, text, tooDeep, "JSON5"));
  try {
    return E.right(JSON5.parse(text, dropPrototypeKeys));
  } catch (err) {
    const e = err as { lineNumber?: number; columnNumber?: number; message?: string };
    const detail = (e.message ?? String(err)).replace(/^JSON5: /, "").replace(/ at \d+:\d+$/, "");
    const { line, column } = json5ErrorPosition(text, e.lineNumber ?? 1, e.columnNumber ?? 1);
    return E.left(configParseError(path, line, column, detail));
  }
};

/**
 * JSON5 reports a newline that ends a string early as `<next line>:0`, a column no editor has:
 * point at the newline itself instead, one past the end of the line it terminates.
 */
const json5ErrorPosition = (text: string, line: number, column: number): { line: number; column: number } => {
  if (column >= 1 || line <= 1) return { line, column: Math.max(1, column) };
  const previous = text.split("\n")[line - 2] ?? "";
  return { line: line - 1, column: previous.length + 1 };
};

/** Strict JSON (manifests, state and lock files). Syntax errors carry file:line:col. */
export const parseJson = (path: string, text: string): E.Either<PlugdepsError, unknown> => {
  // The depth limit holds for every file: what reads the value later (entry-point lookup in
  // `exports`, the decoders) recurses too.
  const tooDeep = nestingTooDeep(text);
  if (tooDeep !== undefined) return E.left(depthError(path, text, tooDeep, "JSON"));
  // The reviver only for text that could hold a prototype key: a reviver takes V8 off its fast
  // JSON path, and a plan of 6,120 installed packages spent ~50 ms in it. A key spelled with
  // \u escapes is caught by the "\u" test.
  const risky = mayHoldPrototypeKey(text);
  try {
    return E.right(risky ? JSON.parse(text, dropPrototypeKeys) : JSON.parse(text));
  } catch (err) {
    const message = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, " ");
    const { line, column } = positionOf(text, message) ?? json5Position(text) ?? endOf(text);
    // The position is in file:line:col already; V8's byte offset would only repeat it.
    // V8 also quotes a piece of the text (`Unexpected token 'r', "root:$6$sa"... is not valid
    // JSON`): the position says where, and a file we refuse need not be echoed into logs.
    const detail = message
      .replace(/ in JSON at position \d+.*$/, "")
      .replace(/ \(line \d+ column \d+\)$/, "")
      .replace(/, ".*"(\.\.\.)? is not valid JSON$/, "");
    return E.left(configParseError(path, line, column, detail, "JSON"));
  }
};

/**
 * Node 20's JSON.parse gives no position for "Unexpected token" errors. JSON5 accepts a superset
 * of JSON, so where it also rejects the text it usually stops at the same offending token: use its
 * position only when V8 gave none.
 */
const json5Position = (text: string): { line: number; column: number } | undefined => {
  try {
    JSON5.parse(text);
    return undefined;
  } catch (err) {
    const e = err as { lineNumber?: unknown; columnNumber?: unknown };
    return typeof e.lineNumber === "number" && typeof e.columnNumber === "number"
      ? json5ErrorPosition(text, e.lineNumber, e.columnNumber)
      : undefined;
  }
};

const mayHoldPrototypeKey = (text: string): boolean =>
  text.includes("__proto__") ||
  text.includes("constructor") ||
  text.includes("prototype") ||
  text.includes("\\u");

function dropPrototypeKeys(this: unknown, key: string, value: unknown): unknown {
  return key === "__proto__" || key === "constructor" || key === "prototype" ? undefined : value;
}

/**
 * Deepest nesting of arrays and objects a config, manifest, state or plan file may have. Real
 * files nest a handful of levels; a hostile one with 100k `[` made the parser (JSON5's recursive
 * descent, and V8's JSON.parse once a reviver is given) overflow the stack, which surfaced as a
 * "syntax error at 1:1". Refused up front, with the position where the limit is crossed.
 */
export const MAX_JSON_DEPTH = 1000;

/**
 * Offset of the first `[`/`{` that opens level MAX_JSON_DEPTH + 1, or undefined. Skips JSON5
 * strings ('…' and "…", with escapes) and comments, so brackets inside them do not count; for
 * strict JSON the same scan is exact (a `'` can only occur inside a "…" string, which is skipped).
 */
export const nestingTooDeep = (text: string): number | undefined => {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) {
      // [ {
      if (++depth > MAX_JSON_DEPTH) return i;
    } else if (c === 0x5d || c === 0x7d) {
      // ] }
      if (depth > 0) depth--;
    } else if (c === 0x22 || c === 0x27) {
      // " '
      for (i++; i < text.length && text.charCodeAt(i) !== c; i++) if (text.charCodeAt(i) === 0x5c) i++;
    } else if (c === 0x2f && text.charCodeAt(i + 1) === 0x2f) {
      // line comment
      while (i < text.length && text.charCodeAt(i) !== 0x0a) i++;
    } else if (c === 0x2f && text.charCodeAt(i + 1) === 0x2a) {
      // block comment
      const end = text.indexOf("*/", i + 2);
      i = end === -1 ? text.length : end + 1;
    }
  }
  return undefined;
};

const depthError = (path: string, text: string, offset: number, what: string): PlugdepsError => {
  const { line, column } = lineColumnAt(text, offset);
  return configParseError(path, line, column, `nested deeper than ${MAX_JSON_DEPTH} levels`, what);
};

/** V8 reports `... in JSON at position N` (sometimes `(line L column C)`); turn it into line/col. */
const positionOf = (text: string, message: string): { line: number; column: number } | undefined => {
  const lc = /line (\d+) column (\d+)/.exec(message);
  if (lc) return { line: Number(lc[1]), column: Number(lc[2]) };
  const pos = /position (\d+)/.exec(message);
  return pos ? lineColumnAt(text, Number(pos[1])) : undefined;
};

const endOf = (text: string) => lineColumnAt(text, text.length);

const lineColumnAt = (text: string, offset: number): { line: number; column: number } => {
  const before = text.slice(0, offset);
  return { line: before.split("\n").length, column: offset - before.lastIndexOf("\n") };
};
