import * as fs from "node:fs";
import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { withHostRootLock } from "../execute/host-root.js";
import { acquireLock } from "../execute/lock.js";
import { type RootPackage, validateTree } from "../execute/materialization.js";
import { relink } from "../execute/swap.js";
import type { ExecutionTarget } from "../execute/target.js";
import { type PlugdepsError, rollbackRefused, validationFailed } from "../model/errors.js";
import type { RunOptions } from "../model/options.js";
import type { RollbackOutcome } from "../model/rollback.js";
import type { InstallSet, LockHolder } from "../model/plan.js";
import type { RootState } from "../model/state.js";
import { foreignGenerations, liveTree } from "../observe/generations.js";
import { linkTextFor, observeHostRoot } from "../observe/host-root.js";
import { previousGeneration } from "../observe/leftovers.js";
import { realLockFacts } from "../observe/lock-holder.js";
import { observe, type Observation } from "../observe/observe.js";
import { readRoot, readTreeState } from "../observe/versioned-roots.js";
import type { Progress } from "../util/progress.js";
import { packageDistrust, trustChecker } from "../util/trusted-tree.js";

/**
 * `plugdeps rollback`: makes the retained previous generation of the target root live again.
 *
 *   look      observe as apply does (the real write probe): which root, which host, its own root
 *   lock      the install-root lock of that root (waiting for a live holder, like apply)
 *   choose    under the lock: the live tree must be our link to a generation of ours; the previous
 *             generation is the newest of ours older than the live one (what tidy keeps)
 *   validate  its own state record (read as untrusted input, for this host and package root),
 *             every directory from the stage base down to each package of it ours (trusted-tree),
 *             and every package it records present, its entry file there, the recorded version
 *   swap      a new link renamed over the root's name (atomic), under the host's own lock when the
 *             host reads a root of its own (its node_modules links through the root's name, so it
 *             follows); validated again through the root's path, else swapped back
 *
 * Refused, with the reason and the live root unchanged, when there is no previous generation, it
 * is not ours, or it does not validate. Nothing is removed: the generation rolled back from stays
 * until the next apply's tidy removes it as surplus. The desired state is not changed either: the
 * next `plan` shows what differs from it, and `apply` converges again.
 */

export interface RollbackOptions extends RunOptions {
  readonly lockTimeoutMs: number;
  readonly command: string;
  readonly onProgress?: Progress;
  readonly onLockWait?: (holder: LockHolder) => void;
  readonly signal?: AbortSignal;
}

/** What a rollback carried out reports (model/rollback.ts; `rollback --json` prints it as a RollbackDocument). */
export type RollbackResult = RollbackOutcome;

