import type { Summary } from "../model/plan.js";
import { escapeStringsForTerminal } from "../util/escape.js";
import type { Paint } from "./style.js";

/** Small text helpers shared by the human renderers. All pure; widths are measured before painting. */

export interface Cell {
  readonly text: string;
  readonly paint?: Paint;
}

export type CellInput = string | Cell;

const toCell = (input: CellInput): Cell => (typeof input === "string" ? { text: input } : input);

/** Width in code points: ids and versions are ASCII, the plugin symbols (✓ ·) are one each. */
const width = (text: string): number => [...text].length;

/**
 * Aligns rows into columns separated by `gap` (one string, or one per column boundary). Padding
 * is added outside the paint so escape codes never count toward a width, and trailing empty
 * cells add no trailing spaces.
 */
export const table = (
  rows: readonly (readonly CellInput[])[],
  indent = "  ",
  gap: string | readonly string[] = "  ",
): string[] => {
  const gapAfter = (i: number): string => (typeof gap === "string" ? gap : (gap[i] ?? gap.at(-1) ?? " "));
  const cells = rows.map((row) => row.map(toCell));
  const widths: number[] = [];
  for (const row of cells) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, width(cell.text));
    });
  }
  return cells.map((row) => {
    let last = row.length - 1;
    while (last >= 0 && row[last]?.text === "") last--;
    const parts = row.slice(0, last + 1).map((cell, i) => {
      const painted = cell.paint ? cell.paint(cell.text) : cell.text;
      const pad = i < last ? " ".repeat((widths[i] ?? 0) - width(cell.text)) + gapAfter(i) : "";
      return painted + pad;
    });
    return indent + parts.join("");
  });
};

/**
 * The keys whose strings are messages a renderer splits into lines itself (problems, details, log
 * messages): their newlines are kept. Every other string of a rendered document (ids, paths,
 * names, versions, reasons) is escaped whole.
 */
const MULTI_LINE_KEYS: ReadonlySet<string> = new Set([
  "problems",
  "warnings",
  "notes",
  "detail",
  "message",
  "messages",
  "problem",
]);

/**
 * What a human renderer prints from: the document with every control character in its strings
 * escaped (issue 15 item 10b; src/util/escape.ts). Applied once, at the renderer's entry, so no
 * interpolation of an id or a path can print one raw; the renderer's own paint codes are added
 * after.
 */
export const forTerminal = <T>(doc: T): T => escapeStringsForTerminal(doc, MULTI_LINE_KEYS);

/** The summary sentence of SPEC §2, from the plan's counts. */
export const summarySentence = (s: Summary): string =>
  `Plan: ${s.reuse} to reuse, ${s.install} to install, ${s.prune} to prune, ${s.cleanLegacy} legacy to clean.`;

export const NO_CHANGES = "No changes. Runtime dependencies match the plugin plan.";

/** `path` relative to `base` when inside it (roots live under the stage base shown once above). */
export const shortPath = (path: string, base: string): string => {
  const prefix = base.endsWith("/") ? base : `${base}/`;
  return base !== "" && path.startsWith(prefix) && path.length > prefix.length
    ? path.slice(prefix.length)
    : path;
};

/** Non-empty lines of a possibly multi-line message, each trimmed. */
export const linesOf = (text: string): string[] =>
  text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");

export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
