import * as fs from "node:fs";
import * as path from "node:path";
import { currentIdentity, errorCode, type Identity, type Journal, type Read } from "../util/observed-fs.js";

/**
 * The no-op stamp: what a converged `plugdeps apply` observed (util/observed-fs.ts), the
 * environment variables it read, and what it printed. A later run with the same command line
 * whose observations all still hold would print the same thing, so it replays the output instead
 * of loading and running the planner (fastpath/replay.ts).
 *
 * Kept light on purpose: this module and replay.ts are all the no-op path loads (node builtins
 * only; no fp-ts, io-ts, commander, semver). A stamp is untrusted input like every other file in
 * the stage base: anything malformed, oversized or not a regular file is ignored, and the run
 * takes the normal path.
 */

export const STAMP_FORMAT = "plugdeps-noop-stamp/2";
export const STAMP_DIR = path.join(".plugdeps", "noop");
const MAX_STAMP_BYTES = 32 * 1024 * 1024;

/**
 * A stat that sees a change made within one clock tick of the recording may see the same
 * mtime/ctime as before (the kernel stamps files from a coarse clock: 4 ms here, 10 ms at
 * HZ=100). Git's "racily clean" problem. A journal with an identity that new is not stamped.
 */
export const RACY_WINDOW_MS = 20;

export interface Stamp {
  readonly format: string;
  /** The key material (stampKeyMaterial): a replay checks it, so the file name is only a hint. */
  readonly key: string;
  readonly createdAt: number;
  readonly env: Readonly<Record<string, string | null>>;
  readonly observations: readonly Read[];
  readonly output: { readonly stdout: string; readonly stderr: string; readonly exitCode: number };
}

/** What the command line and the process bring that no observation covers. */
export interface StampKeyInput {
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly isTTY: boolean;
}

/** What identifies a command line's stamp; stored in the stamp and compared on replay. */
export const stampKeyMaterial = (k: StampKeyInput): string =>
  JSON.stringify([
    STAMP_FORMAT,
    k.argv,
    k.cwd,
    k.isTTY,
    process.getuid?.() ?? -1,
    process.getgid?.() ?? -1,
    // Which plugdeps runs: two installs (two versions) sharing a stage base each replayed the
    // other's stamp, since a stamp re-checks only its writer's own files (found in session 5).
    process.argv[1] ?? "",
  ]);

/**
 * The stamp's file name: 128 bits of four FNV-1a hashes of the key material. Not node:crypto on
 * purpose: loading it cost a replayed no-op ~10-20 ms of its ~40 (cpu profile, 2026-12-02), and
 * nothing here needs collision resistance, since a replay compares the full key material that
 * the stamp holds (two command lines that shared a name would only miss each other's stamp).
 */
export const stampKey = (k: StampKeyInput): string => {
  const text = stampKeyMaterial(k);
  let out = "";
  for (const seed of [0x811c9dc5, 0x01000193, 0x5bd1e995, 0x27d4eb2f]) {
    let h = seed >>> 0;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
    out += h.toString(16).padStart(8, "0");
  }
  return out;
};

export const stampPath = (stageBase: string, key: string): string =>
  path.join(stageBase, STAMP_DIR, `${key}.json`);

const sameIdentity = (a: Identity, b: Identity): boolean =>
  "error" in a || "error" in b
    ? "error" in a && "error" in b && a.error === b.error
    : a.dev === b.dev &&
      a.ino === b.ino &&
      a.size === b.size &&
      a.mode === b.mode &&
      a.mtimeMs === b.mtimeMs &&
      a.ctimeMs === b.ctimeMs;

const textNow = (kind: "realpath" | "readlink", p: string): string | { error: string } => {
  try {
    return kind === "realpath" ? fs.realpathSync.native(p) : fs.readlinkSync(p);
  } catch (err) {
    return { error: errorCode(err) };
  }
};

const accessNow = (p: string, mode: number): string => {
  try {
    fs.accessSync(p, mode);
    return "ok";
  } catch (err) {
    return errorCode(err);
  }
};

/** Does this observation still hold? One system call. */
export const stillHolds = (o: Read): boolean => {
  switch (o.kind) {
    case "stat":
    case "lstat":
      return sameIdentity(o.seen, currentIdentity(o.kind, o.path));
    case "realpath":
    case "readlink": {
      const now = textNow(o.kind, o.path);
      return typeof o.seen === "string" || typeof now === "string"
        ? o.seen === now
        : o.seen.error === now.error;
    }
    case "access":
      return accessNow(o.path, o.mode) === o.seen;
  }
};

/** The first observation that no longer holds, or null when all do. */
export const firstChanged = (observations: readonly Read[]): Read | null => {
  for (const o of observations) if (!stillHolds(o)) return o;
  return null;
};

/** Why a journal cannot be trusted later, or null. */
export const untrustworthy = (journal: Journal): string | null => {
  if (journal.tainted !== null) return journal.tainted;
  for (const o of journal.observations.values()) {
    if ((o.kind === "stat" || o.kind === "lstat") && !("error" in o.seen)) {
      if (o.seen.ctimeMs >= journal.startedAt - RACY_WINDOW_MS)
        return `${o.path} changed just before it was observed`;
    }
  }
  return null;
};

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

