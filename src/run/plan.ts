import * as path from "node:path";
import { reconcileAll } from "../../reconcilers/index.js";
import type {
  Action,
  ObservedLayer,
  Observed,
  PlanDocument,
  PluginDecision,
  RootSummary,
  Summary,
} from "../model/plan.js";
import { PLAN_FORMAT_VERSION } from "../model/plan.js";
import { versionSatisfies } from "../observe/installed-package.js";
import type { OwnedRoot } from "../observe/versioned-roots.js";
import { sha256Fingerprint } from "../util/canonical-json.js";
import { toolInfo } from "../util/tool-version.js";
import * as E from "fp-ts/lib/Either.js";
import { needsRecord } from "../execute/materialization.js";
import type { PlugdepsError } from "../model/errors.js";
import type { RunOptions } from "../model/options.js";
import { type Observation, observe } from "../observe/observe.js";
import type { ProbeMode } from "../util/probe-writable.js";

/**
 * Assembles the plan document from a run context: runs the reconcilers (observe + pure diff) and
 * lays the result out as SPEC §3 describes. Read-only.
 */
export const makePlan = (ctx: Observation): PlanDocument => {
  const actions = reconcileAll(ctx);
  const observed = observedSection(ctx, actions);
  return {
    formatVersion: PLAN_FORMAT_VERSION,
    tool: toolInfo(),
    host: {
      name: ctx.identity.name,
      version: ctx.identity.version,
      packageRoot: ctx.identity.packageRoot,
      adapter: ctx.adapter.name,
      identity: ctx.identity.key,
    },
    config: {
      path: ctx.configLocation.path,
      source: ctx.configLocation.source,
      found: ctx.configFound,
    },
    warnings: [...ctx.warnings],
    plugins: pluginSection(ctx),
    desired: ctx.desired,
    observed,
    actions: actions,
    summary: summarize(actions),
  };
};

export const summarize = (actions: readonly Action[]): Summary => ({
  reuse: actions.filter((a) => a.type === "reuse").length,
  install: actions.filter((a) => a.type === "install").length,
  prune: actions.filter((a) => a.type === "prune-package" || a.type === "prune-root").length,
  cleanLegacy: actions.filter((a) => a.type === "clean-legacy").length,
});

const pluginSection = (ctx: Observation): PluginDecision[] =>
  ctx.planned.map((p): PluginDecision => {
    if (p._tag === "Invalid") {
      return {
        id: p.id,
        dir: p.dir,
        valid: false,
        active: false,
        reason: "invalid manifest",
        staged: false,
        dependencies: {},
        problems: [p.error],
      };
    }
    return {
      id: p.facts.id,
      dir: p.facts.dir,
      valid: true,
      active: p.decision.active,
      reason: p.decision.reason,
      staged: p.facts.staged,
      dependencies: { ...p.facts.dependencies },
      problems: [...(ctx.problems.get(p.facts.id) ?? [])],
    };
  });

const rootSummary = (root: OwnedRoot): RootSummary => ({
  path: root.path,
  hostVersion: root.state.host.version,
  planFingerprint: root.state.planFingerprint,
  updatedAt: root.state.updatedAt,
  locked: root.lock !== null && root.lock.state !== "stale",
  packages: root.state.sets.reduce((n, s) => n + Object.keys(s.packages).length, 0),
});

