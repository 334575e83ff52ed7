import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { inject } from "vitest";

/**
 * Temp dirs for tests, made in ONE place so that every one of them is removed and a run can prove
 * it: `os.tmpdir()/plugdeps-test-<run>-<label>-XXXXXX`. `<run>` is the id the project's global
 * setup (test/support/temp-audit.ts) provides; its teardown fails the run when a dir with that id
 * is still there. Every dir made here is removed after its test file (test/support/temp-cleanup.ts,
 * a setup file of every project), whatever the file's own hooks do.
 */

declare module "vitest" {
  export interface ProvidedContext {
    /** The id in the names of this project run's temp dirs (test/support/temp-audit.ts). */
    tempRun: string;
  }
}

export const TEMP_PREFIX = "plugdeps-test-";

/** `plugdeps-test-<run>-`: the names of this run's temp dirs start with it. */
export const runPrefix = (run: string): string => `${TEMP_PREFIX}${run}-`;

const currentRun = (): string => {
  let run: string | undefined;
  try {
    run = inject("tempRun");
  } catch {
    run = undefined;
  }
  // Outside a project with the audit (e.g. vitest.host.config.ts): still recognisable, not audited.
  return run ?? `unaudited${process.pid}`;
};

const made: string[] = [];

/**
 * A fresh, empty temp dir (its realpath, so comparisons with realpath'd paths hold where /tmp is a
 * symlink). `label` says which test made it: it is in the name a leak report prints.
 */
export const tempDir = (label: string): string => {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `${runPrefix(currentRun())}${label}-`)));
  made.push(dir);
  return dir;
};

/** Makes everything under `dir` removable again (a test may leave a mode-000 dir or file behind). */
const makeRemovable = (dir: string): void => {
  const visit = (p: string): void => {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(p);
    } catch {
      return;
    }
    if (!st.isDirectory()) return;
    fs.chmodSync(p, 0o700);
    for (const name of fs.readdirSync(p)) visit(path.join(p, name));
  };
  visit(dir);
};

/** Removes one temp dir, whatever modes a test left inside it. */
export const removeTree = (dir: string): void => {
  try {
    fs.rmSync(dir, { recursive: true, force: true });
  } catch {
    makeRemovable(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  }
};

/** Removes every temp dir made so far in this test file (the setup file calls it after the file). */
export const removeTempDirs = (): void => {
  for (const dir of made.splice(0)) removeTree(dir);
};
