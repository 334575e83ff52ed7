import * as fs from "node:fs";
import * as E from "fp-ts/lib/Either.js";
import JSON5 from "json5";
import { configParseError, errnoCode, fsError, type PlugdepsError } from "../model/errors.js";

/** Files larger than this are refused before parsing: config and manifests are untrusted input. */
export const MAX_JSON_BYTES = 8 * 1024 * 1024;

export type ReadFailure =
  | { readonly _tag: "Missing"; readonly path: string }
  | { readonly _tag: "Failed"; readonly error: PlugdepsError };

/** Reads a text file; a missing file is a distinct, expected outcome. */
export const readTextFile = (path: string): E.Either<ReadFailure, string> => {
  try {
    const st = fs.statSync(path);
    if (!st.isFile()) {
      return E.left({
        _tag: "Failed",
        error: fsError("read", path, { code: "EISDIR", message: "not a regular file" }),
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
    return E.right(fs.readFileSync(path, "utf8"));
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
  try {
    return E.right(JSON5.parse(text, dropPrototypeKeys));
  } catch (err) {
    const e = err as { lineNumber?: number; columnNumber?: number; message?: string };
    const detail = (e.message ?? String(err)).replace(/^JSON5: /, "").replace(/ at \d+:\d+$/, "");
    return E.left(configParseError(path, e.lineNumber ?? 1, e.columnNumber ?? 1, detail));
  }
};

/** Strict JSON (manifests, state and lock files). Syntax errors carry file:line:col. */
export const parseJson = (path: string, text: string): E.Either<PlugdepsError, unknown> => {
  try {
    return E.right(JSON.parse(text, dropPrototypeKeys));
  } catch (err) {
    const message = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, " ");
    const { line, column } = positionOf(text, message) ?? json5Position(text) ?? endOf(text);
    // The position is in file:line:col already; V8's byte offset would only repeat it.
    const detail = message
      .replace(/ in JSON at position \d+.*$/, "")
      .replace(/ \(line \d+ column \d+\)$/, "");
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
      ? { line: e.lineNumber, column: e.columnNumber }
      : undefined;
  }
};

function dropPrototypeKeys(this: unknown, key: string, value: unknown): unknown {
  return key === "__proto__" || key === "constructor" || key === "prototype" ? undefined : value;
}

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
