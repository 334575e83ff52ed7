import * as fs from "node:fs";
import * as path from "node:path";
import {
  CACHE_DIRS,
  type DiskUse,
  type GenerationUse,
  MAX_WALK_ENTRIES,
  type RootUse,
  type TreeUse,
} from "../model/disk-use.js";
import { STATE_DIR } from "../model/layout.js";
import { listGenerations, liveTree } from "./generations.js";
import { byAgeDesc } from "./leftovers.js";

/**
 * `du` for what plugdeps keeps in a stage base (model/disk-use.ts says what each number means).
 * An lstat walk with the plain fs (not journaled: the no-op record never depends on sizes), never
 * following a link; each inode counted once per tree, and once in the total.
 */

interface Inode {
  readonly bytes: number;
  readonly nlink: number;
  /** Links to it seen inside the tree being walked. */
  links: number;
}

interface Walked {
  readonly inodes: Map<string, Inode>;
  files: number;
}

interface Budget {
  left: number;
}

const walk = (top: string, budget: Budget): Walked => {
  const out: Walked = { inodes: new Map(), files: 0 };
  const visit = (p: string): void => {
    if (budget.left <= 0) return;
    budget.left--;
    let st: fs.Stats;
    try {
      st = fs.lstatSync(p);
    } catch {
      return; // gone meanwhile, or unreadable: not counted
    }
    const key = `${st.dev}:${st.ino}`;
    const known = out.inodes.get(key);
    if (known !== undefined) known.links++;
    // A directory is never hard-linked: its link count is its subdirectories' `..`, all inside.
    else
      out.inodes.set(key, {
        bytes: st.blocks * 512,
        nlink: st.nlink,
        links: st.isDirectory() ? st.nlink : 1,
      });
    if (!st.isDirectory()) {
      if (known === undefined) out.files++;
      return;
    }
    let names: string[];
    try {
      names = fs.readdirSync(p);
    } catch {
      return;
    }
    for (const name of names) visit(path.join(p, name));
  };
  visit(top);
  return out;
};

const treeUse = (p: string, w: Walked): TreeUse => {
  let bytes = 0;
  let exclusiveBytes = 0;
  for (const i of w.inodes.values()) {
    bytes += i.bytes;
    if (i.links >= i.nlink) exclusiveBytes += i.bytes;
  }
  return { path: p, bytes, exclusiveBytes, files: w.files };
};

/**
 * Disk use of this host's roots (`roots`: the target root first, then the previous roots), each
 * generation of each, and `.plugdeps/cache` and `.plugdeps/logs` of the stage base. Read-only.
 * A root that does not exist (no link, no directory, no generation: the target before the first
 * apply) is left out, rather than listed as `(current) 0 B` under `current root: none yet`.
 */
export const measureDiskUse = (stageBase: string, roots: readonly string[]): DiskUse => {
  const budget: Budget = { left: MAX_WALK_ENTRIES };
  const total = new Map<string, number>();
  const addTotal = (w: Walked) => {
    for (const [k, i] of w.inodes) total.set(k, i.bytes);
  };
  const rootUses: RootUse[] = roots.flatMap((root, index) => {
    const live = liveTree(root);
    const liveName = live._tag === "Generation" ? live.name : null;
    const names = listGenerations(root);
    if (live._tag === "Absent" && names.length === 0) return [];
    const previous =
      liveName === null ? null : (names.filter((g) => g < liveName).sort(byAgeDesc)[0] ?? null);
    const inRoot = new Map<string, number>();
    // The live generation first, then the others newest first.
    const ordered = [
      ...names.filter((n) => n === liveName),
      ...names.filter((n) => n !== liveName).sort(byAgeDesc),
    ];
    const generations: GenerationUse[] = ordered.map((name) => {
      const p = path.join(stageBase, name);
      const w = walk(p, budget);
      addTotal(w);
      for (const [k, i] of w.inodes) inRoot.set(k, i.bytes);
      return { ...treeUse(p, w), name, live: name === liveName, previous: name === previous };
    });
    // A root of the layout before generations: a plain directory at the root's name.
    if (live._tag === "Directory") {
      const w = walk(root, budget);
      addTotal(w);
      for (const [k, i] of w.inodes) inRoot.set(k, i.bytes);
      generations.unshift({ ...treeUse(root, w), name: path.basename(root), live: true, previous: false });
    }
    let bytes = 0;
    for (const b of inRoot.values()) bytes += b;
    return [{ path: root, current: index === 0, bytes, generations }];
  });
  const own = (dir: string): TreeUse | null => {
    const st = fs.lstatSync(dir, { throwIfNoEntry: false });
    if (st === undefined || !st.isDirectory()) return null; // a link is never followed
    const w = walk(dir, budget);
    addTotal(w);
    return treeUse(dir, w);
  };
  const cache = own(path.join(stageBase, STATE_DIR, "cache"));
  const logs = own(path.join(stageBase, STATE_DIR, "logs"));
  let totalBytes = 0;
  for (const b of total.values()) totalBytes += b;
  return { stageBase, roots: rootUses, cache, logs, totalBytes, truncated: budget.left <= 0 };
};

/** The cache directories plugdeps' package managers use (only these names are ever aged out). */
export const cacheDirsIn = (stageBase: string): string[] =>
  CACHE_DIRS.map((n) => path.join(stageBase, STATE_DIR, "cache", n));
