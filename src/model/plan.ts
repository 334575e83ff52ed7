import * as t from "io-ts";
import { LockOwner } from "./lock.js";

/**
 * The plan document (SPEC §3): `plugdeps plan --json` and `--out`. This codec is the single
 * source of truth: the types below derive from it, `apply PLANFILE` decodes with it, and the JSON
 * renderer emits keys in the order declared here. Optional values are `null`, never absent, so the
 * shape is the same in every plan.
 */

const nullable = <C extends t.Mixed>(codec: C) => t.union([codec, t.null]);

export const ActionType = t.keyof(
  { reuse: null, install: null, prune: null, "clean-legacy": null },
  "ActionType",
);
export type ActionType = t.TypeOf<typeof ActionType>;

export const PlanHost = t.type({
  name: t.string,
  version: t.string,
  packageRoot: t.string,
  adapter: t.string,
  identity: t.string,
});
export type PlanHost = t.TypeOf<typeof PlanHost>;

export const PlanConfig = t.type({ path: nullable(t.string), source: t.string, found: t.boolean });
export type PlanConfig = t.TypeOf<typeof PlanConfig>;

export const PluginDecision = t.type({
  id: t.string,
  dir: t.string,
  valid: t.boolean,
  active: t.boolean,
  reason: t.string,
  staged: t.boolean,
  dependencies: t.record(t.string, t.string),
  problems: t.array(t.string),
});
export type PluginDecision = t.TypeOf<typeof PluginDecision>;

export const SetKind = t.keyof({ shared: null, isolated: null });
export const DesiredPackage = t.type({ name: t.string, spec: t.string, wantedBy: t.array(t.string) });
export type DesiredPackage = t.TypeOf<typeof DesiredPackage>;

export const InstallSet = t.type({
  id: t.string,
  kind: SetKind,
  plugin: nullable(t.string),
  dir: t.string,
  packages: t.array(DesiredPackage),
});
export type InstallSet = t.TypeOf<typeof InstallSet>;

export const RejectedSpec = t.type({ plugin: t.string, name: t.string, spec: t.string, reason: t.string });
export type RejectedSpec = t.TypeOf<typeof RejectedSpec>;

export const Conflict = t.type({
  name: t.string,
  shared: t.type({ spec: t.string, plugins: t.array(t.string) }),
  isolated: t.array(t.type({ plugin: t.string, spec: t.string })),
  reason: t.string,
});
export type Conflict = t.TypeOf<typeof Conflict>;

export const Desired = t.type({
  stageBase: t.string,
  targetRoot: t.string,
  layoutVersion: t.number,
  fingerprint: t.string,
  sets: t.array(InstallSet),
  conflicts: t.array(Conflict),
  rejected: t.array(RejectedSpec),
  /** Operator overrides of transitive dependency specs (`--override`, settings file). */
  overrides: t.record(t.string, t.string),
});
export type Desired = t.TypeOf<typeof Desired>;

export const CandidateRole = t.keyof({ target: null, layer: null, skipped: null });
export const StageCandidate = t.type({
  path: t.string,
  source: t.string,
  role: CandidateRole,
  writable: nullable(t.boolean),
  detail: t.string,
});
export type StageCandidate = t.TypeOf<typeof StageCandidate>;

export const LayerKind = t.keyof({
  host: null,
  "read-only-stage": null,
  "previous-root": null,
  "current-root": null,
});
export type LayerKind = t.TypeOf<typeof LayerKind>;

export const Satisfaction = t.type({ set: t.string, name: t.string, version: t.string, path: t.string });
export type Satisfaction = t.TypeOf<typeof Satisfaction>;

export const ObservedLayer = t.type({
  kind: LayerKind,
  path: t.string,
  writable: t.boolean,
  why: t.string,
  satisfies: t.array(Satisfaction),
});
export type ObservedLayer = t.TypeOf<typeof ObservedLayer>;

export const RootSummary = t.type({
  path: t.string,
  hostVersion: t.string,
  planFingerprint: t.string,
  updatedAt: t.string,
  locked: t.boolean,
  packages: t.number,
});
export type RootSummary = t.TypeOf<typeof RootSummary>;

export const LockState = t.keyof({ live: null, stale: null, unknown: null });
export const LockHolder = t.type({
  path: t.string,
  owner: nullable(LockOwner),
  state: LockState,
  detail: t.string,
});
export type LockHolder = t.TypeOf<typeof LockHolder>;

