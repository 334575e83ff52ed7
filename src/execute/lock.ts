import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import * as E from "fp-ts/lib/Either.js";
import lockfile from "proper-lockfile";
import { aborted, errnoCode, fsError, lockLost, lockTimeout, type PlugdepsError } from "../model/errors.js";
import { LOCK_REFRESH_MS, type LockOwner } from "../model/lock.js";
import { describeLock } from "../model/lock-description.js";
import type { LockHolder } from "../model/plan.js";
import { OWNER_FILE, lockPathFor, readLockHolder, realLockFacts } from "../observe/lock-holder.js";
import { readOwnKernelScope, readStartTime } from "../util/process-info.js";

/**
 * The install-root lock (SPEC §4.7): one writer per versioned root.
 *
 * - `<root>.lock` is a directory created atomically by proper-lockfile (mkdir), beside the root so
 *   a swap never moves it. Its `owner.json` is written inside the same mkdir step (a custom fs
 *   adapter), before proper-lockfile stamps the directory's mtime, so the record exists from the
 *   moment the lock does and proper-lockfile's "is the mtime still ours" check stays valid.
 * - proper-lockfile refreshes the mtime every LOCK_REFRESH_MS while we hold the lock. Its own
 *   "stale by age" rule is switched off (a live holder is never expired by age alone: openclaw
 *   #74818); staleness is decided by `assessLockOwner` (dead pid, recycled pid, no evidence + age,
 *   other host + age).
 * - owner.json names where our pid means something: our PID namespace (the inode of
 *   /proc/self/ns/pid) and the boot id. A reader checks the pid against its own process table only
 *   when hostname, boot id and PID namespace all match its own; a holder in another container on
 *   the same host (issue 15: its pid 1 read as our recycled pid 1, and the lock was stolen) is
 *   live while it keeps refreshing the lock, and stale only once it stopped for
 *   FOREIGN_STALE_AFTER_MS. So the refresh is what keeps our lock ours for such a reader: it must
 *   never be switched off while we hold the lock.
 * - The wait is asynchronous (openclaw 4.30 froze the event loop with Atomics.wait), names the
 *   holder, and is bounded by the timeout.
 * - Release removes the lock only while `owner.json` still carries our nonce (openclaw 4.30
 *   did `rm -rf` without checking).
 */

export interface HeldLock {
  readonly path: string;
  readonly owner: LockOwner;
  /** False once proper-lockfile saw the lock taken away (mtime changed, dir removed). */
  readonly isIntact: () => boolean;
  readonly release: () => Promise<E.Either<PlugdepsError, void>>;
}

export interface AcquireOptions {
  readonly timeoutMs: number;
  readonly command: string;
  /** Called when we start waiting and then every `reportEveryMs` while still waiting. */
  readonly onWait?: (holder: LockHolder) => void;
  readonly reportEveryMs?: number;
  readonly pollMs?: number;
  /** Stops the wait (SIGTERM during a long wait must not last until the timeout). */
  readonly signal?: AbortSignal;
  /** Called when we removed a stale lock (dead or recycled holder, or old without evidence). */
  readonly onReclaim?: (holder: LockHolder) => void;
}

/** Disables proper-lockfile's age-only staleness; ours is assessLockOwner. */
const NEVER_STALE_MS = 2 ** 40;
/** A reclaim marker older than this was left by a reclaimer that died in its tiny window. */
const RECLAIM_MARKER_STALE_MS = 30_000;

interface OwnerRecord extends LockOwner {
  readonly nonce: string;
}

export const acquireLock = async (
  root: string,
  opts: AcquireOptions,
): Promise<E.Either<PlugdepsError, HeldLock>> => {
  const lockDir = lockPathFor(root);
  const started = Date.now();
  const pollMs = opts.pollMs ?? 250;
  const reportEveryMs = opts.reportEveryMs ?? 10_000;
  let lastReport = -Infinity;
  try {
    fs.mkdirSync(path.dirname(lockDir), { recursive: true });
  } catch (err) {
    return E.left(
      fsError(
        "create stage base",
        path.dirname(lockDir),
        err,
        "make the stage base writable or choose another with --stage-dir",
      ),
    );
  }
  for (;;) {
    const owner = ownerRecord(opts.command);
    let compromised: string | null = null;
    try {
      const release = await lockfile.lock(root, {
        lockfilePath: lockDir,
        realpath: false,
        stale: NEVER_STALE_MS,
        update: LOCK_REFRESH_MS,
        retries: 0,
        fs: ownerWritingFs(lockDir, owner),
        onCompromised: (err: Error) => {
          compromised = err.message;
        },
      });
      return E.right({
        path: lockDir,
        owner: stripNonce(owner),
        isIntact: () => compromised === null && stillOurs(lockDir, owner.nonce),
        release: async () => {
          if (!stillOurs(lockDir, owner.nonce)) {
            return E.left(lockLost(lockDir, "owner.json no longer carries our nonce; left as it is"));
          }
          try {
            await release();
            return E.right(undefined);
          } catch (err) {
            if (errnoCode(err) === "ERELEASED") return E.right(undefined);
            return E.left(fsError("release lock", lockDir, err));
          }
        },
      });
    } catch (err) {
      if (errnoCode(err) !== "ELOCKED") {
        return E.left(
          fsError(
            "acquire lock",
            lockDir,
            err,
            "make the stage base writable or choose another with --stage-dir",
          ),
        );
      }
    }

    const holder = readLockHolder(root, realLockFacts());
    if (holder !== null && holder.state === "stale") {
      const reclaimed = reclaimStale(root, lockDir, () => opts.onReclaim?.(holder));
      if (E.isLeft(reclaimed)) return reclaimed;
      if (reclaimed.right) continue; // removed (or already gone): try to take it right away
      // Another reclaimer holds the marker, or a leftover marker is not stale yet: wait like for
      // any holder. Looping straight back spun the CPU and ignored --lock-timeout, forever when
      // the marker could not be removed (a file or symlink where a directory was expected).
    }
    const waited = Date.now() - started;
    if (opts.signal?.aborted) return E.left(aborted(`waiting for the install-root lock ${lockDir}`));
    if (waited >= opts.timeoutMs) return E.left(lockTimeout(lockDir, describeHolder(holder), waited));
    if (holder !== null && opts.onWait && Date.now() - lastReport >= reportEveryMs) {
      lastReport = Date.now();
      opts.onWait(holder);
    }
    await sleep(Math.min(pollMs, Math.max(1, opts.timeoutMs - waited)), opts.signal);
  }
};

