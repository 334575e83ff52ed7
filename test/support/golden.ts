import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "vitest";
import { REPO_ROOT } from "./cli.js";

/**
 * Golden files (test/golden/): the output must equal the file byte for byte.
 * `UPDATE_GOLDEN=1 npx vitest run <test file>` rewrites them instead; read the diff before
 * committing it, and name every golden that changes, with its reason, in the commit.
 */

export const GOLDEN_DIR = path.join(REPO_ROOT, "test", "golden");

export const matchGolden = (file: string, actual: string): void => {
  const full = path.join(GOLDEN_DIR, file);
  if (process.env["UPDATE_GOLDEN"] === "1") {
    fs.writeFileSync(full, actual);
    return;
  }
  if (!fs.existsSync(full)) {
    throw new Error(`golden file ${full} is missing; create it with UPDATE_GOLDEN=1 and review it`);
  }
  expect(actual, `golden file ${file}`).toBe(fs.readFileSync(full, "utf8"));
};
