import type { LockHolder } from "./plan.js";

/**
 * An install-root lock and its holder in words, the same in every command: `plan` and `status`
 * (`Lock held by ...`), `doctor`'s lock findings, and the lock wait and lock timeout of `apply`,
 * `doctor --fix` and the reconcile loop. Here in model/ so the executor, which may not import the
 * renderers, words a holder exactly as they do.
 */

/** The two paints the state takes in a terminal; the renderers' Style has them. */
export interface LockStatePaint {
  readonly yellow: (text: string) => string;
  readonly dim: (text: string) => string;
}

const plain: LockStatePaint = { yellow: (text) => text, dim: (text) => text };

export interface LockDescription {
  /**
   * Who holds it and how they were judged, to follow "held by": `pid N on HOST since ISO
   * (command): live`, or `an unknown holder (no readable owner record in PATH): unknown`. A lock
   * without a readable owner is still described: it blocks apply until reclaimed.
   */
  readonly holder: string;
  /**
   * The observer's detail (why live, stale or undecided), null when empty. It says where the pid
   * was judged: by our process table (`pid N is running`, `was recycled`), or, for a holder whose
   * pid means nothing here, by its refreshes (`pid 1 in another PID namespace (...), refreshed 2s
   * ago`), so a wait or timeout never presents another container's pid 1 as ours.
   */
  readonly detail: string | null;
  /** `holder; detail` on one line (the holder alone when there is no detail). */
  readonly oneLine: string;
}

/** An owner's createdAt is whatever number the record held: an impossible date is shown, not thrown. */
const isoFromEpochMs = (ms: number): string => {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? `epoch ms ${ms}` : date.toISOString();
};

export const describeLock = (lock: LockHolder, paint: LockStatePaint = plain): LockDescription => {
  const state = lock.state === "live" ? paint.yellow(lock.state) : paint.dim(lock.state);
  const { owner } = lock;
  const holder = owner
    ? `pid ${owner.pid} on ${owner.hostname} since ${isoFromEpochMs(owner.createdAt)} (${owner.command}): ${state}`
    : `an unknown holder (no readable owner record in ${lock.path}): ${state}`;
  const trimmed = lock.detail.trim();
  const detail = trimmed === "" ? null : trimmed;
  return { holder, detail, oneLine: detail === null ? holder : `${holder}; ${detail}` };
};
