import * as fs from "../../util/observed-fs.js";
import * as path from "node:path";
import { bandOf } from "./selection/band.js";
import { errnoCode } from "../../model/errors.js";
import type { Debris, Unmanaged } from "../../model/plan.js";
import { probeWritable } from "../../util/probe-writable.js";
import { type ProcessProbes, realProcessProbes } from "../../util/process-info.js";
import type { DebrisContext } from "../types.js";
import {
  EXTENSION_TREES,
  extensionEntryRule,
  isRuntimeDepsMarker,
  LEGACY_DIRECTORIES,
  legacyDirectories,
  type LegacyRule,
} from "./legacy-paths.js";
import { judgeOpenclawLock, readOpenclawLock } from "./openclaw-lock.js";
import { decideUnknownRoots, stageRootKind, type UnknownRoot } from "./roots.js";

/**
 * What OpenClaw's older dependency staging left behind, split the one way that matters: what
 * plugdeps removes (debris: exactly what OpenClaw itself removes, SPEC §4.8 and §5) and what it
 * finds and leaves alone (unmanaged: reported, never an action).
 *
 * - Stage bases (roots.ts): an `openclaw-unknown-*` root OpenClaw's own prune would remove is
 *   debris; every other `openclaw-*` entry that is not plugdeps' own (OpenClaw's hashed roots,
 *   unknown roots OpenClaw still keeps, names OpenClaw never produces) is unmanaged.
 * - The package root, state dir and config dir (legacy-paths.ts): the paths OpenClaw's own
 *   `doctor --fix` removes are debris.
 * - The global `node_modules`: a dangling symlink into a `plugin-runtime-deps` tree (openclaw
 *   #76466) breaks imports of that name, but no OpenClaw doctor removes it: unmanaged, with the
 *   command that removes it.
 *
 * READ-ONLY: this module lists, lstat()s and reads small lock-owner files; it never writes and
 * never follows a symlink while listing. Removal is the executor's (`apply`, `doctor --fix`), which
 * re-checks containment at delete time. Directories that cannot be listed contribute nothing:
 * the commands that write report their own fs errors with path and code.
 */

export type DebrisRule = LegacyRule | "unknown-version-root";

export type UnmanagedKind =
  "openclaw-root" | "openclaw-unknown-root" | "unknown-name" | "dangling-global-symlink";

/** What debris detection needs from the machine; injectable so tests can fake liveness. */
export interface DebrisProbes extends ProcessProbes {
  readonly isWritable: (dir: string) => boolean;
}

/**
 * The real machine. The liveness probes note the journal as unrepeatable (whether OpenClaw's lock
 * is live changes by itself, so a scan that judged one never feeds the no-op fast path).
 */
export const defaultProbes: DebrisProbes = {
  ...realProcessProbes(),
  isWritable: (dir) => probeWritable(dir, "access").writable,
};

export interface OpenclawScan {
  readonly debris: Debris[];
  readonly unmanaged: Unmanaged[];
}

interface Found {
  readonly path: string;
  readonly rule: DebrisRule;
  readonly isDir: boolean;
  /** false: under a read-only stage layer, never written whatever a probe says. */
  readonly mayWrite: boolean;
}

const byPath = <T extends { readonly path: string }>(a: T, b: T): number =>
  a.path < b.path ? -1 : a.path > b.path ? 1 : 0;

/** One scan per context: the adapter's findDebris and findUnmanaged share it. */
const scans = new WeakMap<DebrisContext, OpenclawScan>();

export const scanOpenclaw = (ctx: DebrisContext, probes: DebrisProbes = defaultProbes): OpenclawScan => {
  const cached = probes === defaultProbes ? scans.get(ctx) : undefined;
  if (cached !== undefined) return cached;
  const found: Found[] = [];
  const unmanaged: Unmanaged[] = [];
  // 2026.3.22 – 4.21 stage inside their own package: what sits in its plugin directories is that
  // version's live state, and its tarball ships `.openclaw-runtime-deps-stamp.json` files there
  // (issue 14: an apply on the real 2026.4.20 deleted 15 of them). Only later doctors clean them.
  const inPackage = ctx.version !== undefined && bandOf(ctx.version).band.id === "2026.3.22";
  for (const dir of legacyDirectories(ctx.packageRoot, ctx.input))
    found.push(...legacyDebris(dir, inPackage && dir === path.resolve(ctx.packageRoot)));
  for (const base of ctx.stageBases) {
    const stage = stageBaseScan(base.path, base.writable, ctx.now, probes);
    found.push(...stage.found);
    unmanaged.push(...stage.unmanaged);
  }
  unmanaged.push(...globalSymlinks(ctx.packageRoot));
  const unique = new Map<string, Found>();
  for (const f of found) if (!unique.has(f.path)) unique.set(f.path, f);
  const writableByDir = new Map<string, boolean>();
  const writable = (dir: string): boolean => {
    const known = writableByDir.get(dir);
    if (known !== undefined) return known;
    const answer = probes.isWritable(dir);
    writableByDir.set(dir, answer);
    return answer;
  };
  const scan: OpenclawScan = {
    debris: [...unique.values()]
      .sort(byPath)
      .map((f) => toDebris(f, f.mayWrite && writable(path.dirname(f.path)))),
    unmanaged: unmanaged.sort(byPath),
  };
  if (probes === defaultProbes) scans.set(ctx, scan);
  return scan;
};

