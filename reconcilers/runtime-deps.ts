import * as path from "node:path";
import type { Action, InstallSet } from "../src/model/plan.js";
import { versionSatisfies } from "../src/observe/installed-package.js";
import type { Observation } from "../src/observe/observe.js";
import {
  nodeModulesOf,
  type PackageObservation,
  type RuntimeDepsObserved,
} from "../src/observe/runtime-packages.js";
import { checkPackageName } from "../src/desired/dependency-spec.js";
import type { PlanContext, Reconciler } from "./reconciler.js";

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

export const runtimeDeps: Reconciler<
  RuntimeDepsDesired,
  RuntimeDepsObserved,
  PlanContext & Pick<Observation, "runtime">
> = {
  kind: "runtime-deps",

  desired: (ctx) => ({
    targetRoot: ctx.desired.targetRoot,
    sets: ctx.desired.sets,
    overrides: ctx.desired.overrides,
  }),

  observe: (o) => o.runtime,

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

const describeCurrent = (p: PackageObservation): string => {
  switch (p.current._tag) {
    case "Missing":
      return p.unseen === undefined
        ? "no layer has a satisfying version"
        : `${p.unseen.at} has ${p.unseen.version}, but ${p.unseen.why}`;
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
