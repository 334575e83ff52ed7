import * as fs from "node:fs";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import * as E from "fp-ts/lib/Either.js";
import { errnoCode, fsError, type PlugdepsError } from "../model/errors.js";

/**
 * Writes under a stage base that someone else may be able to write (docs/security.md).
 *
 * plugdeps often runs as root against a stage base the host's service user can write. Whatever
 * plugdeps creates, writes or replaces there goes through this module, by these rules:
 *
 * - A directory plugdeps expects to own (`.plugdeps`, its `cache`, `logs`, `noop`) is checked with
 *   `lstat` when it is used: a symlink, a non-directory, or a directory owned by a uid that is
 *   neither ours nor root is refused with a message naming the path, what it is, its owner and the
 *   fix. A missing one is created with mode 0755 whatever the umask (mkdir honours the umask, so
 *   the mode is set again with chmod), then checked again (a link planted in between is caught).
 * - A file is written beside its final name with O_EXCL|O_NOFOLLOW (a planted name fails instead of
 *   being followed), its mode set on the descriptor, then renamed over the final name: rename(2)
 *   replaces a link found there, it never writes through it (write-file-atomic resolved the
 *   link's target first and wrote THERE: issue "hostile stage base", item 2).
 * - Temp files carry one recognisable suffix (`.plugdeps-tmp-<id>`), so what a kill at the
 *   rename leaves is found and removed later (`isOwnedTempName`).
 *
 * Reads of records that decide something (`trustedRecordOwner`): a record is believed only when
 * it is a regular file owned by us or by root; anything else is ignored with a warning.
 */

const myUid = (): number => process.getuid?.() ?? 0;

/** A uid whose files we believe: ours, or root's. */
export const trustedUid = (uid: number): boolean => uid === myUid() || uid === 0;

export const TEMP_MARK = ".plugdeps-tmp-";

/** A temp file this module writes: `<name>.plugdeps-tmp-<12 hex>`. */
export const isOwnedTempName = (name: string): boolean => /\.plugdeps-tmp-[0-9a-f]{12}$/.test(name);

export const DIR_MODE = 0o755;
export const FILE_MODE = 0o644;

const describeEntry = (st: fs.Stats): string =>
  st.isSymbolicLink()
    ? "a symlink"
    : st.isDirectory()
      ? "a directory"
      : st.isFile()
        ? "a file"
        : st.isFIFO()
          ? "a FIFO"
          : st.isSocket()
            ? "a socket"
            : "a special file";

/** Why a directory we expect to own cannot be used (null: it can), from its lstat. */
export const ownedDirProblem = (dir: string, st: fs.Stats): string | null => {
  if (st.isSymbolicLink()) {
    let target = "?";
    try {
      target = fs.readlinkSync(dir);
    } catch {
      // gone meanwhile: still a refusal
    }
    return `it is a symlink (to ${target}); plugdeps never writes through a link under the stage base`;
  }
  if (!st.isDirectory()) return `it is ${describeEntry(st)}, not a directory`;
  if (!trustedUid(st.uid)) {
    return `it is owned by uid ${st.uid}, not by this user (uid ${myUid()}) or root, so its contents cannot be trusted`;
  }
  return null;
};

const refusal = (dir: string, why: string): PlugdepsError =>
  fsError(
    "use a directory plugdeps owns",
    dir,
    { code: "EPERM", message: why },
    `remove ${dir} (it is not plugdeps'; keep a copy if it is someone's), make sure only root or this user can write the stage base, and run again`,
  );

/**
 * `dir` as a real directory we own, created when missing (parents too, each one checked).
 * `stop` is the directory the check starts below (the stage base, which the caller chose and
 * checked): every component from there down to `dir` is checked.
 */
export const ensureOwnedDir = (stop: string, dir: string): E.Either<PlugdepsError, void> => {
  const rel = path.relative(stop, dir);
  if (rel.startsWith("..") || path.isAbsolute(rel)) {
    return E.left(refusal(dir, `it is not under ${stop}`));
  }
  let at = stop;
  for (const part of rel === "" ? [] : rel.split(path.sep)) {
    at = path.join(at, part);
    let st: fs.Stats | null;
    try {
      st = lstatOrNull(at);
    } catch (err) {
      return E.left(fsError("inspect directory", at, err, "check permissions on the stage base"));
    }
    if (st === null) {
      try {
        fs.mkdirSync(at, { mode: DIR_MODE });
        fs.chmodSync(at, DIR_MODE); // whatever the umask (mkdir applies it)
      } catch (err) {
        if (errnoCode(err) !== "EEXIST") {
          return E.left(
            fsError("create directory", at, err, "check that the stage base is writable by this user"),
          );
        }
      }
      st = fs.lstatSync(at, { throwIfNoEntry: false }) ?? null;
      if (st === null) return E.left(refusal(at, "it vanished right after it was created"));
    }
    const problem = ownedDirProblem(at, st);
    if (problem !== null) return E.left(refusal(at, problem));
  }
  return E.right(undefined);
};

/** Writes `file` (its directory already checked with ensureOwnedDir) by temp file and rename. */
export const writeOwnedFile = (
  file: string,
  data: string | Uint8Array,
  opts: { readonly mode?: number; readonly fsync?: boolean } = {},
): E.Either<PlugdepsError, void> => {
  const tmp = `${file}${TEMP_MARK}${randomBytes(6).toString("hex")}`;
  let fd: number | null = null;
  try {
    fd = fs.openSync(
      tmp,
      fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW,
      opts.mode ?? FILE_MODE,
    );
    fs.fchmodSync(fd, opts.mode ?? FILE_MODE); // whatever the umask
    fs.writeFileSync(fd, data);
    if (opts.fsync !== false) fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    fs.renameSync(tmp, file);
    return E.right(undefined);
  } catch (err) {
    if (fd !== null) fs.closeSync(fd);
    try {
      fs.unlinkSync(tmp);
    } catch {
      // never created, or already renamed
    }
    return E.left(fsError("write", file, err, "check that the stage base is writable by this user"));
  }
};

/** Same as writeOwnedFile, throwing (for code that reports one error for a whole step). */
export const writeOwnedFileOrThrow = (
  file: string,
  data: string | Uint8Array,
  opts: { readonly mode?: number; readonly fsync?: boolean } = {},
): void => {
  const written = writeOwnedFile(file, data, opts);
  if (E.isLeft(written)) throw Object.assign(new Error(written.left.message), { code: "EPLUGDEPS" });
};

/**
 * Who wrote a record, when that decides whether it is believed: null when it is a regular file
 * owned by us or root (believe it), else why not (ignore it, and say so).
 */
export const untrustedRecord = (file: string, st: fs.Stats): string | null => {
  if (st.isSymbolicLink()) return `${file} is a symlink; a record is never read through a link`;
  if (!st.isFile()) return `${file} is ${describeEntry(st)}, not a regular file`;
  if (!trustedUid(st.uid))
    return `${file} is owned by uid ${st.uid}, neither this user (uid ${myUid()}) nor root`;
  return null;
};

const lstatOrNull = (p: string): fs.Stats | null => {
  try {
    return fs.lstatSync(p);
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return null;
    throw err;
  }
};
