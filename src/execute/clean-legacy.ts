import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import type { PlugdepsError } from "../model/errors.js";
import type { CleanLegacyAction } from "../model/plan.js";
import { failpoint } from "./failpoint.js";
import { removeWithin } from "./safe-remove.js";
import type { ExecutionTarget } from "./target.js";

/**
 * Removes legacy debris: only paths the adapter matched by exact name in this very run (it
 * re-observed under the lock) and found writable; anything else is refused. Deletion is confined
 * to the package root, the stage base, the global node_modules holding the package root, and the
 * host's own state directories (never those directories themselves).
 */
export const cleanLegacy = (
  target: ExecutionTarget,
  action: CleanLegacyAction,
): E.Either<PlugdepsError, void> => {
  const ctx = target.observed;
  const allowed = [
    ctx.identity.packageRoot,
    ctx.stage.target.path,
    ...(path.basename(path.dirname(ctx.identity.packageRoot)) === "node_modules"
      ? [path.dirname(ctx.identity.packageRoot)]
      : []),
    ...(ctx.adapter.legacyRoots?.(ctx.identity.packageRoot, ctx.input) ?? []),
  ];
  for (const t of action.targets) {
    if (!ctx.debris.some((d) => d.path === t && d.writable)) continue;
    const removed = removeWithin(t, allowed, "legacy debris");
    if (E.isLeft(removed)) return removed;
    target.progress(`  x removed legacy ${t}`, { step: "clean-legacy", path: t });
    failpoint("during-clean-legacy"); // some debris removed, the rest not yet
  }
  return E.right(undefined);
};
