import * as fs from "../util/observed-fs.js";
import * as path from "node:path";
import { errnoCode } from "../model/errors.js";
import { trustedUid } from "../util/owned-fs.js";

/**
 * The live-root layout that makes visibility atomic (SPEC §4.5). A versioned root
 * `<stage base>/<name>` is a symlink to a sibling generation directory `<name>.gen-<id>` holding
 * the materialization (package.json, node_modules/, isolated/, .plugdeps/state.json). Making a new
 * generation live is one rename(2) of a new symlink over the old one: readers see the old tree
 * or the new one, never a half-built or missing one. The symlink target is always a bare sibling
 * name, so it can never point outside the stage base.
 */

export const GENERATION_INFIX = ".gen-";

export const generationName = (rootName: string, id: string): string => `${rootName}${GENERATION_INFIX}${id}`;

/** The generation a root name's symlink may point to: `<name>.gen-<id>`, a plain sibling name. */
export const isGenerationOf = (rootName: string, target: string): boolean =>
  target.startsWith(`${rootName}${GENERATION_INFIX}`) &&
  /^[A-Za-z0-9_-]+$/.test(target.slice(rootName.length + GENERATION_INFIX.length)) &&
  !target.includes("/") &&
  !target.includes("\\");

export type LiveTree =
  | { readonly _tag: "Generation"; readonly dir: string; readonly name: string }
  /** A plain directory at the root path (not created by plugdeps' layout). */
  | { readonly _tag: "Directory"; readonly dir: string }
  | { readonly _tag: "Absent" }
  | { readonly _tag: "Foreign"; readonly reason: string };

/** Where the live tree of a root is. Read-only; never follows anything but our own link shape. */
export const liveTree = (root: string): LiveTree => {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(root);
  } catch (err) {
    return errnoCode(err) === "ENOENT"
      ? { _tag: "Absent" }
      : { _tag: "Foreign", reason: `cannot inspect ${root}: ${errnoCode(err)}` };
  }
  if (st.isDirectory()) return { _tag: "Directory", dir: root };
  if (!st.isSymbolicLink()) return { _tag: "Foreign", reason: `${root} is neither a directory nor our link` };
  let target: string;
  try {
    target = fs.readlinkSync(root);
  } catch (err) {
    return { _tag: "Foreign", reason: `cannot read link ${root}: ${errnoCode(err)}` };
  }
  if (!isGenerationOf(path.basename(root), target)) {
    return { _tag: "Foreign", reason: `${root} links to ${target}, not to one of its own generations` };
  }
  const dir = path.join(path.dirname(root), target);
  try {
    if (!fs.lstatSync(dir).isDirectory()) return { _tag: "Foreign", reason: `${dir} is not a directory` };
  } catch (err) {
    return { _tag: "Foreign", reason: `${root} links to a missing generation ${target} (${errnoCode(err)})` };
  }
  return { _tag: "Generation", dir, name: target };
};

/**
 * Every generation directory of a root in its stage base (live or not), by name. A generation
 * owned by a uid that is neither ours nor root is not listed: someone else planted it (issue 17);
 * it is never used, and never removed either (its files are its owner's; doctor reports it).
 */
export const listGenerations = (root: string): string[] => {
  const base = path.dirname(root);
  const prefix = `${path.basename(root)}${GENERATION_INFIX}`;
  try {
    return fs
      .readdirSync(base)
      .filter(
        (n) =>
          n.startsWith(prefix) && isGenerationOf(path.basename(root), n) && !foreignOwned(path.join(base, n)),
      )
      .sort();
  } catch {
    return [];
  }
};

/** Generations of a root that another uid owns: left alone, reported (issue 17). */
export const foreignGenerations = (root: string): { path: string; uid: number }[] => {
  const base = path.dirname(root);
  const prefix = `${path.basename(root)}${GENERATION_INFIX}`;
  let names: string[];
  try {
    names = fs.readdirSync(base);
  } catch {
    return [];
  }
  const out: { path: string; uid: number }[] = [];
  for (const n of names.sort()) {
    if (!n.startsWith(prefix) || !isGenerationOf(path.basename(root), n)) continue;
    const p = path.join(base, n);
    const st = fs.lstatSync(p, { throwIfNoEntry: false });
    if (st !== undefined && !trustedUid(st.uid)) out.push({ path: p, uid: st.uid });
  }
  return out;
};

const foreignOwned = (p: string): boolean => {
  const st = fs.lstatSync(p, { throwIfNoEntry: false });
  return st !== undefined && !trustedUid(st.uid);
};
