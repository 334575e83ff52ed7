import * as E from "fp-ts/lib/Either.js";
import fc from "fast-check";
import * as semver from "semver";
import { describe, expect, it, vi } from "vitest";
import type { PluginFacts } from "../../src/hosts/types.js";
import { Desired, type InstallSet } from "../../src/model/plan.js";
import { checkPackageName, checkSpec } from "../../src/desired/dependency-spec.js";
import { computeDesired, desiredFingerprint, type DesiredResult } from "../../src/desired/desired.js";
import { intersectRanges } from "../../src/desired/semver-ranges.js";

const where = { stageBase: "/var/lib/x", targetRoot: "/var/lib/x/host-1.0.0-abcdef012345" };

const plugin = (id: string, dependencies: Record<string, string>, overrides: Partial<PluginFacts> = {}) =>
  ({
    id,
    dir: `/pkg/dist/extensions/${id}`,
    dependencies,
    staged: true,
    channels: [],
    providers: [],
    enabledByDefault: false,
    legacyIds: [],
    ...overrides,
  }) satisfies PluginFacts;

const compute = (plugins: readonly PluginFacts[], at = where): DesiredResult => computeDesired(plugins, at);
const sharedOf = (r: DesiredResult): InstallSet => r.desired.sets[0]!;
const setById = (r: DesiredResult, id: string): InstallSet | undefined =>
  r.desired.sets.find((s) => s.id === id);

describe("computeDesired: merging", () => {
  it("an empty plan still has a shared set with packages: [] (an empty plan once crashed npm)", () => {
    const r = compute([]);
    expect(r.desired).toEqual({
      stageBase: where.stageBase,
      targetRoot: where.targetRoot,
      layoutVersion: 1,
      fingerprint: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      sets: [{ id: "shared", kind: "shared", plugin: null, dir: where.targetRoot, packages: [] }],
      conflicts: [],
      rejected: [],
      overrides: {},
    });
    expect([...r.problems]).toEqual([]);
    // Plugins that contribute nothing (no deps, or only refused ones) give the same empty set.
    const onlyBad = compute([plugin("a", {}), plugin("b", { x: "file:../x" })]);
    expect(onlyBad.desired.sets).toEqual(r.desired.sets);
    expect(onlyBad.desired.fingerprint).toBe(r.desired.fingerprint);
  });

  it("identical specs become one shared entry with sorted wantedBy", () => {
    const r = compute([
      plugin("zeta", { x: "^1.0.0" }),
      plugin("alpha", { x: "^1.0.0" }),
      plugin("mid", { x: "^1.0.0" }),
    ]);
    expect(r.desired.sets).toEqual([
      {
        id: "shared",
        kind: "shared",
        plugin: null,
        dir: where.targetRoot,
        packages: [{ name: "x", spec: "^1.0.0", wantedBy: ["alpha", "mid", "zeta"] }],
      },
    ]);
    expect(r.desired.conflicts).toEqual([]);
  });

  it("packages are sorted by name and each plugin's other deps stay shared", () => {
    const r = compute([
      plugin("b", { zod: "^3.0.0", "@slack/web-api": "^7.0.0" }),
      plugin("a", { zod: "~3.22.0" }),
    ]);
    expect(sharedOf(r).packages).toEqual([
      { name: "@slack/web-api", spec: "^7.0.0", wantedBy: ["b"] },
      { name: "zod", spec: "~3.22.0", wantedBy: ["a", "b"] },
    ]);
  });

  it.each([
    { a: "^1.2.0", b: "^1.3.0", merged: "^1.3.0" },
    { a: "~3.4.0", b: "^3.4.2", merged: ">=3.4.2 <4.0.0-0 >=3.4.0 <3.5.0-0" },
    { a: ">=1.2 <1.5", b: "^1.4.0", merged: ">=1.4.0 <2.0.0-0 >=1.2.0 <1.5.0-0" },
    { a: "^1.0.0 || ^2.0.0", b: "^2.1.0", merged: "^2.1.0" },
    { a: "*", b: "1.2.3", merged: "1.2.3" },
  ])("overlapping $a and $b install once, as their intersection", ({ a, b, merged }) => {
    const r = compute([plugin("p", { x: a }), plugin("q", { x: b })]);
    expect(r.desired.sets).toHaveLength(1);
    expect(sharedOf(r).packages).toEqual([{ name: "x", spec: merged, wantedBy: ["p", "q"] }]);
    expect(r.desired.conflicts).toEqual([]);
  });
});

