import { describe, expect, it } from "vitest";
import { compareHostCheck, type HostCheckRun } from "../../src/doctor/host-check.js";
import { parseDepsJson } from "../../src/hosts/openclaw/host-check.js";
import type { PlanDocument } from "../../src/model/plan.js";

/**
 * doctor's comparison of the host's own dependency check with the plan (doctor/host-check.ts),
 * and the reading of `openclaw plugins deps --json` (its shape taken from the real 2026.4.29).
 * The real program is run against a real apply in the host suite (test/host/gateway.test.ts).
 */

const HOST_ROOT = "/var/lib/openclaw/plugin-runtime-deps/openclaw-2026.4.29-432c390f03b0";

/** Only what the comparison reads: the host root and the shared set. */
const plan = (shared: Record<string, string>): PlanDocument =>
  ({
    observed: { hostRoot: { path: HOST_ROOT, linksTo: "", manifest: null, why: "", problems: [] } },
    desired: {
      sets: [{ id: "shared", packages: Object.entries(shared).map(([name, spec]) => ({ name, spec })) }],
    },
  }) as unknown as PlanDocument;

const ran = (installRoot: string, wants: Record<string, string>, missing: string[] = []): HostCheckRun => ({
  _tag: "Ran",
  result: { installRoot, wants, missing },
});

const CHECK = {
  display: "openclaw plugins deps --json",
  hints: { node: "Node 22", config: "--config", stage: "OPENCLAW_PLUGIN_STAGE_DIR" },
};

const ids = (p: PlanDocument, run: HostCheckRun) =>
  compareHostCheck(p, CHECK, run).map((f) => [f.id, f.severity]);

describe("compareHostCheck", () => {
  const want = { grammy: "^1.42.0", "@slack/bolt": "^4.7.0" };

  it("agrees when the host reads the host root, wants the shared set and misses nothing", () => {
    expect(ids(plan(want), ran(HOST_ROOT, want))).toEqual([["host-check-agrees", "info"]]);
  });

  it("a different install root is an error: the host would install everything again there", () => {
    const f = compareHostCheck(plan(want), CHECK, ran("/elsewhere/openclaw-2026.4.29-000000000000", want));
    expect(f.map((x) => x.id)).toEqual(["host-check-install-root"]);
    expect(f[0]?.severity).toBe("error");
    expect(f[0]?.title).toContain("/elsewhere/openclaw-2026.4.29-000000000000");
  });

  it("what the host finds missing is an error apply fixes", () => {
    const f = compareHostCheck(plan(want), CHECK, ran(HOST_ROOT, want, ["grammy"]));
    expect(f.map((x) => [x.id, x.fixable])).toEqual([["host-check-missing", true]]);
    expect(f[0]?.detail).toContain("grammy");
  });

  it("a different set is a warning naming each side and each differing spec", () => {
    const f = compareHostCheck(
      plan({ grammy: "^1.41.0", "@slack/bolt": "^4.7.0", ws: "^8.0.0" }),
      CHECK,
      ran(HOST_ROOT, { grammy: "^1.42.0", "@slack/bolt": "^4.7.0", undici: "^7.0.0" }),
    );
    expect(f.map((x) => x.id)).toEqual(["host-check-differs"]);
    expect(f[0]?.detail).toContain("only the host wants undici");
    expect(f[0]?.detail).toContain("only plugdeps plans ws");
    expect(f[0]?.detail).toContain("grammy (host ^1.42.0, plan ^1.41.0)");
  });

  it("a check that could not run is information with the fix (the Node the host needs)", () => {
    const f = compareHostCheck(plan(want), CHECK, { _tag: "Unavailable", why: "node: Node 22 required" });
    expect(f.map((x) => [x.id, x.severity])).toEqual([["host-check-unavailable", "info"]]);
    expect(f[0]?.fix).toContain("PLUGDEPS_HOST_NODE");
  });
});

describe("parseDepsJson (openclaw plugins deps --json, 2026.4.29)", () => {
  it("reads the install root, the wanted specs and the missing names (objects, as 4.29 prints them)", () => {
    const doc = {
      packageRoot: "/usr/lib/node_modules/openclaw",
      installRoot: HOST_ROOT,
      installRootExternal: true,
      searchRoots: [HOST_ROOT],
      deps: [
        { name: "grammy", version: "^1.42.0", pluginIds: ["telegram"] },
        { name: "@slack/bolt", version: "^4.7.0", pluginIds: ["slack"] },
      ],
      missing: [{ name: "grammy", version: "^1.42.0", pluginIds: ["telegram"] }],
      conflicts: [],
      installSpecs: [],
      missingSpecs: ["grammy@^1.42.0"],
      repairedSpecs: [],
      warnings: [],
    };
    expect(parseDepsJson(JSON.stringify(doc))).toEqual({
      installRoot: HOST_ROOT,
      wants: { grammy: "^1.42.0", "@slack/bolt": "^4.7.0" },
      missing: ["grammy"],
    });
  });

  it("anything else is a reason, not a result", () => {
    expect(parseDepsJson("🦞 OpenClaw 2026.4.29")).toMatch(/^not JSON/);
    expect(parseDepsJson(JSON.stringify({ deps: [] }))).toMatch(/not the shape/);
  });
});
