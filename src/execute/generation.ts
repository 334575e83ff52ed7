import * as fs from "node:fs";
import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { createHash } from "node:crypto";
import { fsError, type PlugdepsError, validationFailed } from "../model/errors.js";
import { STATE_DIR, STATE_FILE } from "../model/layout.js";
import { type InstallAction, type PlanDocument, type RuntimeAction, unhandledAction } from "../model/plan.js";
import type { RootState } from "../model/state.js";
import { generationName, liveTree } from "../observe/generations.js";
import { stagePrefix } from "../observe/leftovers.js";
import { ensureOwnedDir, writeOwnedFileOrThrow } from "../util/owned-fs.js";
import { toolInfo } from "../util/tool-version.js";
import { failpoint, isArmed, pausePoint } from "./failpoint.js";
import { newId } from "./ids.js";
import { readInstalled } from "../observe/installed-package.js";
import { type RootPackage, rootPackages, setDirIn, validateTree, writeManifests } from "./materialization.js";
import { findPackageManager, runInstall } from "./package-manager.js";
import { packageDistrust, trustChecker } from "../util/trusted-tree.js";
import { removeWithin } from "./safe-remove.js";
import { forgetManager, recordManager } from "./tidy.js";
import type { ExecutionTarget } from "./target.js";
import { linkTree } from "./tree-copy.js";

/**
 * Builds the next generation of the target root in `<stage base>/.plugdeps-stage-<root>-<id>`:
 * hard-link the live tree, carry out the runtime actions in the stage (prune-package, reuse,
 * install), write the full-union manifests, validate, write the state record, and rename the
 * stage to `<root>.gen-<id>`. The live root is never touched; on any failure the stage is
 * removed. The swap is execute/swap.ts.
 */
export const buildGeneration = async (
  target: ExecutionTarget,
  plan: PlanDocument,
  runtime: readonly RuntimeAction[],
): Promise<E.Either<PlugdepsError, { generation: string; packageManagerRuns: number }>> => {
  const ctx = target.observed;
  const base = ctx.stage.target.path;
  const root = ctx.desired.targetRoot;
  const id = newId();
  const stage = path.join(base, `${stagePrefix(root)}${id}`);
  const must = rootPackages(plan);
  try {
    seed(target, stage);
    const installs: InstallAction[] = [];
    // Prunes first, then reuses (a reuse may bring back a path a prune emptied), installs last.
    for (const action of [...runtime].sort((a, b) => STAGE_ORDER[a.type] - STAGE_ORDER[b.type])) {
      switch (action.type) {
        case "prune-package": {
          for (const t of action.targets) {
            const removed = removeWithin(path.join(stage, path.relative(root, t)), [stage], "pruned package");
            if (E.isLeft(removed)) return removed;
          }
          target.progress(`  - pruned ${action.packages.map((p) => p.name).join(", ")} [${action.set}]`, {
            step: "prune-package",
            packages: action.packages.map((p) => p.name),
            set: action.set,
          });
          break;
        }
        case "reuse": {
          for (const t of action.targets) {
            const rel = path.relative(root, t);
            const dst = path.join(stage, rel);
            fs.rmSync(dst, { recursive: true, force: true });
            fs.mkdirSync(path.dirname(dst), { recursive: true });
            linkTree(path.join(action.from, rel), dst);
          }
          const what = action.packages.map((p) => `${p.name}@${p.version ?? "?"}`).join(", ");
          target.progress(`  ~ reused ${what} from ${path.basename(action.from)}`, {
            step: "reuse",
            packages: action.packages.map((p) => `${p.name}@${p.version ?? "?"}`),
            set: action.set,
            from: action.from,
          });
          break;
        }
        case "install":
          installs.push(action);
          break;
        default:
          return unhandledAction(action);
      }
    }
    const repaired = dropDriftedCopies(target, plan, stage, installs);
    if (repaired.length > 0) {
      target.progress(
        `  ! ${repaired.join(", ")} drifted in the live root: installed afresh, not carried over`,
        { step: "drifted", packages: repaired },
      );
    }
    // The stage as we made it: a real directory of ours. Checked again before anything of it is
    // believed or made live (a user who can write the stage base may swap it for a link while the
    // package manager runs: issue "hostile stage base", item 4).
    const made = fs.lstatSync(stage);
    writeManifests(stage, plan, must);
    failpoint("after-stage-seeded");

    const runs = await install(target, plan, stage, id, installs);
    if (E.isLeft(runs)) return runs;
    await pausePoint("after-install");

    const swapped = sameDirectory(stage, made);
    if (swapped !== null) return E.left(swapped);
    const checked = validateTree(stage, root, must);
    if (checked.problems.length > 0) return E.left(validationFailed(stage, checked.problems));
    failpoint("after-validate");
    writeState(stage, target, plan, must, checked.versions);
    target.progress(`  ✓ validated ${must.length} package${must.length === 1 ? "" : "s"} in the stage`, {
      step: "validate",
      count: must.length,
    });

    const generation = path.join(base, generationName(path.basename(root), id));
    const stillOurs = sameDirectory(stage, made);
    if (stillOurs !== null) return E.left(stillOurs);
    fs.renameSync(stage, generation);
    // Swapped between the check and the rename: what was renamed is not ours; never made live.
    const renamed = sameDirectory(generation, made);
    if (renamed !== null) {
      fs.renameSync(generation, stage); // back to the stage name, which `finally` removes (a link: unlinked)
      return E.left(renamed);
    }
    return E.right({ generation, packageManagerRuns: runs.right });
  } catch (err) {
    return E.left(
      fsError("build the new root", stage, err, "check free space and permissions on the stage base"),
    );
  } finally {
    if (fs.existsSync(stage)) removeWithin(stage, [base], "failed stage");
  }
};