export const rollback = async (opts: RollbackOptions): Promise<E.Either<PlugdepsError, RollbackResult>> => {
  const seen = observe({ ...opts, probe: "write" });
  if (E.isLeft(seen)) return seen;
  const ctx = seen.right;
  const root = ctx.desired.targetRoot;
  const held = await acquireLock(root, {
    timeoutMs: opts.lockTimeoutMs,
    command: opts.command,
    ...(opts.onLockWait ? { onWait: opts.onLockWait } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  if (E.isLeft(held)) return held;
  try {
    return await underLock(ctx, opts);
  } finally {
    const released = await held.right.release();
    if (E.isLeft(released)) opts.onProgress?.(released.left.message, { step: "warning" });
  }
};

const underLock = async (
  ctx: Observation,
  opts: RollbackOptions,
): Promise<E.Either<PlugdepsError, RollbackResult>> => {
  const progress = opts.onProgress ?? (() => undefined);
  const root = ctx.desired.targetRoot;
  const base = ctx.stage.target.path;
  const chosen = choose(ctx);
  if (E.isLeft(chosen)) return chosen;
  const { from, to, state } = chosen.right;
  const packages = packagesOf(root, state);
  const problems = validateGeneration(base, root, path.join(base, to), state, packages);
  if (problems.length > 0) {
    return E.left(
      rollbackRefused(
        root,
        `the previous generation ${to} does not hold what its own record says:\n${problems.map((p) => `  - ${p}`).join("\n")}\n`,
        "nothing to roll back to; run `plugdeps apply` to converge (a new generation is built beside the live one)",
      ),
    );
  }
  progress(
    `  ✓ validated ${packages.length} package${packages.length === 1 ? "" : "s"} of ${to} (its record of ${state.updatedAt})`,
    { step: "validate", count: packages.length, generation: to },
  );

  const swap = (): E.Either<PlugdepsError, void> => {
    const swapped = relink(root, to);
    if (E.isLeft(swapped)) return swapped;
    const again = validateTree(root, root, packages);
    if (again.problems.length === 0) return E.right(undefined);
    // What went live does not hold its packages (changed meanwhile): back to what was live.
    const back = relink(root, from);
    return E.left(
      validationFailed(root, [
        ...again.problems,
        E.isLeft(back)
          ? `swapping back to ${from} failed too: ${back.left.message}`
          : `swapped back to ${from}`,
      ]),
    );
  };
  const spec = ctx.hostRoot;
  const hostDirExists =
    spec !== null && fs.lstatSync(spec.path, { throwIfNoEntry: false })?.isDirectory() === true;
  const target: ExecutionTarget = {
    observed: ctx,
    packageManager: "auto",
    env: opts.env,
    signal: opts.signal,
    progress,
  };
  // The host's own root shows the target root through its link: a host starting right now waits
  // for its own lock instead of seeing the change half-way (as apply's swap does).
  const done = spec !== null && hostDirExists ? await withHostRootLock(target, spec, swap) : swap();
  if (E.isLeft(done)) return done;
  progress(`  ✓ live: ${path.basename(root)} -> ${to} (was ${from})`, {
    step: "swap",
    root,
    generation: to,
    from,
  });
  return E.right({
    root,
    from,
    to,
    checked: packages.length,
    updatedAt: state.updatedAt,
    hostRoot: spec === null ? null : hostRootNote(ctx, spec),
  });
};

/** The live generation and the previous one, both ours, or why there is nothing to roll back to. */
const choose = (
  ctx: Observation,
): E.Either<PlugdepsError, { from: string; to: string; state: RootState }> => {
  const root = ctx.desired.targetRoot;
  const refuse = (reason: string, fix: string) => E.left(rollbackRefused(root, reason, fix));
  const live = liveTree(root);
  if (live._tag === "Absent")
    return refuse("there is no live root (nothing was applied here yet)", "run `plugdeps apply`");
  if (live._tag === "Directory")
    return refuse(
      "the root is a plain directory (a layout without generations), so no previous generation was kept",
      "run `plugdeps apply` to converge; the generation it replaces is then retained for a rollback",
    );
  if (live._tag === "Foreign")
    return refuse(live.reason, "run `plugdeps apply`: it builds a generation of its own");
  // The live root itself must be ours: a planted link at our root's name is apply's to replace.
  const current = readRoot(root, ctx.identity.name, realLockFacts());
  if (current._tag !== "Owned")
    return refuse(
      `the live root is not plugdeps' (${current._tag === "NotOwned" ? current.reason : "absent"})`,
      "run `plugdeps apply`: it builds a generation of its own",
    );
  const to = previousGeneration(root);
  if (to === null) {
    const theirs = foreignGenerations(root).filter((g) => path.basename(g.path) < live.name);
    return theirs.length > 0
      ? refuse(
          `the only older generation${theirs.length > 1 ? "s" : ""} (${theirs.map((g) => `${path.basename(g.path)}, owned by uid ${g.uid}`).join("; ")}) ${theirs.length > 1 ? "are" : "is"} not plugdeps' (not root's or this user's), and never made live`,
          "remove it and make the stage base writable only by root or the user plugdeps runs as (docs/security.md)",
        )
      : refuse(
          `no previous generation is retained: none of this root's generations is older than the live one, ${live.name} (one is kept after an apply that built a new one; a rollback is not undone by another rollback)`,
          "nothing to roll back to; `plugdeps apply` converges to the desired state",
        );
  }
  const checker = trustChecker();
  const dir = path.join(ctx.stage.target.path, to);
  const read = readTreeState(dir, dir, ctx.identity.name, checker);
  if (!("state" in read))
    return refuse(
      `the previous generation ${to} is not plugdeps' for this host: ${read.reason}`,
      "run `plugdeps apply`",
    );
  if (read.state.host.packageRoot !== ctx.identity.packageRoot)
    return refuse(
      `the previous generation ${to} was built for the package root ${read.state.host.packageRoot}, not ${ctx.identity.packageRoot}`,
      "run `plugdeps apply`",
    );
  return E.right({ from: live.name, to, state: read.state });
};

/** The packages a generation's own record lists, at their sets' places under the root. */
const packagesOf = (root: string, state: RootState): RootPackage[] =>
  state.sets.flatMap((s) => {
    const set: InstallSet = {
      id: s.id,
      kind: s.dir === "." ? "shared" : "isolated",
      plugin: null,
      dir: path.join(root, s.dir),
      packages: [],
    };
    return Object.entries(s.packages).map(([name, p]) => ({ set, name, spec: p.spec }));
  });

/**
 * Problems of the generation: every directory from the stage base down to it and to each of its
 * packages trusted (the register hook's rule, apply's rule for a copy it would keep), and
 * validateTree against its own record, the exact recorded version included.
 */
const validateGeneration = (
  base: string,
  root: string,
  dir: string,
  state: RootState,
  packages: readonly RootPackage[],
): string[] => {
  const checker = trustChecker();
  const foreign = checker.chain(base, dir);
  if (foreign !== null) return [`not plugdeps': ${foreign.reason}`];
  const { problems, versions } = validateTree(dir, root, packages);
  for (const p of packages) {
    const key = `${p.set.id}\0${p.name}`;
    const recorded = state.sets.find((s) => s.id === p.set.id)?.packages[p.name]?.version ?? "";
    const found = versions.get(key);
    if (found !== undefined && recorded !== "" && found !== recorded)
      problems.push(`${p.name} (${p.set.id}): installed ${found}, but its record says ${recorded}`);
    if (found !== undefined) {
      const pkgDir = path.join(dir, path.relative(root, p.set.dir), "node_modules", p.name);
      const d = packageDistrust(checker, base, pkgDir);
      if (d !== null) problems.push(`${p.name} (${p.set.id}): foreign files: ${d.reason}`);
    }
  }
  return problems;
};

/** Whether the host's own root follows the root's link (it does when it links through its name). */
const hostRootNote = (ctx: Observation, spec: NonNullable<Observation["hostRoot"]>): string => {
  const seen = observeHostRoot(spec, ctx.desired.targetRoot, ctx.hostRootSource);
  const want = linkTextFor(ctx.desired.targetRoot);
  let text: string | null = null;
  try {
    text = fs.readlinkSync(path.join(spec.path, "node_modules"));
  } catch {
    text = null;
  }
  if (text === want)
    return `the host's own root ${spec.path} follows: its node_modules links to ${want}, through the root's name`;
  return (
    `the host's own root ${spec.path} does not follow (${text === null ? "its node_modules is no link" : `its node_modules links to ${text}`}` +
    `${seen.problems.length > 0 ? `; ${seen.problems.join("; ")}` : ""}): the host does not load this rollback until \`plugdeps apply\` puts its root in place`
  );
};
