import { describe, it } from "vitest";
import { renderPlanHuman } from "../../src/render/plan-human.js";
import { renderPlanJson } from "../../src/render/plan-json.js";
import { renderStatusHuman } from "../../src/render/status-human.js";
import { plainStyle } from "../../src/render/style.js";
import { goldenPlans } from "../golden/plans.js";
import { goldenStatusViews } from "../golden/status-views.js";
import { matchGolden } from "../support/golden.js";

/**
 * Golden files for the renderers (test/golden/<name>.txt|.json). `UPDATE_GOLDEN=1 npx vitest run
 * test/unit/render-golden` rewrites them; read the diff before committing it.
 */

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
