import * as fs from "node:fs";
import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import writeFileAtomic from "write-file-atomic";
import { errnoCode, fsError, type PlugdepsError } from "../model/errors.js";

/**
 * Writes rendered unit files into a directory: the one write `plugdeps units --out` makes. All
 * files are checked before any is written, so a refusal leaves the directory as it was. A file
 * that already holds exactly this text is left alone (re-running is a no-op); a different one is
 * an operator's edit or another version, and is replaced only with `--force`.
 */

export interface UnitFile {
  readonly name: string;
  readonly text: string;
}

export type WriteOutcome = "created" | "replaced" | "unchanged";

export const writeUnitFiles = (
  dir: string,
  files: readonly UnitFile[],
  force: boolean,
): E.Either<PlugdepsError, { readonly path: string; readonly outcome: WriteOutcome }[]> => {
  const planned: { path: string; text: string; outcome: WriteOutcome }[] = [];
  for (const file of files) {
    const target = path.join(dir, file.name);
    let existing: string | null = null;
    try {
      existing = fs.readFileSync(target, "utf8");
    } catch (err) {
      if (errnoCode(err) !== "ENOENT") return E.left(fsError("read existing unit file", target, err));
    }
    if (existing === null) planned.push({ path: target, text: file.text, outcome: "created" });
    else if (existing === file.text) planned.push({ path: target, text: file.text, outcome: "unchanged" });
    else if (force) planned.push({ path: target, text: file.text, outcome: "replaced" });
    else {
      return E.left(
        fsError(
          "write unit file",
          target,
          { code: "EEXIST", message: "a different file is already there; nothing was written" },
          "compare it with `plugdeps units` (stdout), then pass --force to replace it",
        ),
      );
    }
  }
  // The directory and, for the host's drop-in, its `<unit>.d` below it.
  for (const sub of new Set(planned.map((p) => path.dirname(p.path)))) {
    try {
      fs.mkdirSync(sub, { recursive: true });
    } catch (err) {
      return E.left(fsError("create unit directory", sub, err, "choose a writable --out directory"));
    }
  }
  for (const p of planned) {
    if (p.outcome === "unchanged") continue;
    try {
      writeFileAtomic.sync(p.path, p.text, { mode: 0o644 });
    } catch (err) {
      return E.left(fsError("write unit file", p.path, err, "choose a writable --out directory"));
    }
  }
  return E.right(planned.map((p) => ({ path: p.path, outcome: p.outcome })));
};
