import * as t from "io-ts";

/**
 * Disk use of what plugdeps keeps in a stage base (issue 16 item 5: operators of this host report
 * disk bloat from staged dependencies), shown by `status` (human and `--json`) and judged by
 * `doctor`. Measured like `du`: an lstat walk that never follows a link, blocks actually
 * allocated (`st_blocks` x 512), and every inode counted once (generations share most files by
 * hard link, and pnpm links its store into `node_modules`).
 *
 * - `bytes` of a tree: its inodes, each once.
 * - `exclusiveBytes`: what removing that tree alone would free: its inodes whose every hard link
 *   lies inside it (a file the live generation shares with the previous one is in neither's
 *   exclusive bytes).
 * - `totalBytes`: every measured tree together, each inode once.
 */

const nullable = <C extends t.Mixed>(codec: C) => t.union([codec, t.null]);

export const TreeUse = t.type(
  {
    path: t.string,
    bytes: t.number,
    exclusiveBytes: t.number,
    files: t.number,
  },
  "TreeUse",
);
export type TreeUse = t.TypeOf<typeof TreeUse>;

export const GenerationUse = t.intersection(
  [TreeUse, t.type({ name: t.string, live: t.boolean, previous: t.boolean })],
  "GenerationUse",
);
export type GenerationUse = t.TypeOf<typeof GenerationUse>;

export const RootUse = t.type(
  {
    path: t.string,
    /** The target root of this run (the others are previous roots of this host). */
    current: t.boolean,
    /** Every inode of the root's generations, once. */
    bytes: t.number,
    generations: t.array(GenerationUse),
  },
  "RootUse",
);
export type RootUse = t.TypeOf<typeof RootUse>;

export const DiskUse = t.type(
  {
    stageBase: t.string,
    roots: t.array(RootUse),
    /** `<stage base>/.plugdeps/cache`: the package managers' cache and pnpm's store. */
    cache: nullable(TreeUse),
    /** `<stage base>/.plugdeps/logs`: one log per package-manager run. */
    logs: nullable(TreeUse),
    totalBytes: t.number,
    /** True when the walk stopped at MAX_WALK_ENTRIES: the numbers are lower bounds. */
    truncated: t.boolean,
  },
  "DiskUse",
);
export type DiskUse = t.TypeOf<typeof DiskUse>;

/** One walk visits at most this many entries (a bound on `status`'s time on a huge stage base). */
export const MAX_WALK_ENTRIES = 2_000_000;

/**
 * `doctor` reports (severity info) a stage base whose generations, cache and logs together use
 * more than this: 2 GiB. One OpenClaw root with every channel plugin is ~0.5-1 GB; the live and
 * the previous generation share most of it by hard link.
 */
export const DISK_USE_INFO_BYTES = 2 * 1024 ** 3;

/**
 * Retention (applied by apply's tidy phase, under the install-root lock; never through a link,
 * only plugdeps' own names). Logs: `<stage base>/.plugdeps/logs/*.log` beyond the newest
 * LOG_KEEP_COUNT, or older than LOG_MAX_AGE_MS, are removed.
 */
export const LOG_KEEP_COUNT = 20;
export const LOG_MAX_AGE_MS = 30 * 24 * 3_600_000;

/**
 * The package managers' caches, `<stage base>/.plugdeps/cache/{npm,pnpm-store,pnpm-cache,pnpm-state}`,
 * each removed whole once it was created more than CACHE_MAX_AGE_MS ago: a cache only grows, so
 * it is started afresh at most monthly (the next install downloads what it needs again; the
 * packages already in the roots are hard-linked files and stay). Age is the directory's birth
 * time; a filesystem that keeps none never ages a cache out.
 */
export const CACHE_MAX_AGE_MS = 30 * 24 * 3_600_000;
export const CACHE_DIRS: readonly string[] = ["npm", "pnpm-store", "pnpm-cache", "pnpm-state"];

/** `1.2 GiB`, `340 MiB`, `12 KiB`, `512 B`: sizes for people. */
export const formatBytes = (n: number): string => {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
};
