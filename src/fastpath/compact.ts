import * as fs from "node:fs";
import * as path from "node:path";
import type { Read } from "../util/observed-fs.js";

/**
 * Fewer observations to re-check, same meaning. Resolving a dependency the way Node does looks
 * for `<dir>/node_modules/<name>/package.json` in every ancestor of a plugin directory, so most of
 * what a plan observes is "missing", and most of those lie under a directory that is itself
 * missing. A path cannot appear while an ancestor stays missing, so each such observation is
 * replaced by one of its topmost missing ancestor (found here, once, at recording time), and
 * duplicates collapse. On the demo host this halves a stamp; on a large tree it is what keeps the
 * re-check in milliseconds.
 */
export const compactObservations = (observations: Iterable<Read>): Read[] => {
  const missing = new Map<string, boolean>();
  const isMissing = (p: string): boolean => {
    let known = missing.get(p);
    if (known === undefined) {
      try {
        known = fs.statSync(p, { throwIfNoEntry: false }) === undefined;
      } catch {
        known = false; // EACCES, ENOTDIR...: not provably missing, keep the observation as it is
      }
      missing.set(p, known);
    }
    return known;
  };
  const out = new Map<string, Read>();
  for (const o of observations) {
    let kept: Read = o;
    if ((o.kind === "stat" || o.kind === "lstat") && "error" in o.seen && o.seen.error === "ENOENT") {
      let top: string | null = null;
      for (
        let dir = path.dirname(o.path);
        dir !== path.dirname(dir) && isMissing(dir);
        dir = path.dirname(dir)
      ) {
        top = dir;
      }
      if (top !== null) kept = { kind: "stat", path: top, seen: { error: "ENOENT" } };
    }
    const key = `${kept.kind}\0${kept.path}\0${kept.kind === "access" ? kept.mode : ""}`;
    if (!out.has(key)) out.set(key, kept);
  }
  return [...out.values()];
};
