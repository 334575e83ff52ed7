import * as path from "node:path";
import type { Action, InstallSet } from "../src/model/plan.js";
import type { RootState } from "../src/model/state.js";
import { type Installed, readInstalled, versionSatisfies } from "../src/observe/installed-package.js";
import { closureWithin, resolveFrom } from "../src/observe/node-resolution.js";
import { checkPackageName } from "../src/desired/dependency-spec.js";
import type { Reconciler } from "./reconciler.js";

/**
 * Runtime dependencies of the active staged plugins: what must be resolvable, where it already
 * is, and the smallest set of `reuse` / `install` / `prune` actions that makes the versioned root
 * complete.
 */

export interface RuntimeDepsDesired {
  readonly targetRoot: string;
  readonly sets: readonly InstallSet[];
  /** Operator overrides of transitive dependency specs (absent: none). */
  readonly overrides?: Readonly<Record<string, string>>;
}

/** Where one package of a set is relative to one previous root. */
export interface ReuseCandidate {
  readonly root: string;
  readonly version: string;
  /** The package and everything it loads, relative to the root (same layout in the target). */
  readonly closure: readonly { readonly rel: string; readonly name: string; readonly version: string }[];
}

export interface PackageObservation {
  readonly set: string;
  readonly setDir: string;
  readonly name: string;
  readonly spec: string;
  readonly wantedBy: readonly string[];
  /** Node's own resolution from every wanting plugin's directory satisfies the spec. */
  readonly host: { readonly version: string; readonly at: string } | null;
  /** A read-only layer has it at the set's location. */
  readonly readOnly: { readonly layer: string; readonly version: string; readonly at: string } | null;
  /** What the current root has at the set's location. */
  readonly current: Installed;
  /** Previous roots holding a satisfying copy with a complete closure, newest root first. */
  readonly reusable: readonly ReuseCandidate[];
  /** Why previous roots that have the package could not be used (for the reason text). */
  readonly notReusable: readonly string[];
}

export interface RuntimeDepsObserved {
  readonly packages: readonly PackageObservation[];
  /** The current root's record of what plugdeps installed there (null: no owned current root). */
  readonly currentState: RootState | null;
  /**
   * Everything the current root's satisfying packages load (their dependency closures), as
   * root-relative path -> version. A prune must not pull a dependency out from under a package
   * that stays, and a reuse must not put another version where one of them sits (openclaw
   * #75109: one repair broke another plugin's dependencies). Absent when no decision reads it:
   * nothing is reusable and the record names nothing unwanted (then diff neither reuses nor
   * prunes, and the walk is skipped).
   */
  readonly inUse?: Readonly<Record<string, string>>;
}

const nodeModulesOf = (setDir: string): string => path.join(setDir, "node_modules");

/** The same set's directory inside another root (sets keep their relative place). */
const setDirIn = (root: string, targetRoot: string, setDir: string): string =>
  path.join(root, path.relative(targetRoot, setDir));

