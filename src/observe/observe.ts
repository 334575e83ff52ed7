import * as fs from "../util/observed-fs.js";
import { type Journal, withJournal } from "../util/observed-fs.js";
import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import type { ConfigLocation, HostAdapter, HostInput } from "../hosts/types.js";
import type { PlugdepsError } from "../model/errors.js";
import type { LockHolder, Unmanaged } from "../model/plan.js";
import { computeDesired } from "../desired/desired.js";
import { planPlugins, stagedActivePlugins } from "../desired/plugin-plan.js";
import { versionedRootName, versionedRootPattern } from "./host-identity.js";
import type { PlanContext } from "./context.js";
import { withInstalledCache } from "./installed-package.js";
import { findLeftovers, type Leftover } from "./leftovers.js";
import { completeLayerRoot, observeHostRoot } from "./host-root.js";
import type { HostRootJson } from "../model/plan.js";
import { readLockHolder, realLockFacts } from "./lock-holder.js";
import { observeRuntimePackages, type RuntimeDepsObserved } from "./runtime-packages.js";
import { chooseStageBase } from "./stage-base.js";
import { listOwnedRoots, readRoot } from "./versioned-roots.js";
import { foreignGenerations } from "./generations.js";
import { locateHost } from "./host.js";
import { DEFAULT_INSTALL_TIMEOUT_MS, DEFAULT_RETENTION, type RunOptions } from "../model/options.js";
import { parseDuration } from "../util/duration.js";
import { loadSettings, mergeOverrides } from "./settings.js";

const nonEmptyEnv = (v: string | undefined): string | undefined =>
  v === undefined || v === "" ? undefined : v;

/**
 * The one observe step. Everything a run reads, read once, in one place, into one immutable
 * value: which host and where, its config and plugins, the stage base, the current, previous and
 * read-only roots, debris, what the adapter leaves alone, where every desired package already is,
 * the target root's lock, and the leftovers of interrupted runs. What is decided from it (the
 * plugin plan, the desired materialization) is computed here too, since what is read next depends
 * on it (the target root's name, which packages to look for). Everything after this step is a
 * pure function of the Observation (reconcilers/, run/plan.ts), so `plan` and `apply` cannot
 * see different worlds. Read-only: with `probe: "access"` it writes nothing at all.
 *
 * While the fast path records a run (fastpath/record.ts), every read below lands in its journal
 * (util/observed-fs.ts): that journal is what a later run re-checks before it replays.
 */
export interface Observation extends PlanContext {
  readonly input: HostInput;
  readonly configLocation: ConfigLocation;
  readonly problems: ReadonlyMap<string, readonly string[]>;
  readonly notes: readonly string[];
  /** The host selection's warnings (plan `warnings`). */
  readonly warnings: readonly string[];
  /** What the adapter found and leaves alone (plan `observed.unmanaged`): never an action. */
  readonly unmanaged: readonly Unmanaged[];
  /** Whether the config file exists (a missing optional config means "all defaults"). */
  readonly configFound: boolean;
  /** Where every desired package already is (the runtime-deps reconciler's input). */
  readonly runtime: RuntimeDepsObserved;
  /** Who holds the target root's install lock, if anyone (ourselves included, under the lock). */
  readonly lock: LockHolder | null;
  /** What interrupted runs left in the stage base (removed by apply's tidy phase, under the lock). */
  readonly leftovers: readonly Leftover[];
  /** Every read this observation made, when it was asked to record them (`recordReads`). */
  readonly reads: Journal | null;
  /** Whether the host's own root shows the target root (null: the host has none). */
  readonly hostRootSeen: HostRootJson | null;
  /** How long one package-manager run may take: the flag, else the settings file, else 10 min. */
  readonly installTimeoutMs: number;
}

export interface ObserveOptions extends RunOptions {
  /** This process holds the target root's lock: its leftovers are not someone's work in progress. */
  readonly holdingLock?: boolean | undefined;
}

export const observe = (opts: ObserveOptions): E.Either<PlugdepsError, Observation> => {
  if (opts.recordReads !== true) return observeOnce(opts);
  const { result, journal } = withJournal(() => observeOnce(opts));
  return E.map((o: Observation): Observation => ({ ...o, reads: journal }))(result);
};

