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
  t.partial({ unmanaged: t.array(Unmanaged) }),
]);
export type Observed = t.TypeOf<typeof Observed>;

export const ActionPackage = t.type({
  name: t.string,
  spec: nullable(t.string),
  version: nullable(t.string),
});
export type ActionPackage = t.TypeOf<typeof ActionPackage>;

export const Action = t.type({
  type: ActionType,
  set: nullable(t.string),
  targets: t.array(t.string),
  packages: t.array(ActionPackage),
  from: nullable(t.string),
  reason: t.string,
});
export type Action = t.TypeOf<typeof Action>;

export const Summary = t.type({ reuse: t.number, install: t.number, prune: t.number, cleanLegacy: t.number });
export type Summary = t.TypeOf<typeof Summary>;

export const PLAN_FORMAT_VERSION = 1 as const;

export const PlanDocument = t.type(
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
    actions: t.array(Action),
    summary: Summary,
  },
  "PlanDocument",
);
export type PlanDocument = t.TypeOf<typeof PlanDocument>;
