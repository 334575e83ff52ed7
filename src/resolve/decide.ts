import { isBuiltin } from "node:module";
import * as path from "node:path";
import * as semver from "semver";
import type { MaterializationRecord } from "./records.js";

/**
 * THE resolution decision, shared by the `plugdeps/register` hooks and `plugdeps resolve` (SPEC
 * §4.11: "`resolve` explains the same decision"). Pure: records and strings in, a decision out;
 * the one filesystem question (does a candidate directory exist?) is a predicate the caller
 * passes to `pickCandidate`.
 *
 * Rules:
 * - Only BARE specifiers are ever touched; relative, absolute, URL (`node:`, `file:`, `data:`),
 *   `#imports` and Node builtins go to Node unchanged.
 * - Only files inside a recorded plugin directory (and not inside that plugin's own
 *   `node_modules`) are concerned, and only for dependencies that plugin DECLARES.
 * - The plugin's isolated set first (a conflict was isolated there, so nothing else may stand in
 *   for it), then the shared set, then a read-only layer that satisfies it in place; otherwise
 *   Node's own resolution (e.g. the host's node_modules satisfies it).
 */

export type Via = "isolated" | "shared" | "external";

export interface Candidate {
  readonly via: Via;
  /** The install set id (`plugin:<id>` or `shared`). */
  readonly set: string;
  /** Where the package must be: `<set dir>/node_modules/<name>`. */
  readonly packageDir: string;
  /** Resolve as if imported from a file in this directory (its node_modules holds the package). */
  readonly from: string;
  /** The version the record says is there ("" or null: not recorded). */
  readonly version: string | null;
}

export interface Skip {
  /** What was passed over: `isolated set`, `shared set`, `read-only layer`, `root <path>`. */
  readonly what: string;
  readonly reason: string;
}

export interface PluginRef {
  readonly id: string;
  readonly dir: string;
}

export interface RootRef {
  readonly path: string;
  readonly hostName: string;
  readonly hostVersion: string;
  readonly packageRoot: string;
  readonly updatedAt: string;
}

/** What the hook does with one import (a plugin's activation is another Decision: hosts/types.ts). */
export type ResolutionDecision =
  | {
      readonly _tag: "Untouched";
      readonly reason: string;
      /** Known when the file is in a recorded plugin directory. */
      readonly plugin: PluginRef | null;
      readonly root: RootRef | null;
      /** The package name when the specifier is bare. */
      readonly name: string | null;
      readonly skipped: readonly Skip[];
    }
  | {
      readonly _tag: "Declared";
      readonly plugin: PluginRef;
      readonly root: RootRef;
      readonly name: string;
      /** `.` or `./sub/path`. */
      readonly subpath: string;
      /** The plugin's declared spec, when its package.json was readable. */
      readonly spec: string | null;
      /** In order; empty: not materialized in this root, Node's own resolution decides. */
      readonly candidates: readonly Candidate[];
      readonly skipped: readonly Skip[];
    };

// ---------------------------------------------------------------------------------------------
// Specifiers

export type ParsedSpecifier =
  | { readonly _tag: "Bare"; readonly name: string; readonly subpath: string }
  | { readonly _tag: "NotBare"; readonly reason: string };