const observeOnce = (opts: ObserveOptions): E.Either<PlugdepsError, Observation> =>
  withInstalledCache(() =>
    E.map((ctx: PlanContextWithNotes): Observation => {
      const runtime = observeRuntimePackages(ctx);
      const target = ctx.desired.targetRoot;
      return {
        ...ctx,
        configFound: fileExists(ctx.configLocation.path),
        runtime,
        lock: readLockHolder(target, ctx.lockFacts),
        leftovers: findLeftovers(ctx, { locksHeld: opts.holdingLock === true ? [target] : [] }),
        reads: null,
        hostRootSeen:
          ctx.hostRoot === null ? null : observeHostRoot(ctx.hostRoot, target, ctx.hostRootSource),
      };
    })(observeWorld(opts)),
  );

type PlanContextWithNotes = Omit<
  Observation,
  "configFound" | "runtime" | "lock" | "leftovers" | "reads" | "hostRootSeen"
>;

const observeWorld = (opts: RunOptions): E.Either<PlugdepsError, PlanContextWithNotes> =>
  pipe(
    locateHost(opts),
    E.bind("configLocation", ({ adapter, input }) => E.right(adapter.locateConfig(input))),
    E.bind("activation", ({ adapter, configLocation }) => adapter.loadActivation(configLocation)),
    E.bind("plugins", ({ adapter, identity }) => adapter.discoverPlugins(identity.packageRoot)),
    E.bind("settings", () => loadSettings(opts.settings ?? nonEmptyEnv(opts.env["PLUGDEPS_SETTINGS"]))),
    E.bind("overrides", ({ settings }) =>
      mergeOverrides(settings.overrides ?? {}, opts.overrides ?? [], opts.settings ?? "PLUGDEPS_SETTINGS"),
    ),
    E.bind("stage", ({ adapter, input }) =>
      chooseStageBase(
        adapter.stageCandidates(input),
        opts.probe,
        adapter.stageVariables,
        opts.observeReadOnlyStage ?? false,
      ),
    ),
    E.map(({ input, adapter, identity, configLocation, activation, plugins, stage, settings, overrides }) => {
      const lockFacts = realLockFacts();
      const { planned, warnings } = planPlugins(plugins, activation, identity);
      const targetRoot = path.join(stage.target.path, versionedRootName(adapter.slug, identity));
      const { desired, problems } = computeDesired(
        stagedActivePlugins(planned),
        { stageBase: stage.target.path, targetRoot },
        overrides,
      );
      const shared = desired.sets.find((set) => set.kind === "shared");
      const hostRoot =
        adapter.hostRoot?.({
          version: identity.version,
          packageRoot: identity.packageRoot,
          stageBase: stage.target.path,
          shared: Object.fromEntries((shared?.packages ?? []).map((p) => [p.name, p.spec])),
        }) ?? null;
      const notes: string[] = [];
      const current = readRoot(targetRoot, identity.name, lockFacts);
      if (current._tag === "NotOwned") {
        notes.push(
          `${targetRoot} exists but is not owned (${current.reason}); apply moves it aside, never into use`,
        );
      }
      // Generations of the target root that another uid owns (planted: issue 17) are never used
      // nor removed; said, so doctor reports them with the fix.
      for (const g of foreignGenerations(targetRoot)) {
        notes.push(
          `${g.path}: foreign generation (owned by uid ${g.uid}, neither root nor this user), never used nor removed; remove it and make the stage base writable only by root or the user plugdeps runs as`,
        );
      }
      const previous = listOwnedRoots(stage.target.path, adapter.slug, identity.name, targetRoot, lockFacts);
      notes.push(...previous.notes);
      const readOnlyRoots = stage.layers.flatMap((layer) =>
        readOnlyRootsOf(adapter, identity.name, layer.path, targetRoot, notes),
      );
      const sees = adapter.sees?.(identity.version);
      const hostRootSource =
        hostRoot === null ? null : completeLayerRoot(readOnlyRoots, shared?.packages ?? []);
      if (hostRootSource !== null) {
        notes.push(
          `${hostRootSource.root} in the read-only layer holds every shared package: the host root links to it`,
        );
      } else if (sees !== undefined && !sees.layers && readOnlyRoots.length > 0) {
        notes.push(
          `read-only layers ${[...new Set(readOnlyRoots.map((r) => r.layer))].join(", ")} count for nothing: ` +
            `${sees.why}; what they hold is installed into the target root`,
        );
      }
      const stageBases = [
        { path: stage.target.path, writable: true },
        ...stage.layers.map((l) => ({ path: l.path, writable: false })),
      ];
      const debrisContext = {
        packageRoot: identity.packageRoot,
        version: identity.version,
        plugins,
        stageBases,
        now: lockFacts.now,
        input,
      };
      // The host's own root is plugdeps' to keep in place (hostRoot): not debris, not "left alone".
      const hostRootPaths = new Set(hostRoot === null ? [] : [hostRoot.path, ...hostRoot.aliases]);
      const debris = adapter
        .findDebris(debrisContext)
        .filter((d) => !isOwnSibling(d.path, adapter.slug, stageBases) && !hostRootPaths.has(d.path));
      // The target root's own state is said by `current` (and a note when it is not owned).
      const unmanaged = (adapter.findUnmanaged?.(debrisContext) ?? []).filter(
        (u) =>
          u.path !== targetRoot &&
          !hostRootPaths.has(u.path) &&
          !isOwnSibling(u.path, adapter.slug, stageBases),
      );
      // A root the adapter already reports (as debris or as left alone) needs no second,
      // vaguer "not owned, left alone" note from the owned-roots listing.
      const reported = new Set(
        [...debris, ...unmanaged, ...[...hostRootPaths].map((p) => ({ path: p }))].map((x) => `${x.path}: `),
      );
      const shownNotes = notes.filter((n) => ![...reported].some((prefix) => n.startsWith(prefix)));
      const ctx: PlanContextWithNotes = {
        adapter,
        identity,
        planned,
        desired,
        stage,
        current,
        previous: previous.roots,
        readOnlyRoots,
        debris,
        unmanaged,
        excludedDirs: new Set(debris.map((d) => d.path)),
        retention: opts.retention ?? settings.retention ?? DEFAULT_RETENTION,
        installTimeoutMs:
          opts.installTimeoutMs ??
          (settings.installTimeout === undefined ? null : parseDuration(settings.installTimeout)) ??
          DEFAULT_INSTALL_TIMEOUT_MS,
        lockFacts,
        hostRoot,
        hostRootSource,
        input,
        configLocation,
        problems,
        notes: shownNotes,
        warnings,
      };
      return ctx;
    }),
  );

