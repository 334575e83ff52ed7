import * as path from "node:path";
import { type Installed, findInstalled } from "./installed-package.js";

/**
 * The `node_modules` directories Node's own resolution searches from `fromDir`, nearest first:
 * every ancestor's `node_modules`, skipping ancestors that are themselves `node_modules`
 * (Node's `Module._nodeModulePaths`). Directories in `excluded` (legacy debris that cleanup will
 * delete) are left out, so they are never counted as satisfying anything.
 */
export const nodeLookupDirs = (
  fromDir: string,
  excluded: ReadonlySet<string> = NONE_EXCLUDED,
): readonly string[] => {
  // Pure in its inputs (no I/O), and asked for the same plugin directory once per declared
  // package: remembered per `excluded` set (a run's context builds one and never changes it),
  // bounded like util/memo.ts.
  let byDir = lookupMemo.get(excluded);
  if (byDir === undefined) {
    byDir = new Map();
    lookupMemo.set(excluded, byDir);
  }
  // A relative directory is keyed by what it means now (the cwd may change between calls).
  const key = path.isAbsolute(fromDir) ? fromDir : path.resolve(fromDir);
  const hit = byDir.get(key);
  if (hit !== undefined) return hit;
  if (byDir.size >= 20_000) byDir.clear();
  const dirs = lookupDirsUncached(key, excluded);
  byDir.set(key, dirs);
  return dirs;
};

const NONE_EXCLUDED: ReadonlySet<string> = new Set();
const lookupMemo = new WeakMap<ReadonlySet<string>, Map<string, readonly string[]>>();

const lookupDirsUncached = (fromDir: string, excluded: ReadonlySet<string>): readonly string[] => {
  const dirs: string[] = [];
  let current = path.resolve(fromDir);
  for (;;) {
    if (path.basename(current) !== "node_modules") {
      const candidate = path.join(current, "node_modules");
      if (!excluded.has(candidate)) dirs.push(candidate);
    }
    const parent = path.dirname(current);
    if (parent === current) return dirs;
    current = parent;
  }
};

/** First installation of `name` that Node would load from `fromDir`, or Missing. */
export const resolveFrom = (fromDir: string, name: string, excluded: ReadonlySet<string>): Installed => {
  for (const dir of nodeLookupDirs(fromDir, excluded)) {
    const found = findInstalled(dir, name);
    if (found !== null) return found;
  }
  return { _tag: "Missing", dir: path.join(fromDir, "node_modules", name) };
};

/**
 * The dependency closure of an installed package inside one root, as Node would resolve it
 * (nested `node_modules` first, then hoisted, never above `rootDir`). Reusing a package from a
 * previous root must bring its whole closure, or it would fail to load at run time.
 */
export type Closure =
  | { readonly _tag: "Complete"; readonly entries: readonly { rel: string; name: string; version: string }[] }
  | { readonly _tag: "Incomplete"; readonly missing: string };

export const closureWithin = (rootDir: string, topNodeModules: string, name: string): Closure => {
  const root = path.resolve(rootDir);
  const seen = new Map<string, { rel: string; name: string; version: string }>();
  const queue: { nodeModules: string; name: string; optional: boolean; from: string }[] = [
    { nodeModules: topNodeModules, name, optional: false, from: "(top)" },
  ];
  while (queue.length > 0) {
    const next = queue.shift();
    if (next === undefined) break;
    const found = resolveWithinRoot(root, next.nodeModules, next.name);
    if (found === null || found._tag !== "Present") {
      if (next.optional) continue;
      return { _tag: "Incomplete", missing: `${next.name} (needed by ${next.from})` };
    }
    const rel = path.relative(root, found.dir);
    if (seen.has(rel)) continue;
    seen.set(rel, { rel, name: found.name, version: found.version });
    const own = path.join(found.dir, "node_modules");
    for (const dep of Object.keys(found.dependencies)) {
      queue.push({ nodeModules: own, name: dep, optional: false, from: found.name });
    }
    for (const dep of Object.keys(found.optionalDependencies)) {
      queue.push({ nodeModules: own, name: dep, optional: true, from: found.name });
    }
  }
  return { _tag: "Complete", entries: [...seen.values()].sort((a, b) => (a.rel < b.rel ? -1 : 1)) };
};

/** Resolution starting at `nodeModules` and walking up, but never leaving `root`. */
const resolveWithinRoot = (root: string, nodeModules: string, name: string): Installed | null => {
  for (const dir of nodeLookupDirs(path.dirname(nodeModules))) {
    if (dir !== root && !dir.startsWith(root + path.sep)) break;
    const found = findInstalled(dir, name);
    if (found !== null) return found;
  }
  return null;
};
