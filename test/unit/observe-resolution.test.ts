import { createRequire } from "node:module";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { closureWithin, nodeLookupDirs, resolveFrom } from "../../src/observe/node-resolution.js";
import { mkdirp, writeFile, writePackage } from "../support/trees.js";
import { tempDir } from "../support/temp.js";

const tmp = tempDir("observe-resolution");

const NONE: ReadonlySet<string> = new Set();

describe("nodeLookupDirs", () => {
  it("lists every ancestor's node_modules, nearest first, skipping node_modules ancestors", () => {
    expect(nodeLookupDirs("/a/node_modules/b/c")).toEqual([
      "/a/node_modules/b/c/node_modules",
      "/a/node_modules/b/node_modules",
      // "/a/node_modules/node_modules" is never searched
      "/a/node_modules",
      "/node_modules",
    ]);
    expect(nodeLookupDirs("/")).toEqual(["/node_modules"]);
  });

  it("agrees with Node's own Module._nodeModulePaths", () => {
    const from = path.join(tmp, "x", "node_modules", "@scope", "pkg", "lib");
    const nodePaths = (
      createRequire(path.join(from, "index.js")) as unknown as { resolve: { paths(s: string): string[] } }
    ).resolve.paths("anything");
    // Node appends global folders (~/.node_modules, prefix/lib/node) after the ancestors.
    const own = nodeLookupDirs(from);
    expect(nodePaths.slice(0, own.length)).toEqual(own);
  });

  it("leaves out excluded directories (debris about to be cleaned)", () => {
    const excluded = new Set(["/a/b/node_modules"]);
    expect(nodeLookupDirs("/a/b/c", excluded)).toEqual([
      "/a/b/c/node_modules",
      "/a/node_modules",
      "/node_modules",
    ]);
  });

  it("resolves relative input", () => {
    const dirs = nodeLookupDirs(".");
    expect(dirs[0]).toBe(path.join(process.cwd(), "node_modules"));
  });
});

describe("resolveFrom", () => {
  const base = mkdirp(tmp, "resolve");
  const plugin = mkdirp(base, "host", "dist", "extensions", "slack");
  const hostModules = mkdirp(base, "host", "node_modules");
  writePackage(hostModules, { name: "shared", version: "1.0.0" });
  writePackage(hostModules, { name: "dup", version: "1.0.0" });
  writePackage(path.join(plugin, "node_modules"), { name: "dup", version: "2.0.0" });
  writeFile(path.join(plugin, "node_modules", "halfdone", "README"), "");
  writePackage(hostModules, { name: "halfdone", version: "1.0.0" });

  it("finds a hoisted package from a nested directory", () => {
    const got = resolveFrom(plugin, "shared", NONE);
    expect(got).toMatchObject({ _tag: "Present", version: "1.0.0", dir: path.join(hostModules, "shared") });
  });

  it("the nearest copy wins", () => {
    expect(resolveFrom(plugin, "dup", NONE)).toMatchObject({ _tag: "Present", version: "2.0.0" });
  });

  it("an excluded node_modules is skipped and the next one is used", () => {
    const got = resolveFrom(plugin, "dup", new Set([path.join(plugin, "node_modules")]));
    expect(got).toMatchObject({ _tag: "Present", version: "1.0.0", dir: path.join(hostModules, "dup") });
  });

  it("a broken nearest copy is reported, not skipped (Node would stop there too)", () => {
    expect(resolveFrom(plugin, "halfdone", NONE)).toMatchObject({
      _tag: "Broken",
      dir: path.join(plugin, "node_modules", "halfdone"),
    });
  });

  it("Missing when no ancestor has it", () => {
    expect(resolveFrom(plugin, "plugdeps-test-not-installed-anywhere", NONE)._tag).toBe("Missing");
  });
});

