import * as E from "fp-ts/lib/Either.js";
import type * as t from "io-ts";
import { expect } from "vitest";
import { undeclaredKeys } from "../../src/model/codec-order.js";
import type { PlugdepsError } from "../../src/model/errors.js";
import { describeRun, type RunResult } from "./cli.js";

/**
 * A `--json` output held to its document (docs/json.md) STRICTLY: it decodes with the exported
 * decode function (formatVersion checked first), its `formatVersion` is the one its codec reads,
 * and it has no key the codec does not declare (decoding alone would accept one: a reader must
 * take the optional keys a newer plugdeps adds, but what plugdeps prints must all be documented).
 */
export interface JsonDocument<A> {
  readonly codec: t.Type<A, unknown, unknown> | t.Mixed;
  readonly formatVersion: number;
  readonly decode: (text: string, source: string) => E.Either<PlugdepsError, A>;
}

export const expectDocument = <A>(doc: JsonDocument<A>, r: RunResult): A => {
  const decoded = doc.decode(r.stdout, r.command);
  if (E.isLeft(decoded)) throw new Error(`${decoded.left.message}\n${describeRun(r)}`);
  const parsed = JSON.parse(r.stdout) as { readonly formatVersion?: unknown };
  expect(parsed.formatVersion, describeRun(r)).toBe(doc.formatVersion);
  expect(
    undeclaredKeys(doc.codec as t.Mixed, parsed),
    `keys its codec does not declare\n${describeRun(r)}`,
  ).toEqual([]);
  return decoded.right;
};
