import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import writeFileAtomic from "write-file-atomic";
import { buildContext, type RunContext } from "../observe/observe.js";
import type { RunOptions } from "../model/options.js";
import { makePlan } from "./plan.js";
import { fsError, planStale, validationFailed, type PlugdepsError } from "../model/errors.js";
import { STATE_DIR, STATE_FILE } from "../model/layout.js";
import type { Action, LockHolder, PlanDocument } from "../model/plan.js";
import type { RootState } from "../model/state.js";
import { generationName, listGenerations, liveTree } from "../observe/generations.js";
import { probeWritable } from "../util/probe-writable.js";
import { readRoot } from "../observe/versioned-roots.js";
import { toolInfo } from "../util/tool-version.js";
import { failpoint, isArmed, pausePoint } from "../execute/failpoint.js";
import { acquireLock, type HeldLock } from "../execute/lock.js";
import {
  findLeftovers,
  forgetManager,
  linkPrefix,
  recordManager,
  removeLeftovers,
  stagePrefix,
  surplusGenerations,
} from "../execute/leftovers.js";
import {
  type RootPackage,
  rootPackages,
  setDirIn,
  validateTree,
  writeManifests,
} from "../execute/materialization.js";
import { type ManagerChoice, findPackageManager, runInstall } from "../execute/package-manager.js";
import { removeWithin } from "../execute/safe-remove.js";
import { linkTree } from "../execute/tree-copy.js";

/**
 * `apply`: carries out a plan's actions so the versioned root converges (SPEC §4.3–4.10).
 *
 * 1. Plan (same code and the same access(2) probe as `plan`). Nothing to do and the root's
 *    record already names this plan: return at once — no lock, no package manager, no write, not
 *    even the write probe (§4.3). Otherwise, when access(2) found the stage base writable, go to
 *    step 2 at once; else plan again with a real write probe first.
 * 2. Take the install-root lock, then observe and plan again under it: another process may have
 *    converged the root meanwhile (then there is nothing left to do), and a saved plan whose
 *    observed state no longer matches is refused as stale (Terraform's saved-plan rule).
 * 3. Build a new generation in `<stage base>/.plugdeps-stage-<root>-<id>`: hard-link the live
 *    tree, drop what is pruned, hard-link what is reused, write the full-union manifests, run the
 *    package manager only for sets with installs, validate, write the state record.
 * 4. Make it live with one rename(2) of a symlink, validate again through the root path.
 * 5. Prune stale roots and clean legacy debris, each re-checked at delete time.
 *
 * A crash at any point leaves the previous generation live; leftovers (stages, unlinked
 * generations) are removed by the next run under the lock.
 */

export interface ApplyOptions extends RunOptions {
  readonly planFile?: PlanDocument | undefined;
  readonly planFilePath?: string | undefined;
  readonly lockTimeoutMs: number;
  readonly packageManager: ManagerChoice;
  readonly command: string;
  readonly onProgress?: (line: string) => void;
  /** Progress while a package manager runs (the CLI passes one only on a TTY). */
  readonly onInstallTick?: (elapsedMs: number, lastLogLine: string) => void;
  readonly onLockWait?: (holder: LockHolder) => void;
  readonly signal?: AbortSignal;
  /** Stop after the first, read-only look: return its no-op, or its plan unexecuted (noop false). */
  readonly observeOnly?: boolean;
}

export interface ApplyResult {
  /** The plan that was carried out (the one computed under the lock). */
  readonly plan: PlanDocument;
  readonly executed: readonly Action[];
  /** True when nothing had to be done (the fast path or a root converged by someone else). */
  readonly noop: boolean;
  readonly packageManagerRuns: number;
  /** Actions that were skipped at execution time, with the reason (e.g. a root locked meanwhile). */
  readonly skipped: readonly string[];
  /**
   * The no-op was decided from observation alone: no lock, no write probe, nothing written. Only
   * such a run may be replayed from a stamp (fastpath/), since its result is a function of what
   * it read.
   */
  readonly observedOnly: boolean;
}