export const runtimeDeps: Reconciler<RuntimeDepsDesired, RuntimeDepsObserved> = {
  kind: "runtime-deps",

  desired: (ctx) => ({
    targetRoot: ctx.desired.targetRoot,
    sets: ctx.desired.sets,
    overrides: ctx.desired.overrides,
  }),

  observe: (ctx) => {
    const targetRoot = ctx.desired.targetRoot;
    const pluginDirs = new Map<string, string>();
    for (const p of ctx.planned) if (p._tag === "Valid") pluginDirs.set(p.facts.id, p.facts.dir);
    const currentRoot = ctx.current._tag === "Owned" ? ctx.current.root : null;

    const packages: PackageObservation[] = [];
    const kept: { setDir: string; name: string }[] = [];
    for (const set of ctx.desired.sets) {
      for (const pkg of set.packages) {
        const satisfied = (i: Installed): boolean =>
          i._tag === "Present" && versionSatisfies(i.version, pkg.spec);

        // Host layer: Node must find a satisfying copy from *every* plugin that wants it, or the
        // plugins that miss it would still fail to load it.
        let host: PackageObservation["host"] = null;
        const fromPlugins = pkg.wantedBy.map((id) =>
          resolveFrom(pluginDirs.get(id) ?? ctx.identity.packageRoot, pkg.name, ctx.excludedDirs),
        );
        const first = fromPlugins[0];
        if (first?._tag === "Present" && fromPlugins.every(satisfied)) {
          host = { version: first.version, at: first.dir };
        }

        let readOnly: PackageObservation["readOnly"] = null;
        for (const { layer, root } of ctx.readOnlyRoots) {
          const found = readInstalled(nodeModulesOf(setDirIn(root, targetRoot, set.dir)), pkg.name);
          if (found._tag === "Present" && satisfied(found)) {
            readOnly = { layer, version: found.version, at: found.dir };
            break;
          }
        }

        const current: Installed =
          currentRoot === null
            ? { _tag: "Missing", dir: path.join(nodeModulesOf(set.dir), pkg.name) }
            : readInstalled(nodeModulesOf(set.dir), pkg.name);
        if (currentRoot !== null && satisfied(current)) kept.push({ setDir: set.dir, name: pkg.name });

        const reusable: ReuseCandidate[] = [];
        const notReusable: string[] = [];
        // Only look for reuse when it could matter: a satisfied package needs no source.
        if (host === null && readOnly === null && !satisfied(current)) {
          for (const prev of ctx.previous) {
            const dir = setDirIn(prev.path, targetRoot, set.dir);
            const found = readInstalled(nodeModulesOf(dir), pkg.name);
            if (found._tag === "Missing") continue;
            if (found._tag !== "Present" || !satisfied(found)) {
              notReusable.push(
                found._tag === "Present"
                  ? `${prev.path} has ${found.version}, which does not satisfy ${pkg.spec}`
                  : `${prev.path} has a broken copy (${found.reason})`,
              );
              continue;
            }
            // The closure must lie within the set's own directory: a plugin-isolated package that
            // leans on the previous root's shared node_modules would, once copied, sit in the
            // target's shared set unrecorded, where the package manager prunes it as extraneous.
            const closure = closureWithin(dir, nodeModulesOf(dir), pkg.name);
            if (closure._tag === "Incomplete") {
              notReusable.push(`${prev.path} lacks ${closure.missing}`);
              continue;
            }
            const setRel = path.relative(prev.path, dir);
            reusable.push({
              root: prev.path,
              version: found.version,
              closure: closure.entries.map((e) => ({ ...e, rel: path.join(setRel, e.rel) })),
            });
          }
        }

        packages.push({
          set: set.id,
          setDir: set.dir,
          name: pkg.name,
          spec: pkg.spec,
          wantedBy: pkg.wantedBy,
          host,
          readOnly,
          current,
          reusable,
          notReusable,
        });
      }
    }
    const currentState = currentRoot?.state ?? null;
    // What the kept packages load is what a reuse or a prune must not disturb. Only those two
    // decisions read it, so it is walked only when one of them is possible: on a converged root
    // the walk read every transitive manifest (W15: 669 for 89 declared packages) for nothing.
    if (!packages.some((p) => p.reusable.length > 0) && !hasUnwanted(currentState, ctx.desired.sets)) {
      return { packages, currentState };
    }
    const inUse: Record<string, string> = {};
    for (const k of kept) {
      // What this kept package loads at run time: Node's walk up to the root's node_modules.
      const loads = closureWithin(targetRoot, nodeModulesOf(k.setDir), k.name);
      if (loads._tag === "Complete") for (const e of loads.entries) inUse[e.rel] = e.version;
    }
    return { packages, currentState, inUse };
  },

  diff: (desired, observed) => {
    const reuse: Action[] = [];
    const install: Action[] = [];
    const prune: Action[] = [];
    // Relative paths (within the target root) already spoken for, and by which version: a reused
    // closure must not put a different version where another package already sits.
    const claimed = new Map<string, string>(Object.entries(observed.inUse ?? {}));
    for (const p of observed.packages) {
      if (p.current._tag === "Present" && versionSatisfies(p.current.version, p.spec)) {
        claimed.set(path.relative(desired.targetRoot, p.current.dir), p.current.version);
      }
    }

    for (const p of observed.packages) {
      const target = path.join(nodeModulesOf(p.setDir), p.name);
      const wanted = `wanted by ${p.wantedBy.join(", ")}`;
      // Satisfied where it is: nothing to do. Host and read-only layers are never written, and
      // a package any layer satisfies is not installed again (openclaw #72396, #75500).
      if (p.host !== null || p.readOnly !== null) continue;
      if (p.current._tag === "Present" && versionSatisfies(p.current.version, p.spec)) continue;

      const why = describeCurrent(p);
      const source = p.reusable.find((candidate) =>
        candidate.closure.every((entry) => {
          // Roots share one layout, so a path relative to the source root is the same relative
          // to the target root.
          const owner = claimed.get(entry.rel);
          return owner === undefined || owner === entry.version;
        }),
      );
      if (source !== undefined) {
        // Entries an earlier reuse already brings (a shared dependency) are not copied twice.
        // The desired package first (targets[0] is "the" target), then what it loads.
        const isTop = (entry: { name: string; version: string }) =>
          entry.name === p.name && entry.version === source.version;
        const fresh = source.closure
          .filter((entry) => !claimed.has(entry.rel))
          .sort((a, b) => Number(isTop(b)) - Number(isTop(a)));
        for (const entry of source.closure) claimed.set(entry.rel, entry.version);
        if (fresh.length === 0) continue;
        const deps = fresh.filter((entry) => entry.name !== p.name).length;
        reuse.push({
          type: "reuse",
          set: p.set,
          // One target per package, in the same order: where each closure entry lands in the
          // target root (the same relative path it has in the source root).
          targets: fresh.map((entry) => path.join(desired.targetRoot, entry.rel)),
          packages: fresh.map((entry) => ({
            name: entry.name,
            spec: isTop(entry) ? p.spec : null,
            version: entry.version,
          })),
          from: source.root,
          reason:
            `${wanted}; ${p.current._tag === "Missing" ? "not in the target root" : why}; ` +
            `${p.name}@${source.version} in ${path.basename(source.root)} satisfies ${p.spec}` +
            (deps > 0 ? ` (with ${deps} dependenc${deps === 1 ? "y" : "ies"} it loads)` : ""),
        });
        continue;
      }
      // Candidates that would have put another version where something already goes.
      const collisions = p.reusable.flatMap((candidate) => {
        const clash = candidate.closure.find((entry) => {
          const owner = claimed.get(entry.rel);
          return owner !== undefined && owner !== entry.version;
        });
        return clash === undefined
          ? []
          : [
              `${path.basename(candidate.root)} would put ${clash.name}@${clash.version} at ${clash.rel}, ` +
                `where ${clash.name}@${claimed.get(clash.rel) ?? "?"} is kept`,
            ];
      });
      const blocked = [...p.notReusable, ...collisions];
      const notes = blocked.length > 0 ? `; not reusable: ${blocked.join("; ")}` : "";
      install.push({
        type: "install",
        set: p.set,
        targets: [target],
        packages: [{ name: p.name, spec: p.spec, version: null }],
        from: null,
        reason: `${wanted}; ${why}${notes}`,
      });
    }

    // Prune against the whole plan, never one plugin's view (openclaw #75109, #76682): a package
    // leaves the root only when no set of the desired materialization wants it any more.
    // Safe by construction: the state record is read from disk, so a set directory or a package
    // name that would lead out of the target root (or onto the root itself) is never a target,
    // and nothing a kept or reused package loads is pruned. Those entries are left alone.
    if (observed.currentState !== null) {
      const wantedBySet = new Map(desired.sets.map((s) => [s.id, new Set(s.packages.map((p) => p.name))]));
      const loaded = (rel: string): boolean =>
        [...claimed.keys()].some((c) => c === rel || c.startsWith(rel + path.sep));
      for (const set of observed.currentState.sets) {
        const stillWanted = wantedBySet.get(set.id);
        const setDir = path.resolve(desired.targetRoot, set.dir);
        const setRel = path.relative(desired.targetRoot, setDir);
        if (setRel.startsWith("..") || path.isAbsolute(setRel)) continue;
        const gone = Object.keys(set.packages)
          .filter((name) => !(stillWanted?.has(name) ?? false))
          .filter((name) => checkPackageName(name) === null)
          .filter((name) => !loaded(path.join(setRel, "node_modules", name)))
          .sort();
        if (stillWanted === undefined && gone.length > 0 && setRel !== "" && !loaded(setRel)) {
          prune.push({
            type: "prune-package",
            set: set.id,
            targets: [setDir],
            packages: gone.map((name) => ({
              name,
              spec: null,
              version: set.packages[name]?.version ?? null,
            })),
            from: null,
            reason: `install set ${set.id} is no longer needed (its conflict is gone or its plugin is inactive)`,
          });
          continue;
        }
        for (const name of gone) {
          prune.push({
            type: "prune-package",
            set: set.id,
            targets: [path.join(nodeModulesOf(setDir), name)],
            packages: [{ name, spec: null, version: set.packages[name]?.version ?? null }],
            from: null,
            reason: `installed by plugdeps for an earlier plan; no active plugin wants it now`,
          });
        }
      }
    }
    install.push(...overrideInstalls(desired, observed, install));
    return [...reuse, ...install, ...prune];
  },
};