export const Debris = t.type({
  path: t.string,
  rule: t.string,
  writable: t.boolean,
  fix: t.string,
});
export type Debris = t.TypeOf<typeof Debris>;

/**
 * Something found beside what plugdeps manages that it deliberately leaves alone: never an action,
 * only reported (plan, doctor). For OpenClaw: another version's root, an `openclaw-unknown-*` root
 * OpenClaw itself still keeps, a name OpenClaw never produces, a dangling global symlink.
 * `kind` is the adapter's word for it, `why` says why it stays, `fix` is a command for the
 * operator when one is worth running (null: nothing to do).
 */
export const Unmanaged = t.type({
  path: t.string,
  kind: t.string,
  why: t.string,
  fix: nullable(t.string),
});
export type Unmanaged = t.TypeOf<typeof Unmanaged>;

/**
 * What an interrupted run left in the stage base (a stage, a swap link, a surplus or orphaned
 * generation, a dead holder's lock, a lock set aside by a reclaim cut short). Never an action: a
 * converged root with leftovers is still converged. `apply` removes them under the lock (its tidy
 * phase); plan and doctor report them.
 */
export const LeftoverJson = t.type({ kind: t.string, path: t.string });
export type LeftoverJson = t.TypeOf<typeof LeftoverJson>;

/**
 * The directory the host itself reads its dependencies from, when it reads a place of its own
 * (OpenClaw 2026.4.22+), and whether it shows the live materialization: a real directory whose
 * `node_modules` links to the target root's, with the manifest the host compares (`manifest`,
 * null when the host reads none). `problems` empty means in place; otherwise apply puts it in place.
 */
export const HostRootJson = t.type({
  path: t.string,
  linksTo: t.string,
  manifest: nullable(t.record(t.string, t.string)),
  why: t.string,
  problems: t.array(t.string),
});
export type HostRootJson = t.TypeOf<typeof HostRootJson>;

export const Observed = t.intersection([
  t.type({
    fingerprint: t.string,
    candidates: t.array(StageCandidate),
    layers: t.array(ObservedLayer),
    currentRoot: nullable(RootSummary),
    previousRoots: t.array(RootSummary),
    lock: nullable(LockHolder),
    debris: t.array(Debris),
    notes: t.array(t.string),
  }),
  // Optional so that plan files written before it still decode (formatVersion 1); plugdeps
  // always writes it.
  t.partial({ unmanaged: t.array(Unmanaged), leftovers: t.array(LeftoverJson), hostRoot: HostRootJson }),
]);
export type Observed = t.TypeOf<typeof Observed>;

export const ActionPackage = t.type({
  name: t.string,
  spec: nullable(t.string),
  version: nullable(t.string),
});
export type ActionPackage = t.TypeOf<typeof ActionPackage>;

/**
 * An action as the plan file writes it (SPEC §3): `type` is one of the four SPEC words, and a
 * `prune` of a whole root is told from a prune of packages by `set: null`. Inside plugdeps an
 * action is the tagged union `Action` below; `actionToJson` / `actionFromJson` convert at the
 * edge (render/plan-json.ts), so the file format stays what SPEC §3 promises.
 */
export const ActionJson = t.type({
  type: ActionType,
  set: nullable(t.string),
  targets: t.array(t.string),
  packages: t.array(ActionPackage),
  from: nullable(t.string),
  reason: t.string,
});
export type ActionJson = t.TypeOf<typeof ActionJson>;

/** What every action says: where it acts, on which packages, and why (one human sentence). */
interface ActionCommon {
  /**
   * Absolute paths acted on. reuse: where each copied package lands in the target root (one per
   * package, same order); install: each package's directory in the target root; prune-package:
   * each package's directory in the live root; prune-root: the one root path; clean-legacy: the
   * debris paths.
   */
  readonly targets: readonly string[];
  /** The packages concerned (empty for prune-root and clean-legacy). */
  readonly packages: readonly ActionPackage[];
  /** Which difference between desired and observed caused this action. */
  readonly reason: string;
}

/** Hard-link (or copy) packages from a previous or sibling root into the new generation. */
export interface ReuseAction extends ActionCommon {
  readonly type: "reuse";
  /** The install set the packages belong to. */
  readonly set: string;
  /** The root they are taken from. */
  readonly from: string;
}

