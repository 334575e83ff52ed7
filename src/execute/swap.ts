import * as fs from "node:fs";
import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { fsError, type PlugdepsError, validationFailed } from "../model/errors.js";
import type { PlanDocument } from "../model/plan.js";
import { liveTree } from "../observe/generations.js";
import { linkPrefix, surplusGenerations } from "../observe/leftovers.js";
import { failpoint } from "./failpoint.js";
import { newId } from "./ids.js";
import { rootPackages, validateTree } from "./materialization.js";
import { removeWithin } from "./safe-remove.js";
import type { ExecutionTarget } from "./target.js";

/**
 * The swap: a new symlink `<root>` -> `<generation>` replaces the old one with rename(2), which
 * is atomic. A plain directory at the root path (not our layout) is moved aside first, once.
 * Then the root is validated again through its own path, and the generations no reader can be
 * using any more are removed (all but the live and the previous one).
 */
export const makeLive = (
  target: ExecutionTarget,
  plan: PlanDocument,
  generation: string,
): E.Either<PlugdepsError, void> => {
  const base = target.observed.stage.target.path;
  const root = target.observed.desired.targetRoot;
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
      target.progress(`  moved the unowned ${path.basename(root)} aside to ${path.basename(aside)}`, {
        step: "move-aside",
        root,
        to: aside,
      });
    }
    fs.renameSync(link, root);
  } catch (err) {
    fs.rmSync(link, { force: true });
    return E.left(fsError("make the new root live", root, err, "check permissions on the stage base"));
  }
  failpoint("after-swap-before-cleanup");
  const again = validateTree(root, root, rootPackages(plan));
  if (again.problems.length > 0) return E.left(validationFailed(root, again.problems));
  target.progress(`  ✓ live: ${path.basename(root)} -> ${path.basename(generation)}`, {
    step: "swap",
    root,
    generation: path.basename(generation),
  });
  for (const g of surplusGenerations(root, previous)) {
    const removed = removeWithin(path.join(base, g), [base], "old generation");
    if (E.isRight(removed) && removed.right)
      target.progress(`  removed old generation ${g}`, { step: "remove-generation", generation: g });
  }
  return E.right(undefined);
};

/**
 * Points a root's link at another of its generations (`rollback`): a new link beside it, renamed
 * over the root's name (atomic, as in makeLive). The caller holds the install-root lock and has
 * validated the generation; the root's current link must be our own (checked by the caller too).
 */
export const relink = (root: string, generation: string): E.Either<PlugdepsError, void> => {
  const link = path.join(path.dirname(root), `${linkPrefix(root)}${newId()}`);
  try {
    fs.symlinkSync(path.basename(generation), link);
    fs.renameSync(link, root);
    return E.right(undefined);
  } catch (err) {
    fs.rmSync(link, { force: true });
    return E.left(
      fsError("point the root at another generation", root, err, "check permissions on the stage base"),
    );
  }
};
