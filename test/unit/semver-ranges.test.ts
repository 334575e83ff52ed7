import fc from "fast-check";
import * as semver from "semver";
import { describe, expect, it } from "vitest";
import { compareByMinVersionDesc, intersectRanges, isSatisfiable } from "../../src/desired/semver-ranges.js";

/**
 * Every version the generated ranges below can tell apart: tuples 0..3 (ranges use 0..2, so
 * every bound's successor is in here) with releases and the prereleases that are the smallest
 * members of the gaps (`-0`, `-0.0`, `x.0` after `x`). For such ranges, "some version satisfies
 * it" and "these two ranges admit the same versions" can be decided by brute force over it.
 */
const PRERELEASES = ["", "-0", "-0.0", "-1", "-alpha", "-alpha.0", "-beta", "-beta.0"] as const;
const UNIVERSE: readonly string[] = [0, 1, 2, 3].flatMap((major) =>
  [0, 1, 2, 3].flatMap((minor) =>
    [0, 1, 2, 3].flatMap((patch) => PRERELEASES.map((pre) => `${major}.${minor}.${patch}${pre}`)),
  ),
);
const members = (range: string): string[] => UNIVERSE.filter((v) => semver.satisfies(v, range));

const versionArb = fc
  .tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.constantFrom("", "", "", "-0", "-alpha", "-beta"))
  .map(([a, b, c, pre]) => `${a}.${b}.${c}${pre}`);
/** `^v`, `~v` or exact, as the brief's manifests use. */
const simpleRangeArb = fc.tuple(fc.constantFrom("^", "~", ""), versionArb).map(([op, v]) => `${op}${v}`);
/** Also open bounds, conjunctions and alternatives. */
const rangeArb = fc.oneof(
  { weight: 3, arbitrary: simpleRangeArb },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.constantFrom(">", ">=", "<", "<="),
        versionArb,
        fc.constantFrom(">", ">=", "<", "<="),
        versionArb,
      )
      .map(([o1, v1, o2, v2]) => `${o1}${v1} ${o2}${v2}`),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(simpleRangeArb, simpleRangeArb).map(([a, b]) => `${a} || ${b}`),
  },
  {
    // conjunctions of whole ranges, such as the intersections this module itself writes
    weight: 1,
    arbitrary: fc.tuple(simpleRangeArb, simpleRangeArb).map(([a, b]) => `${a} ${b}`),
  },
);

