import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Activation, Decision, DiscoveredPlugin, PluginFacts } from "../../src/hosts/types.js";
import { computeDesired } from "../../src/desired/desired.js";
import { planPlugins, stagedActivePlugins, type PlannedPlugin } from "../../src/desired/plugin-plan.js";

const facts = (id: string, overrides: Partial<PluginFacts> = {}): PluginFacts => ({
  id,
  dir: `/pkg/dist/extensions/${id}`,
  dependencies: {},
  staged: true,
  channels: [],
  providers: [],
  enabledByDefault: false,
  legacyIds: [],
  ...overrides,
});
const valid = (id: string, overrides: Partial<PluginFacts> = {}): DiscoveredPlugin => ({
  _tag: "Valid",
  ...facts(id, overrides),
});
const invalid = (id: string, error = "package.json: Unexpected token"): DiscoveredPlugin => ({
  _tag: "Invalid",
  id,
  dir: `/pkg/dist/extensions/${id}`,
  error,
});

/** A fake Activation that records whom it was asked about. */
const recording = (decide: (p: PluginFacts) => Decision) => {
  const asked: PluginFacts[] = [];
  const activation: Activation = () => ({
    decide: (p) => {
      asked.push(p);
      return decide(p);
    },
    extras: [],
    warnings: [],
  });
  return { activation, asked };
};
const HOST = { version: "2026.4.29", packageRoot: "/pkg" };
/** The planned plugins of planPlugins, for the tests that look only at them. */
const plan = (plugins: readonly DiscoveredPlugin[], activation: Activation): PlannedPlugin[] =>
  planPlugins(plugins, activation, HOST).planned;
const on: Decision = { active: true, reason: "enabledByDefault" };
const off: Decision = { active: false, reason: "not enabled" };

const idOf = (p: PlannedPlugin): string => (p._tag === "Valid" ? p.facts.id : p.id);

describe("planPlugins", () => {
  it("sorts by id whatever the discovery order", () => {
    const { activation } = recording(() => on);
    const planned = plan([valid("slack"), invalid("broken"), valid("discord"), valid("matrix")], activation);
    expect(planned.map(idOf)).toEqual(["broken", "discord", "matrix", "slack"]);
  });

  it("keeps each valid plugin's facts (without the tag) and the decision activation gave", () => {
    const { activation, asked } = recording((p) =>
      p.id === "slack" ? { active: true, reason: "channels.slack.enabled=true" } : off,
    );
    const slack = facts("slack", { dependencies: { "@slack/web-api": "^7.0.0" }, channels: ["slack"] });
    const planned = plan([{ _tag: "Valid", ...slack }, valid("irc")], activation);
    expect(planned).toEqual([
      { _tag: "Valid", facts: facts("irc"), decision: off },
      { _tag: "Valid", facts: slack, decision: { active: true, reason: "channels.slack.enabled=true" } },
    ]);
    expect(asked).toEqual([facts("irc"), slack]);
    for (const p of asked) expect(p).not.toHaveProperty("_tag");
  });

  it("invalid plugins stay Invalid with their error and never reach activation", () => {
    const { activation, asked } = recording(() => on);
    const planned = plan(
      [invalid("bad", "openclaw.plugin.json: id must be a string"), valid("good")],
      activation,
    );
    expect(planned[0]).toEqual({
      _tag: "Invalid",
      id: "bad",
      dir: "/pkg/dist/extensions/bad",
      error: "openclaw.plugin.json: id must be a string",
    });
    expect(asked.map((p) => p.id)).toEqual(["good"]);
  });

  it("same id in two directories: ordered by dir, both kept", () => {
    const { activation } = recording(() => on);
    const planned = plan(
      [valid("x", { dir: "/b/x" }), valid("x", { dir: "/a/x" }), invalid("x")],
      activation,
    );
    expect(planned.map((p) => (p._tag === "Valid" ? p.facts.dir : p.dir))).toEqual([
      "/a/x",
      "/b/x",
      "/pkg/dist/extensions/x",
    ]);
  });
});

