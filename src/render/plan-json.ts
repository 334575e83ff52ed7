import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import { planFileInvalid, type PlugdepsError } from "../model/errors.js";
import {
  actionFromJson,
  PLAN_FORMAT_VERSION,
  type PlanDocument,
  PlanDocumentJson,
  planToJson,
} from "../model/plan.js";
import { decodeDocument, renderDocumentJson } from "./documents.js";

/**
 * `plugdeps plan --json` / `--out`: the plan document with the key order the PlanDocument codec
 * declares (SPEC §3 "stable key order"), 2-space indent, trailing newline. Byte-identical output
 * for equal plans, so plan files diff cleanly and can be compared as text.
 */
export const renderPlanJson = (plan: PlanDocument): string =>
  renderDocumentJson(PlanDocumentJson, planToJson(plan));

/**
 * Reads a plan file back (`apply PLANFILE`). The format version is checked before the full decode
 * so a plan from another plugdeps release gets one clear sentence, not a list of key paths.
 */
export const decodePlanJson = (text: string, file: string): E.Either<PlugdepsError, PlanDocument> =>
  pipe(
    text,
    decodeDocument(
      { codec: PlanDocumentJson, formatVersion: PLAN_FORMAT_VERSION, what: "plan file" },
      file,
      (detail) => planFileInvalid(file, detail),
    ),
    E.chain(actionsFromJson(file)),
  );

const actionsFromJson =
  (file: string) =>
  (json: PlanDocumentJson): E.Either<PlugdepsError, PlanDocument> => {
    const actions = json.actions.map(actionFromJson);
    const bad = actions.findIndex((a) => typeof a === "string");
    if (bad !== -1) return E.left(planFileInvalid(file, `actions[${bad}]: ${String(actions[bad])}`));
    return E.right({ ...json, actions: actions.filter((a) => typeof a !== "string") });
  };