/** The root's record names a package that no desired set wants any more (a prune candidate). */
const hasUnwanted = (state: RootState | null, sets: readonly InstallSet[]): boolean => {
  if (state === null) return false;
  const wanted = new Map(sets.map((s) => [s.id, new Set(s.packages.map((p) => p.name))]));
  return state.sets.some((set) =>
    Object.keys(set.packages).some((name) => wanted.get(set.id)?.has(name) !== true),
  );
};

const describeCurrent = (p: PackageObservation): string => {
  switch (p.current._tag) {
    case "Missing":
      return "no layer has a satisfying version";
    case "Broken":
      return `the copy in the current root is unusable: ${p.current.reason}`;
    case "Present":
      return `installed ${p.current.version} does not satisfy ${p.spec}`;
  }
};

/**
 * Overrides act on transitive dependencies, which no top-level check sees: when the overrides the
 * current root was resolved with differ from the desired ones, every set whose manifest carries
 * them is resolved again by the package manager (an `install` naming the changed overrides), even
 * if each top-level package already satisfies its spec. No owned current root: nothing was
 * resolved yet, so the regular installs cover it.
 */
const overrideInstalls = (
  desired: RuntimeDepsDesired,
  observed: RuntimeDepsObserved,
  already: readonly Action[],
): Action[] => {
  if (observed.currentState === null) return [];
  const want = desired.overrides ?? {};
  const had = observed.currentState.overrides ?? {};
  const changed = [...new Set([...Object.keys(want), ...Object.keys(had)])]
    .filter((name) => want[name] !== had[name])
    .sort();
  if (changed.length === 0) return [];
  const describe = changed
    .map((name) => `${name}: ${had[name] ?? "(none)"} -> ${want[name] ?? "(none)"}`)
    .join(", ");
  return desired.sets
    .filter((set) => set.packages.length > 0 && !already.some((a) => a.set === set.id))
    .map((set): Action => ({
      type: "install",
      set: set.id,
      targets: [path.join(set.dir, "node_modules")],
      packages: changed.map((name) => ({ name, spec: want[name] ?? null, version: null })),
      from: null,
      reason: `operator overrides changed (${describe}); the package manager resolves the set again`,
    }));
};
