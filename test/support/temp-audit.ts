import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { TestProject } from "vitest/node";
import { TEMP_PREFIX, removeTree, runPrefix } from "./temp.js";

/**
 * Vitest global setup, FIRST in every project's list (so its teardown runs last, after the
 * registry's): gives the project's run an id for its temp dir names (test/support/temp.ts), counts
 * the test temp dirs in os.tmpdir() before and after, and FAILS the run (exit code 1, the leftover
 * paths printed) when this run left one behind. Only names carrying this run's id count as
 * leftovers, so another run on the same machine cannot make this one fail or pass.
 * The leftovers are removed once reported, so one leak does not fail every later run.
 */

const testDirs = (prefix: string): string[] => {
  try {
    return fs
      .readdirSync(os.tmpdir())
      .filter((name) => name.startsWith(prefix))
      .sort();
  } catch {
    return [];
  }
};

export default function setup(project: TestProject): () => void {
  const run = randomBytes(4).toString("hex");
  project.provide("tempRun", run);
  const before = testDirs(TEMP_PREFIX).length;
  return () => {
    const leftovers = testDirs(runPrefix(run));
    const after = testDirs(TEMP_PREFIX).length;
    const summary = `[${project.name}] ${TEMP_PREFIX}* dirs in ${os.tmpdir()}: ${before} before, ${after} after`;
    if (leftovers.length === 0) {
      console.log(`${summary}; this run left none behind`);
      return;
    }
    const paths = leftovers.map((name) => path.join(os.tmpdir(), name));
    for (const p of paths) removeTree(p);
    process.exitCode = 1;
    throw new Error(
      `${summary}; this run LEFT ${leftovers.length} temp dir(s) behind (now removed):\n` +
        paths.map((p) => `  ${p}`).join("\n") +
        "\nThe label after the run id names the test; the cleanup after its file did not run or failed.",
    );
  };
}
