import * as fs from "../../observe/observed-fs.js";
import * as os from "node:os";
import * as path from "node:path";
import { errnoCode } from "../../model/errors.js";
import { STATE_DIR } from "../../model/layout.js";
import type { Debris } from "../../model/plan.js";
import { probeWritable } from "../../observe/probe-writable.js";
import type { DebrisContext } from "../types.js";
import { EXTENSIONS_DIR } from "./discover.js";

/**
 * Legacy debris left by OpenClaw's own dependency staging (2026.4.20 – 2026.4.30), SPEC §5.
 *
 * READ-ONLY: this module lists, lstat()s and reads small lock-owner files; it never writes, and
 * never follows a symlink while listing (a symlink is itself the debris or is ignored). Removal is
 * the executor's job (`doctor --fix`, `apply`), which re-checks ownership and containment at
 * delete time. Matching is by EXACT known names only (SPEC §4.8): a near miss is left alone,
 * because deleting something that only looks like ours is the one mistake that cannot be undone.
 *
 * Directories that cannot be listed (absent stage base, EACCES) contribute nothing: debris is
 * advisory, and the commands that write report their own fs errors with path and code.
 */

export const LOCK_DIR_NAME = ".openclaw-runtime-deps.lock";
/** OpenClaw's own staleness age for a lock without pid evidence (BUNDLED_RUNTIME_DEPS_LOCK_STALE_MS). */
export const LOCK_STALE_MS = 10 * 60_000;

const MARKERS = [".openclaw-runtime-deps.json", ".openclaw-runtime-deps-stamp.json"] as const;

export type DebrisRule =
  | "extension-node_modules-with-marker"
  | "runtime-deps-marker"
  | "runtime-deps-temp"
  | "pnpm-store"
  | "install-stage"
  | "install-backups"
  | "unknown-version-root"
  | "hashless-root"
  | "stale-openclaw-lock"
  | "dangling-global-symlink";

/** What debris detection needs from the machine; injectable so tests can fake liveness. */
export interface DebrisProbes {
  readonly hostname: string;
  /** process.kill(pid, 0) succeeds or fails with EPERM (alive, someone else's). */
  readonly isAlive: (pid: number) => boolean;
  /** Field 22 of /proc/<pid>/stat, or null where unreadable (not Linux, gone, hidepid). */
  readonly starttimeOf: (pid: number) => number | null;
  readonly isWritable: (dir: string) => boolean;
}