/** `@s/n/sub` -> `@s/n` + `./sub`; `n/sub` -> `n` + `./sub`; everything else is not bare. */
export const parseSpecifier = (specifier: string): ParsedSpecifier => {
  if (specifier === "") return { _tag: "NotBare", reason: "empty specifier" };
  if (
    specifier === "." ||
    specifier === ".." ||
    specifier.startsWith("./") ||
    specifier.startsWith("../") ||
    specifier.startsWith(".\\") ||
    specifier.startsWith("..\\")
  )
    return { _tag: "NotBare", reason: "relative specifier: resolved against the importing file" };
  if (specifier.startsWith("/") || path.isAbsolute(specifier))
    return { _tag: "NotBare", reason: "absolute path: resolved as written" };
  if (specifier.startsWith("#"))
    return { _tag: "NotBare", reason: "package import (#...): resolved by the plugin's own package.json" };
  const slash = specifier.indexOf("/");
  const colon = specifier.indexOf(":");
  if (colon !== -1 && (slash === -1 || colon < slash))
    return { _tag: "NotBare", reason: "URL specifier (node:, file:, data:, ...): resolved as written" };
  if (isBuiltin(specifier))
    return { _tag: "NotBare", reason: "Node builtin module: no package can shadow it" };
  const parts = specifier.split("/");
  const scoped = specifier.startsWith("@");
  const nameParts = scoped ? 2 : 1;
  if (parts.length < nameParts || parts.slice(0, nameParts).some((p) => p === ""))
    return { _tag: "NotBare", reason: "not a valid package specifier" };
  const name = parts.slice(0, nameParts).join("/");
  // Node's own rule for package names in specifiers (ERR_INVALID_MODULE_SPECIFIER otherwise).
  if (name.startsWith(".") || name.includes("\\") || name.includes("%") || (scoped && name.startsWith("@.")))
    return { _tag: "NotBare", reason: "not a valid package name" };
  const rest = parts.slice(nameParts).join("/");
  return { _tag: "Bare", name, subpath: parts.length > nameParts ? `./${rest}` : "." };
};

// ---------------------------------------------------------------------------------------------
// The index: built once per process (per hooks thread), consulted per import

interface Entry {
  readonly record: MaterializationRecord;
  readonly root: RootRef;
  readonly plugin: PluginRef;
  readonly declared: ReadonlySet<string>;
}

export interface ResolutionIndex {
  /** Longest dir first, so a nested plugin dir wins over its parent. */
  readonly entries: readonly Entry[];
  /**
   * The longest directory prefix (ending in a separator) every recorded plugin dir shares, or
   * null when there is none. A file not under it is in no plugin dir: one startsWith per import.
   */
  readonly prefix: string | null;
}

const withSep = (dir: string): string => (dir.endsWith(path.sep) ? dir : `${dir}${path.sep}`);

export const indexRecords = (records: readonly MaterializationRecord[]): ResolutionIndex => {
  const entries: Entry[] = [];
  for (const record of records) {
    const s = record.state;
    const root: RootRef = {
      path: record.root,
      hostName: s.host.name,
      hostVersion: s.host.version,
      packageRoot: s.host.packageRoot,
      updatedAt: s.updatedAt,
    };
    for (const p of s.plugins ?? []) {
      if (!path.isAbsolute(p.dir)) continue; // a record we did not write; never guess a base
      entries.push({
        record,
        root,
        plugin: { id: p.id, dir: path.resolve(p.dir) },
        declared: new Set(p.dependencies),
      });
    }
  }
  entries.sort((a, b) => b.plugin.dir.length - a.plugin.dir.length);
  return { entries, prefix: commonPrefix(entries.map((e) => withSep(e.plugin.dir))) };
};

/** Longest common prefix of directory paths (each ending in a separator), cut at a separator. */
const commonPrefix = (dirs: readonly string[]): string | null => {
  const [first, ...rest] = dirs;
  if (first === undefined) return null;
  let prefix = first;
  for (const dir of rest) {
    let i = 0;
    while (i < prefix.length && i < dir.length && prefix[i] === dir[i]) i++;
    prefix = prefix.slice(0, i);
  }
  const cut = prefix.lastIndexOf(path.sep);
  return cut < 0 ? null : prefix.slice(0, cut + 1);
};

/** The fast path: can `file` be inside a recorded plugin dir at all? */
export const mayConcern = (index: ResolutionIndex, file: string): boolean =>
  index.prefix !== null && file.startsWith(index.prefix);

// ---------------------------------------------------------------------------------------------
// The decision

const untouched = (
  reason: string,
  extra: { plugin?: PluginRef; root?: RootRef; name?: string; skipped?: readonly Skip[] } = {},
): ResolutionDecision => ({
  _tag: "Untouched",
  reason,
  plugin: extra.plugin ?? null,
  root: extra.root ?? null,
  name: extra.name ?? null,
  skipped: extra.skipped ?? [],
});

const inside = (file: string, dir: string): boolean => file.startsWith(withSep(dir));