describe("computeDesired: conflicts (SPEC §4.9)", () => {
  it("non-overlapping specs: the smaller side gets plugin:<id> at <targetRoot>/isolated/<id>", () => {
    const r = compute([
      plugin("a", { x: "^1.0.0", y: "^2.0.0" }),
      plugin("b", { x: "^1.0.0" }),
      plugin("c", { x: "^2.0.0" }),
    ]);
    expect(r.desired.sets).toEqual([
      {
        id: "shared",
        kind: "shared",
        plugin: null,
        dir: where.targetRoot,
        packages: [
          { name: "x", spec: "^1.0.0", wantedBy: ["a", "b"] },
          { name: "y", spec: "^2.0.0", wantedBy: ["a"] },
        ],
      },
      {
        id: "plugin:c",
        kind: "isolated",
        plugin: "c",
        dir: `${where.targetRoot}/isolated/c`,
        packages: [{ name: "x", spec: "^2.0.0", wantedBy: ["c"] }],
      },
    ]);
    expect(r.desired.conflicts).toEqual([
      {
        name: "x",
        shared: { spec: "^1.0.0", plugins: ["a", "b"] },
        isolated: [{ plugin: "c", spec: "^2.0.0" }],
        reason: expect.stringMatching(/\^1\.0\.0 \(a, b\).*\^2\.0\.0 \(c\)/),
      },
    ]);
  });

  it("majority wins: 3 plugins on ^1 against 1 on ^2 isolates the ^2 plugin", () => {
    const r = compute([
      plugin("new", { x: "^2.0.0" }),
      plugin("o1", { x: "^1.0.0" }),
      plugin("o2", { x: "^1.0.0" }),
      plugin("o3", { x: "^1.0.0" }),
    ]);
    expect(sharedOf(r).packages).toEqual([{ name: "x", spec: "^1.0.0", wantedBy: ["o1", "o2", "o3"] }]);
    expect(r.desired.sets.map((s) => s.id)).toEqual(["shared", "plugin:new"]);
    expect(r.desired.conflicts.map((c) => c.isolated)).toEqual([[{ plugin: "new", spec: "^2.0.0" }]]);
  });

  it("the majority counts plugins, not spellings: three compatible ^1 specs beat two plugins on ^2", () => {
    const r = compute([
      plugin("a", { x: "^1.0.0" }),
      plugin("b", { x: "^1.1.0" }),
      plugin("c", { x: "~1.2.0" }),
      plugin("d", { x: "^2.0.0" }),
      plugin("e", { x: "^2.0.0" }),
    ]);
    expect(sharedOf(r).packages).toEqual([{ name: "x", spec: "~1.2.0", wantedBy: ["a", "b", "c"] }]);
    expect(r.desired.sets.map((s) => s.id)).toEqual(["shared", "plugin:d", "plugin:e"]);
    expect(r.desired.conflicts[0]?.isolated).toEqual([
      { plugin: "d", spec: "^2.0.0" },
      { plugin: "e", spec: "^2.0.0" },
    ]);
  });

  it("a tie keeps the spec admitting newer versions shared", () => {
    const r = compute([plugin("old", { x: "^1.0.0" }), plugin("new", { x: "^2.0.0" })]);
    expect(sharedOf(r).packages).toEqual([{ name: "x", spec: "^2.0.0", wantedBy: ["new"] }]);
    expect(setById(r, "plugin:old")?.packages).toEqual([{ name: "x", spec: "^1.0.0", wantedBy: ["old"] }]);
  });

  it("three-way conflict: one shared side, every other plugin isolated with its own spec", () => {
    const r = compute([
      plugin("one", { x: "^1.0.0" }),
      plugin("two", { x: "^2.0.0" }),
      plugin("three-a", { x: "^3.0.0" }),
      plugin("three-b", { x: "^3.1.0" }),
    ]);
    expect(sharedOf(r).packages).toEqual([{ name: "x", spec: "^3.1.0", wantedBy: ["three-a", "three-b"] }]);
    expect(r.desired.sets.map((s) => [s.id, s.dir])).toEqual([
      ["shared", where.targetRoot],
      ["plugin:one", `${where.targetRoot}/isolated/one`],
      ["plugin:two", `${where.targetRoot}/isolated/two`],
    ]);
    expect(r.desired.conflicts).toEqual([
      {
        name: "x",
        shared: { spec: "^3.1.0", plugins: ["three-a", "three-b"] },
        isolated: [
          { plugin: "one", spec: "^1.0.0" },
          { plugin: "two", spec: "^2.0.0" },
        ],
        reason: expect.stringContaining("^1.0.0 (one), ^2.0.0 (two)"),
      },
    ]);
  });

  it("an isolated plugin's set collects all its conflicting packages", () => {
    const r = compute([
      plugin("a", { x: "^1.0.0", y: "^1.0.0" }),
      plugin("b", { x: "^1.0.0", y: "^1.0.0" }),
      plugin("c", { x: "^2.0.0", y: "^2.0.0", z: "1.0.0" }),
    ]);
    expect(setById(r, "plugin:c")?.packages).toEqual([
      { name: "x", spec: "^2.0.0", wantedBy: ["c"] },
      { name: "y", spec: "^2.0.0", wantedBy: ["c"] },
    ]);
    expect(sharedOf(r).packages.map((p) => p.name)).toEqual(["x", "y", "z"]);
    expect(r.desired.conflicts.map((c) => c.name)).toEqual(["x", "y"]);
  });
});