describe("closureWithin", () => {
  it("nested before hoisted, and hoisted shared by all", () => {
    const root = mkdirp(tmp, "closure-basic");
    const nm = path.join(root, "node_modules");
    writePackage(nm, { name: "a", version: "1.0.0", dependencies: { b: "^2.0.0", c: "^1.0.0" } });
    writePackage(path.join(nm, "a", "node_modules"), { name: "b", version: "2.0.0" });
    writePackage(nm, { name: "b", version: "1.0.0" }); // hoisted, but a has its own nested copy
    writePackage(nm, { name: "c", version: "1.1.0", dependencies: { b: "^1.0.0" } });
    const got = closureWithin(root, nm, "a");
    expect(got).toEqual({
      _tag: "Complete",
      entries: [
        { rel: "node_modules/a", name: "a", version: "1.0.0" },
        { rel: "node_modules/a/node_modules/b", name: "b", version: "2.0.0" },
        { rel: "node_modules/b", name: "b", version: "1.0.0" }, // c's b
        { rel: "node_modules/c", name: "c", version: "1.1.0" },
      ],
    });
  });

  it("never resolves above the root", () => {
    const outer = mkdirp(tmp, "closure-above");
    writePackage(path.join(outer, "node_modules"), { name: "outside", version: "1.0.0" });
    const root = mkdirp(outer, "root");
    const nm = path.join(root, "node_modules");
    writePackage(nm, { name: "a", version: "1.0.0", dependencies: { outside: "^1.0.0" } });
    expect(closureWithin(root, nm, "a")).toEqual({
      _tag: "Incomplete",
      missing: "outside (needed by a)",
    });
    // resolveFrom (unbounded) does see it: the bound is what makes the difference.
    expect(resolveFrom(path.join(nm, "a"), "outside", NONE)._tag).toBe("Present");
  });

  it("a missing optional dependency is fine; a broken optional one too", () => {
    const root = mkdirp(tmp, "closure-optional");
    const nm = path.join(root, "node_modules");
    writePackage(nm, {
      name: "a",
      version: "1.0.0",
      optionalDependencies: { fsevents: "^2.0.0", brokenopt: "^1.0.0" },
    });
    writeFile(path.join(nm, "brokenopt", "README"));
    expect(closureWithin(root, nm, "a")).toEqual({
      _tag: "Complete",
      entries: [{ rel: "node_modules/a", name: "a", version: "1.0.0" }],
    });
  });

  it("a missing required dependency names the package and who needs it", () => {
    const root = mkdirp(tmp, "closure-missing");
    const nm = path.join(root, "node_modules");
    writePackage(nm, { name: "a", version: "1.0.0", dependencies: { b: "^1.0.0" } });
    writePackage(nm, { name: "b", version: "1.0.0", dependencies: { "@x/deep": "^1.0.0" } });
    expect(closureWithin(root, nm, "a")).toEqual({ _tag: "Incomplete", missing: "@x/deep (needed by b)" });
  });

  it("a broken required dependency makes it incomplete", () => {
    const root = mkdirp(tmp, "closure-broken");
    const nm = path.join(root, "node_modules");
    writePackage(nm, { name: "a", version: "1.0.0", dependencies: { b: "^1.0.0" } });
    writePackage(nm, { name: "b", version: "1.0.0", main: "gone.js", files: [] });
    expect(closureWithin(root, nm, "a")).toEqual({ _tag: "Incomplete", missing: "b (needed by a)" });
  });

  it("the top package itself missing", () => {
    const root = mkdirp(tmp, "closure-top-missing");
    expect(closureWithin(root, path.join(root, "node_modules"), "a")).toEqual({
      _tag: "Incomplete",
      missing: "a (needed by (top))",
    });
  });

  it("cycles terminate", () => {
    const root = mkdirp(tmp, "closure-cycle");
    const nm = path.join(root, "node_modules");
    writePackage(nm, { name: "a", version: "1.0.0", dependencies: { b: "1" } });
    writePackage(nm, { name: "b", version: "1.0.0", dependencies: { c: "1" } });
    writePackage(nm, { name: "c", version: "1.0.0", dependencies: { a: "1", b: "1" } });
    const got = closureWithin(root, nm, "a");
    expect(got._tag).toBe("Complete");
    if (got._tag === "Complete") expect(got.entries.map((e) => e.name)).toEqual(["a", "b", "c"]);
  });

  it("scoped packages and a set directory below the root", () => {
    const root = mkdirp(tmp, "closure-scoped");
    const setNm = path.join(root, "isolated", "p", "node_modules");
    writePackage(setNm, { name: "@s/a", version: "1.0.0", dependencies: { "@s/b": "1" } });
    writePackage(setNm, { name: "@s/b", version: "1.0.0" });
    expect(closureWithin(root, setNm, "@s/a")).toEqual({
      _tag: "Complete",
      entries: [
        { rel: "isolated/p/node_modules/@s/a", name: "@s/a", version: "1.0.0" },
        { rel: "isolated/p/node_modules/@s/b", name: "@s/b", version: "1.0.0" },
      ],
    });
  });
});