const isIdentity = (v: unknown): v is Identity =>
  isRecord(v) &&
  (typeof v["error"] === "string" ||
    (isNum(v["dev"]) &&
      isNum(v["ino"]) &&
      isNum(v["size"]) &&
      isNum(v["mode"]) &&
      isNum(v["mtimeMs"]) &&
      isNum(v["ctimeMs"])));

const isRead = (v: unknown): v is Read => {
  if (!isRecord(v) || typeof v["path"] !== "string" || !path.isAbsolute(v["path"])) return false;
  const seen = v["seen"];
  switch (v["kind"]) {
    case "stat":
    case "lstat":
      return isIdentity(seen);
    case "realpath":
    case "readlink":
      return typeof seen === "string" || (isRecord(seen) && typeof seen["error"] === "string");
    case "access":
      return isNum(v["mode"]) && typeof seen === "string";
    default:
      return false;
  }
};

/** A stamp file decoded by hand (untrusted; io-ts would cost the no-op path its load time). */
export const decodeStamp = (text: string): Stamp | null => {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(v) || v["format"] !== STAMP_FORMAT || !isNum(v["createdAt"])) return null;
  if (typeof v["key"] !== "string") return null;
  const env = v["env"];
  const output = v["output"];
  const observations = v["observations"];
  if (!isRecord(env) || !Object.values(env).every((x) => x === null || typeof x === "string")) return null;
  if (!isRecord(output) || typeof output["stdout"] !== "string" || typeof output["stderr"] !== "string")
    return null;
  if (!isNum(output["exitCode"]) || !Array.isArray(observations) || !observations.every(isRead)) return null;
  // A stamp that observed nothing would replay "No changes" forever, whatever goes missing
  // (issue "hostile stage base", item 5). replay.ts also wants the stage base among them.
  if (observations.length === 0) return null;
  return v as unknown as Stamp;
};

/** A uid whose records we believe: ours or root's (docs/security.md). */
const trusted = (uid: number): boolean => uid === (process.getuid?.() ?? 0) || uid === 0;
const WRITABLE_BY_OTHERS = 0o022;
const STICKY = 0o1000;

/**
 * Why no stamp under this stage base may decide "converged" (null: one may). A stamp replays
 * "No changes" on its own, so it is believed only where nobody but us and root could have put it
 * (issue "hostile stage base", item 3: a forged stamp in a `.plugdeps/` another uid pre-created
 * made root's apply print "No changes" with nothing installed):
 * - `.plugdeps` and `.plugdeps/noop` are real directories (never links) owned by us or root and
 *   writable by no one else;
 * - when we are root, the stage base itself is writable by root alone, or is a sticky directory
 *   owned by root (as /tmp): anyone who can write it could swap `.plugdeps` for their own. Such a
 *   base still works; only the fast path is off, and every run re-derives its answer.
 * Builtins only (the no-op path loads nothing else).
 */
export const stampPlaceDoubt = (stageBase: string): string | null => {
  try {
    if ((process.getuid?.() ?? 0) === 0) {
      const base = fs.statSync(stageBase);
      const sticky = (base.mode & STICKY) !== 0 && base.uid === 0;
      if (base.uid !== 0 || ((base.mode & WRITABLE_BY_OTHERS) !== 0 && !sticky)) {
        return `the stage base ${stageBase} is writable by a user other than root (owner uid ${base.uid}, mode ${(base.mode & 0o7777).toString(8)}): as root, no record there decides convergence`;
      }
    }
    for (const dir of [path.join(stageBase, ".plugdeps"), path.join(stageBase, STAMP_DIR)]) {
      const st = fs.lstatSync(dir);
      if (!st.isDirectory()) return `${dir} is not a directory (a symlink?)`;
      if (!trusted(st.uid)) return `FOREIGN: ${dir} is owned by uid ${st.uid}, neither this user nor root`;
      if ((st.mode & WRITABLE_BY_OTHERS) !== 0)
        return `FOREIGN: ${dir} is writable by others (mode ${(st.mode & 0o7777).toString(8)})`;
    }
  } catch (err) {
    return `${stageBase}: ${errorCode(err) ?? "unreadable"}`;
  }
  return null;
};

/** Reads a stamp: a regular file (never through a symlink) under the size limit, decoded; else null. */
export const readStamp = (file: string): Stamp | null => {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile() || st.size > MAX_STAMP_BYTES || !trusted(st.uid)) return null;
    return decodeStamp(fs.readFileSync(fd, "utf8"));
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
};

/** Same environment as recorded: every variable the recorded run read has the value it read. */
export const sameEnv = (
  recorded: Readonly<Record<string, string | null>>,
  env: Readonly<Record<string, string | undefined>>,
): boolean => Object.entries(recorded).every(([k, v]) => (env[k] ?? null) === v);
