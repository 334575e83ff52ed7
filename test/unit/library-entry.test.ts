import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * The library entry (src/index.ts, `import "plugdeps"`) reaches no CLI code: nothing under
 * src/cli/ and not commander, through static imports or the dynamic ones apply and doctor load.
 */

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

const importsOf = (file: string): string[] =>
  ts.preProcessFile(fs.readFileSync(file, "utf8"), true, true).importedFiles.map((f) => f.fileName);

const reachable = (entry: string): { files: Set<string>; packages: Set<string> } => {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    for (const spec of importsOf(file)) {
      if (spec.startsWith(".")) visit(path.resolve(path.dirname(file), spec).replace(/\.js$/, ".ts"));
      else if (!spec.startsWith("node:"))
        packages.add(
          spec
            .split("/")
            .slice(0, spec.startsWith("@") ? 2 : 1)
            .join("/"),
        );
    }
  };
  visit(entry);
  return { files, packages };
};

describe("library entry", () => {
  it("imports nothing of the CLI, commander included", () => {
    const { files, packages } = reachable(path.join(REPO, "src", "index.ts"));
    expect(files.has(path.join(REPO, "src", "api", "apply.ts"))).toBe(true);
    expect([...files].map((f) => path.relative(REPO, f)).filter((f) => f.startsWith("src/cli/"))).toEqual([]);
    expect([...packages]).not.toContain("commander");
  });
});
