import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/cli.js";

/**
 * The suite's teardown (test/support/temp-audit.ts) can prove that a run left no temp dir behind
 * only for the dirs it can recognise: those made by tempDir() in test/support/temp.ts. So no other
 * test code makes one in the system temp dir. test/host (its own config, `npm run test:host`) removes its
 * scratch dirs itself and is not audited.
 */

const SHARED = new Set(["test/support/temp.ts", "test/support/temp-audit.ts"]);

const sources = (dir: string): string[] =>
  fs.readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.posix.join(dir, e.name);
    if (e.isDirectory()) return rel === "test/host" ? [] : sources(rel);
    return /\.(ts|mjs|cjs|js)$/.test(e.name) ? [rel] : [];
  });

describe("test temp dirs", () => {
  it("come only from tempDir() in test/support/temp.ts", () => {
    const files = sources("test");
    expect(files).toContain("test/support/temp.ts");
    const offenders = files
      .filter((f) => !SHARED.has(f))
      .filter((f) => /\btmpdir\s*\(/.test(fs.readFileSync(path.join(REPO_ROOT, f), "utf8")));
    expect(offenders, "make temp dirs with tempDir() from test/support/temp.ts").toEqual([]);
  });
});