export const defaultProbes: DebrisProbes = {
  hostname: os.hostname(),
  isAlive: (pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (err) {
      return errnoCode(err) === "EPERM";
    }
  },
  starttimeOf: (pid) => {
    try {
      return parseStarttime(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
    } catch {
      return null;
    }
  },
  isWritable: (dir) => probeWritable(dir, "access").writable,
};

interface Found {
  readonly path: string;
  readonly rule: DebrisRule;
  readonly isDir: boolean;
}

export const findDebris = (ctx: DebrisContext, probes: DebrisProbes = defaultProbes): Debris[] => {
  const found: Found[] = [
    // ctx.plugins is not consulted: debris may sit in an extension directory whose plugin is gone
    // or invalid, so the directory listing itself is the complete source.
    ...extensionDebris(path.join(ctx.packageRoot, EXTENSIONS_DIR), ctx.now, probes),
    ...ctx.stageBases.flatMap((base) => stageBaseDebris(base.path, ctx.now, probes)),
    ...globalSymlinkDebris(ctx.packageRoot),
  ];
  const byPath = new Map<string, Found>();
  for (const f of found) if (!byPath.has(f.path)) byPath.set(f.path, f);
  const writableByDir = new Map<string, boolean>();
  const writable = (dir: string): boolean => {
    const known = writableByDir.get(dir);
    if (known !== undefined) return known;
    const answer = probes.isWritable(dir);
    writableByDir.set(dir, answer);
    return answer;
  };
  return [...byPath.values()]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((f) => toDebris(f, writable(path.dirname(f.path))));
};

const toDebris = (f: Found, writable: boolean): Debris => ({
  path: f.path,
  rule: f.rule,
  writable,
  // Debris inside a read-only package root (ProtectSystem=strict) cannot be removed by us; the
  // operator gets the exact command to run from outside the sandbox (SPEC §5).
  fix: writable ? "plugdeps doctor --fix" : `${f.isDir ? "rm -rf" : "rm -f"} -- ${shellQuote(f.path)}`,
});

/** POSIX single-quoting: `'` becomes `'\''`. Safe for any byte sequence except NUL. */
export const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

// ---------------------------------------------------------------------------------------------
// Listing without following symlinks.

interface Entry {
  readonly name: string;
  readonly path: string;
  readonly stat: fs.Stats;
}

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

const entryOf = (dir: string, name: string): Entry | undefined => {
  const p = path.join(dir, name);
  const stat = lstat(p);
  return stat === undefined ? undefined : { name, path: p, stat };
};

const lstat = (p: string): fs.Stats | undefined => {
  try {
    return fs.lstatSync(p);
  } catch {
    return undefined;
  }
};

const isRealDir = (e: Entry): boolean => e.stat.isDirectory() && !e.stat.isSymbolicLink();

const found = (e: Entry, rule: DebrisRule): Found => ({ path: e.path, rule, isDir: isRealDir(e) });

// ---------------------------------------------------------------------------------------------
// Inside dist/extensions/*/ (the host package: usually read-only).

/** Pure: which extension-directory entry name is which debris, given the directory's names. */
export const extensionEntryRule = (name: string, hasMarker: boolean): DebrisRule | undefined => {
  // `node_modules` is debris only when an older OpenClaw's staging marker sits beside it; without
  // one it may be what the package shipped (LESSONS: never delete what we cannot prove is ours).
  if (name === "node_modules") return hasMarker ? "extension-node_modules-with-marker" : undefined;
  if ((MARKERS as readonly string[]).includes(name)) return "runtime-deps-marker";
  if (name.startsWith(".openclaw-runtime-deps-")) return "runtime-deps-temp";
  if (name === ".openclaw-pnpm-store") return "pnpm-store";
  if (name.startsWith(".openclaw-install-stage")) return "install-stage";
  if (name === ".openclaw-install-backups") return "install-backups";
  return undefined;
};

const extensionDebris = (extRoot: string, now: number, probes: DebrisProbes): Found[] =>
  list(extRoot)
    .filter(isRealDir)
    .flatMap((pluginDir) => {
      const entries = list(pluginDir.path);
      const hasMarker = entries.some((e) => (MARKERS as readonly string[]).includes(e.name));
      return entries.flatMap((e): Found[] => {
        const rule = extensionEntryRule(e.name, hasMarker);
        if (rule !== undefined) return [found(e, rule)];
        return e.name === LOCK_DIR_NAME && isStaleLock(e, now, probes)
          ? [found(e, "stale-openclaw-lock")]
          : [];
      });
    });

// ---------------------------------------------------------------------------------------------
// Under the stage bases.

const VERSION = String.raw`\d+(?:\.\d+)+(?:-[0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*)?`;
/** `openclaw-<version>-<12 lowercase hex>`: the hashed shape (plugdeps' and newer OpenClaw's). */
const HASHED_ROOT = new RegExp(`^openclaw-${VERSION}-[0-9a-f]{12}$`);
/**
 * `openclaw-<version>-<12 hex>.<suffix>`: a sibling of a hashed root (plugdeps' `<root>.lock`,
 * its generations `<root>.gen-*`). Never hash-less debris: the lock may be held right now.
 */
const HASHED_ROOT_SIBLING = new RegExp(`^openclaw-${VERSION}-[0-9a-f]{12}\\..+$`);
/** `openclaw-<version>-<anything>`; a prerelease tag simply becomes part of the suffix here. */
const VERSIONED_ROOT = /^openclaw-\d+(?:\.\d+)+-.+$/;

/**
 * Pure: is a stage-base entry name a legacy root? `openclaw-unknown-*` came from the identity bug
 * (LESSONS: openclaw #71599, #71978, #72956). Hash-less `openclaw-<version>-<suffix>` roots came
 * from pre-hash staging. A name WITH a 12-hex suffix is not hash-less and is never matched here,
 * even without `.plugdeps/state.json`: it may be a newer OpenClaw's own live root sharing the stage
 * base, or a plugdeps root whose state write was interrupted — neither is exactly-known debris.
 */
export const stageRootRule = (name: string): DebrisRule | undefined => {
  if (name.startsWith("openclaw-unknown-") && name.length > "openclaw-unknown-".length) {
    return "unknown-version-root";
  }
  if (VERSIONED_ROOT.test(name) && !HASHED_ROOT.test(name) && !HASHED_ROOT_SIBLING.test(name))
    return "hashless-root";
  return undefined;
};

/** Owned roots carry our ownership marker and are never legacy (SPEC §1 "owned"). */
const isOwned = (dir: string): boolean => lstat(path.join(dir, ".plugdeps", "state.json"))?.isFile() === true;

const stageBaseDebris = (base: string, now: number, probes: DebrisProbes): Found[] =>
  // plugdeps' own `.plugdeps/` (logs, cache, status, no-op stamps) is never debris, and is not
  // even looked at: it changes on every reconcile pass, and a plan that observed it would make
  // every no-op stamp stale (fastpath/).
  list(base, (name) => name !== STATE_DIR)
    .filter(isRealDir)
    .flatMap((e): Found[] => {
      if (e.name === LOCK_DIR_NAME)
        return isStaleLock(e, now, probes) ? [found(e, "stale-openclaw-lock")] : [];
      const rule = stageRootRule(e.name);
      if (rule !== undefined && !isOwned(e.path)) return [found(e, rule)];
      // OpenClaw kept its install lock inside the install root: `<base>/<root>/.openclaw-runtime-deps.lock`.
      // (A legacy root reported above is removed whole, lock included.) One lstat of that exact
      // name, not a listing: what else is inside (plugdeps' own `.plugdeps/` cache, say) must not
      // become something the plan depends on.
      const lock = entryOf(e.path, LOCK_DIR_NAME);
      return lock !== undefined && isRealDir(lock) && isStaleLock(lock, now, probes)
        ? [found(lock, "stale-openclaw-lock")]
        : [];
    });

// ---------------------------------------------------------------------------------------------
// Stale `.openclaw-runtime-deps.lock` directories.

export interface LockEvidence {
  readonly pid: number | undefined;
  readonly hostname: string | undefined;
  readonly starttime: number | undefined;
  readonly mtimeMs: number;
}

/**
 * Pure staleness rule for OpenClaw's legacy install lock:
 * - a lock recorded on another host cannot be judged from here (the stage base may be on a
 *   network filesystem): never stale;
 * - a pid that is dead is stale; a live pid is not, unless its recorded start time differs from the
 *   running process's (a recycled pid, LESSONS: openclaw #74346, #75028). Age never expires a live
 *   holder (SPEC §4.7);
 * - with no pid evidence at all, only filesystem age reclaims it (LESSONS: openclaw #74948).
 */
export const isLockStale = (evidence: LockEvidence, now: number, probes: DebrisProbes): boolean => {
  if (evidence.hostname !== undefined && evidence.hostname !== probes.hostname) return false;
  if (evidence.pid !== undefined) {
    if (!probes.isAlive(evidence.pid)) return true;
    if (evidence.starttime === undefined) return false;
    const running = probes.starttimeOf(evidence.pid);
    return running !== null && running !== evidence.starttime;
  }
  return now - evidence.mtimeMs > LOCK_STALE_MS;
};

const isStaleLock = (lockDir: Entry, now: number, probes: DebrisProbes): boolean => {
  fs.noteUnrepeatable(`a legacy lock exists at ${lockDir.path}`);
  return isRealDir(lockDir) && isLockStale(readLockEvidence(lockDir), now, probes);
};

const MAX_OWNER_BYTES = 64 * 1024;

/** Reads `owner.json` (OpenClaw: `{pid, createdAtMs}`; plugdeps-style adds hostname, starttime) or a `pid` file. */
const readLockEvidence = (lockDir: Entry): LockEvidence => {
  const owner = readSmallFile(path.join(lockDir.path, "owner.json"));
  let fromOwner: Record<string, unknown> = {};
  if (owner !== undefined) {
    try {
      const parsed: unknown = JSON.parse(owner);
      if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
        fromOwner = parsed as Record<string, unknown>;
      }
    } catch {
      // garbage owner file: no evidence (SPEC §4.12), judged by age
    }
  }
  const pidText = readSmallFile(path.join(lockDir.path, "pid"))?.trim();
  const pid = validPid(Object.hasOwn(fromOwner, "pid") ? fromOwner["pid"] : undefined) ?? validPid(pidText);
  const hostname = Object.hasOwn(fromOwner, "hostname") ? fromOwner["hostname"] : undefined;
  const starttime = Object.hasOwn(fromOwner, "starttime") ? fromOwner["starttime"] : undefined;
  return {
    pid,
    hostname: typeof hostname === "string" && hostname !== "" ? hostname : undefined,
    starttime: typeof starttime === "number" && Number.isFinite(starttime) ? starttime : undefined,
    mtimeMs: lockDir.stat.mtimeMs,
  };
};

