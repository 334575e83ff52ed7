import * as fs from "./observed-fs.js";
import * as path from "node:path";
import { errnoCode } from "../model/errors.js";
import type { ProbeMode } from "../model/options.js";

/**
 * Can plugdeps create entries in `dir`?
 *
 * - `write` (mutating commands): a real write — create and remove a uniquely named temp entry.
 *   Permission bits lie (openclaw #70163: mode said writable, the mount was read-only), so the
 *   only honest answer comes from trying.
 * - `access` (read-only commands: plan, status, resolve, doctor): access(2) with W_OK. It reports
 *   EROFS for read-only mounts and EACCES for permissions without writing anything, because a
 *   read-only command must never write (openclaw #71743). `apply` re-probes with a real write
 *   under the lock, and a different answer there makes a saved plan stale.
 *
 * A directory that does not exist yet is judged by its nearest existing ancestor, since the
 * mutating path will create it with `mkdir -p`.
 */
export type { ProbeMode };

export type ProbeResult =
  | { readonly writable: true; readonly probedAt: string }
  | { readonly writable: false; readonly probedAt: string; readonly code: string; readonly error: string };

export const probeWritable = (dir: string, mode: ProbeMode): ProbeResult => {
  const existing = nearestExistingDir(dir);
  if (existing === null) {
    return { writable: false, probedAt: dir, code: "ENOENT", error: `no existing ancestor of ${dir}` };
  }
  if (existing.code !== null) {
    // stat(2) itself failed (EACCES on a parent, ELOOP, EIO...): say so, it is not "not a directory".
    return {
      writable: false,
      probedAt: existing.path,
      code: existing.code,
      error: `${existing.code}: cannot inspect ${existing.path}`,
    };
  }
  if (!existing.isDir) {
    return {
      writable: false,
      probedAt: existing.path,
      code: "ENOTDIR",
      error: `${existing.path} is not a directory`,
    };
  }
  try {
    if (mode === "access") {
      fs.accessSync(existing.path, fs.constants.W_OK | fs.constants.X_OK);
    } else {
      const probe = path.join(existing.path, `.plugdeps-probe-${process.pid}-${randomSuffix()}`);
      fs.mkdirSync(probe);
      fs.rmdirSync(probe);
    }
    return { writable: true, probedAt: existing.path };
  } catch (err) {
    const code = errnoCode(err);
    return { writable: false, probedAt: existing.path, code, error: describeProbeError(code, existing.path) };
  }
};

const describeProbeError = (code: string, at: string): string => {
  switch (code) {
    case "EROFS":
      return `EROFS: ${at} is on a read-only filesystem`;
    case "EACCES":
    case "EPERM":
      return `${code}: no permission to create entries in ${at}`;
    case "ENOSPC":
      return `ENOSPC: no space left on the device of ${at}`;
    default:
      return `${code}: cannot create entries in ${at}`;
  }
};

/** The nearest path that exists; `code` is set when it cannot even be inspected. */
const nearestExistingDir = (dir: string): { path: string; isDir: boolean; code: string | null } | null => {
  let current = path.resolve(dir);
  for (;;) {
    try {
      const st = fs.statSync(current);
      return { path: current, isDir: st.isDirectory(), code: null };
    } catch (err) {
      const code = errnoCode(err);
      if (code !== "ENOENT" && code !== "ENOTDIR") return { path: current, isDir: false, code };
    }
    const parent = path.dirname(current);
    if (parent === current) return null;
    current = parent;
  }
};

const randomSuffix = (): string => Math.random().toString(36).slice(2, 10);