/**
 * The holder in a lock wait or timeout message, after "held by": describeLock's words on one line
 * (null: the lock was released between the attempt and the look).
 */
export const describeHolder = (holder: LockHolder | null): string =>
  holder === null ? "a process that just released it" : describeLock(holder).oneLine;

const ownerRecord = (command: string): OwnerRecord => ({
  pid: process.pid as LockOwner["pid"],
  hostname: os.hostname(),
  starttime: readStartTime(process.pid),
  createdAt: Date.now(),
  command,
  ...readOwnKernelScope(),
  nonce: randomBytes(12).toString("hex"),
});

const stripNonce = ({ nonce: _nonce, ...owner }: OwnerRecord): LockOwner => owner;

const stillOurs = (lockDir: string, nonce: string): boolean => {
  try {
    const parsed = JSON.parse(fs.readFileSync(path.join(lockDir, OWNER_FILE), "utf8")) as { nonce?: unknown };
    return parsed.nonce === nonce;
  } catch {
    return false;
  }
};

/**
 * proper-lockfile's fs, with two changes: `mkdir` also writes owner.json inside the new lock
 * directory (before the mtime stamp), and `rmdir` removes our owner.json first and refuses a
 * directory whose owner.json is not ours.
 */
const ownerWritingFs = (lockDir: string, owner: OwnerRecord) => {
  const ownerFile = path.join(lockDir, OWNER_FILE);
  const removeOurs = (): void => {
    if (!stillOurs(lockDir, owner.nonce)) {
      throw Object.assign(new Error(`${lockDir} is not held by us`), { code: "ENOTOURS" });
    }
    fs.rmSync(ownerFile, { force: true });
    fs.rmdirSync(lockDir);
  };
  return {
    ...fs,
    mkdir: (p: string, cb: (err: NodeJS.ErrnoException | null) => void) => {
      fs.mkdir(p, (err) => {
        if (err) return cb(err);
        try {
          // Written aside and renamed in: a reader (plan, status, another writer judging the
          // holder) never sees an empty or half-written owner.json (found by the concurrency
          // test on a loaded machine: it read the file between its creation and its write).
          const tmp = `${ownerFile}.${process.pid}.tmp`;
          fs.writeFileSync(tmp, `${JSON.stringify(owner)}\n`, { flag: "wx", mode: 0o644 });
          fs.renameSync(tmp, ownerFile);
          cb(null);
        } catch (writeErr) {
          fs.rmSync(p, { recursive: true, force: true });
          cb(writeErr as NodeJS.ErrnoException);
        }
      });
    },
    rmdir: (_p: string, cb: (err: NodeJS.ErrnoException | null) => void) => {
      try {
        removeOurs();
        cb(null);
      } catch (err) {
        cb(errnoCode(err) === "ENOENT" ? null : (err as NodeJS.ErrnoException));
      }
    },
    // Used by proper-lockfile's exit handler (normal exit, SIGINT/SIGTERM via signal-exit).
    rmdirSync: () => removeOurs(),
  };
};

/**
 * Removes a stale lock. Reclaimers are serialized by an atomic `<lock>.reclaim` directory, and
 * staleness is re-checked inside it, so a lock that another process reclaimed and re-acquired in
 * the meantime (alive, fresh) is never removed. Right(true): the stale lock is gone (try again at
 * once); Right(false): another reclaimer holds the marker (wait, within the timeout).
 */
const reclaimStale = (
  root: string,
  lockDir: string,
  onRemoved: () => void = () => undefined,
): E.Either<PlugdepsError, boolean> => {
  const marker = `${lockDir}.reclaim`;
  try {
    fs.mkdirSync(marker);
  } catch (err) {
    if (errnoCode(err) !== "EEXIST") return E.left(fsError("reclaim stale lock", marker, err));
    try {
      // lstat: a symlinked marker is judged (and removed) as the link itself, never its target.
      const st = fs.lstatSync(marker);
      if (Date.now() - st.mtimeMs > RECLAIM_MARKER_STALE_MS) {
        if (st.isDirectory()) fs.rmdirSync(marker);
        else fs.unlinkSync(marker);
      }
    } catch {
      // another reclaimer finished meanwhile
    }
    return E.right(false);
  }
  try {
    const again = readLockHolder(root, realLockFacts());
    if (again !== null && again.state === "stale") {
      const aside = `${lockDir}.stale-${process.pid}-${randomBytes(4).toString("hex")}`;
      fs.renameSync(lockDir, aside);
      fs.rmSync(aside, { recursive: true, force: true });
      onRemoved();
    }
    return E.right(true);
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return E.right(true);
    return E.left(fsError("reclaim stale lock", lockDir, err));
  } finally {
    try {
      fs.rmdirSync(marker);
    } catch {
      // already gone
    }
  }
};

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
