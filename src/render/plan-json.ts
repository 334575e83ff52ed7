import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import { decodeWith } from "../model/decode.js";
import { planFileInvalid, type PlugdepsError } from "../model/errors.js";
import {
  actionFromJson,
  PLAN_FORMAT_VERSION,
  type PlanDocument,
  PlanDocumentJson,
  planToJson,
} from "../model/plan.js";
import { parseJson } from "../util/read-json.js";
import { stringifyByCodec } from "../model/codec-order.js";

/**
 * `plugdeps plan --json` / `--out`: the plan document with the key order the PlanDocument codec
 * declares (SPEC §3 "stable key order"), 2-space indent, trailing newline. Byte-identical output
 * for equal plans, so plan files diff cleanly and can be compared as text.
 */
export const renderPlanJson = (plan: PlanDocument): string =>
  `${stringifyByCodec(PlanDocumentJson, planToJson(plan))}\n`;

/**
 * Reads a plan file back (`apply PLANFILE`). The format version is checked before the full decode
 * so a plan from another plugdeps release gets one clear sentence, not a list of key paths.
 */
export const decodePlanJson = (text: string, file: string): E.Either<PlugdepsError, PlanDocument> =>
  pipe(
    parseJson(file, text),
    E.mapLeft(asPlanFileError(file)),
    E.chain(checkFormatVersion(file)),
    E.chain(decodeWith(PlanDocumentJson, "plan file", file)),
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

/** parseJson words its syntax error for config files; a plan file gets the plan-file wording. */
const asPlanFileError =
  (file: string) =>
  (error: PlugdepsError): PlugdepsError => {
    if (error._tag !== "ConfigParseError") return error;
    const detail = /not valid JSON5?: (.*?)\. Fix/s.exec(error.message)?.[1];
    return planFileInvalid(
      file,
      `not valid JSON at line ${error.line}, column ${error.column}${detail ? ` (${detail})` : ""}`,
    );
  };

const checkFormatVersion =
  (file: string) =>
  (input: unknown): E.Either<PlugdepsError, unknown> => {
    if (typeof input !== "object" || input === null || Array.isArray(input)) {
      return E.left(planFileInvalid(file, "expected a JSON object at the top level"));
    }
    if (!("formatVersion" in input)) {
      return E.left(
        planFileInvalid(
          file,
          `it has no formatVersion (this plugdeps reads formatVersion ${PLAN_FORMAT_VERSION})`,
        ),
      );
    }
    const version = input.formatVersion;
    if (version !== PLAN_FORMAT_VERSION) {
      return E.left(
        planFileInvalid(
          file,
          `it has formatVersion ${JSON.stringify(version)}, but this plugdeps reads formatVersion ${PLAN_FORMAT_VERSION} only`,
        ),
      );
    }
    return E.right(input);
  };
