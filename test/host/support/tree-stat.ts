import * as fs from "node:fs";
import * as path from "node:path";

/**
 * A cheap snapshot of a large tree (an installed OpenClaw package root: ~40,000 entries, ~400 MB):
 * every path's lstat — type, mode, size, inode, mtime and ctime in nanoseconds, a symlink's target —
 * without reading file contents. Any write (a new, removed, renamed or rewritten entry, a chmod, a
 * touch) changes at least one of these; ctime cannot be set back by a process. Symlinks are never
 * followed. A missing root yields an empty snapshot.
 */
export type TreeStat = ReadonlyMap<string, string>;

const typeOf = (st: fs.BigIntStats): string =>
  st.isSymbolicLink() ? "l" : st.isFile() ? "f" : st.isDirectory() ? "d" : "o";

export const statTree = (root: string): TreeStat => {
  const out = new Map<string, string>();
  const visit = (abs: string, rel: string): void => {
    let st: fs.BigIntStats;
    try {
      st = fs.lstatSync(abs, { bigint: true });
    } catch {
      return;
    }
    const type = typeOf(st);
    // A directory's size depends on the filesystem's bookkeeping; its mtime/ctime already change
    // with its entries.
    const size = type === "d" ? "-" : String(st.size);
    const target = type === "l" ? ` -> ${fs.readlinkSync(abs)}` : "";
    out.set(
      rel,
      `${type} ${st.mode.toString(8)} ${size} ino ${st.ino} m ${st.mtimeNs} c ${st.ctimeNs}${target}`,
    );
    if (type === "d")
      for (const name of fs.readdirSync(abs).sort()) visit(path.join(abs, name), `${rel}/${name}`);
  };
  visit(root, ".");
  return out;
};

/** What differs between two snapshots, one line per path (`+` new, `-` gone, `~` changed). */
export const treeDiff = (before: TreeStat, after: TreeStat): string[] => {
  const lines: string[] = [];
  for (const [rel, was] of before) {
    const now = after.get(rel);
    if (now === undefined) lines.push(`- ${rel} (${was})`);
    else if (now !== was) lines.push(`~ ${rel}: ${was} => ${now}`);
  }
  for (const [rel, now] of after) if (!before.has(rel)) lines.push(`+ ${rel} (${now})`);
  return lines;
};

/** The first `max` lines of a diff, and how many more there are. */
export const showDiff = (lines: readonly string[], max = 40): string =>
  lines.slice(0, max).join("\n") + (lines.length > max ? `\n... and ${lines.length - max} more` : "");