describe("computeDesired: refused input (SPEC §4.12)", () => {
  it("rejected names and specs go to `rejected` and the plugin's problems, never into a set", () => {
    const r = compute([
      plugin("evil", {
        "../../x": "1.0.0",
        "@scope/../../y": "1.0.0",
        left: "file:../left",
        right: "github:a/b",
        tag: "latest",
        ok: "^1.0.0",
      }),
      plugin("fine", { ok: "^1.0.0" }),
    ]);
    expect(r.desired.sets).toEqual([
      {
        id: "shared",
        kind: "shared",
        plugin: null,
        dir: where.targetRoot,
        packages: [{ name: "ok", spec: "^1.0.0", wantedBy: ["evil", "fine"] }],
      },
    ]);
    expect(r.desired.rejected.map(({ plugin, name, spec }) => [plugin, name, spec])).toEqual([
      ["evil", "../../x", "1.0.0"],
      ["evil", "@scope/../../y", "1.0.0"],
      ["evil", "left", "file:../left"],
      ["evil", "right", "github:a/b"],
      ["evil", "tag", "latest"],
    ]);
    for (const rej of r.desired.rejected) expect(rej.reason.length).toBeGreaterThan(0);
    expect(r.desired.rejected.find((x) => x.name === "left")?.reason).toMatch(/^file:/);
    const problems = r.problems.get("evil") ?? [];
    expect(problems).toHaveLength(5);
    expect(problems.every((p) => /rejected/.test(p))).toBe(true);
    expect(problems.some((p) => p.includes("github:"))).toBe(true);
    expect(r.problems.has("fine")).toBe(false);
  });

  it("workspace: is skipped with a problem noted, not rejected", () => {
    const r = compute([plugin("w", { inner: "workspace:*", outer: "^1.0.0" })]);
    expect(r.desired.rejected).toEqual([]);
    expect(sharedOf(r).packages).toEqual([{ name: "outer", spec: "^1.0.0", wantedBy: ["w"] }]);
    expect(r.problems.get("w")).toEqual([expect.stringMatching(/^dependency inner@workspace:\* skipped: /)]);
  });

  it("the result decodes with the plan codec", () => {
    const r = compute([
      plugin("a", { x: "^1.0.0", bad: "file:x" }),
      plugin("b", { x: "^2.0.0", ws: "workspace:*" }),
    ]);
    expect(E.isRight(Desired.decode(JSON.parse(JSON.stringify(r.desired))))).toBe(true);
  });
});

