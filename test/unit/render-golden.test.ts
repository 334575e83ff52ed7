import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { renderPlanHuman } from "../../src/render/plan-human.js";
import { renderPlanJson } from "../../src/render/plan-json.js";
import { renderStatusHuman } from "../../src/render/status-human.js";
import { plainStyle } from "../../src/render/style.js";
import { goldenPlans } from "../golden/plans.js";
import { goldenStatusViews } from "../golden/status-views.js";

/**
 * Golden files for the renderers (test/golden/<name>.txt|.json). `UPDATE_GOLDEN=1 npx vitest run
 * test/unit/render-golden` rewrites them; read the diff before committing it.
 */

const GOLDEN_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../golden");
const UPDATE = process.env["UPDATE_GOLDEN"] === "1";

const matchGolden = (file: string, actual: string): void => {
  const full = path.join(GOLDEN_DIR, file);
  if (UPDATE) {
    fs.writeFileSync(full, actual);
    return;
  }
  if (!fs.existsSync(full)) {
    throw new Error(`golden file ${full} is missing; create it with UPDATE_GOLDEN=1 and review it`);
  }
  expect(actual).toBe(fs.readFileSync(full, "utf8"));
};

describe("plan golden files", () => {
  for (const [name, plan] of Object.entries(goldenPlans)) {
    it(`${name}: human`, () => matchGolden(`${name}.txt`, renderPlanHuman(plan, plainStyle)));
    it(`${name}: json`, () => matchGolden(`${name}.json`, renderPlanJson(plan)));
  }
});

describe("status golden files", () => {
  for (const [name, view] of Object.entries(goldenStatusViews)) {
    it(name, () => matchGolden(`${name}.txt`, renderStatusHuman(view, plainStyle)));
  }
});
