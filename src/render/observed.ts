import type { Debris, LockHolder, Unmanaged } from "../model/plan.js";
import type { Style } from "./style.js";
import { isoFromEpochMs } from "./text.js";

/** Observed-state lines that `plan` and `status` both print: the lock holder and debris warnings. */

/**
 * `held by pid N on HOST since ISO (command): live` and the observer's detail (null when empty).
 * A lock record without a readable owner is still shown: it blocks apply until reclaimed.
 */
export const describeLock = (lock: LockHolder, style: Style): { head: string; detail: string | null } => {
  const state = lock.state === "live" ? style.yellow(lock.state) : style.dim(lock.state);
  const { owner } = lock;
  const head = owner
    ? `held by pid ${owner.pid} on ${owner.hostname} since ${isoFromEpochMs(owner.createdAt)} (${owner.command}): ${state}`
    : `present at ${lock.path} with no readable owner record: ${state}`;
  const detail = lock.detail.trim();
  return { head, detail: detail === "" ? null : detail };
};

/** The plan's lock paragraph: `Lock held by ...`, then the detail indented. */
export const lockLines = (lock: LockHolder, style: Style): string[] => {
  const { head, detail } = describeLock(lock, style);
  return detail === null ? [`Lock ${head}`] : [`Lock ${head}`, `  ${detail}`];
};

/**
 * Debris plugdeps cannot remove itself (under a read-only package root, SPEC §5): the operator
 * has to run the fix from outside the sandbox. Writable debris needs no warning: it gets a
 * clean-legacy action.
 */
export const readOnlyDebrisWarnings = (debris: readonly Debris[], style: Style): string[] =>
  debris
    .filter((d) => !d.writable)
    .flatMap((d) => [
      `${style.bold(style.yellow("Warning:"))} legacy debris under a read-only path: ${d.path}`,
      `  clear it from outside the sandbox: ${d.fix}`,
    ]);

/**
 * What plugdeps found and leaves alone (never an action): one line each, with why. The plan says
 * it so that an operator sees that nothing of the host's is being removed, and why.
 */
export const unmanagedLines = (unmanaged: readonly Unmanaged[] | undefined, style: Style): string[] =>
  unmanaged === undefined || unmanaged.length === 0
    ? []
    : [
        `${style.bold("Left alone")} (not plugdeps', never removed):`,
        ...unmanaged.flatMap((u) => [
          `  = ${u.path}`,
          `      ${u.why}${u.fix === null ? "" : `; to remove it: ${u.fix}`}`,
        ]),
      ];
