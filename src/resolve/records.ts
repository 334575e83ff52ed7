import * as fs from "node:fs";
import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import type { PlugdepsError } from "../model/errors.js";
import type { RootState } from "../model/state.js";
import { GENERATION_INFIX } from "../observe/generations.js";
import { versionedRootPattern } from "../observe/host-identity.js";
import { realLockFacts } from "../observe/lock-holder.js";
import { readRoot } from "../observe/versioned-roots.js";
import { readRegularFile } from "../util/bounded-read.js";
import { type Distrust, type TrustChecker, trustChecker } from "../util/trusted-tree.js";
import { chooseHost, type HostChoice, type RecordsInput } from "./stage-bases.js";

export type { RecordsInput } from "./stage-bases.js";

/**
 * Finds the materialization records run-time resolution needs, WITHOUT writing anything and
 * cheaply: a readdir of each stage base and one state file per versioned root (plus one small
 * package.json per recorded plugin, for its specs). No tree walk, no package manager, no lock.
 * Used once at process start by `plugdeps/register` and by `plugdeps resolve`, so both see the
 * same records.
 */

/** One owned versioned root and what it records. Plain data: it crosses to the hooks thread. */
export interface MaterializationRecord {
  /** The versioned root path (the live link; it follows a later swap to a new generation). */
  readonly root: string;
  readonly stageBase: string;
  readonly state: RootState;
  /**
   * Plugin dir -> dependency name -> spec, read from each recorded plugin's package.json at start
   * (the state lists names only). Absent or unreadable manifest: no entry (specs then unknown).
   */
  readonly specs: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

export interface SearchedBase {
  readonly path: string;
  /** The rule that named it: `PLUGDEPS_STAGE_DIR[0]`, `--stage-dir`, `OPENCLAW_STATE_DIR`, ... */
  readonly source: string;
  readonly roots: number;
  /** Roots present but not ours, unreadable bases (never fatal: the rest is still searched). */
  readonly notes: readonly string[];
}

/** A file the records would have come from, refused unread (a FIFO, a device, a symlink, too large). */
export interface RefusedFile {
  readonly path: string;
  readonly reason: string;
}

export interface FoundRecords {
  readonly records: readonly MaterializationRecord[];
  /**
   * Files refused unread: a root whose state record is refused is not read at all, a plugin
   * whose package.json is refused is left out of its record (its imports are left to Node).
   * `plugdeps/register` warns about them once.
   */
  readonly refused: readonly RefusedFile[];
  readonly searched: readonly SearchedBase[];
  /** The host whose roots were read: `openclaw` or `profile:<name>`. */
  readonly host: string;
}

export const findRecords = (input: RecordsInput): E.Either<PlugdepsError, FoundRecords> =>
  E.map(readRecords)(chooseHost(input));

/** The owned roots of the chosen host in each of its stage bases, with their records. */
export const readRecords = (choice: HostChoice): FoundRecords => {
  const facts = realLockFacts();
  const pattern = versionedRootPattern(choice.slug);
  const seen = new Set<string>();
  const records: MaterializationRecord[] = [];
  const searched: SearchedBase[] = [];
  const refused: RefusedFile[] = [];
  const checker = trustChecker();
  const stageBases = choice.bases.map((b) => path.resolve(b.path));
  for (const base of choice.bases) {
    const stageBase = path.resolve(base.path);
    if (seen.has(stageBase)) continue;
    seen.add(stageBase);
    const notes: string[] = [];
    // Who can write the stage base decides who can plant a root in it (issue 17): a base owned
    // by another uid, or writable by others without being a root-owned sticky directory, is
    // not resolved into at all.
    const baseDistrust = checker.chain(stageBase, stageBase, { includeBase: true });
    if (baseDistrust !== null) {
      const reason = `stage base ${baseDistrust.reason}: nothing is resolved from it`;
      notes.push(reason);
      refused.push({ path: baseDistrust.path, reason });
      searched.push({ path: stageBase, source: base.source, roots: 0, notes });
      continue;
    }
    let names: string[] = [];
    try {
      names = fs.readdirSync(stageBase).sort();
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code !== "ENOENT") notes.push(`cannot list ${stageBase}: ${String(code)}`);
    }
    let count = 0;
    for (const name of names) {
      // Generation dirs (`<root>.gen-<id>`) and set-aside trees end like a root name too; only
      // the live link itself is a root.
      if (!pattern.test(name) || name.includes(GENERATION_INFIX) || name.includes(".aside-")) continue;
      const root = path.join(stageBase, name);
      const reading = readRoot(root, choice.hostName, facts, checker);
      if (reading._tag === "NotOwned") {
        notes.push(`${root}: not owned (${reading.reason})`);
        if (reading.refused !== undefined) refused.push({ path: reading.refused, reason: reading.reason });
        else if (reading.foreign !== undefined)
          refused.push({ path: reading.foreign.path, reason: `${root}: ${reading.reason}` });
      }
      if (reading._tag !== "Owned") continue;
      count++;
      const read = readSpecs(reading.root.state);
      for (const r of read.refused) notes.push(`${root}: plugin left to Node's own resolution (${r.reason})`);
      refused.push(...read.refused);
      const trusted = dropForeignPackages(root, stageBase, read.state, checker, stageBases);
      for (const r of trusted.refused)
        notes.push(`${root}: package left to Node's own resolution (${r.reason})`);
      refused.push(...trusted.refused);
      records.push({ root, stageBase, state: trusted.state, specs: read.specs });
    }
    searched.push({ path: stageBase, source: base.source, roots: count, notes });
  }
  return { records, refused, searched, host: choice.label };
};

