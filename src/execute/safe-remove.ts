import * as fs from "node:fs";
import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { errnoCode, fsError, type PlugdepsError } from "../model/errors.js";

/**
 * The one way plugdeps deletes anything (SPEC §4.8). The checks happen at delete time, not at
 * plan time, because the disk may have changed in between:
 * - the target, resolved, has no `..` and lies strictly inside one of the allowed roots, and its
 *   parent directory's realpath does too (a symlinked parent cannot redirect the delete);
 * - an allowed root itself is never removed (never the stage base itself);
 * - a symlink is unlinked, never followed; directories are removed without following links
 *   inside them (fs.rm does not follow symlinks).
 */
export const removeWithin = (
  target: string,
  allowedRoots: readonly string[],
  what: string,
): E.Either<PlugdepsError, boolean> => {
  const abs = path.resolve(target);
  if (target.split(/[\\/]/).includes("..")) return E.left(refuse(abs, "the path contains `..`", what));
  let parentReal: string;
  try {
    parentReal = fs.realpathSync(path.dirname(abs));
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return E.right(false);
    return E.left(fsError(`inspect before removing ${what}`, abs, err));
  }
  const real = path.join(parentReal, path.basename(abs));
  const roots = allowedRoots.map((r) => {
    try {
      return fs.realpathSync(r);
    } catch {
      return path.resolve(r);
    }
  });
  if (roots.some((r) => r === real || r === abs))
    return E.left(refuse(abs, "it is an owned root itself", what));
  if (!roots.some((r) => real.startsWith(r + path.sep))) {
    return E.left(refuse(abs, `it resolves to ${real}, outside ${roots.join(", ")}`, what));
  }
  try {
    const st = fs.lstatSync(real);
    if (st.isDirectory()) fs.rmSync(real, { recursive: true, force: true });
    else fs.unlinkSync(real);
    return E.right(true);
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return E.right(false);
    return E.left(
      fsError(`remove ${what}`, real, err, "check permissions on the stage base (or run `plugdeps doctor`)"),
    );
  }
};

const refuse = (p: string, why: string, what: string): PlugdepsError =>
  fsError(
    `remove ${what}`,
    p,
    { code: "EREFUSED", message: `refused: ${why}` },
    "this is a safety stop; report it if the path looks right",
  );
