import * as E from "fp-ts/lib/Either.js";
import fc from "fast-check";
import * as t from "io-ts";
import { describe, expect, it } from "vitest";
import { type PlanDocument, PlanDocumentJson, PluginDecision } from "../../src/model/plan.js";
import { orderByCodec, stringifyByCodec } from "../../src/model/codec-order.js";
import { decodePlanJson, renderPlanJson } from "../../src/render/plan-json.js";
import { goldenPlans, rich } from "../golden/plans.js";

/** Deterministic PRNG (mulberry32) so a failing fast-check seed reproduces the same shuffle. */
const prng = (seed: number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let r = Math.imul(a ^ (a >>> 15), 1 | a);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
};

/** A deep copy whose every object has its keys in a random order. */
const shuffleKeys = (value: unknown, next: () => number): unknown => {
  if (Array.isArray(value)) return value.map((v) => shuffleKeys(v, next));
  if (typeof value !== "object" || value === null) return value;
  const keys = Object.keys(value);
  for (let i = keys.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [keys[i], keys[j]] = [keys[j] as string, keys[i] as string];
  }
  return Object.fromEntries(keys.map((k) => [k, shuffleKeys((value as Record<string, unknown>)[k], next)]));
};

const planNames = Object.keys(goldenPlans);
const planOf = (name: string): PlanDocument => {
  const plan = goldenPlans[name];
  if (!plan) throw new Error(`no golden plan ${name}`);
  return plan;
};

describe("renderPlanJson", () => {
  it("round-trips through decodePlanJson to a deep-equal plan", () => {
    for (const plan of Object.values(goldenPlans)) {
      const decoded = decodePlanJson(renderPlanJson(plan), "plan.json");
      expect(decoded).toEqual(E.right(plan));
    }
  });

  it("emits keys in codec order whatever order the object was built in", () => {
    fc.assert(
      fc.property(fc.constantFrom(...planNames), fc.integer(), (name, seed) => {
        const plan = planOf(name);
        const shuffled = shuffleKeys(plan, prng(seed)) as PlanDocument;
        expect(renderPlanJson(shuffled)).toBe(renderPlanJson(plan));
      }),
      { numRuns: 200 },
    );
  });

  it("follows the declared order at the top level, in nested types, and sorts records", () => {
    const parsed = JSON.parse(renderPlanJson(shuffleKeys(rich, prng(7)) as PlanDocument)) as Record<
      string,
      unknown
    >;
    expect(Object.keys(parsed)).toEqual(Object.keys(PlanDocumentJson.props));
    const plugins = parsed["plugins"] as Record<string, unknown>[];
    for (const plugin of plugins) {
      expect(Object.keys(plugin)).toEqual(Object.keys(PluginDecision.props));
      const deps = Object.keys(plugin["dependencies"] as object);
      expect(deps).toEqual([...deps].sort());
    }
  });

  it("is 2-space indented with a single trailing newline", () => {
    const text = renderPlanJson(rich);
    expect(text.startsWith('{\n  "formatVersion": 1,\n  "tool": {\n    "name": "plugdeps",')).toBe(true);
    expect(text.endsWith("}\n")).toBe(true);
    expect(text.endsWith("\n\n")).toBe(false);
    expect(text).toBe(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
  });
});

describe("decodePlanJson", () => {
  const withVersion = (v: unknown) => JSON.stringify({ ...rich, formatVersion: v });

  it("refuses another formatVersion, naming the one it reads", () => {
    const result = decodePlanJson(withVersion(2), "/tmp/p.json");
    expect(E.isLeft(result) && result.left._tag).toBe("PlanFileInvalid");
    if (E.isLeft(result)) {
      expect(result.left.message).toContain("formatVersion 2");
      expect(result.left.message).toContain("reads formatVersion 1");
      expect(result.left.message).toContain("/tmp/p.json");
    }
  });

  it("refuses a document without formatVersion or that is not an object", () => {
    const { formatVersion: _drop, ...rest } = rich;
    for (const text of [JSON.stringify(rest), "[]", "42", "null"]) {
      const result = decodePlanJson(text, "p.json");
      expect(E.isLeft(result) && result.left._tag).toBe("PlanFileInvalid");
    }
  });

  it("reports a syntax error with its position as a plan-file error", () => {
    const result = decodePlanJson('{\n  "formatVersion": 1,\n  oops\n}', "p.json");
    expect(E.isLeft(result) && result.left._tag).toBe("PlanFileInvalid");
    if (E.isLeft(result)) {
      expect(result.left.message).toMatch(/line 3/);
      expect(result.left.message).not.toContain("config");
    }
  });

  it("names the bad key path of a wrongly typed field", () => {
    const broken = JSON.parse(renderPlanJson(rich)) as { summary: Record<string, unknown> };
    broken.summary["install"] = "three";
    const result = decodePlanJson(JSON.stringify(broken), "p.json");
    expect(E.isLeft(result) && result.left._tag).toBe("DecodeError");
    if (E.isLeft(result)) expect(result.left.message).toContain("summary.install");
  });
});

describe("codec-order helpers", () => {
  const Inner = t.type({ z: t.string, a: t.string });
  const Codec = t.intersection([
    t.type({ b: t.number, a: Inner }),
    t.partial({ c: t.union([t.null, t.type({ y: t.number, x: t.number })]), a: t.partial({ m: t.string }) }),
    t.type({ rec: t.record(t.string, t.exact(t.type({ q: t.number, p: t.number }))), list: t.array(Inner) }),
  ]);

  it("orders intersections, partials, unions, exact types, records and arrays by the codec", () => {
    const value = {
      extra2: 1,
      list: [{ a: "1", z: "2" }],
      rec: { "10": { p: 1, q: 2 }, "9": { p: 3, q: 4 }, b: { p: 5, q: 6 } },
      c: { x: 1, y: 2 },
      a: { m: "m", a: "a", z: "z" },
      extra1: 2,
      b: 1,
    };
    const text = stringifyByCodec(Codec, value, 0).replace(/\n/g, "");
    expect(text).toBe(
      '{"b": 1,"a": {"z": "z","a": "a","m": "m"},"c": {"y": 2,"x": 1},' +
        '"rec": {"10": {"q": 2,"p": 1},"9": {"q": 4,"p": 3},"b": {"q": 6,"p": 5}},' +
        '"list": [{"z": "2","a": "1"}],"extra1": 2,"extra2": 1}',
    );
  });

  it("drops undefined like JSON.stringify and keeps __proto__ as data", () => {
    const value = JSON.parse('{"b": 1, "__proto__": {"polluted": true}}') as Record<string, unknown>;
    const ordered = orderByCodec(t.type({ b: t.number }), { ...value, gone: undefined }) as Record<
      string,
      unknown
    >;
    expect(Object.keys(ordered)).toEqual(["b", "__proto__"]);
    expect(Object.getPrototypeOf(ordered)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  });
});