describe("computeDesired: fingerprint", () => {
  const base = [plugin("a", { x: "^1.2.0", y: "1.0.0" }), plugin("b", { x: "^1.2.0" })];
  const fp = (plugins: readonly PluginFacts[], at = where) => compute(plugins, at).desired.fingerprint;

  it("is what desiredFingerprint gives for the sets", () => {
    const r = compute(base);
    expect(r.desired.fingerprint).toBe(desiredFingerprint(r.desired.sets));
  });

  it("changes when a spec changes", () => {
    expect(fp([plugin("a", { x: "^1.2.0", y: "1.0.1" }), base[1]!])).not.toBe(fp(base));
    expect(fp([plugin("a", { x: "^1.3.0", y: "1.0.0" }), base[1]!])).not.toBe(fp(base));
  });

  it("changes when a package is added or moves to an isolated set", () => {
    expect(fp([...base, plugin("c", { z: "1.0.0" })])).not.toBe(fp(base));
    const sets = compute(base).desired.sets;
    const moved: InstallSet[] = [
      { ...sets[0]!, packages: sets[0]!.packages.filter((p) => p.name !== "y") },
      { id: "plugin:a", kind: "isolated", plugin: "a", dir: "/d", packages: [sets[0]!.packages[1]!] },
    ];
    expect(desiredFingerprint(moved)).not.toBe(desiredFingerprint(sets));
  });

  it("does not change when only wantedBy changes", () => {
    expect(fp([...base, plugin("c", { x: "^1.2.0" })])).toBe(fp(base));
    expect(fp([base[0]!])).toBe(fp(base));
  });

  it("does not change with the stage base or the target root (the root's path is not materialized content)", () => {
    const elsewhere = { stageBase: "/other", targetRoot: "/other/host-2.0.0-fedcba987654" };
    const withConflict = [...base, plugin("c", { x: "^2.0.0" })];
    const here = compute(withConflict);
    const there = compute(withConflict, elsewhere);
    // targetRoot is in every set's dir ...
    expect(there.desired.sets.map((s) => s.dir)).toEqual([
      elsewhere.targetRoot,
      `${elsewhere.targetRoot}/isolated/c`,
    ]);
    expect(there.desired.sets.map((s) => s.dir)).not.toEqual(here.desired.sets.map((s) => s.dir));
    // ... but not in the fingerprint.
    expect(there.desired.fingerprint).toBe(here.desired.fingerprint);
  });

  it("changes when LAYOUT_VERSION does", async () => {
    const sets = compute(base).desired.sets;
    vi.resetModules();
    vi.doMock("../../src/model/layout.js", async (importOriginal) => ({
      ...(await importOriginal<typeof import("../../src/model/layout.js")>()),
      LAYOUT_VERSION: 2,
    }));
    try {
      const bumped = await import("../../src/desired/desired.js");
      expect(bumped.desiredFingerprint(sets)).not.toBe(desiredFingerprint(sets));
      expect(bumped.computeDesired(base, where).desired.layoutVersion).toBe(2);
    } finally {
      vi.doUnmock("../../src/model/layout.js");
      vi.resetModules();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

const NAMES = ["x", "y", "@s/z", "constructor"] as const;
const BAD_NAMES = ["../up", "@s/..", "Has Space"] as const;
const versionArb = fc
  .tuple(fc.nat(3), fc.nat(3), fc.nat(2), fc.constantFrom("", "", "", "", "-beta"))
  .map(([a, b, c, pre]) => `${a}.${b}.${c}${pre}`);
const goodSpecArb = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.tuple(fc.constantFrom("^", "~", "", ">="), versionArb).map(([op, v]) => `${op}${v}`),
  },
  { weight: 1, arbitrary: fc.tuple(versionArb, versionArb).map(([a, b]) => `^${a} || ~${b}`) },
  { weight: 1, arbitrary: fc.constantFrom("*", "1.x", ">=1 <2") },
);
const specArb = fc.oneof(
  { weight: 8, arbitrary: goodSpecArb },
  { weight: 1, arbitrary: fc.constantFrom("workspace:*", "file:../x", "latest", "", ">=3 <2", "a/b") },
);
const depsArb = fc.dictionary(
  fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...NAMES) },
    { weight: 1, arbitrary: fc.constantFrom(...BAD_NAMES) },
  ),
  specArb,
  { maxKeys: 4 },
);
const pluginsArb = fc
  .uniqueArray(fc.constantFrom("a", "b", "c", "d", "e", "f", "g", "h"), { maxLength: 7 })
  .chain((ids) => fc.tuple(...ids.map((id) => depsArb.map((deps) => plugin(id, deps)))));