/**
 * Self-repair (issue "hostile stage base", item 7). A package the live root holds but the plan
 * installs again is drifted when its copy is broken (entry gone, package.json unreadable) or is
 * not the version the root's state record says was installed (edited in place). The seed
 * hard-linked that copy into the stage, and the package manager's own record of the tree
 * (npm's node_modules/.package-lock.json, pnpm's .modules.yaml and .pnpm/lock.yaml) says it is
 * fine, so the manager left it and every later validation failed, forever. So the copy is removed
 * from the stage (for pnpm also the `.pnpm/<entry>` its link points into) and so is the manager's
 * record of that set, which makes it check the set's tree against its lockfile again. A package
 * the plan installs for another reason (its spec changed) is intact: left to the manager, fast.
 * Returns the names of the drifted packages.
 */
const dropDriftedCopies = (
  target: ExecutionTarget,
  plan: PlanDocument,
  stage: string,
  installs: readonly InstallAction[],
): string[] => {
  const ctx = target.observed;
  if (ctx.current._tag !== "Owned") return [];
  const recorded = new Map<string, string>();
  for (const set of ctx.current.root.state.sets) {
    for (const [name, p] of Object.entries(set.packages)) recorded.set(`${set.id}\0${name}`, p.version);
  }
  const root = ctx.desired.targetRoot;
  const checker = trustChecker();
  const drifted: string[] = [];
  for (const set of plan.desired.sets) {
    const nm = path.join(setDirIn(stage, root, set), "node_modules");
    let any = false;
    for (const a of installs.filter((x) => x.set === set.id)) {
      for (const p of a.packages) {
        const copy = readInstalled(nm, p.name);
        if (copy._tag === "Missing") continue;
        const want = recorded.get(`${set.id}\0${p.name}`);
        // A seeded copy whose files someone else owns (planted into the live root: issue 17)
        // has drifted whatever its version says: the hard links keep her files.
        if (
          copy._tag === "Present" &&
          (want === undefined || copy.version === want) &&
          packageDistrust(checker, stage, copy.dir) === null
        )
          continue;
        removeCopy(stage, nm, p.name);
        drifted.push(p.name);
        any = true;
      }
    }
    if (any) {
      for (const rel of [".package-lock.json", ".modules.yaml", path.join(".pnpm", "lock.yaml")]) {
        mustRemove(path.join(nm, rel), stage, "the package manager's record of a drifted tree");
      }
    }
  }
  return drifted;
};

/** `<nm>/<name>` and, when it is pnpm's link into `<nm>/.pnpm/<entry>/...`, that entry too. */
const removeCopy = (stage: string, nm: string, name: string): void => {
  const at = path.join(nm, name);
  const st = fs.lstatSync(at, { throwIfNoEntry: false });
  if (st?.isSymbolicLink() === true) {
    const to = path.resolve(path.dirname(at), fs.readlinkSync(at));
    const rel = path.relative(path.join(nm, ".pnpm"), to);
    const entry = rel.split(path.sep)[0];
    if (!rel.startsWith("..") && !path.isAbsolute(rel) && entry !== undefined && entry !== "") {
      mustRemove(path.join(nm, ".pnpm", entry), stage, "drifted package");
    }
  }
  mustRemove(at, stage, "drifted package");
};

/** removeWithin the stage, its refusal thrown (buildGeneration reports it as the build's failure). */
const mustRemove = (p: string, stage: string, what: string): void => {
  const removed = removeWithin(p, [stage], what);
  if (E.isLeft(removed)) throw Object.assign(new Error(removed.left.message), { code: "EPERM" });
};

/** Null when `dir` is still the very directory `made` describes (same device and inode, not a link). */
const sameDirectory = (dir: string, made: fs.Stats): PlugdepsError | null => {
  const now = fs.lstatSync(dir, { throwIfNoEntry: false });
  if (now !== undefined && now.isDirectory() && now.dev === made.dev && now.ino === made.ino) return null;
  const what =
    now === undefined
      ? "gone"
      : now.isSymbolicLink()
        ? `a symlink to ${fs.readlinkSync(dir)}`
        : "another entry";
  return fsError(
    "keep the stage plugdeps built",
    dir,
    {
      code: "EPERM",
      message: `it was replaced while the build ran (it is now ${what}); nothing of it is used`,
    },
    "someone else can write the stage base: make it writable only by root or the user plugdeps runs as (docs/security.md), then run again",
  );
};