/**
 * Guard: plugdeps' own entries beside a versioned root — `<slug>-<version>-<key12>.lock` (the
 * install-root lock, SPEC §4.7) and any other `<root name>.<suffix>` sibling — are never legacy
 * debris, whatever an adapter's name patterns say. Without it the OpenClaw hash-less-root rule
 * (`openclaw-<version>-<not 12 hex>`) matched `openclaw-2026.5.2-<key12>.lock`, so a LIVE lock
 * became a `clean-legacy` action and apply would have deleted another writer's lock.
 */
const isOwnSibling = (p: string, slug: string, stageBases: readonly { readonly path: string }[]): boolean => {
  if (!stageBases.some((base) => path.dirname(p) === base.path)) return false;
  const name = path.basename(p);
  const pattern = versionedRootPattern(slug);
  for (let dot = name.indexOf("."); dot !== -1; dot = name.indexOf(".", dot + 1)) {
    if (dot > 0 && pattern.test(name.slice(0, dot))) return true;
  }
  return false;
};

/**
 * Roots inside a read-only layer entry, in the order they are searched: the root with this
 * host's exact identity, then other owned roots of this host (newest first), then the entry
 * itself when it holds a `node_modules` directly.
 */
const readOnlyRootsOf = (
  adapter: HostAdapter,
  hostName: string,
  layer: string,
  targetRoot: string,
  notes: string[],
): { layer: string; root: string }[] => {
  const facts = realLockFacts();
  const roots: { layer: string; root: string }[] = [];
  const same = path.join(layer, path.basename(targetRoot));
  if (readRoot(same, hostName, facts)._tag === "Owned") roots.push({ layer, root: same });
  const others = listOwnedRoots(layer, adapter.slug, hostName, same, facts);
  notes.push(...others.notes);
  roots.push(...others.roots.map((r) => ({ layer, root: r.path })));
  if (isDir(path.join(layer, "node_modules"))) roots.push({ layer, root: layer });
  return roots;
};

const isDir = (p: string): boolean => {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
};

const fileExists = (p: string): boolean => {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
};