/** Run the package manager for these packages in their install set of the new generation. */
export interface InstallAction extends ActionCommon {
  readonly type: "install";
  readonly set: string;
  readonly from: null;
}

/** Leave these packages (extraneous or of an unwanted version) out of the new generation. */
export interface PrunePackageAction extends ActionCommon {
  readonly type: "prune-package";
  readonly set: string;
  readonly from: null;
}

/** Remove a whole previous root of this host (its link and generations), re-checked at delete. */
export interface PruneRootAction extends ActionCommon {
  readonly type: "prune-root";
  readonly set: null;
  readonly from: null;
}

/** Remove leftovers of the host's older staging, matched by exact name by the host adapter. */
export interface CleanLegacyAction extends ActionCommon {
  readonly type: "clean-legacy";
  readonly set: null;
  readonly from: null;
}

export type Action = ReuseAction | InstallAction | PrunePackageAction | PruneRootAction | CleanLegacyAction;
export type ActionKind = Action["type"];

/** The actions that change the versioned root's content (they are built into a new generation). */
export type RuntimeAction = ReuseAction | InstallAction | PrunePackageAction;
export const isRuntimeAction = (a: Action): a is RuntimeAction =>
  a.type === "reuse" || a.type === "install" || a.type === "prune-package";

/**
 * The default of an exhaustive `switch (action.type)`: a new action type that a switch does not
 * handle fails to compile there.
 */
export const unhandledAction = (action: never): never => {
  throw new Error(`unhandled action ${JSON.stringify(action)}`);
};

/** The SPEC word of an action type. */
export const specType = (type: ActionKind): ActionType =>
  type === "prune-package" || type === "prune-root" ? "prune" : type;

export const actionToJson = (a: Action): ActionJson => ({
  type: specType(a.type),
  set: a.set,
  targets: [...a.targets],
  packages: a.packages.map((p) => ({ ...p })),
  from: a.from,
  reason: a.reason,
});

/**
 * Reads an action back from a plan file. The file was decoded by ActionJson already; what is left
 * is the combinations SPEC §3 allows: reuse names a set and a source, install and prune-package a
 * set, prune-root and clean-legacy no set.
 */
export const actionFromJson = (a: ActionJson): Action | string => {
  const common = { targets: a.targets, packages: a.packages, reason: a.reason };
  switch (a.type) {
    case "reuse":
      return a.set !== null && a.from !== null
        ? { ...common, type: "reuse", set: a.set, from: a.from }
        : "a reuse action needs a set and a from";
    case "install":
      return a.set !== null
        ? { ...common, type: "install", set: a.set, from: null }
        : "an install action needs a set";
    case "prune":
      return a.set !== null
        ? { ...common, type: "prune-package", set: a.set, from: null }
        : { ...common, type: "prune-root", set: null, from: null };
    case "clean-legacy":
      return { ...common, type: "clean-legacy", set: null, from: null };
  }
};

export const Summary = t.type({ reuse: t.number, install: t.number, prune: t.number, cleanLegacy: t.number });
export type Summary = t.TypeOf<typeof Summary>;

export const PLAN_FORMAT_VERSION = 1 as const;

/** The plan document as the file holds it (SPEC §3). */
export const PlanDocumentJson = t.type(
  {
    formatVersion: t.literal(PLAN_FORMAT_VERSION),
    tool: t.type({ name: t.string, version: t.string }),
    host: PlanHost,
    config: PlanConfig,
    /**
     * What the host's rules could not settle without saying so: a host version outside every known
     * band (the nearest was used), a host that no longer stages, a malformed host manifest entry.
     */
    warnings: t.array(t.string),
    plugins: t.array(PluginDecision),
    desired: Desired,
    observed: Observed,
    actions: t.array(ActionJson),
    summary: Summary,
  },
  "PlanDocument",
);
export type PlanDocumentJson = t.TypeOf<typeof PlanDocumentJson>;

/** The plan document inside plugdeps: the file's shape, with actions as the tagged union. */
export type PlanDocument = Omit<PlanDocumentJson, "actions"> & { readonly actions: readonly Action[] };

export const planToJson = (plan: PlanDocument): PlanDocumentJson => ({
  ...plan,
  actions: plan.actions.map(actionToJson),
});