describe("stagedActivePlugins", () => {
  it("returns only valid plugins that are active and staged, in plan order", () => {
    const { activation } = recording((p) => (p.id.startsWith("on") ? on : off));
    const planned = plan(
      [
        valid("on-staged-2"),
        valid("on-shipped", { staged: false }),
        valid("off-staged"),
        valid("off-shipped", { staged: false }),
        invalid("on-invalid"),
        valid("on-staged-1"),
      ],
      activation,
    );
    expect(stagedActivePlugins(planned).map((p) => p.id)).toEqual(["on-staged-1", "on-staged-2"]);
  });

  it("is empty for an empty plan", () => {
    expect(stagedActivePlugins(plan([], recording(() => on).activation))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties: planPlugins + stagedActivePlugins + computeDesired

const IDS = ["a", "b", "c", "d", "e", "f"] as const;
const depsArb = fc.dictionary(
  fc.constantFrom("x", "y", "z"),
  fc.constantFrom("^1.0.0", "^1.2.0", "^2.0.0", "~2.1.0", "3.0.0", "file:../x", "workspace:*"),
  { maxKeys: 3 },
);
const discoveredArb: fc.Arbitrary<DiscoveredPlugin[]> = fc
  .uniqueArray(fc.constantFrom(...IDS), { maxLength: IDS.length })
  .chain((ids) =>
    fc.tuple(
      ...ids.map((id) =>
        fc.oneof(
          {
            weight: 5,
            arbitrary: fc
              .tuple(depsArb, fc.boolean())
              .map(([deps, staged]) => valid(id, { dependencies: deps, staged })),
          },
          { weight: 1, arbitrary: fc.constant(invalid(id)) },
        ),
      ),
    ),
  );
const activeSetArb: fc.Arbitrary<string[]> = fc.subarray<string>([...IDS]);

const pipeline = (discovered: readonly DiscoveredPlugin[], active: readonly string[]) => {
  const planned = plan(discovered, recording((p) => (active.includes(p.id) ? on : off)).activation);
  return {
    planned,
    result: computeDesired(stagedActivePlugins(planned), { stageBase: "/s", targetRoot: "/s/r" }),
  };
};

describe("plugin plan → desired: properties", () => {
  it("the plan is sorted by id and independent of discovery order", () => {
    fc.assert(
      fc.property(
        discoveredArb.chain((d) =>
          fc.tuple(fc.constant(d), fc.shuffledSubarray(d, { minLength: d.length, maxLength: d.length })),
        ),
        activeSetArb,
        ([discovered, shuffled], active) => {
          const a = pipeline(discovered, active);
          const b = pipeline(shuffled, active);
          const ids = a.planned.map(idOf);
          expect(ids).toEqual([...ids].sort());
          expect(b.planned).toEqual(a.planned);
          expect(b.result.desired).toEqual(a.result.desired);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("activation is asked exactly once about each valid plugin, and never about an invalid one", () => {
    fc.assert(
      fc.property(discoveredArb, activeSetArb, (discovered, active) => {
        const { activation, asked } = recording((p) => (active.includes(p.id) ? on : off));
        plan(discovered, activation);
        expect(asked.map((p) => p.id).sort()).toEqual(
          discovered.flatMap((p) => (p._tag === "Valid" ? [p.id] : [])).sort(),
        );
      }),
      { numRuns: 200 },
    );
  });

  it("an inactive plugin never contributes a spec", () => {
    fc.assert(
      fc.property(discoveredArb, activeSetArb, (discovered, active) => {
        const { result } = pipeline(discovered, active);
        const contributors = new Set([
          ...result.desired.sets.flatMap((s) => s.packages.flatMap((p) => p.wantedBy)),
          ...result.desired.rejected.map((r) => r.plugin),
          ...result.problems.keys(),
        ]);
        for (const id of contributors) expect(active).toContain(id);
      }),
      { numRuns: 300 },
    );
  });

  it("an unstaged plugin never contributes a spec, and an invalid one never does either", () => {
    fc.assert(
      fc.property(discoveredArb, activeSetArb, (discovered, active) => {
        const { result } = pipeline(discovered, active);
        const stagedValid = new Set(
          discovered.flatMap((p) => (p._tag === "Valid" && p.staged ? [p.id] : [])),
        );
        for (const set of result.desired.sets) {
          for (const pkg of set.packages)
            for (const id of pkg.wantedBy) expect(stagedValid.has(id)).toBe(true);
          if (set.plugin !== null) expect(stagedValid.has(set.plugin)).toBe(true);
        }
        for (const r of result.desired.rejected) expect(stagedValid.has(r.plugin)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("every active, staged, valid plugin's accepted dependency is wanted by it", () => {
    fc.assert(
      fc.property(discoveredArb, activeSetArb, (discovered, active) => {
        const { result } = pipeline(discovered, active);
        for (const p of discovered) {
          if (p._tag !== "Valid" || !p.staged || !active.includes(p.id)) continue;
          for (const [name, spec] of Object.entries(p.dependencies)) {
            if (spec.includes(":")) continue;
            const wanted = result.desired.sets.some((s) =>
              s.packages.some((pkg) => pkg.name === name && pkg.wantedBy.includes(p.id)),
            );
            expect([p.id, name, wanted]).toEqual([p.id, name, true]);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