export const findDebris = (ctx: DebrisContext, probes: DebrisProbes = defaultProbes): Debris[] =>
  scanOpenclaw(ctx, probes).debris;

export const findUnmanaged = (ctx: DebrisContext, probes: DebrisProbes = defaultProbes): Unmanaged[] =>
  scanOpenclaw(ctx, probes).unmanaged;

const toDebris = (f: Found, writable: boolean): Debris => ({
  path: f.path,
  rule: f.rule,
  writable,
  // Debris plugdeps may not remove (a read-only package root under ProtectSystem=strict, a
  // read-only stage layer) gets the exact command to run from outside the sandbox (SPEC §5).
  fix: writable ? "plugdeps doctor --fix" : removeCommand(f.path, f.isDir),
});

/** POSIX single-quoting: `'` becomes `'\''`. Safe for any byte sequence except NUL. */
export const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

const removeCommand = (p: string, isDir: boolean): string =>
  `${isDir ? "rm -rf" : "rm -f"} -- ${shellQuote(p)}`;

// ---------------------------------------------------------------------------------------------
// Listing without following symlinks.

interface Entry {
  readonly name: string;
  readonly path: string;
  readonly stat: fs.Stats;
}

const lstat = (p: string): fs.Stats | undefined => {
  try {
    return fs.lstatSync(p);
  } catch {
    return undefined;
  }
};

/** The entries of a directory that is reached through real directories only (no symlink on the way). */
const list = (dir: string, wanted: (name: string) => boolean = () => true): Entry[] => {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter(wanted)
    .sort()
    .flatMap((name) => {
      const p = path.join(dir, name);
      const stat = lstat(p);
      return stat === undefined ? [] : [{ name, path: p, stat }];
    });
};

const isRealDir = (st: fs.Stats | undefined): boolean =>
  st !== undefined && st.isDirectory() && !st.isSymbolicLink();

/** `base/a/b/...` when every component below `base` is a real directory (never a symlink), else undefined. */
const realDirBelow = (base: string, parts: readonly string[]): string | undefined => {
  let dir = base;
  for (const part of parts) {
    dir = path.join(dir, part);
    if (!isRealDir(lstat(dir))) return undefined;
  }
  return dir;
};

// ---------------------------------------------------------------------------------------------
// Legacy paths under the package root, the state dir and the config dir (legacy-paths.ts).

const legacyDebris = (dir: string, skipExtensions: boolean): Found[] => {
  const found: Found[] = [];
  for (const rel of LEGACY_DIRECTORIES) {
    const parent = realDirBelow(dir, rel.slice(0, -1));
    const name = rel.at(-1);
    if (parent === undefined || name === undefined) continue;
    const p = path.join(parent, name);
    const st = lstat(p);
    if (st !== undefined)
      found.push({ path: p, rule: "bundled-plugin-runtime-deps", isDir: isRealDir(st), mayWrite: true });
  }
  for (const tree of skipExtensions ? [] : EXTENSION_TREES) {
    const extRoot = realDirBelow(dir, tree);
    if (extRoot === undefined) continue;
    // ctx.plugins is not consulted: debris may sit in an extension directory whose plugin is gone
    // or invalid, so the directory listing itself is the complete source.
    for (const pluginDir of list(extRoot)) {
      if (!isRealDir(pluginDir.stat)) continue;
      const entries = list(pluginDir.path);
      const hasMarker = entries.some((e) => isRuntimeDepsMarker(e.name));
      for (const e of entries) {
        const rule = extensionEntryRule(e.name, hasMarker);
        if (rule !== undefined) found.push({ path: e.path, rule, isDir: isRealDir(e.stat), mayWrite: true });
      }
    }
  }
  return found;
};

// ---------------------------------------------------------------------------------------------
// Stage bases: OpenClaw's roots (roots.ts).

/** Owned roots carry our ownership marker (SPEC §1 "owned"); the stale-roots reconciler has them. */
const isOwned = (dir: string): boolean => lstat(path.join(dir, ".plugdeps", "state.json"))?.isFile() === true;

/**
 * `<...>-<12 hex>.<suffix>`: a sibling of a hashed root, i.e. plugdeps' own `<root>.lock`,
 * `<root>.gen-<id>`, `<root>.aside-<id>`. Never OpenClaw's (its names end in the hash).
 */