export const apply = async (opts: ApplyOptions): Promise<E.Either<PlugdepsError, ApplyResult>> => {
  const progress = opts.onProgress ?? (() => undefined);
  // First observe exactly as `plan` does, with the access(2) probe: the write probe creates and
  // removes an entry in the stage base, which changes its mtime. A converged root is recognized,
  // and a stale saved plan refused (it was made with this same probe), without writing anything
  // (SPEC §4.3; openclaw #71420: the no-op path must not depend on writing). Only when there is
  // work to do is the stage base probed with a real write (below, and again under the lock).
  //
  // A converged root still goes on (to take the lock) when an interrupted run left something
  // behind that only a run under the lock removes: a dead holder's lock, stages, surplus or
  // orphaned generations (findLeftovers). Without that, a kill after the swap left them forever,
  // since nothing else takes the lock of a converged root. That tidy-up is best effort: it never
  // waits for a live holder, and when it cannot be done (read-only stage base) the run is the
  // same no-op as before.
  //
  // The stage base itself may be read-only while its root is converged (a stage prepared ahead,
  // then mounted read-only; ProtectSystem=strict without ReadWritePaths=): that is still a no-op,
  // not an error, so this first look observes a non-writable stage base read-only, as `status`
  // does. Found by the read-only-stage fault test: without it every start failed with "no
  // writable stage base" although nothing had to change (openclaw #71420). A saved plan is
  // judged against the same observation `plan` made (a writable target), hence not for it.
  const quick = buildContext({ ...opts, probe: "access", observeReadOnlyStage: opts.planFile === undefined });
  let tidyOnly: PlanDocument | null = null;
  if (E.isRight(quick)) {
    const quickPlan = makePlan(quick.right);
    if (opts.planFile !== undefined) {
      const stale = staleness(opts.planFile, quickPlan, opts.planFilePath ?? "PLANFILE");
      if (stale !== null) return E.left(stale);
    } else if (isConverged(quick.right, quickPlan)) {
      if (findLeftovers(quick.right, { locksHeld: [] }).length === 0)
        return E.right({ ...noopResult(quickPlan), observedOnly: true });
      tidyOnly = quickPlan;
    }
  }
  if (opts.observeOnly === true) {
    if (E.isLeft(quick)) return quick;
    return E.right({ ...noopResult(makePlan(quick.right)), noop: false });
  }
  const takeLock = (root: string, tidy: boolean) =>
    acquireLock(root, {
      timeoutMs: tidy ? 0 : opts.lockTimeoutMs,
      command: opts.command,
      ...(opts.onLockWait && !tidy ? { onWait: opts.onLockWait } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      onReclaim: (holder) =>
        progress(`  reclaimed the stale install-root lock ${holder.path}: ${holder.detail}`),
    });

  // Work to do on a stage base the first look found writable: straight to the lock on that
  // root, then observe and plan under it (below, with the real write probe). A second plan
  // before the lock (with the write probe) would only repeat the first look: it cost a reuse
  // after a host upgrade ~15% of its time on the demo host. Should the write probe under the lock
  // pick another stage base than access(2) did (permission bits that lie, openclaw #70163), the
  // lock is on the wrong root: it is released and the careful path below is taken. The chosen
  // base gets the real write probe first (one mkdir and rmdir): where access(2) lies about it (a
  // filesystem out of inodes, a read-only bind mount), the careful path falls back to the next
  // candidate or names each failure, as the diskfull fault test requires.
  if (
    E.isRight(quick) &&
    quick.right.stage.target.writable === true &&
    opts.planFile === undefined &&
    tidyOnly === null &&
    probeWritable(quick.right.stage.target.path, "write").writable
  ) {
    const lock = await takeLock(quick.right.desired.targetRoot, false);
    if (E.isLeft(lock)) return lock;
    const under = await underLock(lock.right, opts, progress, quick.right.desired.targetRoot);
    if (under !== "other-root") return under;
  }

  const first = buildContext({ ...opts, probe: "write" });
  if (E.isLeft(first)) return tidyOnly !== null ? E.right(noopResult(tidyOnly)) : first;
  const firstPlan = makePlan(first.right);
  if (opts.planFile !== undefined) {
    const stale = staleness(opts.planFile, firstPlan, opts.planFilePath ?? "PLANFILE");
    if (stale !== null) return E.left(stale);
    tidyOnly = null;
  } else if (isConverged(first.right, firstPlan)) {
    if (findLeftovers(first.right, { locksHeld: [] }).length === 0) return E.right(noopResult(firstPlan));
    tidyOnly = firstPlan;
  } else {
    tidyOnly = null;
  }

  const lock = await takeLock(first.right.desired.targetRoot, tidyOnly !== null);
  if (E.isLeft(lock)) return tidyOnly !== null ? E.right(noopResult(tidyOnly)) : lock;
  const under = await underLock(lock.right, opts, progress, first.right.desired.targetRoot);
  return under === "other-root" ? E.left(otherRootError(first.right.desired.targetRoot)) : under;
};

/**
 * Step 2 onwards, with the lock held (and released here whatever happens): observe and plan
 * again, refuse a stale saved plan, tidy leftovers, build, swap, prune, clean. A plan whose target
 * root is not the locked one (`expected`: the stage base judged writable changed in between)
 * returns "other-root" and does nothing: a root is never built without its own lock.
 */
const underLock = async (
  held: HeldLock,
  opts: ApplyOptions,
  progress: (line: string) => void,
  expected: string,
): Promise<E.Either<PlugdepsError, ApplyResult> | "other-root"> => {
  failpoint("after-lock");
  await pausePoint("after-lock");
  try {
    const ctx = buildContext({ ...opts, probe: "write" });
    if (E.isLeft(ctx)) return ctx;
    if (ctx.right.desired.targetRoot !== expected) return "other-root";
    const plan = makePlan(ctx.right);
    if (opts.planFile !== undefined) {
      const stale = staleness(opts.planFile, plan, opts.planFilePath ?? "PLANFILE");
      if (stale !== null) return E.left(stale);
    }
    await removeLeftovers(
      ctx.right,
      findLeftovers(ctx.right, { locksHeld: [ctx.right.desired.targetRoot] }),
      progress,
    );
    if (isConverged(ctx.right, plan)) {
      return E.right({
        plan,
        executed: [],
        noop: true,
        packageManagerRuns: 0,
        skipped: [],
        observedOnly: false,
      });
    }
    const executed: Action[] = [];
    const skipped: string[] = [];
    let packageManagerRuns = 0;

    const runtime = plan.actions.filter((a) => a.set !== null && a.type !== "clean-legacy");
    if (runtime.length > 0 || needsRecord(ctx.right, plan)) {
      const built = await buildGeneration(ctx.right, plan, opts, progress);
      if (E.isLeft(built)) return built;
      packageManagerRuns = built.right.packageManagerRuns;
      if (!held.isIntact()) return E.left(lockLostError(held.path));
      const swapped = makeLive(ctx.right, plan, built.right.generation, progress);
      if (E.isLeft(swapped)) return swapped;
      executed.push(...runtime);
    }

    for (const action of plan.actions.filter((a) => a.type === "prune" && a.set === null)) {
      const done = await pruneRoot(ctx.right, action, progress);
      if (E.isLeft(done)) return done;
      if (done.right === null) executed.push(action);
      else skipped.push(done.right);
    }
    for (const action of plan.actions.filter((a) => a.type === "clean-legacy")) {
      const done = cleanLegacy(ctx.right, action, progress);
      if (E.isLeft(done)) return done;
      executed.push(action);
    }
    return E.right({ plan, executed, noop: false, packageManagerRuns, skipped, observedOnly: false });
  } finally {
    const released = await held.release();
    if (E.isLeft(released)) progress(`warning: ${released.left.message}`);
  }
};

const noopResult = (plan: PlanDocument): ApplyResult => ({
  plan,
  executed: [],
  noop: true,
  packageManagerRuns: 0,
  skipped: [],
  observedOnly: false,
});

/**
 * Converged: no action, and the live record already describes this plan (or nothing has to live
 * in the root at all). Reading only what observe already read, it adds no I/O to the no-op path.
 */
const isConverged = (ctx: RunContext, plan: PlanDocument): boolean =>
  plan.actions.length === 0 && !needsRecord(ctx, plan);

/** The packages are right but the root's record is missing or describes another plan. */
const needsRecord = (ctx: RunContext, plan: PlanDocument): boolean => {
  if (ctx.current._tag === "Owned")
    return ctx.current.root.state.planFingerprint !== plan.desired.fingerprint;
  return rootPackages(plan).length > 0 || ctx.current._tag === "NotOwned";
};

const staleness = (saved: PlanDocument, now: PlanDocument, file: string): PlugdepsError | null => {
  if (saved.host.packageRoot !== now.host.packageRoot || saved.host.identity !== now.host.identity) {
    return planStale(
      file,
      `it was made for ${saved.host.name} ${saved.host.version} at ${saved.host.packageRoot}, the host is now ${now.host.version} at ${now.host.packageRoot}`,
    );
  }
  if (saved.desired.fingerprint !== now.desired.fingerprint) {
    return planStale(file, "the plugin plan or the desired dependencies changed since it was made");
  }
  if (saved.observed.fingerprint !== now.observed.fingerprint) {
    return planStale(file, "what is on disk changed since it was made (observed-state fingerprint differs)");
  }
  return null;
};

/** Removes the generations no reader can be using (all but the live and the previous one). */
const pruneGenerations = (
  root: string,
  base: string,
  previous: string | null,
  progress: (line: string) => void,
): void => {
  for (const g of surplusGenerations(root, previous)) {
    const removed = removeWithin(path.join(base, g), [base], "old generation");
    if (E.isRight(removed) && removed.right) progress(`  removed old generation ${g}`);
  }
};

const newId = (): string => `${Date.now().toString(36).padStart(9, "0")}${randomBytes(3).toString("hex")}`;

const buildGeneration = async (
  ctx: RunContext,
  plan: PlanDocument,
  opts: ApplyOptions,
  progress: (line: string) => void,
): Promise<E.Either<PlugdepsError, { generation: string; packageManagerRuns: number }>> => {
  const base = ctx.stage.target.path;
  const root = ctx.desired.targetRoot;
  const id = newId();
  const stage = path.join(base, `${stagePrefix(root)}${id}`);
  const must = rootPackages(plan);
  try {
    // Seed from the live tree (if it is ours): everything already there stays, by hard link.
    const live = liveTree(root);
    if (ctx.current._tag === "Owned" && (live._tag === "Generation" || live._tag === "Directory")) {
      const stats = linkTree(live.dir, stage);
      fs.rmSync(path.join(stage, STATE_DIR), { recursive: true, force: true });
      progress(`  seeded stage from the live root (${stats.linked} files linked, ${stats.copied} copied)`);
    } else {
      fs.mkdirSync(stage, { recursive: true });
    }
    for (const action of plan.actions.filter((a) => a.type === "prune" && a.set !== null)) {
      for (const target of action.targets) {
        const removed = removeWithin(
          path.join(stage, path.relative(root, target)),
          [stage],
          "pruned package",
        );
        if (E.isLeft(removed)) return removed;
      }
      progress(`  - pruned ${action.packages.map((p) => p.name).join(", ")} [${action.set ?? ""}]`);
    }
    for (const action of plan.actions.filter((a) => a.type === "reuse")) {
      const from = action.from;
      if (from === null) continue;
      action.targets.forEach((target) => {
        const rel = path.relative(root, target);
        const dst = path.join(stage, rel);
        fs.rmSync(dst, { recursive: true, force: true });
        fs.mkdirSync(path.dirname(dst), { recursive: true });
        linkTree(path.join(from, rel), dst);
      });
      progress(
        `  ~ reused ${action.packages.map((p) => `${p.name}@${p.version ?? "?"}`).join(", ")} from ${path.basename(from)}`,
      );
    }
    writeManifests(stage, plan, must);
    failpoint("after-stage-seeded");

    let runs = 0;
    const installSets = new Set(plan.actions.filter((a) => a.type === "install").map((a) => a.set));
    if (installSets.size > 0) {
      const pm = findPackageManager(opts.packageManager, opts.env);
      if (E.isLeft(pm)) return pm;
      for (const set of plan.desired.sets.filter((s) => installSets.has(s.id))) {
        const names = plan.actions
          .filter((a) => a.type === "install" && a.set === set.id)
          .flatMap((a) => a.packages.map((p) => `${p.name}@${p.spec ?? "*"}`));
        const log = path.join(
          base,
          STATE_DIR,
          "logs",
          `${path.basename(root)}-${id}-${set.id.replace(/[^A-Za-z0-9_-]/g, "_")}.log`,
        );
        progress(`  + installing ${names.join(", ")} [${set.id}] with ${pm.right.name} (log: ${log})`);
        const killer = isArmed("during-install") ? setTimeout(() => failpoint("during-install"), 300) : null;
        const cwd = setDirIn(stage, root, set);
        // If we are killed, the manager runs on as an orphan: the next run stops it by this record.
        recordManager(stage, cwd, null);
        const ran = await runInstall(pm.right, {
          cwd,
          cacheDir: path.join(base, STATE_DIR, "cache"),
          logFile: log,
          env: opts.env,
          packages: names,
          ...(opts.signal ? { signal: opts.signal } : {}),
          ...(opts.onInstallTick ? { onTick: opts.onInstallTick } : {}),
          onSpawn: (pid) => recordManager(stage, cwd, pid),
        });
        if (killer !== null) clearTimeout(killer);
        forgetManager(stage);
        runs++;
        if (E.isLeft(ran)) return ran;
      }
      failpoint("after-install");
    }

    const checked = validateTree(stage, root, must);
    if (checked.problems.length > 0) return E.left(validationFailed(stage, checked.problems));
    failpoint("after-validate");
    writeState(stage, ctx, plan, must, checked.versions);
    progress(`  ✓ validated ${must.length} package${must.length === 1 ? "" : "s"} in the stage`);

    const generation = path.join(base, generationName(path.basename(root), id));
    fs.renameSync(stage, generation);
    return E.right({ generation, packageManagerRuns: runs });
  } catch (err) {
    return E.left(
      fsError("build the new root", stage, err, "check free space and permissions on the stage base"),
    );
  } finally {
    // On any failure the stage is removed; the live root was never touched.
    if (fs.existsSync(stage)) removeWithin(stage, [base], "failed stage");
  }
};

const writeState = (
  tree: string,
  ctx: RunContext,
  plan: PlanDocument,
  must: readonly RootPackage[],
  versions: ReadonlyMap<string, string>,
): void => {
  const now = new Date().toISOString();
  const state: RootState = {
    formatVersion: 1,
    tool: toolInfo(),
    layoutVersion: plan.desired.layoutVersion,
    host: {
      name: plan.host.name,
      version: plan.host.version,
      packageRoot: plan.host.packageRoot,
      identity: plan.host.identity,
    },
    planFingerprint: plan.desired.fingerprint,
    sets: plan.desired.sets.map((set) => ({
      id: set.id,
      dir: path.relative(plan.desired.targetRoot, set.dir) || ".",
      packages: Object.fromEntries(
        must
          .filter((p) => p.set.id === set.id)
          .map((p) => [p.name, { spec: p.spec, version: versions.get(`${set.id}\0${p.name}`) ?? "" }]),
      ),
    })),
    createdAt: ctx.current._tag === "Owned" ? ctx.current.root.state.createdAt : now,
    updatedAt: now,
    ...(Object.keys(plan.desired.overrides).length > 0 ? { overrides: { ...plan.desired.overrides } } : {}),
    plugins: plan.plugins
      .filter((p) => p.valid && p.active && p.staged)
      .map((p) => ({ id: p.id, dir: p.dir, dependencies: Object.keys(p.dependencies).sort() })),
    external: plan.observed.layers
      .filter((l) => l.kind === "read-only-stage")
      .flatMap((l) => l.satisfies.map((s) => ({ set: s.set, name: s.name, dir: s.path }))),
  };
  fs.mkdirSync(path.join(tree, STATE_DIR), { recursive: true });
  writeFileAtomic.sync(path.join(tree, STATE_DIR, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
};

/**
 * The swap: a new symlink `<root>` -> `<generation>` replaces the old one with rename(2), which
 * is atomic. A plain directory at the root path (not our layout) is moved aside first, once.
 */
const makeLive = (
  ctx: RunContext,
  plan: PlanDocument,
  generation: string,
  progress: (line: string) => void,
): E.Either<PlugdepsError, void> => {
  const base = ctx.stage.target.path;
  const root = ctx.desired.targetRoot;
  const link = path.join(base, `${linkPrefix(root)}${path.basename(generation).slice(-15)}`);
  let previous: string | null = null;
  try {
    fs.symlinkSync(path.basename(generation), link);
    failpoint("between-swap-steps");
    const live = liveTree(root);
    if (live._tag === "Generation") previous = live.name;
    if (live._tag === "Directory" || live._tag === "Foreign") {
      const aside = `${root}.aside-${newId()}`;
      fs.renameSync(root, aside);
      progress(`  moved the unowned ${path.basename(root)} aside to ${path.basename(aside)}`);
    }
    fs.renameSync(link, root);
  } catch (err) {
    fs.rmSync(link, { force: true });
    return E.left(fsError("make the new root live", root, err, "check permissions on the stage base"));
  }
  failpoint("after-swap-before-cleanup");
  const again = validateTree(root, root, rootPackages(plan));
  if (again.problems.length > 0) return E.left(validationFailed(root, again.problems));
  progress(`  ✓ live: ${path.basename(root)} -> ${path.basename(generation)}`);
  pruneGenerations(root, base, previous, progress);
  return E.right(undefined);
};

/** Removes a whole previous root: its link, its generations; only if owned and not locked. */
const pruneRoot = async (
  ctx: RunContext,
  action: Action,
  progress: (line: string) => void,
): Promise<E.Either<PlugdepsError, string | null>> => {
  const base = ctx.stage.target.path;
  const root = action.targets[0];
  if (root === undefined || path.dirname(root) !== base)
    return E.right(`prune of ${root ?? "?"}: not directly in the stage base`);
  // Re-check ownership at delete time (argo-cd #15472), under that root's own lock so no other
  // writer is using it: a live holder means "keep it for now".
  const held = await acquireLock(root, { timeoutMs: 0, command: "plugdeps apply (prune)" });
  if (E.isLeft(held))
    return E.right(`kept ${path.basename(root)}: its lock is held (${held.left.message.split("\n")[0]})`);
  try {
    const reading = readRoot(root, ctx.identity.name, ctx.lockFacts);
    if (reading._tag !== "Owned" || reading.root.state.host.packageRoot !== ctx.identity.packageRoot) {
      return E.right(`kept ${path.basename(root)}: no longer an owned root of this host`);
    }
    const generations = listGenerations(root);
    const removedLink = removeWithin(root, [base], "stale root");
    if (E.isLeft(removedLink)) return removedLink;
    // The link is gone, its generations not yet: a crash here orphans them (cleanLeftovers).
    failpoint("during-prune");
    for (const g of generations) {
      const removed = removeWithin(path.join(base, g), [base], "stale root generation");
      if (E.isLeft(removed)) return removed;
    }
    progress(`  - pruned previous root ${path.basename(root)}`);
    return E.right(null);
  } finally {
    await held.right.release();
  }
};

const cleanLegacy = (
  ctx: RunContext,
  action: Action,
  progress: (line: string) => void,
): E.Either<PlugdepsError, void> => {
  const allowed = [
    ctx.identity.packageRoot,
    ctx.stage.target.path,
    ...(path.basename(path.dirname(ctx.identity.packageRoot)) === "node_modules"
      ? [path.dirname(ctx.identity.packageRoot)]
      : []),
    // the host's own state directories (OpenClaw: its state and config dirs), never themselves
    ...(ctx.adapter.legacyRoots?.(ctx.identity.packageRoot, ctx.input) ?? []),
  ];
  for (const target of action.targets) {
    // Only what the adapter matched by exact name in this very run (it re-observed under the
    // lock); anything else is refused.
    if (!ctx.debris.some((d) => d.path === target && d.writable)) continue;
    const removed = removeWithin(target, allowed, "legacy debris");
    if (E.isLeft(removed)) return removed;
    progress(`  x removed legacy ${target}`);
    failpoint("during-clean-legacy"); // some debris removed, the rest not yet
  }
  return E.right(undefined);
};

const otherRootError = (locked: string): PlugdepsError => ({
  _tag: "LockLost",
  path: `${locked}.lock`,
  message: `the stage base chosen under the install-root lock of ${locked} is another one now (its writability changed meanwhile); nothing was changed. Fix: run apply again.`,
});

const lockLostError = (lockPath: string): PlugdepsError => ({
  _tag: "LockLost",
  path: lockPath,
  message: `the install-root lock ${lockPath} was taken away while building; nothing was made live. Fix: run apply again.`,
});