/**
 * The record without the packages someone else could have written (issue 17: "a planted single
 * package"): every entry from the stage base down to the package directory, for pnpm its real
 * `.pnpm/...` directories too, must be root's or the host's own uid's and writable by nobody
 * else. A refused package is dropped from its set, so the hook resolves nothing there and Node's
 * own resolution decides. lstat/realpath only, each directory judged once (the checker's cache):
 * a root's packages share their `node_modules`.
 */
const dropForeignPackages = (
  root: string,
  stageBase: string,
  state: RootState,
  checker: TrustChecker,
  stageBases: readonly string[],
): { state: RootState; refused: RefusedFile[] } => {
  const refused: RefusedFile[] = [];
  const refuse = (d: Distrust, name: string): void => {
    refused.push({ path: d.path, reason: `${name}: ${d.reason}` });
  };
  let changed = false;
  const sets = state.sets.map((set) => {
    const kept: Record<string, (typeof set.packages)[string]> = {};
    let dropped = false;
    for (const [name, entry] of Object.entries(set.packages)) {
      const dir = path.resolve(root, set.dir, "node_modules", name);
      const d = checker.chain(stageBase, dir);
      if (d === null) kept[name] = entry;
      else {
        refuse(d, name);
        dropped = true;
      }
    }
    changed ||= dropped;
    return dropped ? { ...set, packages: kept } : set;
  });
  const external = (state.external ?? []).filter((e) => {
    if (!path.isAbsolute(e.dir)) return true; // never a candidate (decide.ts)
    const dir = path.resolve(e.dir);
    // Judged from the stage base holding it, else from the directory holding its node_modules.
    const suffix = `${path.sep}${path.join("node_modules", e.name)}`;
    const base =
      stageBases.find((b) => dir.startsWith(`${b}${path.sep}`)) ??
      (dir.endsWith(suffix) ? dir.slice(0, dir.length - suffix.length) : path.dirname(dir));
    const d = checker.chain(base, dir);
    if (d === null) return true;
    refuse(d, e.name);
    changed = true;
    return false;
  });
  if (!changed) return { state, refused };
  return {
    state: { ...state, sets, ...(state.external === undefined ? {} : { external }) },
    refused,
  };
};

/** A plugin's package.json is a few KiB; a bigger one is not read in a host's start. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/**
 * The declared specs of each recorded plugin, from its package.json (dependencies, then
 * optionalDependencies overriding, as the adapters merge them). Best effort: a missing or
 * unreadable manifest only means the version check in decide.ts has nothing to compare against.
 * A manifest that is not a regular file of a sane size (a FIFO would block the host's start
 * forever) is refused unread, and its plugin is left out of the record: nothing is resolved for
 * it, Node's own resolution decides.
 */
const readSpecs = (
  state: RootState,
): { state: RootState; specs: Record<string, Record<string, string>>; refused: RefusedFile[] } => {
  const specs: Record<string, Record<string, string>> = {};
  const refused: RefusedFile[] = [];
  const plugins = state.plugins ?? [];
  const kept = plugins.filter((plugin) => {
    const file = path.join(plugin.dir, "package.json");
    const read = readRegularFile(file, { maxBytes: MAX_MANIFEST_BYTES });
    if (read._tag === "Refused") {
      refused.push({ path: file, reason: `${file} is ${read.reason}` });
      return false;
    }
    if (read._tag !== "Read") return true; // missing or unreadable: no specs for this plugin
    try {
      const parsed: unknown = JSON.parse(read.text);
      const manifest = (typeof parsed === "object" && parsed !== null ? parsed : {}) as {
        dependencies?: unknown;
        optionalDependencies?: unknown;
      };
      specs[plugin.dir] = {
        ...stringMap(manifest.dependencies),
        ...stringMap(manifest.optionalDependencies),
      };
    } catch {
      // Not JSON: no specs for this plugin.
    }
    return true;
  });
  return { state: kept.length === plugins.length ? state : { ...state, plugins: kept }, specs, refused };
};

const stringMap = (value: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  if (value === null || typeof value !== "object" || Array.isArray(value)) return out;
  for (const [k, v] of Object.entries(value)) if (typeof v === "string" && k !== "__proto__") out[k] = v;
  return out;
};