/**
 * A usable pid is a positive integer a process can have. 0 and negatives must never reach
 * process.kill: they address process groups, and "kill(0, 0) succeeded" would make every lock look
 * alive; a pid above the kernel's limit made process.kill throw, which read as "dead".
 */
const validPid = (value: unknown): number | undefined => {
  const n =
    typeof value === "number"
      ? value
      : typeof value === "string" && /^\d+$/.test(value)
        ? Number(value)
        : NaN;
  // Above Linux's PID_MAX_LIMIT (2^22) no process can exist: garbage too, judged by age.
  return Number.isSafeInteger(n) && n > 0 && n <= 4_194_304 ? n : undefined;
};

/** A regular file (not a symlink) of bounded size, or undefined. */
const readSmallFile = (p: string): string | undefined => {
  const st = lstat(p);
  if (st === undefined || !st.isFile() || st.size > MAX_OWNER_BYTES) return undefined;
  try {
    return fs.readFileSync(p, "utf8");
  } catch {
    return undefined;
  }
};

/** `/proc/<pid>/stat` field 22. The command name (field 2) may contain spaces and parentheses. */
export const parseStarttime = (stat: string): number | null => {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // after ") " the next field is field 3, so field 22 is index 19
  const value = Number(fields[19]);
  return Number.isFinite(value) ? value : null;
};

// ---------------------------------------------------------------------------------------------
// Dangling symlinks in the global node_modules (LESSONS: openclaw #76466).

const globalSymlinkDebris = (packageRoot: string): Found[] => {
  const globalModules = path.dirname(packageRoot);
  if (path.basename(globalModules) !== "node_modules") return [];
  return list(globalModules).flatMap((e): Found[] => {
    if (e.stat.isSymbolicLink())
      return isDanglingStageLink(e.path) ? [found(e, "dangling-global-symlink")] : [];
    if (e.name.startsWith("@") && isRealDir(e)) {
      return list(e.path)
        .filter((s) => s.stat.isSymbolicLink() && isDanglingStageLink(s.path))
        .map((s) => found(s, "dangling-global-symlink"));
    }
    return [];
  });
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
