import * as fs from "node:fs";
import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import type { HostRootSpec } from "../hosts/types.js";
import { errnoCode, fsError, type PlugdepsError } from "../model/errors.js";
import { linkTextFor, manifestProblem } from "../observe/host-root.js";
import { readStartTime } from "../util/process-info.js";
import { newId } from "./ids.js";
import { removeWithin } from "./safe-remove.js";
import type { ExecutionTarget } from "./target.js";

/**
 * Puts the host's own root in place (HostAdapter.hostRoot): a real directory in the stage base
 * whose `node_modules` links to `../<target root>/node_modules` and, when the host reads one, its
 * manifest. The host's own lock is held meanwhile (`withHostRootLock`), so a host starting right
 * now waits instead of seeing a half-changed root. Nothing else in the directory is touched: the
 * host's lock, its mirror of its code and its caches stay theirs, across every generation.
 *
 * A `node_modules` that is a real directory is the host's own earlier install: it is renamed
 * aside inside the stage base, replaced by the link, and removed. Its packages were already
 * offered for reuse by the observation (they are the host's, and the host's rules read them the
 * same way as ours).
 */

/** How long to wait for the host's own lock: its holders are short (OpenClaw waits 5 minutes). */
const HOST_LOCK_WAIT_MS = 5 * 60_000;
const POLL_MS = 100;

