import * as fs from "../util/observed-fs.js";
import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { errnoCode } from "../model/errors.js";
import { STATE_DIR, STATE_FILE } from "../model/layout.js";
import type { LockHolder } from "../model/plan.js";
import { RootState } from "../model/state.js";
import { decodeWith } from "../model/decode.js";
import { fileKind, readRegularFile } from "../util/bounded-read.js";
import { parseJson } from "../util/read-json.js";
import { type LockFacts, readLockHolder } from "./lock-holder.js";
import { liveTree } from "./generations.js";
import { versionedRootPattern } from "./host-identity.js";
import { type Distrust, type TrustChecker, trustChecker } from "../util/trusted-tree.js";

/**
 * Versioned roots of one host under one stage base. A root counts as ours only with a valid
 * `.plugdeps/state.json` that is a regular file (not a symlink) naming the same host; anything
 * else is reported in `notes` and left alone.
 */
export interface OwnedRoot {
  readonly path: string;
  readonly state: RootState;
  readonly lock: LockHolder | null;
}

export type RootReading =
  | { readonly _tag: "Owned"; readonly root: OwnedRoot }
  | { readonly _tag: "Absent" }
  | {
      readonly _tag: "NotOwned";
      readonly reason: string;
      /**
       * The state record's path when it was refused unread (a FIFO, a device, a symlink, too
       * large): not a root someone else made, but a file put there. The register hook warns.
       */
      readonly refused?: string;
      /**
       * Set when the root, its generation or its state record could have been written by
       * someone else (owned by another uid, or writable by others): a root planted in a shared
       * stage base (issue 17). Never reused, never made live, never resolved into; left alone.
       */
      readonly foreign?: Distrust;
    };

/** A state record is a few KiB; one of thousands of packages stays far below this. */
const MAX_STATE_BYTES = 16 * 1024 * 1024;

export const readRoot = (
  root: string,
  hostName: string,
  facts: LockFacts,
  checker: TrustChecker = trustChecker(),
): RootReading => {
  // The root is our link to one of its generations (or, from a layout without generations, a
  // plain directory); any other link is not ours and is never followed.
  const live = liveTree(root);
  if (live._tag === "Absent") return { _tag: "Absent" };
  if (live._tag === "Foreign") return { _tag: "NotOwned", reason: live.reason };
  const read = readTreeState(root, live.dir, hostName, checker);
  return "state" in read
    ? { _tag: "Owned", root: { path: root, state: read.state, lock: readLockHolder(root, facts) } }
    : { _tag: "NotOwned", ...read };
};

/**
 * The state record of a tree (a root's live generation, or any generation of it: `rollback`
 * reads the previous one), read as untrusted input: the tree, `.plugdeps` and the record must be
 * root's or ours and writable by nobody else, never a link, a regular file of bounded size, a
 * record that decodes and names this host. `root` is the path the tree is reached by (the root's
 * link, or the generation itself).
 */
export const readTreeState = (
  root: string,
  dir: string,
  hostName: string,
  checker: TrustChecker = trustChecker(),
):
  | { readonly state: RootState }
  | { readonly reason: string; readonly refused?: string; readonly foreign?: Distrust } => {
  const stateDir = path.join(dir, STATE_DIR);
  const stateFile = path.join(stateDir, STATE_FILE);
  // Who could have written it (issue 17): the link, the generation, the record and its directory
  // must be root's or ours and writable by nobody else. The stage base itself is judged by the
  // caller (apply: docs/security.md; the register hook: records.ts).
  const foreign = foreignRoot(root, dir, stateDir, stateFile, checker);
  if (foreign !== null) return { reason: foreignReason(foreign), foreign };
  let text: string;
  try {
    // Every component below the root is checked without following links: a `.plugdeps`
    // symlink to someone else's record is a copied marker, not ours (argo-cd #15472).
    if (!fs.lstatSync(stateDir).isDirectory())
      return { reason: `${stateDir} is not a directory (a symlink is never ours)` };
    // Journaled (the fast path's record of what the plan looked at), and taken before the read,
    // which is what covers the content.
    const st = fs.lstatSync(stateFile);
    if (!st.isFile())
      return { reason: `${stateFile} is not a regular file (${fileKind(st)})`, refused: stateFile };
    if (st.size > MAX_STATE_BYTES)
      return {
        reason: `${stateFile} is implausibly large (${st.size} bytes, limit ${MAX_STATE_BYTES})`,
        refused: stateFile,
      };
    // The read itself opens without following links and without blocking, and reads only a
    // regular file: a FIFO swapped in after the lstat must not hang a host's start (issue 15).
    const read = readRegularFile(stateFile, { maxBytes: MAX_STATE_BYTES });
    if (read._tag === "Refused") return { reason: `${stateFile} is ${read.reason}`, refused: stateFile };
    if (read._tag !== "Read")
      return {
        reason: `no state record (${read._tag === "Missing" ? "ENOENT" : read.code} on ${stateFile})`,
      };
    text = read.text;
  } catch (err) {
    return { reason: `no state record (${errnoCode(err)} on ${stateFile})` };
  }
  const decoded = E.chain(decodeWith(RootState, "state record", stateFile))(parseJson(stateFile, text));
  if (E.isLeft(decoded)) return { reason: `unreadable state record: ${decoded.left.message.split("\n")[0]}` };
  if (decoded.right.host.name !== hostName)
    return { reason: `state record belongs to host ${decoded.right.host.name}` };
  return { state: decoded.right };
};

const foreignRoot = (
  root: string,
  live: string,
  stateDir: string,
  stateFile: string,
  checker: TrustChecker,
): Distrust | null => {
  for (const p of root === live ? [root, stateDir, stateFile] : [root, live, stateDir, stateFile]) {
    const d = checker.entry(p);
    if (d !== null) return d;
  }
  return null;
};

/** The words every command uses for a root someone else could have written. */
export const foreignReason = (d: Distrust): string =>
  `foreign: ${d.reason}, so plugdeps neither uses nor removes it`;

/** Owned roots of this host in a stage base, newest first, excluding `except` (the current root). */
export const listOwnedRoots = (
  stageBase: string,
  slug: string,
  hostName: string,
  except: string | null,
  facts: LockFacts,
): { roots: OwnedRoot[]; notes: string[] } => {
  const pattern = versionedRootPattern(slug);
  let names: string[];
  try {
    names = fs.readdirSync(stageBase);
  } catch (err) {
    const code = errnoCode(err);
    return { roots: [], notes: code === "ENOENT" ? [] : [`cannot list ${stageBase}: ${code}`] };
  }
  const roots: OwnedRoot[] = [];
  const notes: string[] = [];
  for (const name of names.sort()) {
    if (!pattern.test(name)) continue;
    const root = path.join(stageBase, name);
    if (root === except) continue;
    const reading = readRoot(root, hostName, facts);
    if (reading._tag === "Owned") roots.push(reading.root);
    else if (reading._tag === "NotOwned") notes.push(`${root}: not owned, left alone (${reading.reason})`);
  }
  roots.sort((a, b) =>
    a.state.updatedAt < b.state.updatedAt ? 1 : a.state.updatedAt > b.state.updatedAt ? -1 : 0,
  );
  return { roots, notes };
};
