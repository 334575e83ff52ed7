import { describe, expect, it } from "vitest";
import type { Action, InstallAction, PlanDocument } from "../../src/model/plan.js";
import { renderPlanHuman } from "../../src/render/plan-human.js";
import { renderStatusHuman } from "../../src/render/status-human.js";
import { makeStyle, plainStyle, wantsColor } from "../../src/render/style.js";
import { emptyPlugins, goldenPlans, legacyOnly, noChanges, rich } from "../golden/plans.js";
import { goldenStatusViews } from "../golden/status-views.js";

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;
const color = makeStyle({ color: true });
const lastLine = (text: string): string => text.trimEnd().split("\n").at(-1) ?? "";

describe("renderPlanHuman summary line", () => {
  it("is the exact Plan: sentence when there are actions", () => {
    expect(lastLine(renderPlanHuman(rich, plainStyle))).toBe(
      "Plan: 1 to reuse, 3 to install, 2 to prune, 1 legacy to clean.",
    );
    expect(lastLine(renderPlanHuman(legacyOnly, plainStyle))).toBe(
      "Plan: 0 to reuse, 0 to install, 0 to prune, 3 legacy to clean.",
    );
  });

  it("is the exact no-changes sentence when there are no actions", () => {
    for (const plan of [noChanges, emptyPlugins]) {
      expect(lastLine(renderPlanHuman(plan, plainStyle))).toBe(
        "No changes. Runtime dependencies match the plugin plan.",
      );
    }
  });
});

describe("renderPlanHuman layout", () => {
  const outputs = Object.entries(goldenPlans).map(([name, plan]) => [name, plan] as const);

  it.each(outputs)("%s: no ANSI escapes with color off", (_name, plan) => {
    expect(renderPlanHuman(plan, plainStyle)).not.toMatch(ANSI);
  });

  it.each(outputs)("%s: color only adds escapes, alignment unchanged", (_name, plan) => {
    const colored = renderPlanHuman(plan, color);
    expect(colored).toMatch(ANSI);
    expect(colored.replace(ANSI, "")).toBe(renderPlanHuman(plan, plainStyle));
  });

  it.each(outputs)("%s: no trailing spaces, one trailing newline", (_name, plan) => {
    const text = renderPlanHuman(plan, plainStyle);
    expect(text.endsWith("\n") && !text.endsWith("\n\n")).toBe(true);
    for (const line of text.split("\n")) expect(line).not.toMatch(/\s$/);
  });

  it("lists plugins sorted by id with aligned columns", () => {
    const lines = renderPlanHuman(rich, plainStyle).split("\n");
    const rows = lines.filter((l) => /^ {2}[✓·!] /.test(l));
    expect(rows.map((r) => r.slice(4).split(" ")[0])).toEqual([
      "anthropic",
      "discord",
      "matrix",
      "memory-core",
      "openai",
      "slack",
      "telegram",
      "voice-call",
    ]);
    const statusColumn = new Set(rows.map((r) => r.search(/(active|inactive|invalid)/)));
    expect(statusColumn.size).toBe(1);
    expect(lines).toContain("  ✓ memory-core  active    enabledByDefault (ships its deps)");
  });

  it("names a rejected spec once, from the plugin's problems", () => {
    const richText = renderPlanHuman(rich, plainStyle);
    expect(richText.split("@fixture/tokenizer").length - 1).toBe(1);
  });

  it("keeps the action order of the document, grouped by type", () => {
    const install = (name: string): InstallAction => ({
      type: "install",
      set: "shared",
      targets: [],
      packages: [{ name, spec: "^1.0.0", version: null }],
      from: null,
      reason: "",
    });
    const prune: Action = { ...install("c"), type: "prune-package", from: null };
    const plan: PlanDocument = {
      ...noChanges,
      actions: [install("a"), prune, install("b")],
      summary: { reuse: 0, install: 2, prune: 1, cleanLegacy: 0 },
    };
    const lines = renderPlanHuman(plan, plainStyle).split("\n");
    const actions = lines.filter((l) => /^ {2}[+~\-x] /.test(l));
    expect(actions).toEqual([
      "  + install a@^1.0.0 [shared]",
      "  + install b@^1.0.0 [shared]",
      "  - prune c@^1.0.0 [shared]",
    ]);
  });

  it("lists a long package list one per line under the action", () => {
    const packages = ["a", "b", "c", "d", "e"].map((name) => ({ name, spec: "^1.0.0", version: null }));
    const plan: PlanDocument = {
      ...noChanges,
      actions: [{ type: "install", set: "shared", targets: [], packages, from: null, reason: "wanted" }],
      summary: { reuse: 0, install: 1, prune: 0, cleanLegacy: 0 },
    };
    const text = renderPlanHuman(plan, plainStyle);
    expect(text).toContain("  + install 5 packages [shared]  # wanted\n      a@^1.0.0\n      b@^1.0.0\n");
  });

  it("does not throw on a lock owner time Date cannot hold", () => {
    const lock = rich.observed.lock;
    if (!lock?.owner) throw new Error("fixture has a lock owner");
    const plan: PlanDocument = {
      ...rich,
      observed: { ...rich.observed, lock: { ...lock, owner: { ...lock.owner, createdAt: 1e20 } } },
    };
    expect(renderPlanHuman(plan, plainStyle)).toContain("since epoch ms 100000000000000000000");
  });
});