describe("isSatisfiable", () => {
  it.each([
    ["^1.2.0", true],
    ["*", true],
    ["<0.0.1", true],
    [">=1.0.0 <1.0.0", false],
    [">=2.0.0 <1.0.0", false],
    [">1.0.0 <1.0.1", false],
    ["<0.0.0-0", false],
    ["1.2.3 2.0.0", false],
    // semver.minVersion returns null for both of these, although each has members:
    [">=1.0.0 <0.5.0 || >=2.0.0", true],
    [">1.0.0 <=1.0.1-0", true],
    [">1.0.0-alpha <1.0.0-alpha.0", false],
    ["not a range", false],
  ] as const)("%s → %s", (range, expected) => {
    expect(isSatisfiable(range)).toBe(expected);
  });

  it("agrees with a brute-force search over every distinguishable version", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          rangeArb,
          fc.tuple(rangeArb, rangeArb).map(([a, b]) => `${a} ${b}`),
        ),
        (range) => {
          expect(isSatisfiable(range)).toBe(members(range).length > 0);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe("intersectRanges", () => {
  it.each([
    // one contains the other: the narrower spelling, as written
    ["^1.2.0", "^1.3.0", "^1.3.0"],
    ["^1.3.0", "^1.2.0", "^1.3.0"],
    ["*", "1.x", "1.x"],
    // `*` keeps the other spelling even where semver.subset cannot tell (subset("<1.0.0", "*") is false)
    ["*", "^0.0.0", "^0.0.0"],
    ["<1.0.0", "x", "<1.0.0"],
    ["*", "1.2.3-beta", null],
    ["^1.2.0", "1.4.0", "1.4.0"],
    ["^1.0.0", "^1.0.0", "^1.0.0"],
    // disjoint
    ["^1.0.0", "^2.0.0", null],
    ["~1.2.0", "~1.3.0", null],
    ["1.2.3", "1.2.4", null],
    ["^0.1.0", "^0.2.0", null],
    [">=3 <2", ">=3 <2", null],
    ["^1.0.0 || ^2.0.0", "^3.0.0 || ^4.0.0", null],
    // semver.subset calls the left side empty (so "a subset of anything"); it is 2.2.1-beta
    ["^2.3.0", "2.2.1-beta <2.3.0-0", null],
    // only 1.1.0-alpha on the left, and `>0.0.0` admits no prerelease
    ["1.1.0-alpha ^1.0.0", ">0.0.0", null],
  ] as const)("%s ∩ %s = %s", (a, b, expected) => {
    expect(intersectRanges(a, b)).toBe(expected);
  });

  it.each([
    [">=1.2 <1.5", "^1.4.0", ["1.4.0", "1.4.9"], ["1.3.9", "1.5.0"]],
    ["~3.4.0", "^3.4.2", ["3.4.2", "3.4.9"], ["3.4.1", "3.5.0"]],
    ["^1.0.0 || ^2.0.0", "^2.1.0 || ^3.0.0", ["2.1.0", "2.9.9"], ["1.9.9", "2.0.9", "3.0.0"]],
    ["^1.0.0 || ^3.0.0", ">=1.5.0 <3.2.0", ["1.5.0", "3.1.9"], ["1.4.9", "2.0.0", "3.2.0"]],
    // prereleases: only what both admit (node-semver's default rules)
    ["^1.2.3-beta", "~1.2.0", ["1.2.3", "1.2.9"], ["1.2.3-beta.2", "1.2.2", "1.3.0"]],
    // both admit 1.2.3 prereleases, from different lower bounds
    [
      ">=1.2.3-beta <1.5.0",
      ">=1.2.3-alpha <1.4.0",
      ["1.2.3-beta.2", "1.2.3", "1.3.9"],
      ["1.2.3-alpha.5", "1.4.0"],
    ],
    // only the exact prerelease alternative meets ^1.2.3-beta
    ["^1.2.3-beta", ">=1.2.0 <1.2.3 || 1.2.3-beta.2", ["1.2.3-beta.2"], ["1.2.3-beta.1", "1.2.2", "1.2.3"]],
    // 0.0.0 prereleases: `>=0.0.0` is `*` to semver, so it cannot be what cuts them out
    ["^0.0.0", "^0.0.0-alpha", ["0.0.0"], ["0.0.0-alpha", "0.0.0-beta", "0.0.1"]],
    ["*", "^1.2.3-beta", ["1.2.3", "1.9.0"], ["1.2.3-beta", "1.2.3-beta.1", "2.0.0"]],
    ["2.2.1-beta <2.3.0-0", "^2.0.0 || 2.2.1-beta", ["2.2.1-beta"], ["2.2.1", "2.2.1-beta.1"]],
  ] as const)("%s ∩ %s admits %j and refuses %j", (a, b, inside, outside) => {
    const joined = intersectRanges(a, b);
    expect(joined).not.toBeNull();
    for (const v of inside) expect([v, semver.satisfies(v, joined!)]).toEqual([v, true]);
    for (const v of outside) expect([v, semver.satisfies(v, joined!)]).toEqual([v, false]);
  });

  it("keeps overlapping ranges readable", () => {
    expect(intersectRanges("^1.0.0 || ^2.0.0", "^2.1.0 || ^3.0.0")).toBe(">=2.1.0 <3.0.0-0");
    expect(intersectRanges(">=1.2 <1.5", "^1.4.0")).toBe(">=1.2.0 <1.5.0-0 >=1.4.0 <2.0.0-0");
  });

  /** Versions near the ranges' bounds: the prereleases that sit between them included. */
  const probeArb = fc
    .tuple(
      fc.nat(3),
      fc.nat(3),
      fc.nat(3),
      fc.constantFrom("", "-0", "-alpha", "-alpha.1", "-beta", "-beta.1"),
    )
    .map(([a, b, c, pre]) => `${a}.${b}.${c}${pre}`);

  /** Two ranges and a version: random, or a prerelease of one of the ranges' own tuples. */
  const rangesAndProbeArb = fc.tuple(simpleRangeArb, simpleRangeArb).chain(([a, b]) =>
    fc.tuple(
      fc.constant(a),
      fc.constant(b),
      fc.oneof(
        probeArb,
        fc
          .tuple(
            fc.constantFrom(a, b),
            fc.constantFrom("-0", "-alpha", "-alpha.1", "-beta", "-beta.1", "-rc"),
          )
          .map(([r, pre]) => `${semver.coerce(r)!.version}${pre}`),
      ),
    ),
  );

  it("is the exact intersection (^/~/exact ranges, random versions)", () => {
    fc.assert(
      fc.property(rangesAndProbeArb, ([a, b, v]) => {
        const joined = intersectRanges(a, b);
        const both = semver.satisfies(v, a) && semver.satisfies(v, b);
        if (joined !== null && semver.satisfies(v, joined)) expect(both).toBe(true);
        if (both) {
          expect(joined).not.toBeNull();
          expect(semver.satisfies(v, joined!)).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it("admits exactly the versions both ranges admit (any ranges, every distinguishable version)", () => {
    fc.assert(
      fc.property(rangeArb, rangeArb, (a, b) => {
        const joined = intersectRanges(a, b);
        const expected = members(a).filter((v) => semver.satisfies(v, b));
        expect(joined === null ? [] : members(joined)).toEqual(expected);
        if (joined !== null) expect(isSatisfiable(joined)).toBe(true);
        // The result is usable as a spec by the rest of the pipeline.
        if (joined !== null) expect(semver.validRange(joined)).not.toBeNull();
      }),
      { numRuns: 1000 },
    );
  });

  it("is symmetric in what it admits", () => {
    fc.assert(
      fc.property(rangeArb, rangeArb, (a, b) => {
        const ab = intersectRanges(a, b);
        const ba = intersectRanges(b, a);
        expect(ab === null).toBe(ba === null);
        if (ab !== null && ba !== null) expect(members(ab)).toEqual(members(ba));
      }),
      { numRuns: 500 },
    );
  });
});

describe("compareByMinVersionDesc", () => {
  it("orders ranges admitting newer versions first, and is 0 when it cannot tell", () => {
    expect(["^1.0.0", "^3.0.0", "~2.1.0"].sort(compareByMinVersionDesc)).toEqual([
      "^3.0.0",
      "~2.1.0",
      "^1.0.0",
    ]);
    expect(compareByMinVersionDesc("^1.0.0", ">=1.0.0")).toBe(0);
    expect(compareByMinVersionDesc("^1.0.0", ">=3 <2")).toBe(0);
  });
});
