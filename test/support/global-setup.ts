import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";

/**
 * Vitest global setup: the integration tests run the BUILT CLI (`node dist/src/cli/plugdeps.cjs`) as a
 * real subprocess, so dist must be at least as new as every source file. Rebuilds once per vitest
 * run when dist is missing or older than any file under src/ or reconcilers/ (or tsconfig.json).
 */
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const BUILT_CLI = path.join(REPO_ROOT, "dist", "src", "cli", "plugdeps.cjs");

const newestMtime = (dir: string): number => {
  let newest = 0;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (entry.isFile()) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
};

const mtimeOf = (file: string): number | null => {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return null;
  }
};

export const isBuildStale = (): boolean => {
  const built = mtimeOf(BUILT_CLI);
  if (built === null) return true;
  const newestSource = Math.max(
    newestMtime(path.join(REPO_ROOT, "src")),
    newestMtime(path.join(REPO_ROOT, "reconcilers")),
    mtimeOf(path.join(REPO_ROOT, "tsconfig.json")) ?? 0,
  );
  return newestSource > built;
};

export default async function setup(): Promise<void> {
  if (!isBuildStale()) return;
  const result = await execa("npm", ["run", "build"], {
    cwd: REPO_ROOT,
    reject: false,
    all: true,
  });
  if (mtimeOf(BUILT_CLI) === null) {
    throw new Error(`build failed (npm run build, exit ${result.exitCode}):\n${result.all}`);
  }
  if (result.exitCode !== 0) {
    // tsc still emits on type errors; the tests run the emitted JS, and the typecheck step is
    // where type errors fail the build. Say so instead of hiding it.
    console.warn(`warning: npm run build exited ${result.exitCode}:\n${result.all}`);
  }
}
