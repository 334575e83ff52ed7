import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { fsError, planFileInvalid, type PlugdepsError } from "../model/errors.js";
import type { PlanDocument } from "../model/plan.js";
import { decodePlanJson } from "../render/plan-json.js";
import { readTextFile } from "../util/read-json.js";

/**
 * A plan saved with `plugdeps plan --out` (SPEC §3), read back for `apply PLANFILE` and
 * `show PLANFILE`. readTextFile refuses what is not a regular file and anything over
 * MAX_JSON_BYTES: a plain readFileSync blocked forever on a FIFO (SIGTERM cannot interrupt a
 * blocked sync read) and read /dev/zero until memory ran out. A file that is not a plan is a
 * PlanFileInvalid error naming the command that writes a good one.
 */
export const readPlanFile = (
  planfile: string,
): E.Either<PlugdepsError, { readonly file: string; readonly plan: PlanDocument }> => {
  const file = path.resolve(planfile);
  const read = readTextFile(file);
  if (E.isLeft(read)) {
    const failure = read.left;
    return E.left(
      failure._tag === "Missing"
        ? fsError(
            "read plan file",
            file,
            { code: "ENOENT", message: "no such file" },
            "pass the file written by `plugdeps plan --out`",
          )
        : failure.error,
    );
  }
  const decoded = decodePlanJson(read.right, file);
  if (E.isLeft(decoded)) {
    // Keys of the wrong shape: the file is no plan this plugdeps reads, and the fix is to write it
    // again, not to edit the keys by hand (the observed-state fingerprint would not match anyway).
    const e = decoded.left;
    return E.left(
      e._tag === "DecodeError"
        ? planFileInvalid(
            file,
            `its keys do not match the plan format:\n${e.message.split("\n").slice(1, -1).join("\n")}\n`,
          )
        : e,
    );
  }
  return E.right({ file, plan: decoded.right });
};
