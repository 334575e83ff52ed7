import * as fs from "./observed-fs.js";
import * as path from "node:path";
import { trustedUid } from "./owned-fs.js";

/**
 * Who may have put the code there (issue 17: "a root planted by another user must never run in
 * the host"). The host imports what plugdeps resolves for it, and apply reuses and keeps live
 * what it finds in the stage base: both only when nobody but root and the running user could
 * have written it, the rule of ssh's StrictModes (LESSONS: "The stage base is shared with people
 * who are not root"):
 *
 * - every entry on the way (the stage base, the root link, the generation, `node_modules`, the
 *   package directory; for pnpm the realpath'd `.pnpm/...` directories too) is owned by root or
 *   by the running uid (`trustedUid`: apply running as root trusts only root's);
 * - and is writable by no one else: group- or world-writable only as a root-owned directory with
 *   the sticky bit (`/tmp`, a shared 1777 stage base: others can add names there, never replace
 *   ours). A symlink's own mode means nothing; its owner does (in a sticky directory the owner
 *   of a name is who made it).
 *
 * lstat/realpath only, never content; each path is judged once per checker (`trustChecker`), so
 * the packages of one root share the checks of their common directories.
 */

/** Why an entry is not trusted: its path, its owner, and a sentence saying both. */
export interface Distrust {
  readonly path: string;
  readonly uid: number;
  readonly reason: string;
}

const myUid = (): number => process.getuid?.() ?? 0;

/** The verdict on one entry from its lstat: null when it is trusted. */
export const entryDistrust = (p: string, st: fs.Stats): Distrust | null => {
  if (!trustedUid(st.uid)) {
    return {
      path: p,
      uid: st.uid,
      reason: `${p} is owned by uid ${st.uid}, neither root nor this user (uid ${myUid()})`,
    };
  }
  if (st.isSymbolicLink()) return null;
  const writable = st.mode & 0o022;
  if (writable === 0) return null;
  if (st.isDirectory() && (st.mode & 0o1000) !== 0 && st.uid === 0) return null;
  const who = writable === 0o022 ? "group and others" : writable === 0o020 ? "its group" : "others";
  return {
    path: p,
    uid: st.uid,
    reason: `${p} (owner uid ${st.uid}, mode ${(st.mode & 0o7777).toString(8).padStart(4, "0")}) is writable by ${who}`,
  };
};

const inside = (p: string, dir: string): boolean =>
  p === dir || p.startsWith(dir.endsWith(path.sep) ? dir : `${dir}${path.sep}`);

export interface TrustChecker {
  /** The entry itself (lstat; a missing one is not distrusted: nothing there can run). */
  readonly entry: (p: string) => Distrust | null;
  /**
   * Every entry from `base` down to `target`: first along the real path (realpath of both), then
   * along the path as written (the owners of the links on it). `base` itself is judged only with
   * `includeBase` (apply's own stage base is judged by its own rules: docs/security.md). A target
   * whose real path leaves the base is distrusted. A missing target: null.
   */
  readonly chain: (
    base: string,
    target: string,
    opts?: { readonly includeBase?: boolean },
  ) => Distrust | null;
}

/** A checker with its own cache: make one per observation (or per host start). */
export const trustChecker = (): TrustChecker => {
  const verdicts = new Map<string, Distrust | null>();
  const reals = new Map<string, string | null>();
  const entry = (p: string): Distrust | null => {
    const known = verdicts.get(p);
    if (known !== undefined) return known;
    let verdict: Distrust | null;
    try {
      verdict = entryDistrust(p, fs.lstatSync(p));
    } catch {
      verdict = null; // gone (or unreadable): nothing to run from there
    }
    verdicts.set(p, verdict);
    return verdict;
  };
  const real = (p: string): string | null => {
    const known = reals.get(p);
    if (known !== undefined) return known;
    let r: string | null;
    try {
      r = fs.realpathSync(p);
    } catch {
      r = null;
    }
    reals.set(p, r);
    return r;
  };
  const walk = (base: string, target: string): Distrust | null => {
    const rel = path.relative(base, target);
    if (rel === "") return null;
    let at = base;
    for (const part of rel.split(path.sep)) {
      at = path.join(at, part);
      const d = entry(at);
      if (d !== null) return d;
    }
    return null;
  };
  const chain = (
    base: string,
    target: string,
    opts: { readonly includeBase?: boolean } = {},
  ): Distrust | null => {
    const abs = path.resolve(target);
    const absBase = path.resolve(base);
    if (!inside(abs, absBase)) return { path: abs, uid: -1, reason: `${abs} is not inside ${absBase}` };
    const realBase = real(absBase);
    const realTarget = real(abs);
    if (realBase === null || realTarget === null) return null;
    if (opts.includeBase === true) {
      const d = entry(realBase);
      if (d !== null) return d;
    }
    if (!inside(realTarget, realBase)) {
      let uid = -1;
      try {
        uid = fs.lstatSync(realTarget).uid;
      } catch {
        // gone meanwhile
      }
      return {
        path: abs,
        uid,
        reason: `${abs} resolves to ${realTarget}, outside the stage base ${realBase}`,
      };
    }
    return walk(realBase, realTarget) ?? walk(absBase, abs);
  };
  return { entry, chain };
};

/**
 * A package directory someone else could have written into, as apply judges a copy it would keep
 * or reuse: the chain from `base` down to it, then the entries directly inside it (its
 * package.json, its entry files: a copy seeded by hard link keeps the owner of every file, while
 * the directories around it are new).
 */
export const packageDistrust = (checker: TrustChecker, base: string, dir: string): Distrust | null => {
  const d = checker.chain(base, dir);
  if (d !== null) return d;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return null;
  }
  for (const name of names.sort()) {
    const found = checker.entry(path.join(dir, name));
    if (found !== null) return found;
  }
  return null;
};
