import * as fs from "node:fs";
import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import { decodeWith } from "../model/decode.js";
import { fsError, type PlugdepsError } from "../model/errors.js";
import { ReconcileStatus } from "../model/status.js";
import { renderReconcileJson } from "../render/documents.js";
import { ensureOwnedDir, untrustedRecord, writeOwnedFile } from "../util/owned-fs.js";
import { parseJson, readTextFile } from "../util/read-json.js";

/**
 * Reading and writing `<stage base>/.plugdeps/status.json`. Reading is for everyone (status,
 * doctor, the loop at start-up to keep transition times across restarts) and never throws: a
 * missing file and an undecodable one (truncated by a full disk, garbage) are distinct results
 * the caller reports; so is a record another user wrote (ignored, docs/security.md). Writing is
 * reconcile's alone and atomic (temp file, fsync, rename: util/owned-fs.ts), so a reader never
 * sees half a record.
 */

export type StatusRead =
  | { readonly _tag: "Missing"; readonly path: string }
  | { readonly _tag: "Invalid"; readonly path: string; readonly error: PlugdepsError }
  | { readonly _tag: "Found"; readonly path: string; readonly status: ReconcileStatus };

export const readStatusFile = (file: string): StatusRead => {
  // Believed only when we or root wrote it (docs/security.md); a link is not followed.
  let st: fs.Stats | undefined;
  try {
    st = fs.lstatSync(file, { throwIfNoEntry: false });
  } catch (err) {
    // `.plugdeps` a file (ENOTDIR) or unreadable: no record to read (found by the planted-link sweep).
    return { _tag: "Invalid", path: file, error: fsError("read the reconcile status record", file, err) };
  }
  const doubt = st === undefined ? null : untrustedRecord(file, st);
  if (doubt !== null) {
    return {
      _tag: "Invalid",
      path: file,
      error: fsError(
        "read the reconcile status record",
        file,
        { code: "EPERM", message: doubt },
        `remove ${file}; the next reconcile pass writes it again`,
      ),
    };
  }
  const text = readTextFile(file);
  if (E.isLeft(text)) {
    return text.left._tag === "Missing"
      ? { _tag: "Missing", path: file }
      : { _tag: "Invalid", path: file, error: text.left.error };
  }
  const decoded = pipe(
    parseJson(file, text.right),
    E.chain(decodeWith(ReconcileStatus, "reconcile status record", file)),
  );
  return E.isRight(decoded)
    ? { _tag: "Found", path: file, status: decoded.right }
    : { _tag: "Invalid", path: file, error: decoded.left };
};

export const writeStatusFile = async (
  file: string,
  status: ReconcileStatus,
): Promise<E.Either<PlugdepsError, void>> => {
  try {
    // `.plugdeps` must be a real directory of ours, and the record replaces whatever is at its
    // name (a planted link is replaced, never written through: util/owned-fs.ts).
    const dir = ensureOwnedDir(path.dirname(path.dirname(file)), path.dirname(file));
    if (E.isLeft(dir)) return dir;
    return writeOwnedFile(file, renderReconcileJson(status));
  } catch (err) {
    return E.left(
      fsError(
        "write the reconcile status record",
        file,
        err,
        "make the stage base writable (under systemd: ReadWritePaths= or StateDirectory=)",
      ),
    );
  }
};
