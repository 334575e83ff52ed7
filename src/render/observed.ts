import { describeLock } from "../model/lock-description.js";
import type { Debris, LeftoverJson, LockHolder, Unmanaged } from "../model/plan.js";
import type { Style } from "./style.js";

/** Observed-state lines that `plan` and `status` both print: the lock holder and debris warnings. */

/** The plan's lock paragraph: `Lock held by ...` (describeLock), then the detail indented. */
export const lockLines = (lock: LockHolder, style: Style): string[] => {
  const { holder, detail } = describeLock(lock, style);
  return detail === null ? [`Lock held by ${holder}`] : [`Lock held by ${holder}`, `  ${detail}`];
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
export const leftoverLines = (leftovers: readonly LeftoverJson[] | undefined, style: Style): string[] => {
  const all = leftovers ?? [];
  const retained = all.filter((l) => isRetentionKind(l.kind));
  const interrupted = all.filter((l) => !isRetentionKind(l.kind));
  return [
    ...(interrupted.length === 0
      ? []
      : [
          `${style.bold("Left by interrupted runs")} (the next apply removes them under the lock):`,
          ...interrupted.map((l) => `  . ${l.path} (${l.kind})`),
        ]),
    ...(retained.length === 0
      ? []
      : [
          `${style.bold("Beyond retention")} (old logs and caches; the next apply removes them under the lock):`,
          ...retained.map((l) => `  . ${l.path} (${l.kind})`),
        ]),
  ];
};

/** Package-manager logs and caches past their bounds (model/disk-use.ts), not debris of a crash. */
export const isRetentionKind = (kind: string): boolean => kind === "log" || kind === "cache";

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
