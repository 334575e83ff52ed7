import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import writeFileAtomic from "write-file-atomic";
import { fsError, type PlugdepsError } from "../model/errors.js";
import type { PlanDocument } from "../model/plan.js";
import { observe } from "../observe/observe.js";
import { renderPlanJson } from "../render/plan-json.js";
import { makePlan } from "../run/plan.js";
import { type PlanCommandOptions, runOptionsOf } from "./options.js";

/**
 * `plugdeps plan`: observe and decide, writing nothing but the `--out` file. A stage base this
 * user cannot write is still observed, as status does: a converged host under
 * ProtectSystem=strict or seen by a non-root user is planned, not an error.
 */
export const planDocument = (opts: PlanCommandOptions): E.Either<PlugdepsError, PlanDocument> => {
  const built = observe({ ...runOptionsOf(opts, "access"), observeReadOnlyStage: true });
  if (E.isLeft(built)) return built;
  const plan = makePlan(built.right);
  if (opts.out !== undefined) {
    const out = path.resolve(opts.out);
    try {
      writeFileAtomic.sync(out, renderPlanJson(plan), { mode: 0o644 });
    } catch (err) {
      return E.left(fsError("write plan file", out, err, "choose a writable --out path"));
    }
  }
  return E.right(plan);
};