export const withHostRootLock = async <A>(
  target: ExecutionTarget,
  spec: HostRootSpec,
  fn: () => E.Either<PlugdepsError, A>,
): Promise<E.Either<PlugdepsError, A>> => {
  const dir = ensureDirectory(spec.path);
  if (E.isLeft(dir)) return dir;
  const lock = spec.lock;
  if (lock === null) return fn(); // a host that takes no lock there (a profile's hostLooks.stageDir)
  const started = Date.now();
  for (;;) {
    try {
      fs.mkdirSync(lock.dir);
      break;
    } catch (err) {
      if (errnoCode(err) !== "EEXIST") {
        return E.left(fsError("take the host's own lock", lock.dir, err, writableFix(spec)));
      }
    }
    const verdict = lock.judge(Date.now());
    if (verdict?.stale === true) {
      const removed = removeWithin(lock.dir, [spec.path], "stale host lock");
      if (E.isLeft(removed)) return removed;
      target.progress(`  removed the host's stale lock ${lock.dir} (${verdict.why})`, {
        step: "reclaim-host-lock",
        path: lock.dir,
      });
      continue;
    }
    if (Date.now() - started > HOST_LOCK_WAIT_MS || target.signal?.aborted === true) {
      return E.left({
        _tag: "LockTimeout",
        path: lock.dir,
        message: `the host holds its own lock ${lock.dir} (${verdict?.why ?? "held"}) for more than ${HOST_LOCK_WAIT_MS / 60_000} minutes. Fix: let the host finish staging, or stop it, then run apply again.`,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  try {
    try {
      const owner = path.join(lock.dir, "owner.json");
      fs.writeFileSync(owner, lock.ownerText(process.pid, readStartTime(process.pid), Date.now()), {
        flag: "wx",
      });
    } catch (err) {
      return E.left(fsError("write the host lock's owner record", lock.dir, err, writableFix(spec)));
    }
    // Outside the try above: a throw from the work itself is not the owner record's failure.
    return fn();
  } finally {
    fs.rmSync(lock.dir, { recursive: true, force: true });
  }
};

/** Under the host's lock: the link and the manifest. */
export const exposeHostRoot = (
  target: ExecutionTarget,
  spec: HostRootSpec,
): E.Either<PlugdepsError, void> => {
  // The observed link: to the target root, or to a complete root in a read-only layer.
  const want = target.observed.hostRootSeen?.linksTo ?? linkTextFor(target.observed.desired.targetRoot);
  // The root itself is checked at the moment of use too: swapped for a link since the lock was
  // taken, it is refused, never written through.
  const root = ensureDirectory(spec.path);
  if (E.isLeft(root)) return root;
  for (const alias of spec.aliases) {
    const dir = ensureDirectory(alias);
    if (E.isLeft(dir)) return dir;
    const linked = linkNodeModules(target, alias, want);
    if (E.isLeft(linked)) return linked;
  }
  const linked = linkNodeModules(target, spec.path, want);
  if (E.isLeft(linked)) return linked;
  try {
    if (
      spec.manifest !== null &&
      manifestProblem(path.join(spec.path, "package.json"), spec.manifest) !== null
    ) {
      writeManifest(spec.path, spec.manifest);
    }
  } catch (err) {
    return E.left(fsError("write the host's manifest", spec.path, err, writableFix(spec)));
  }
  return E.right(undefined);
};

/** `<dir>/node_modules` -> `want`, replaced atomically; a real directory there is the host's own install. */
const linkNodeModules = (
  target: ExecutionTarget,
  dir: string,
  want: string,
): E.Either<PlugdepsError, void> => {
  const base = target.observed.stage.target.path;
  const link = path.join(dir, "node_modules");
  try {
    const now = lstatOrNull(link);
    if (now?.isSymbolicLink() === true && fs.readlinkSync(link) === want) {
      // already right
    } else {
      const tmp = path.join(dir, `.plugdeps-link-${newId()}`);
      fs.symlinkSync(want, tmp);
      if (now !== null && !now.isSymbolicLink() && now.isDirectory()) {
        // The host's own earlier install: set aside in the stage base, then removed.
        const aside = path.join(base, `.plugdeps-host-install-${newId()}`);
        fs.renameSync(link, aside);
        fs.renameSync(tmp, link);
        const removed = removeWithin(aside, [base], "the host's replaced install");
        if (E.isLeft(removed)) return removed;
        target.progress(
          `  replaced the host's own node_modules in ${path.basename(dir)} with the live materialization`,
          { step: "replace-host-install", path: link },
        );
      } else {
        fs.renameSync(tmp, link); // over a wrong link or a file: rename(2) replaces, never follows
      }
      target.progress(`  ✓ host root: ${path.basename(dir)}/node_modules -> ${want}`, {
        step: "host-root",
        path: link,
        target: want,
      });
    }
  } catch (err) {
    return E.left(
      fsError(
        "put the host's own root in place",
        dir,
        err,
        "check that the stage base is writable by this user",
      ),
    );
  }
  return E.right(undefined);
};

/** The manifest the host compares: written beside, then renamed over (never through a link). */
const writeManifest = (dir: string, manifest: NonNullable<HostRootSpec["manifest"]>): void => {
  const text = `${JSON.stringify({ name: manifest.name, private: true, dependencies: manifest.dependencies }, null, 2)}\n`;
  const file = path.join(dir, "package.json");
  const tmp = path.join(dir, `.plugdeps-manifest-${newId()}`);
  fs.writeFileSync(tmp, text, { flag: "wx", mode: 0o644 });
  fs.renameSync(tmp, file);
};

const ensureDirectory = (dir: string): E.Either<PlugdepsError, void> => {
  const st = lstatOrNull(dir);
  if (st === null) {
    try {
      fs.mkdirSync(dir, { mode: 0o755 });
      return E.right(undefined);
    } catch (err) {
      return E.left(fsError("create the host's own root", dir, err, "check permissions on the stage base"));
    }
  }
  if (st.isDirectory() && !st.isSymbolicLink()) return E.right(undefined);
  return E.left(
    fsError(
      "use the host's own root",
      dir,
      {
        code: st.isSymbolicLink() ? "ELOOP" : "ENOTDIR",
        message: `it is ${st.isSymbolicLink() ? "a symlink" : "not a directory"}, and the host reads its dependencies from a directory of its own (a link is never followed)`,
      },
      `remove ${dir} and run apply again`,
    ),
  );
};

const lstatOrNull = (p: string): fs.Stats | null => {
  try {
    return fs.lstatSync(p);
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return null;
    throw err;
  }
};

const writableFix = (spec: HostRootSpec): string =>
  `the stage base must be writable here (${path.dirname(spec.path)}); check its permissions`;