/** The same plugins in another order, each with its dependency keys in another order. */
const reshuffled = (plugins: readonly PluginFacts[]) =>
  fc.shuffledSubarray([...plugins], { minLength: plugins.length, maxLength: plugins.length }).chain((order) =>
    fc.tuple(
      ...order.map((p) =>
        fc
          .shuffledSubarray(Object.entries(p.dependencies), {
            minLength: Object.keys(p.dependencies).length,
            maxLength: Object.keys(p.dependencies).length,
          })
          .map((entries) => ({ ...p, dependencies: Object.fromEntries(entries) })),
      ),
    ),
  );

/**
 * `inner` admits no version `outer` refuses, decided over every version the generated specs can
 * tell apart (tuples 0..4, the prereleases in use and the smallest ones around them). Not
 * semver.subset: it misses `subset("<0.0.1-0", "*")` (node-semver#374, #703, #757) and, worse,
 * calls `2.2.1-beta <2.3.0-0` a subset of `^2.3.0`, mistaking it for an empty set.
 */
const UNIVERSE = [0, 1, 2, 3, 4].flatMap((a) =>
  [0, 1, 2, 3, 4].flatMap((b) =>
    [0, 1, 2, 3].flatMap((c) => ["", "-0", "-0.0", "-beta", "-beta.0"].map((pre) => `${a}.${b}.${c}${pre}`)),
  ),
);
const contains = (outer: string, inner: string): boolean =>
  UNIVERSE.every((v) => !semver.satisfies(v, inner) || semver.satisfies(v, outer));

const acceptedDeps = (p: PluginFacts): [string, string][] =>
  Object.entries(p.dependencies).flatMap(([name, spec]) => {
    const verdict = checkSpec(spec);
    return checkPackageName(name) === null && verdict._tag === "Accepted" ? [[name, verdict.range]] : [];
  });