const observedSection = (ctx: Observation, actions: readonly Action[]): Observed => {
  const pkgs = ctx.runtime.packages;
  const layers: ObservedLayer[] = [
    {
      kind: "host",
      path: ctx.identity.packageRoot,
      writable: false,
      why: "Node's own resolution from each plugin directory (the host's node_modules); never written",
      satisfies: pkgs.flatMap((p) =>
        p.host === null ? [] : [{ set: p.set, name: p.name, version: p.host.version, path: p.host.at }],
      ),
    },
    ...ctx.stage.layers.map((layer): ObservedLayer => ({
      kind: "read-only-stage",
      path: layer.path,
      writable: false,
      why: `${layer.source}: read-only layer, used in place`,
      satisfies: pkgs.flatMap((p) =>
        p.host === null && p.readOnly !== null && p.readOnly.layer === layer.path
          ? [{ set: p.set, name: p.name, version: p.readOnly.version, path: p.readOnly.at }]
          : [],
      ),
    })),
    ...ctx.previous.map((root): ObservedLayer => ({
      kind: "previous-root",
      path: root.path,
      writable: true,
      why: `owned root of ${root.state.host.name} ${root.state.host.version}; reusable by hard link or copy`,
      satisfies: actions.flatMap((a) =>
        a.type === "reuse" && a.from === root.path
          ? a.packages.flatMap((pkg) =>
              pkg.spec === null || pkg.version === null
                ? []
                : [
                    {
                      set: a.set ?? "shared",
                      name: pkg.name,
                      version: pkg.version,
                      path: path.join(root.path, path.relative(ctx.desired.targetRoot, a.targets[0] ?? "")),
                    },
                  ],
            )
          : [],
      ),
    })),
    {
      kind: "current-root",
      path: ctx.desired.targetRoot,
      writable: true,
      why:
        ctx.current._tag === "Owned"
          ? "the writable root this plan converges (owned)"
          : ctx.current._tag === "Absent"
            ? "the writable root this plan converges (does not exist yet)"
            : `the writable root this plan converges (present but not owned: ${ctx.current.reason})`,
      satisfies: pkgs.flatMap((p) =>
        p.host === null &&
        p.readOnly === null &&
        p.current._tag === "Present" &&
        versionSatisfies(p.current.version, p.spec)
          ? [{ set: p.set, name: p.name, version: p.current.version, path: p.current.dir }]
          : [],
      ),
    },
  ];
  const currentRoot = ctx.current._tag === "Owned" ? rootSummary(ctx.current.root) : null;
  const previousRoots = ctx.previous.map(rootSummary);
  const lock = ctx.lock;
  const debris = [...ctx.debris];
  const notes = [...ctx.notes];
  // The observed-state fingerprint leaves out what changes without the disk changing: the lock
  // on the root being converged (apply holds it itself when it re-observes) and timestamps of
  // the probe. `apply PLANFILE` compares it to refuse a stale plan.
  const fingerprint = sha256Fingerprint({
    candidates: ctx.stage.all.map((c) => [c.path, c.role, c.writable]),
    layers: layers.map((l) => [l.kind, l.path, l.satisfies.map((s) => [s.set, s.name, s.version, s.path])]),
    currentRoot: currentRoot && { ...currentRoot, locked: null },
    previousRoots,
    debris: debris.map((d) => [d.path, d.rule, d.writable]),
    ...(ctx.hostRootSeen === null ? {} : { hostRoot: ctx.hostRootSeen }),
  });
  return {
    fingerprint,
    candidates: [...ctx.stage.all],
    layers,
    currentRoot,
    previousRoots,
    lock,
    debris,
    notes,
    unmanaged: [...ctx.unmanaged],
    leftovers: ctx.leftovers.map((l) => ({ kind: l.kind, path: l.path })),
    ...(ctx.hostRootSeen === null ? {} : { hostRoot: ctx.hostRootSeen }),
  };
};

/** An observation and the plan decided from it. */
export interface Looked {
  readonly ctx: Observation;
  readonly plan: PlanDocument;
}

/** Observe (with the given write probe) and decide: what `plan` prints and `apply` acts on. */
export const look = (
  opts: RunOptions,
  probe: ProbeMode,
  observeReadOnlyStage: boolean,
  holdingLock = false,
): E.Either<PlugdepsError, Looked> =>
  E.map((ctx: Observation): Looked => ({ ctx, plan: makePlan(ctx) }))(
    observe({ ...opts, probe, observeReadOnlyStage, holdingLock }),
  );

/** Converged: no action, the live record already describes this plan, and the host's own root shows it. */
export const isConverged = (ctx: Observation, plan: PlanDocument): boolean =>
  plan.actions.length === 0 && !needsRecord(ctx.current, plan);
