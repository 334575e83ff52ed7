import * as path from "node:path";
import type { StageCandidateSpec } from "../types.js";
import { resolveUserPath } from "./paths.js";

export const splitList = (value: string | undefined, delimiter: string): string[] =>
  (value ?? "").split(delimiter).filter((entry) => entry !== "");

/**
 * Keeps the first occurrence of each path, except that the target always survives: a layer that
 * is also the target is the target (it is written, so it cannot be a read-only layer).
 */
export const dedupeCandidates = (candidates: readonly StageCandidateSpec[]): StageCandidateSpec[] => {
  const targets = new Set(candidates.filter((c) => c.role === "target").map((c) => c.path));
  const seen = new Set<string>();
  const out: StageCandidateSpec[] = [];
  for (const c of candidates) {
    if (seen.has(c.path) || (c.role === "layer" && targets.has(c.path))) continue;
    seen.add(c.path);
    out.push(c);
  }
  return out;
};

/**
 * A layered stage-dir variable (`A:B:C`, split on path.delimiter): every entry but the last is a
 * read-only layer, the last is the writable target. Empty entries are dropped; a value made only
 * of delimiters names no directory and yields no candidates (treated as unset).
 */
export const layeredStageCandidates = (
  value: string | undefined,
  variable: string,
  homedir: string,
): StageCandidateSpec[] => {
  const entries = splitList(value, path.delimiter);
  return dedupeCandidates(
    entries.map((entry, i): StageCandidateSpec => ({
      path: resolveUserPath(entry, homedir),
      source: `${variable}[${i}]`,
      role: i === entries.length - 1 ? "target" : "layer",
    })),
  );
};