describe("computeDesired: properties", () => {
  it("the desired materialization is independent of plugin discovery order", () => {
    fc.assert(
      fc.property(
        pluginsArb.chain((ps) => fc.tuple(fc.constant(ps), reshuffled(ps))),
        ([plugins, shuffled]) => {
          const a = compute(plugins);
          const b = compute(shuffled);
          expect(b.desired).toEqual(a.desired);
          expect([...b.problems].sort()).toEqual([...a.problems].sort());
        },
      ),
      { numRuns: 300 },
    );
  });

  it("every accepted dependency is wanted by its plugin in exactly one set, with a spec inside the plugin's own", () => {
    fc.assert(
      fc.property(pluginsArb, (plugins) => {
        const { desired } = compute(plugins);
        for (const p of plugins) {
          const accepted = acceptedDeps(p);
          for (const [name, spec] of accepted) {
            const holders = desired.sets.flatMap((s) =>
              s.packages.filter((pkg) => pkg.name === name && pkg.wantedBy.includes(p.id)),
            );
            expect(holders).toHaveLength(1);
            expect([name, holders[0]!.spec, spec, contains(spec, holders[0]!.spec)]).toEqual([
              name,
              holders[0]!.spec,
              spec,
              true,
            ]);
          }
          // ... and nothing else of it is wanted anywhere.
          const wanted = desired.sets.flatMap((s) =>
            s.packages.filter((pkg) => pkg.wantedBy.includes(p.id)).map((pkg) => pkg.name),
          );
          expect(wanted.sort()).toEqual(accepted.map(([n]) => n).sort());
        }
      }),
      { numRuns: 300 },
    );
  });

  it("every declared entry ends up in exactly one place: a set, `rejected`, or skipped with a problem", () => {
    fc.assert(
      fc.property(pluginsArb, (plugins) => {
        const r = compute(plugins);
        for (const p of plugins) {
          const rejected = r.desired.rejected.filter((x) => x.plugin === p.id);
          const problems = r.problems.get(p.id) ?? [];
          const accepted = acceptedDeps(p).length;
          expect(accepted + rejected.length + problems.filter((t) => t.includes(" skipped: ")).length).toBe(
            Object.keys(p.dependencies).length,
          );
          expect(problems).toHaveLength(Object.keys(p.dependencies).length - accepted);
          for (const x of rejected) expect(x.reason).not.toBe("");
        }
      }),
      { numRuns: 300 },
    );
  });

  it("every shared spec is satisfiable, and one package appears at most once per set", () => {
    fc.assert(
      fc.property(pluginsArb, (plugins) => {
        const { desired } = compute(plugins);
        for (const set of desired.sets) {
          const names = set.packages.map((p) => p.name);
          expect(new Set(names).size).toBe(names.length);
          expect(names).toEqual([...names].sort());
          for (const pkg of set.packages) {
            expect(semver.minVersion(pkg.spec)).not.toBeNull();
            expect(pkg.wantedBy).toEqual([...pkg.wantedBy].sort());
            expect(pkg.wantedBy.length).toBeGreaterThan(0);
          }
          if (set.kind === "isolated") {
            expect(
              set.packages.every((pkg) => pkg.wantedBy.length === 1 && pkg.wantedBy[0] === set.plugin),
            ).toBe(true);
            expect(set.packages.length).toBeGreaterThan(0);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("an isolated plugin's spec never intersects the shared spec, and its side is never the bigger one", () => {
    fc.assert(
      fc.property(pluginsArb, (plugins) => {
        const { desired } = compute(plugins);
        const shared = new Map(desired.sets[0]!.packages.map((p) => [p.name, p]));
        for (const set of desired.sets.slice(1)) {
          for (const pkg of set.packages) {
            const sharedPkg = shared.get(pkg.name);
            expect(sharedPkg).toBeDefined();
            expect([pkg.spec, sharedPkg!.spec, intersectRanges(pkg.spec, sharedPkg!.spec)]).toEqual([
              pkg.spec,
              sharedPkg!.spec,
              null,
            ]);
            // Every plugin asking for this exact spec could have formed a shared group this big.
            const sameSpec = plugins.filter((p) =>
              acceptedDeps(p).some(([n, s]) => n === pkg.name && s === pkg.spec),
            );
            expect(sameSpec.length).toBeLessThanOrEqual(sharedPkg!.wantedBy.length);
          }
        }
        for (const c of desired.conflicts) {
          expect(c.isolated.length).toBeGreaterThan(0);
          expect(c.shared.spec).toBe(shared.get(c.name)?.spec);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("computeDesired: overrides", () => {
  it("are recorded sorted and change the fingerprint (they change what gets resolved)", () => {
    const plain = computeDesired([plugin("a", { x: "^1.0.0" })], where);
    const pinned = computeDesired([plugin("a", { x: "^1.0.0" })], where, { z: "1.0.0", y: "^2.0.0" });
    expect(Object.keys(pinned.desired.overrides)).toEqual(["y", "z"]);
    expect(pinned.desired.fingerprint).not.toBe(plain.desired.fingerprint);
    expect(
      computeDesired([plugin("a", { x: "^1.0.0" })], where, { y: "^2.0.0", z: "1.0.0" }).desired.fingerprint,
    ).toBe(pinned.desired.fingerprint);
  });
});
