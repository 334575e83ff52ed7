import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * The house rules of docs/architecture.md, checked on the real import graph of src/ and
 * reconcilers/ (type-only imports included: a type import still ties one room to another).
 *
 * 1. Every folder has a layer; an import may only go to the same or a lower layer.
 * 2. No import cycle between files.
 * 3. Every folder of src/ is in the table (a new one must be placed on purpose).
 */

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Lowest first. Keep in step with docs/architecture.md. */
export const LAYERS: readonly (readonly string[])[] = [
  ["src/model"],
  ["src/util"],
  ["src/hosts"],
  ["src/desired"],
  ["src/observe"],
  ["reconcilers"],
  ["src/execute", "src/render"],
  ["src/run"],
  ["src/units"],
  ["src/doctor", "src/loop", "src/resolve"],
  ["src/fastpath"],
  ["src/api"],
  ["src/cli"],
  ["src/index.ts"],
];

const walk = (dir: string): string[] =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return walk(p);
    return e.name.endsWith(".ts") ? [p] : [];
  });

const files = [...walk(path.join(REPO, "src")), ...walk(path.join(REPO, "reconcilers"))];

/** The folder (layer key) of a file: `src/<folder>`, `reconcilers`, or `src/index.ts`. */
const roomOf = (file: string): string => {
  const rel = path.relative(REPO, file).split(path.sep);
  if (rel[0] === "reconcilers") return "reconcilers";
  return rel.length === 2 ? `src/${rel[1] ?? ""}` : `src/${rel[1] ?? ""}`;
};

const layerOf = (room: string): number => LAYERS.findIndex((rooms) => rooms.includes(room));

/** Relative imports of a file, resolved to .ts paths (comments and strings are not imports). */
const importsOf = (file: string): string[] =>
  ts
    .preProcessFile(fs.readFileSync(file, "utf8"), true, true)
    .importedFiles.map((f) => f.fileName)
    .filter((spec) => spec.startsWith("."))
    .map((spec) => path.resolve(path.dirname(file), spec).replace(/\.js$/, ".ts"));

const graph = new Map(files.map((f) => [f, importsOf(f)]));

describe("architecture (docs/architecture.md)", () => {
  it("places every folder of src/ in a layer", () => {
    const rooms = [...new Set(files.map(roomOf))];
    expect(rooms.filter((room) => layerOf(room) === -1)).toEqual([]);
  });

  it("has no import from a lower layer to a higher one", () => {
    const upward: string[] = [];
    for (const [file, deps] of graph) {
      for (const dep of deps) {
        const from = layerOf(roomOf(file));
        const to = layerOf(roomOf(dep));
        if (to > from) upward.push(`${path.relative(REPO, file)} -> ${path.relative(REPO, dep)}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it("resolves every relative import to a file of the graph", () => {
    const missing = [...graph].flatMap(([file, deps]) =>
      deps.filter((d) => !graph.has(d)).map((d) => `${path.relative(REPO, file)} -> ${d}`),
    );
    expect(missing).toEqual([]);
  });

  it("has no import cycle", () => {
    const state = new Map<string, "open" | "done">();
    const stack: string[] = [];
    const cycles: string[] = [];
    const visit = (file: string): void => {
      state.set(file, "open");
      stack.push(file);
      for (const dep of graph.get(file) ?? []) {
        if (state.get(dep) === "open") {
          cycles.push(
            [...stack.slice(stack.indexOf(dep)), dep].map((f) => path.relative(REPO, f)).join(" -> "),
          );
        } else if (!state.has(dep)) visit(dep);
      }
      stack.pop();
      state.set(file, "done");
    };
    for (const file of graph.keys()) if (!state.has(file)) visit(file);
    expect(cycles).toEqual([]);
  });

  it("would catch an upward import (the check itself can fail)", () => {
    expect(layerOf("src/model")).toBeLessThan(layerOf("src/cli"));
    expect(layerOf(roomOf(path.join(REPO, "src", "index.ts")))).toBe(LAYERS.length - 1);
    expect(layerOf(roomOf(path.join(REPO, "reconcilers", "index.ts")))).toBeGreaterThan(
      layerOf("src/observe"),
    );
  });
});
