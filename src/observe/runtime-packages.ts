import * as path from "node:path";
import type { InstallSet } from "../model/plan.js";
import type { RootState } from "../model/state.js";
import type { HostVisibility } from "../hosts/types.js";
import type { PlanContext } from "./context.js";
import { type Installed, readInstalled, versionSatisfies } from "./installed-package.js";
import { closureWithin, resolveFrom } from "./node-resolution.js";
import { packageDistrust, trustChecker } from "../util/trusted-tree.js";

/**
 * What the runtime-deps reconciler decides from: for every desired package, where it already is
 * (the host's own resolution, a read-only layer, the current root, previous roots it could be
 * reused from), and what the current root's kept packages load. Read-only; part of the one
 * observe step (observe.ts).
 */

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
  /**
   * A copy that would satisfy the spec but that the host does not read (it reads only its own
   * root, ctx.hostRoot): said in the install's reason, so "why install what is already there?"
   * has its answer in the plan.
   */
  readonly unseen?: { readonly version: string; readonly at: string; readonly why: string };
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

/** Where the host looks besides the target root (HostAdapter.sees); everywhere by default. */
export const hostVisibility = (ctx: PlanContext): HostVisibility =>
  ctx.adapter.sees?.(ctx.identity.version) ?? { packageNodeModules: true, layers: true, why: "" };

export const nodeModulesOf = (setDir: string): string => path.join(setDir, "node_modules");

/** The same set's directory inside another root (sets keep their relative place). */
export const setDirIn = (root: string, targetRoot: string, setDir: string): string =>
  path.join(root, path.relative(targetRoot, setDir));

export const observeRuntimePackages = (ctx: PlanContext): RuntimeDepsObserved => {
  const targetRoot = ctx.desired.targetRoot;
  const pluginDirs = new Map<string, string>();
  for (const p of ctx.planned) if (p._tag === "Valid") pluginDirs.set(p.facts.id, p.facts.dir);
  const currentRoot = ctx.current._tag === "Owned" ? ctx.current.root : null;

  // A copy in the stage base that someone else could have written (owned by another uid, or
  // writable by others, on the way from the stage base or inside the package) is not the
  // package: it is installed afresh, never kept, never reused (issue 17).
  const stageBase = ctx.stage.target.path;
  const checker = trustChecker();
  const distrusted = (i: Installed): Installed => {
    if (i._tag !== "Present") return i;
    const d = packageDistrust(checker, stageBase, i.dir);
    return d === null ? i : { _tag: "Broken", dir: i.dir, reason: `foreign copy: ${d.reason}` };
  };
  const sees = hostVisibility(ctx);
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
      // What the host itself does not look at satisfies nothing: it would start a package
      // manager for it (OpenClaw 2026.4.29 installed its 27 mirrored root dependencies again
      // although its own node_modules had them).
      let unseen: PackageObservation["unseen"];
      if (first?._tag === "Present" && fromPlugins.every(satisfied)) {
        if (sees.packageNodeModules) host = { version: first.version, at: first.dir };
        else unseen = { version: first.version, at: first.dir, why: sees.why };
      }

      let readOnly: PackageObservation["readOnly"] = null;
      // A host that reads no layer still reads the complete layer root its own root links to.
      const layers = sees.layers
        ? ctx.readOnlyRoots
        : set.kind === "shared" && ctx.hostRootSource !== null
          ? [ctx.hostRootSource]
          : [];
      for (const { layer, root } of layers) {
        const found = readInstalled(nodeModulesOf(setDirIn(root, targetRoot, set.dir)), pkg.name);
        if (found._tag === "Present" && satisfied(found)) {
          readOnly = { layer, version: found.version, at: found.dir };
          break;
        }
      }

      const current: Installed =
        currentRoot === null
          ? { _tag: "Missing", dir: path.join(nodeModulesOf(set.dir), pkg.name) }
          : distrusted(
              recordedDrift(
                readInstalled(nodeModulesOf(set.dir), pkg.name),
                recordedVersion(currentRoot.state, set.id, pkg.name),
              ),
            );
      if (currentRoot !== null && satisfied(current)) kept.push({ setDir: set.dir, name: pkg.name });

      const reusable: ReuseCandidate[] = [];
      const notReusable: string[] = [];
      // Only look for reuse when it could matter: a satisfied package needs no source.
      if (host === null && readOnly === null && !satisfied(current)) {
        for (const prev of ctx.previous) {
          const dir = setDirIn(prev.path, targetRoot, set.dir);
          const found = distrusted(readInstalled(nodeModulesOf(dir), pkg.name));
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
          const foreign = closure.entries
            .map((e) => packageDistrust(checker, stageBase, path.join(dir, e.rel)))
            .find((d) => d !== null);
          if (foreign !== undefined && foreign !== null) {
            notReusable.push(`${prev.path} has a foreign copy (${foreign.reason})`);
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
        ...(unseen === undefined ? {} : { unseen }),
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
};

/** The version the root's state record says was installed for a set's package ("" when none). */
const recordedVersion = (state: RootState, set: string, name: string): string =>
  state.sets.find((s) => s.id === set)?.packages[name]?.version ?? "";

/**
 * A copy that is not the version the root's state record says was installed was edited in place
 * (docs/security.md, promise 4): it is drifted even when the edited version still satisfies the
 * spec, so plan shows it, apply installs it afresh and `status --verify` names it. "" (no
 * recorded version) decides nothing.
 */
export const recordedDrift = (found: Installed, recorded: string): Installed =>
  found._tag === "Present" && recorded !== "" && found.version !== recorded
    ? {
        _tag: "Broken",
        dir: found.dir,
        reason: `its package.json says version ${found.version}, but the root's state record says ${recorded} was installed (edited in place?)`,
      }
    : found;

/** The root's record names a package that no desired set wants any more (a prune candidate). */
const hasUnwanted = (state: RootState | null, sets: readonly InstallSet[]): boolean => {
  if (state === null) return false;
  const wanted = new Map(sets.map((s) => [s.id, new Set(s.packages.map((p) => p.name))]));
  return state.sets.some((set) =>
    Object.keys(set.packages).some((name) => wanted.get(set.id)?.has(name) !== true),
  );
};