describe("renderStatusHuman", () => {
  it.each(Object.entries(goldenStatusViews))(
    "%s: plain has no ANSI, color strips to plain",
    (_name, view) => {
      const plain = renderStatusHuman(view, plainStyle);
      expect(plain).not.toMatch(ANSI);
      expect(renderStatusHuman(view, color).replace(ANSI, "")).toBe(plain);
      for (const line of plain.split("\n")) expect(line).not.toMatch(/\s$/);
    },
  );
});

describe("style", () => {
  it("is identity with color off", () => {
    for (const paint of [
      plainStyle.green,
      plainStyle.red,
      plainStyle.bold,
      plainStyle.dim,
      plainStyle.cyan,
    ]) {
      expect(paint("x")).toBe("x");
    }
  });

  it("nests paints with their own resets", () => {
    expect(color.bold(color.green("ok"))).toBe("\u001b[1m\u001b[32mok\u001b[39m\u001b[22m");
  });

  it("wantsColor: TTY, no --no-color, NO_COLOR unset or empty", () => {
    expect(wantsColor({ isTTY: true, noColorFlag: false, env: {} })).toBe(true);
    expect(wantsColor({ isTTY: true, noColorFlag: false, env: { NO_COLOR: "" } })).toBe(true);
    expect(wantsColor({ isTTY: true, noColorFlag: false, env: { NO_COLOR: "1" } })).toBe(false);
    expect(wantsColor({ isTTY: true, noColorFlag: true, env: {} })).toBe(false);
    expect(wantsColor({ isTTY: false, noColorFlag: false, env: {} })).toBe(false);
  });

  it("wantsColor: FORCE_COLOR colors a pipe, but never over NO_COLOR or --no-color", () => {
    expect(wantsColor({ isTTY: false, noColorFlag: false, env: { FORCE_COLOR: "1" } })).toBe(true);
    expect(wantsColor({ isTTY: false, noColorFlag: false, env: { FORCE_COLOR: "0" } })).toBe(false);
    expect(wantsColor({ isTTY: false, noColorFlag: false, env: { FORCE_COLOR: "false" } })).toBe(false);
    expect(wantsColor({ isTTY: false, noColorFlag: false, env: { FORCE_COLOR: "" } })).toBe(false);
    expect(wantsColor({ isTTY: false, noColorFlag: false, env: { FORCE_COLOR: "1", NO_COLOR: "1" } })).toBe(
      false,
    );
    expect(wantsColor({ isTTY: true, noColorFlag: true, env: { FORCE_COLOR: "3" } })).toBe(false);
  });
});
