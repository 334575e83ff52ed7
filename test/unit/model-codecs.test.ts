import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { describe, expect, it } from "vitest";
import * as applyDocument from "../../src/model/apply.js";
import * as diskUse from "../../src/model/disk-use.js";
import * as doctor from "../../src/model/doctor.js";
import * as lock from "../../src/model/lock.js";
import * as manifest from "../../src/model/manifest.js";
import * as openclaw from "../../src/hosts/openclaw/config-codec.js";
import * as plan from "../../src/model/plan.js";
import * as resolveDocument from "../../src/model/resolve.js";
import * as rollbackDocument from "../../src/model/rollback.js";
import * as settings from "../../src/model/settings.js";
import * as state from "../../src/model/state.js";
import * as status from "../../src/model/status.js";
import * as statusView from "../../src/model/status-view.js";
import * as verify from "../../src/model/verify.js";

/**
 * decodeWith (model/decode.ts) and readInstalled answer from `codec.is` and return the input
 * itself, paying for `decode` only on a failure. That is sound only while every codec in model/
 * accepts exactly what its decode accepts and decode returns its input unchanged (no exact or
 * strict types, no transforming codecs). This checks it for every exported codec: on real
 * documents (the golden plans), on mutations of them, and on arbitrary JSON.
 */
const modules: Record<string, unknown> = {
  ...applyDocument,
  ...diskUse,
  ...doctor,
  ...lock,
  ...manifest,
  ...openclaw,
  ...plan,
  ...resolveDocument,
  ...rollbackDocument,
  ...settings,
  ...state,
  ...status,
  ...statusView,
  ...verify,
};
const codecs: [string, t.Mixed][] = Object.entries(modules)
  .flatMap(([name, value]): [string, t.Mixed][] =>
    value instanceof t.Type ? [[name, value as t.Mixed]] : [],
  )
  .sort(([a], [b]) => (a < b ? -1 : 1));

const golden = path.join(import.meta.dirname, "..", "golden");
const documents: unknown[] = fs
  .readdirSync(golden)
  .filter((n) => n.endsWith(".json"))
  .map((n) => JSON.parse(fs.readFileSync(path.join(golden, n), "utf8")) as unknown);

/** Every value nested in a document (each object, array and scalar), so inner codecs get real input. */
const parts = (value: unknown, out: unknown[] = []): unknown[] => {
  out.push(value);
  if (Array.isArray(value)) for (const v of value) parts(v, out);
  else if (value !== null && typeof value === "object") for (const v of Object.values(value)) parts(v, out);
  return out;
};
const samples = documents.flatMap((d) => parts(d));

const agrees = (codec: t.Mixed, value: unknown): void => {
  const decoded = codec.decode(value);
  expect(codec.is(value), `${codec.name}: is vs decode on ${JSON.stringify(value)?.slice(0, 200)}`).toBe(
    E.isRight(decoded),
  );
  if (E.isRight(decoded)) expect(decoded.right).toEqual(value);
};

describe("model codecs: `is` accepts exactly what `decode` accepts, and decode returns its input", () => {
  it("finds the codecs", () => {
    expect(codecs.map(([name]) => name)).toEqual(
      expect.arrayContaining([
        "PlanDocumentJson",
        "RootState",
        "InstalledPackageJson",
        "LockOwner",
        "Settings",
        "StatusDocument",
        "ApplyDocument",
        "DoctorReport",
        "ResolveDocument",
        "RollbackDocument",
        "ReconcileDocument",
      ]),
    );
  });

  it.each(codecs)("%s on the golden documents and every part of them", (_name, codec) => {
    for (const s of samples) agrees(codec, s);
  });

  it.each(codecs)("%s on the golden documents with one part replaced", (_name, codec) => {
    fc.assert(
      fc.property(fc.constantFrom(...documents), fc.nat(), fc.jsonValue(), (doc, pick, replacement) => {
        const copy = structuredClone(doc);
        const all = parts(copy).filter(
          (p): p is Record<string, unknown> => p !== null && typeof p === "object",
        );
        const target = all[pick % all.length];
        if (target !== undefined) {
          const keys = Object.keys(target);
          const key = keys[pick % Math.max(1, keys.length)];
          if (key !== undefined) target[key] = replacement;
        }
        agrees(codec, copy);
      }),
      { numRuns: 60 },
    );
  });

  it.each(codecs)("%s on arbitrary JSON", (_name, codec) => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => agrees(codec, v)),
      { numRuns: 100 },
    );
  });
});
