import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import type { PlugdepsError } from "../model/errors.js";
import type { PruneRootAction } from "../model/plan.js";
import { listGenerations } from "../observe/generations.js";
import { readRoot } from "../observe/versioned-roots.js";
import { failpoint } from "./failpoint.js";
import { acquireLock } from "./lock.js";
import { removeWithin } from "./safe-remove.js";
import type { ExecutionTarget } from "./target.js";

/**
 * Removes a whole previous root: its link, then its generations; only if it is still an owned
 * root of this host and nobody holds its lock. Returns null when done, or why it was kept (a
 * skip, not an error: a later pass prunes it).
 */
export const pruneRoot = async (
  target: ExecutionTarget,
  action: PruneRootAction,
): Promise<E.Either<PlugdepsError, string | null>> => {
  const ctx = target.observed;
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
    // The link is gone, its generations not yet: a crash here orphans them (leftovers).
    failpoint("during-prune");
    for (const g of generations) {
      const removed = removeWithin(path.join(base, g), [base], "stale root generation");
      if (E.isLeft(removed)) return removed;
    }
    target.progress(`  - pruned previous root ${path.basename(root)}`, { step: "prune-root", root });
    return E.right(null);
  } finally {
    await held.right.release();
  }
};