/**
 * Which root's record applies to a file of a plugin: the roots listing the plugin dir, preferring
 * the one whose host package root contains the file (another install of the host may share a
 * record's plugin dir path after a move), then the newest record (an older host version's root).
 */
const chooseEntry = (candidates: readonly Entry[], file: string): { chosen: Entry; skipped: Skip[] } => {
  const ranked = [...candidates].sort((a, b) => {
    const ha = inside(file, a.root.packageRoot) ? 0 : 1;
    const hb = inside(file, b.root.packageRoot) ? 0 : 1;
    if (ha !== hb) return ha - hb;
    if (a.root.updatedAt !== b.root.updatedAt) return a.root.updatedAt < b.root.updatedAt ? 1 : -1;
    return a.root.path < b.root.path ? -1 : a.root.path > b.root.path ? 1 : 0;
  });
  const [chosen, ...others] = ranked as [Entry, ...Entry[]];
  const skipped = others.map((o): Skip => ({
    what: `root ${o.root.path}`,
    reason: !inside(file, o.root.packageRoot)
      ? `also lists ${o.plugin.id}, but records host package root ${o.root.packageRoot}, which does not contain the importing file`
      : `also lists ${o.plugin.id}, but its record is older (updated ${o.root.updatedAt}, host ${o.root.hostVersion})`,
  }));
  return { chosen, skipped };
};

export const decide = (index: ResolutionIndex, file: string, specifier: string): ResolutionDecision => {
  const parsed = parseSpecifier(specifier);
  if (parsed._tag === "NotBare") return untouched(parsed.reason);
  const matching = index.entries.filter((e) => inside(file, e.plugin.dir));
  const innermost = matching[0];
  if (innermost === undefined)
    return untouched("the importing file is not inside a recorded plugin directory", { name: parsed.name });
  const rel = path.relative(innermost.plugin.dir, file);
  if (rel.split(path.sep).includes("node_modules"))
    return untouched(
      `the importing file is inside ${innermost.plugin.id}'s own node_modules (a dependency's code, not the plugin's)`,
      { plugin: innermost.plugin, name: parsed.name },
    );
  const { chosen, skipped: rootSkips } = chooseEntry(
    matching.filter((e) => e.plugin.dir === innermost.plugin.dir),
    file,
  );
  const { plugin, root, record } = chosen;
  if (!chosen.declared.has(parsed.name))
    return untouched(`${plugin.id} does not declare ${parsed.name}`, {
      plugin,
      root,
      name: parsed.name,
      skipped: rootSkips,
    });
  const spec = record.specs[plugin.dir]?.[parsed.name] ?? null;
  const { candidates, skipped } = candidatesFor(record, plugin, parsed.name, spec);
  return {
    _tag: "Declared",
    plugin,
    root,
    name: parsed.name,
    subpath: parsed.subpath,
    spec,
    candidates,
    skipped: [...rootSkips, ...skipped],
  };
};

