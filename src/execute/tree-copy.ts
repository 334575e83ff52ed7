import * as fs from "node:fs";
import * as path from "node:path";
import { errnoCode } from "../model/errors.js";

/**
 * Copies a tree by hard-linking its files (cp -al), falling back to a real copy where a link is
 * refused (another filesystem, link count limits). Symlinks are recreated as symlinks with the
 * same target, never followed. Reused packages are linked, never symlinked into another root: a
 * prune of that root must not be able to take them away (openclaw 4.30 sibling-prune bug).
 * Synchronous: on these trees sync fs calls are several times faster than promise-based ones.
 */
export interface CopyStats {
  linked: number;
  copied: number;
  dirs: number;
}

/**
 * Files a package manager may rewrite in place in the stage. A hard link shares the inode with
 * the live tree, so writing through it would change the live root before the swap: these get a
 * private copy. (Package code is replaced by new files, never written in place.)
 */
const MUTABLE = new Set([
  "package.json",
  "package-lock.json",
  "npm-shrinkwrap.json",
  "pnpm-lock.yaml",
  ".package-lock.json",
  ".modules.yaml",
  "lock.yaml",
]);

/**
 * pnpm 10 rewrites `node_modules/.pnpm-workspace-state-v1.json` in place (seen in the apply
 * integration tests: the live generation's copy changed during a build); the version suffix is
 * matched loosely so a future `-v2` is covered too.
 */
const isMutable = (name: string): boolean =>
  MUTABLE.has(name) || /^\.pnpm-workspace-state.*\.json$/.test(name);

export const linkTree = (
  src: string,
  dst: string,
  stats: CopyStats = { linked: 0, copied: 0, dirs: 0 },
): CopyStats => {
  const st = fs.lstatSync(src);
  if (st.isSymbolicLink()) {
    fs.symlinkSync(fs.readlinkSync(src), dst);
    return stats;
  }
  if (st.isFile()) {
    linkOrCopy(src, dst, stats);
    return stats;
  }
  if (!st.isDirectory()) return stats; // sockets, fifos: never part of a package
  fs.mkdirSync(dst, { recursive: true, mode: st.mode & 0o7777 });
  stats.dirs++;
  for (const entry of fs.readdirSync(src, { withFileTypes: true })) {
    const from = path.join(src, entry.name);
    const to = path.join(dst, entry.name);
    if (entry.isDirectory()) linkTree(from, to, stats);
    else if (entry.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(from), to);
    else if (entry.isFile()) linkOrCopy(from, to, stats);
  }
  return stats;
};

const linkOrCopy = (from: string, to: string, stats: CopyStats): void => {
  if (isMutable(path.basename(from))) {
    fs.copyFileSync(from, to);
    stats.copied++;
    return;
  }
  try {
    fs.linkSync(from, to);
    stats.linked++;
  } catch (err) {
    const code = errnoCode(err);
    if (code !== "EXDEV" && code !== "EPERM" && code !== "EMLINK" && code !== "ENOTSUP") throw err;
    fs.copyFileSync(from, to);
    stats.copied++;
  }
};