const STAGE_ORDER: Record<RuntimeAction["type"], number> = { "prune-package": 0, reuse: 1, install: 2 };

/** Seeds the stage from the live tree (if it is ours): everything already there stays, by hard link. */
const seed = (target: ExecutionTarget, stage: string): void => {
  const ctx = target.observed;
  const live = liveTree(ctx.desired.targetRoot);
  if (ctx.current._tag === "Owned" && (live._tag === "Generation" || live._tag === "Directory")) {
    const stats = linkTree(live.dir, stage);
    fs.rmSync(path.join(stage, STATE_DIR), { recursive: true, force: true });
    target.progress(
      `  seeded stage from the live root (${stats.linked} files linked, ${stats.copied} copied)`,
      { step: "seed", linked: stats.linked, copied: stats.copied },
    );
  } else {
    fs.mkdirSync(stage, { recursive: true });
  }
};

/** Runs the package manager once per install set that has installs; returns how many runs. */
const install = async (
  target: ExecutionTarget,
  plan: PlanDocument,
  stage: string,
  id: string,
  installs: readonly InstallAction[],
): Promise<E.Either<PlugdepsError, number>> => {
  if (installs.length === 0) return E.right(0);
  const base = target.observed.stage.target.path;
  const root = target.observed.desired.targetRoot;
  const pm = findPackageManager(target.packageManager, target.env);
  if (E.isLeft(pm)) return pm;
  // The package manager's cache and our logs live in `.plugdeps`: real directories of ours, never
  // a link someone planted there (issue "hostile stage base", item 1).
  for (const dir of [path.join(base, STATE_DIR, "logs"), path.join(base, STATE_DIR, "cache")]) {
    const owned = ensureOwnedDir(base, dir);
    if (E.isLeft(owned)) return owned;
  }
  let runs = 0;
  for (const set of plan.desired.sets.filter((s) => installs.some((a) => a.set === s.id))) {
    const names = installs
      .filter((a) => a.set === set.id)
      .flatMap((a) => a.packages.map((p) => `${p.name}@${p.spec ?? "*"}`));
    const logs = path.join(base, STATE_DIR, "logs");
    const log = path.join(logs, logName(path.basename(root), id, set.id));
    target.progress(`  + installing ${names.join(", ")} [${set.id}] with ${pm.right.name} (log: ${log})`, {
      step: "install",
      packages: names,
      set: set.id,
      manager: pm.right.name,
      log,
    });
    const killer = isArmed("during-install") ? setTimeout(() => failpoint("during-install"), 300) : null;
    const cwd = setDirIn(stage, root, set);
    // If we are killed, the manager runs on as an orphan: the next run stops it by this record.
    recordManager(stage, cwd, null);
    const ran = await runInstall(pm.right, {
      cwd,
      cacheDir: path.join(base, STATE_DIR, "cache"),
      logFile: log,
      env: target.env,
      packages: names,
      set: set.id,
      timeoutMs: target.observed.installTimeoutMs,
      ...(target.signal ? { signal: target.signal } : {}),
      ...(target.onInstallTick ? { onTick: target.onInstallTick } : {}),
      onSpawn: (pid) => recordManager(stage, cwd, pid),
    });
    if (killer !== null) clearTimeout(killer);
    forgetManager(stage);
    runs++;
    if (E.isLeft(ran)) return ran;
  }
  failpoint("after-install");
  return E.right(runs);
};

/**
 * A log file name from the root, the build and the set, bounded: a set named after a plugin
 * directory of ~250 characters made ENAMETOOLONG and failed the whole apply (issue "hostile stage
 * base", item 10). Past 120 characters the set part is cut and a hash of the whole name added.
 */
export const logName = (root: string, id: string, set: string): string => {
  const full = `${root}-${id}-${set.replace(/[^A-Za-z0-9_-]/g, "_")}`;
  if (full.length <= 120) return `${full}.log`;
  const hash = createHash("sha256").update(full).digest("hex").slice(0, 12);
  return `${full.slice(0, 100)}-${hash}.log`;
};

/** The root's state record, written into the stage before the swap (so it goes live with it). */
const writeState = (
  tree: string,
  target: ExecutionTarget,
  plan: PlanDocument,
  must: readonly RootPackage[],
  versions: ReadonlyMap<string, string>,
): void => {
  const ctx = target.observed;
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
  const dir = ensureOwnedDir(tree, path.join(tree, STATE_DIR));
  if (E.isLeft(dir)) throw Object.assign(new Error(dir.left.message), { code: "EPERM" });
  writeOwnedFileOrThrow(path.join(tree, STATE_DIR, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
};