const candidatesFor = (
  record: MaterializationRecord,
  plugin: PluginRef,
  name: string,
  spec: string | null,
): { candidates: Candidate[]; skipped: Skip[] } => {
  const state = record.state;
  const skipped: Skip[] = [];
  const isolatedId = `plugin:${plugin.id}`;
  const isolated = state.sets.find((s) => s.id === isolatedId);
  const shared = state.sets.find((s) => s.id === "shared");
  const externals = (set: string) => (state.external ?? []).filter((e) => e.set === set && e.name === name);

  // 1. The plugin's isolated set, and read-only layers recorded for that set. When either has
  //    it, the search stops there: the shared set's copy is the OTHER side of the conflict that
  //    was isolated, never a stand-in.
  const isolatedCandidates: Candidate[] = [];
  if (isolated === undefined) {
    skipped.push({ what: "isolated set", reason: `${plugin.id} has none` });
  } else if (Object.hasOwn(isolated.packages, name)) {
    const c = setCandidate(
      record.root,
      isolated.dir,
      "isolated",
      isolatedId,
      name,
      isolated.packages[name]?.version,
    );
    if (typeof c === "string") skipped.push({ what: "isolated set", reason: c });
    else isolatedCandidates.push(c);
  } else {
    skipped.push({ what: `isolated set for ${plugin.id}`, reason: "does not list it" });
  }
  for (const e of externals(isolatedId)) {
    const c = externalCandidate(e.dir, isolatedId, name);
    if (typeof c === "string") skipped.push({ what: "read-only layer", reason: c });
    else isolatedCandidates.push(c);
  }
  if (isolatedCandidates.length > 0) return { candidates: isolatedCandidates, skipped };

  // 2. The shared set, then read-only layers recorded for it.
  const candidates: Candidate[] = [];
  const entry =
    shared !== undefined && Object.hasOwn(shared.packages, name) ? shared.packages[name] : undefined;
  if (shared === undefined || entry === undefined) {
    skipped.push({ what: "shared set", reason: "does not list it" });
  } else if (!fitsPluginSpec(entry.version, spec, state.overrides?.[name])) {
    // The record lists names, not which set each plugin's copy belongs to. A shared copy that
    // does not satisfy the plugin's own spec means the plugin's copy is elsewhere (e.g. its
    // isolated side is satisfied by the host), so Node's own resolution must decide.
    skipped.push({
      what: "shared set",
      reason: `holds ${name} ${entry.version}, which does not satisfy ${plugin.id}'s ${spec ?? "spec"}`,
    });
  } else {
    const c = setCandidate(record.root, shared.dir, "shared", "shared", name, entry.version);
    if (typeof c === "string") skipped.push({ what: "shared set", reason: c });
    else candidates.push(c);
  }
  const sharedExternals = externals("shared");
  if (sharedExternals.length === 0 && candidates.length === 0)
    skipped.push({ what: "read-only layers", reason: "none is recorded as holding it" });
  for (const e of sharedExternals) {
    const c = externalCandidate(e.dir, "shared", name);
    if (typeof c === "string") skipped.push({ what: "read-only layer", reason: c });
    else candidates.push(c);
  }
  return { candidates, skipped };
};

const fitsPluginSpec = (version: string, spec: string | null, override: string | undefined): boolean => {
  // Unknown version or spec, an unparseable spec, or an operator override: nothing to check.
  if (version === "" || spec === null || override !== undefined || semver.validRange(spec) === null)
    return true;
  try {
    return semver.satisfies(version, spec);
  } catch {
    return true;
  }
};

/** A set's candidate, or the reason it cannot be one (a recorded dir escaping the root). */
const setCandidate = (
  root: string,
  setDir: string,
  via: Via,
  set: string,
  name: string,
  version: string | undefined,
): Candidate | string => {
  const dir = path.resolve(root, setDir);
  if (dir !== root && !inside(dir, root)) return `recorded set dir ${setDir} is outside the root`;
  return { via, set, packageDir: path.join(dir, "node_modules", name), from: dir, version: version || null };
};

/** A read-only layer's package dir must be `<something>/node_modules/<name>` to resolve from. */
const externalCandidate = (dir: string, set: string, name: string): Candidate | string => {
  const suffix = path.join("node_modules", name);
  const abs = path.resolve(dir);
  if (!path.isAbsolute(dir) || !abs.endsWith(`${path.sep}${suffix}`))
    return `recorded layer dir ${dir} is not a node_modules/${name} directory`;
  return {
    via: "external",
    set,
    packageDir: abs,
    from: abs.slice(0, abs.length - suffix.length - 1),
    version: null,
  };
};

/**
 * The first candidate whose package directory exists (the one fs question, asked by the caller).
 * Checking first matters: resolving from a set dir walks UP when the package is missing there,
 * and the walk from an isolated set reaches the shared set's conflicting version.
 */
export const pickCandidate = (
  decision: ResolutionDecision,
  isDirectory: (dir: string) => boolean,
): { chosen: Candidate | null; missing: Skip[] } => {
  if (decision._tag !== "Declared") return { chosen: null, missing: [] };
  const missing: Skip[] = [];
  for (const c of decision.candidates) {
    if (isDirectory(c.packageDir)) return { chosen: c, missing };
    missing.push({
      what: c.via === "external" ? "read-only layer" : `${c.via} set`,
      reason: `recorded as holding it, but ${c.packageDir} is missing (deleted after apply?)`,
    });
  }
  return { chosen: null, missing };
};
