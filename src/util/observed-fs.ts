import * as fs from "node:fs";

/**
 * `node:fs` for the read side of a plan, with an optional journal of every observation.
 *
 * The plan is a pure function of what it observes on disk (plus env and flags). While a journal
 * is open, each read below records what it saw: a file's or directory's identity (dev, ino,
 * size, mode, mtime, ctime) or the error it got, a link's target, an access(2) outcome. If every
 * recorded observation still holds later, recomputing the plan would make the same observations
 * and reach the same result, so the recorded result can be reused without loading the planner
 * (src/fastpath/). This is npm Arborist's hidden-lockfile rule — trust a record only while
 * nothing on disk is newer — made exact: the record lists what was looked at, not what we
 * remember to check.
 *
 * Writes are not here: modules that write import `node:fs` directly. Everything else is
 * re-exported unchanged, so `import * as fs from "./observed-fs.js"` is a drop-in.
 */
export * from "node:fs";
import type { Identity, Journal, Read } from "../model/reads.js";

export type { Identity, Journal, Read } from "../model/reads.js";

let active: Journal | null = null;

/**
 * Runs `fn` with a journal open and returns what it observed. Only the observe step opens one
 * (observe/observe.ts, when asked to record its reads): the journal then travels in the
 * Observation it produced, and the fast path stamps or memoizes exactly that. An inner journal
 * hides its reads from an outer one.
 */
export const withJournal = <A>(fn: () => A): { result: A; journal: Journal } => {
  const outer = active;
  const journal: Journal = { startedAt: Date.now(), observations: new Map(), tainted: null };
  active = journal;
  try {
    return { result: fn(), journal };
  } finally {
    active = outer;
  }
};

/** A decision used the clock or another process's liveness: the result may change by itself. */
export const noteUnrepeatable = (why: string): void => {
  if (active !== null && active.tainted === null) active.tainted = why;
};

/** The code of a failed fs call (`ENOENT`, ...), or `EUNKNOWN`. */
export const errorCode = (err: unknown): string =>
  typeof err === "object" && err !== null && typeof (err as { code?: unknown }).code === "string"
    ? (err as { code: string }).code
    : "EUNKNOWN";

export const identityOf = (st: fs.Stats): Identity => ({
  dev: st.dev,
  ino: st.ino,
  size: st.size,
  mode: st.mode,
  mtimeMs: st.mtimeMs,
  ctimeMs: st.ctimeMs,
});

const record = (key: string, obs: Read): void => {
  if (active === null) return;
  const before = active.observations.get(key);
  if (before === undefined) active.observations.set(key, obs);
  else if (JSON.stringify(before.seen) !== JSON.stringify(obs.seen)) {
    // The same path looked different twice in one run: the disk changed while we planned.
    noteUnrepeatable(`${obs.path} changed while it was observed`);
  }
};

const recordIdentity = (kind: "stat" | "lstat", p: fs.PathLike, seen: Identity): void => {
  const path = String(p);
  record(`${kind}\0${path}`, { kind, path, seen });
};

/** Identity of a path right now (one stat or lstat, no throw): what a re-check compares. */
export const currentIdentity = (kind: "stat" | "lstat", path: string): Identity => {
  try {
    const st =
      kind === "stat"
        ? fs.statSync(path, { throwIfNoEntry: false })
        : fs.lstatSync(path, { throwIfNoEntry: false });
    return st === undefined ? { error: "ENOENT" } : identityOf(st);
  } catch (err) {
    return { error: errorCode(err) };
  }
};

const observeIdentity = (kind: "stat" | "lstat", p: fs.PathLike): void => {
  if (active !== null) recordIdentity(kind, p, currentIdentity(kind, String(p)));
};

const statWith =
  (kind: "stat" | "lstat", real: typeof fs.statSync) =>
  (p: fs.PathLike, options?: fs.StatSyncOptions): unknown => {
    if (active === null) return real(p, options);
    let st: fs.Stats | fs.BigIntStats | undefined;
    try {
      st = real(p, options);
    } catch (err) {
      recordIdentity(kind, p, { error: errorCode(err) });
      throw err;
    }
    if (st === undefined) recordIdentity(kind, p, { error: "ENOENT" });
    else if (typeof st.ino === "bigint") observeIdentity(kind, p);
    else recordIdentity(kind, p, identityOf(st as fs.Stats));
    return st;
  };

export const statSync = statWith("stat", fs.statSync) as typeof fs.statSync;
export const lstatSync = statWith("lstat", fs.lstatSync as typeof fs.statSync) as typeof fs.lstatSync;

/** A file's content is covered by its identity, taken BEFORE the read (a later change moves ctime). */
export const readFileSync = ((p: fs.PathOrFileDescriptor, options?: unknown): unknown => {
  if (active !== null && typeof p !== "number") observeIdentity("stat", p as fs.PathLike);
  return fs.readFileSync(p, options as fs.ObjectEncodingOptions);
}) as typeof fs.readFileSync;

/** A listing is covered by the directory's identity: adding, removing or renaming an entry moves its mtime. */
export const readdirSync = ((p: fs.PathLike, options?: unknown): unknown => {
  observeIdentity("stat", p);
  return fs.readdirSync(p, options as fs.ObjectEncodingOptions);
}) as typeof fs.readdirSync;

export const existsSync = (p: fs.PathLike): boolean => {
  observeIdentity("stat", p);
  return fs.existsSync(p);
};

const textWith =
  (kind: "realpath" | "readlink", real: (p: fs.PathLike) => string) =>
  (p: fs.PathLike): string => {
    const path = String(p);
    try {
      const target = real(p);
      record(`${kind}\0${path}`, { kind, path, seen: target });
      return target;
    } catch (err) {
      record(`${kind}\0${path}`, { kind, path, seen: { error: errorCode(err) } });
      throw err;
    }
  };

const realpathNative = (p: fs.PathLike): string => fs.realpathSync.native(p);
export const realpathSync = Object.assign(textWith("realpath", realpathNative), {
  native: textWith("realpath", realpathNative),
}) as unknown as typeof fs.realpathSync;
export const readlinkSync = textWith("readlink", (p) => fs.readlinkSync(p)) as typeof fs.readlinkSync;

export const accessSync = (p: fs.PathLike, mode?: number): void => {
  const path = String(p);
  const m = mode ?? fs.constants.F_OK;
  try {
    fs.accessSync(p, m);
    record(`access${m}\0${path}`, { kind: "access", path, mode: m, seen: "ok" });
  } catch (err) {
    record(`access${m}\0${path}`, { kind: "access", path, mode: m, seen: errorCode(err) });
    throw err;
  }
};

/** The functions fast-glob walks with, journaled like the rest (its `fs` option). */
export const globFs = {
  lstat: fs.lstat,
  stat: fs.stat,
  lstatSync,
  statSync,
  readdir: fs.readdir,
  readdirSync,
};