const HASHED_ROOT_SIBLING = /^.+-[0-9a-f]{12}\..+$/;

const stageBaseScan = (
  base: string,
  baseWritable: boolean,
  now: number,
  probes: DebrisProbes,
): { found: Found[]; unmanaged: Unmanaged[] } => {
  // Only OpenClaw's namespace: dot entries (plugdeps' `.plugdeps*`, OpenClaw's write probes) and
  // other names are neither OpenClaw roots nor look-alikes. plugdeps' `.plugdeps/` is not even
  // looked at: it changes on every pass, and observing it would make every no-op stamp stale.
  const entries = list(base, (name) => name.startsWith("openclaw-"));
  const unmanaged: Unmanaged[] = [];
  const unknownRoots: UnknownRoot[] = [];
  const ownedUnknown = new Set<string>();
  for (const e of entries) {
    if (HASHED_ROOT_SIBLING.test(e.name)) continue;
    const owned = isOwned(e.path);
    const kind = stageRootKind(e.name);
    if (kind === "openclaw-unknown-root" && isRealDir(e.stat)) {
      // Ranked like OpenClaw ranks it even when plugdeps owns it (OpenClaw does not know), but
      // then left to the stale-roots reconciler.
      unknownRoots.push({ name: e.name, mtimeMs: e.stat.mtimeMs });
      if (owned) ownedUnknown.add(e.name);
      continue;
    }
    if (owned) continue;
    unmanaged.push({ path: e.path, kind, why: unmanagedWhy(kind, e.stat), fix: null });
  }
  const decisions = decideUnknownRoots(unknownRoots, now, (name) => {
    const evidence = readOpenclawLock(path.join(base, name));
    return evidence === null ? null : judgeOpenclawLock(evidence, now, probes);
  });
  const found: Found[] = [];
  for (const d of decisions) {
    if (ownedUnknown.has(d.name)) continue;
    const p = path.join(base, d.name);
    if (d.prune) {
      found.push({ path: p, rule: "unknown-version-root", isDir: true, mayWrite: baseWritable });
    } else {
      if (d.untilLater) fs.noteUnrepeatable(`kept ${d.name} for now: ${d.why}`);
      unmanaged.push({ path: p, kind: "openclaw-unknown-root", why: d.why, fix: null });
    }
  }
  return { found, unmanaged };
};

const unmanagedWhy = (kind: ReturnType<typeof stageRootKind>, st: fs.Stats): string => {
  if (st.isSymbolicLink())
    return "a symlink with an OpenClaw-like name, not plugdeps': OpenClaw's prune skips it, so does plugdeps";
  if (!st.isDirectory()) return "a file with an OpenClaw-like name, not plugdeps': left alone";
  switch (kind) {
    case "openclaw-root":
      return "OpenClaw's root of some version and install (hashed name, no plugdeps record): OpenClaw never prunes it, nor does plugdeps";
    case "openclaw-unknown-root":
      return "an openclaw-unknown-* entry: left alone";
    case "unknown-name":
      return "not a root name OpenClaw produces, and not plugdeps': left alone (an operator's copy, perhaps)";
  }
};

// ---------------------------------------------------------------------------------------------
// Dangling symlinks in the global node_modules (LESSONS: openclaw #76466): reported, not removed.

const globalSymlinks = (packageRoot: string): Unmanaged[] => {
  const globalModules = path.dirname(packageRoot);
  if (path.basename(globalModules) !== "node_modules") return [];
  const links = list(globalModules).flatMap((e): Entry[] => {
    if (e.stat.isSymbolicLink()) return [e];
    return e.name.startsWith("@") && isRealDir(e.stat)
      ? list(e.path).filter((s) => s.stat.isSymbolicLink())
      : [];
  });
  return links
    .filter((e) => isDanglingStageLink(e.path))
    .map((e) => ({
      path: e.path,
      kind: "dangling-global-symlink",
      why: "a dangling symlink into a plugin-runtime-deps tree that no longer exists: imports of this name fail (openclaw #76466). No OpenClaw doctor removes it, so plugdeps only reports it",
      fix: removeCommand(e.path, false),
    }));
};

/** A symlink whose target lies in a `plugin-runtime-deps` tree and no longer exists. */
const isDanglingStageLink = (link: string): boolean => {
  let target: string;
  try {
    target = path.resolve(path.dirname(link), fs.readlinkSync(link));
  } catch {
    return false;
  }
  if (!target.split(/[\\/]/).includes("plugin-runtime-deps")) return false;
  try {
    fs.statSync(link);
    return false;
  } catch (err) {
    // ENOTDIR: a path component is now a file — as gone as ENOENT.
    const code = errnoCode(err);
    return code === "ENOENT" || code === "ENOTDIR";
  }
};
