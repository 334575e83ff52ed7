import * as E from "fp-ts/lib/Either.js";
import type * as t from "io-ts";
import { expect } from "vitest";
import { undeclaredKeys } from "../../src/model/codec-order.js";
import type { PlugdepsError } from "../../src/model/errors.js";
import { PLAN_FORMAT_VERSION, type PlanDocument, PlanDocumentJson } from "../../src/model/plan.js";
import {
  APPLY_DOCUMENT,
  DOCTOR_DOCUMENT,
  RECONCILE_DOCUMENT,
  RESOLVE_DOCUMENT,
  ROLLBACK_DOCUMENT,
  STATUS_DOCUMENT,
} from "../../src/render/documents.js";
import { decodePlanJson } from "../../src/render/plan-json.js";
import { describeRun, type RunResult } from "./cli.js";

/** What a test needs of a `--json` document (docs/json.md): its codec, formatVersion and reader. */
export interface JsonDocument<A> {
  readonly codec: t.Mixed;
  readonly formatVersion: number;
  readonly decode: (text: string, source?: string) => E.Either<PlugdepsError, A>;
}

const PLAN: JsonDocument<PlanDocument> = {
  codec: PlanDocumentJson,
  formatVersion: PLAN_FORMAT_VERSION,
  decode: (text, source = "<input>") => decodePlanJson(text, source),
};

/** Every command with `--json`, and the document it prints. */
export const DOCUMENTS = {
  apply: APPLY_DOCUMENT,
  doctor: DOCTOR_DOCUMENT,
  plan: PLAN,
  reconcile: RECONCILE_DOCUMENT,
  resolve: RESOLVE_DOCUMENT,
  rollback: ROLLBACK_DOCUMENT,
  show: PLAN,
  status: STATUS_DOCUMENT,
} as const;

/**
 * A `--json` output held to its document STRICTLY: it decodes with the exported decode function
 * (formatVersion checked first), its `formatVersion` is the one its codec reads, and it has no key
 * the codec does not declare (decoding alone would accept one: a reader must take the optional
 * keys a newer plugdeps adds, but what plugdeps prints must all be documented).
 */
export const expectDocument = <A>(doc: JsonDocument<A>, r: RunResult): A => {
  const decoded = doc.decode(r.stdout, r.command);
  if (E.isLeft(decoded)) throw new Error(`${decoded.left.message}\n${describeRun(r)}`);
  const parsed = JSON.parse(r.stdout) as { readonly formatVersion?: unknown };
  expect(parsed.formatVersion, describeRun(r)).toBe(doc.formatVersion);
  expect(undeclaredKeys(doc.codec, parsed), `keys its codec does not declare\n${describeRun(r)}`).toEqual([]);
  return decoded.right;
};
