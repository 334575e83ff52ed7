import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkEntry, readInstalled, versionSatisfies } from "../../src/observe/installed-package.js";
import { mkdirp, writeFile, writePackage } from "../support/trees.js";
import { tempDir } from "../support/temp.js";

const tmp = tempDir("observe-installed");

let n = 0;
/** A fresh node_modules dir per test, so cases never see each other's packages. */
const freshModules = (): string => mkdirp(tmp, `case-${++n}`, "node_modules");

const present = (nm: string, name: string) => {
  const got = readInstalled(nm, name);
  expect(got, JSON.stringify(got)).toMatchObject({ _tag: "Present", name, dir: path.join(nm, name) });
  return got;
};

const broken = (nm: string, name: string, reason: RegExp) => {
  const got = readInstalled(nm, name);
  expect(got._tag).toBe("Broken");
  if (got._tag === "Broken") {
    expect(got.reason).toMatch(reason);
    expect(got.dir).toBe(path.join(nm, name));
  }
};

describe("readInstalled: present packages", () => {
  it("reads name, version and dependencies of a package with main", () => {
    const nm = freshModules();
    writePackage(nm, {
      name: "alpha",
      version: "1.2.3",
      main: "lib/alpha.js",
      dependencies: { beta: "^2.0.0" },
      optionalDependencies: { gamma: "~3.1.0" },
    });
    expect(present(nm, "alpha")).toEqual({
      _tag: "Present",
      name: "alpha",
      version: "1.2.3",
      dir: path.join(nm, "alpha"),
      dependencies: { beta: "^2.0.0" },
      optionalDependencies: { gamma: "~3.1.0" },
    });
  });

  it("accepts main without an extension and main naming a directory with index.js", () => {
    const nm = freshModules();
    writePackage(nm, { name: "noext", version: "1.0.0", main: "lib/entry", files: ["lib/entry.js"] });
    writePackage(nm, { name: "asdir", version: "1.0.0", main: "./lib/", files: ["lib/index.js"] });
    present(nm, "noext");
    present(nm, "asdir");
  });

  it("without main, index.js is the entry", () => {
    const nm = freshModules();
    writePackage(nm, { name: "plain", version: "0.0.1" });
    present(nm, "plain");
    fs.rmSync(path.join(nm, "plain", "index.js"));
    broken(nm, "plain", /entry file missing \(index\.js\)/);
  });

  it("a scoped package", () => {
    const nm = freshModules();
    writePackage(nm, { name: "@slack/web-api", version: "7.0.0", main: "dist/index.js" });
    present(nm, "@slack/web-api");
  });

  it("exports as a string", () => {
    const nm = freshModules();
    writePackage(nm, { name: "exs", version: "1.0.0", exports: "./dist/main.mjs" });
    present(nm, "exs");
  });

  it("exports as a conditions object (node/import/require/default, in that order)", () => {
    const nm = freshModules();
    writePackage(nm, {
      name: "cond",
      version: "1.0.0",
      exports: { types: "./d.ts", import: "./esm/index.js", require: "./cjs/index.cjs" },
      files: ["esm/index.js", "cjs/index.cjs"],
    });
    present(nm, "cond");
  });

  it("exports as a subpath map with '.' (nested conditions)", () => {
    const nm = freshModules();
    writePackage(nm, {
      name: "sub",
      version: "1.0.0",
      exports: { ".": { node: { import: "./n.mjs" }, default: "./d.js" }, "./extra": "./extra.js" },
      files: ["n.mjs", "d.js"],
    });
    present(nm, "sub");
    // require() takes `default` (./d.js): with it gone, the package is broken for CommonJS.
    fs.rmSync(path.join(nm, "sub", "d.js"));
    broken(nm, "sub", /entry file missing \(\.\/d\.js, the CommonJS \(require\) entry/);
  });

  it("subpath-only exports (no '.') are accepted: nothing bare to import", () => {
    const nm = freshModules();
    writePackage(nm, {
      name: "subonly",
      version: "1.0.0",
      exports: { "./a": "./a.js", "./b": "./b.js" },
      files: [],
    });
    present(nm, "subonly");
  });

  it("exports takes precedence over main", () => {
    const nm = freshModules();
    writePackage(nm, {
      name: "both",
      version: "1.0.0",
      main: "missing-main.js",
      exports: "./real.js",
      files: ["real.js"],
    });
    present(nm, "both");
  });
});

describe("readInstalled: missing and broken", () => {
  it("Missing when nothing is there", () => {
    const nm = freshModules();
    expect(readInstalled(nm, "nope")).toEqual({ _tag: "Missing", dir: path.join(nm, "nope") });
    expect(readInstalled(path.join(tmp, "no-such-dir", "node_modules"), "nope")._tag).toBe("Missing");
  });

  it("a directory without package.json is an interrupted install", () => {
    const nm = freshModules();
    writeFile(path.join(nm, "half", "index.js"), "");
    broken(nm, "half", /package\.json missing \(interrupted install\?\)/);
  });

  it("package.json naming another package", () => {
    const nm = freshModules();
    writePackage(nm, { name: "other", version: "1.0.0" });
    fs.renameSync(path.join(nm, "other"), path.join(nm, "mine"));
    broken(nm, "mine", /package\.json names other, expected mine/);
  });

  it("an invalid version", () => {
    const nm = freshModules();
    writePackage(nm, { name: "badver", version: "one.two" });
    broken(nm, "badver", /invalid version one\.two/);
  });

  it("main file missing", () => {
    const nm = freshModules();
    writePackage(nm, { name: "nomain", version: "1.0.0", main: "lib/gone.js", files: [] });
    broken(nm, "nomain", /entry file missing \(lib\/gone\.js\)/);
  });

  it("exports target missing", () => {
    const nm = freshModules();
    writePackage(nm, { name: "noexp", version: "1.0.0", exports: { ".": "./gone.js" }, files: [] });
    broken(nm, "noexp", /entry file missing \(\.\/gone\.js\)/);
  });

  it("main pointing outside the package is refused even when the file exists", () => {
    const nm = freshModules();
    writeFile(path.join(nm, "..", "..", "etc", "passwd"), "root:x:0:0\n");
    writePackage(nm, { name: "escape", version: "1.0.0", main: "../../etc/passwd", files: [] });
    broken(nm, "escape", /entry \.\.\/\.\.\/etc\/passwd points outside the package/);
    // The sibling-prefix trick: `<dir>-evil` starts with `<dir>` but is outside it.
    writePackage(nm, { name: "sib", version: "1.0.0", main: "../sib-evil/x.js", files: [] });
    writeFile(path.join(nm, "sib-evil", "x.js"));
    broken(nm, "sib", /points outside the package/);
  });

  it("exports pointing outside the package", () => {
    const nm = freshModules();
    writePackage(nm, { name: "expesc", version: "1.0.0", exports: "../../../x.js", files: [] });
    broken(nm, "expesc", /points outside the package/);
  });

  it("package.json that is not JSON, or not a package manifest", () => {
    const nm = freshModules();
    writeFile(path.join(nm, "garbage", "package.json"), '{"name": "garbage", "vers');
    writeFile(path.join(nm, "garbage", "index.js"));
    broken(nm, "garbage", /package\.json is not valid/);
    writeFile(path.join(nm, "nover", "package.json"), '{"name": "nover"}');
    broken(nm, "nover", /package\.json is not valid/);
    writeFile(path.join(nm, "arr", "package.json"), "[]");
    broken(nm, "arr", /package\.json is not valid/);
  });

  it("package.json that is a directory cannot be read", () => {
    const nm = freshModules();
    mkdirp(nm, "weird", "package.json");
    broken(nm, "weird", /cannot read package\.json: EISDIR/);
  });
});

describe("checkEntry", () => {
  it("null when fine, a reason otherwise", () => {
    const dir = writePackage(freshModules(), { name: "ce", version: "1.0.0", main: "m.js" });
    expect(checkEntry(dir, { name: "ce", version: "1.0.0", main: "m.js" })).toBeNull();
    expect(checkEntry(dir, { name: "ce", version: "1.0.0", main: "x.js" })).toMatch(/entry file missing/);
    expect(checkEntry(dir, { name: "ce", version: "1.0.0", exports: { "./x": "./x.js" } })).toBeNull();
    // Like Node, a fallback array uses its first valid target; a missing file is not skipped.
    expect(checkEntry(dir, { name: "ce", version: "1.0.0", exports: ["./nope.js", "./m.js"] })).toMatch(
      /entry file missing \(\.\/nope\.js\)/,
    );
    expect(
      checkEntry(dir, { name: "ce", version: "1.0.0", exports: [{ browser: "./b.js" }, "./m.js"] }),
    ).toBeNull();
    expect(checkEntry(dir, { name: "ce", version: "1.0.0", exports: { require: "./m.js" } })).toBeNull();
  });

  it("works with a relative package dir (no false 'outside the package')", () => {
    const dir = writePackage(freshModules(), { name: "rel", version: "1.0.0", main: "lib/m.js" });
    const rel = path.relative(process.cwd(), dir);
    expect(checkEntry(rel, { name: "rel", version: "1.0.0", main: "lib/m.js" })).toBeNull();
    expect(checkEntry(rel, { name: "rel", version: "1.0.0", main: "../../x.js" })).toMatch(/outside/);
  });
});

describe("versionSatisfies", () => {
  it.each([
    ["1.2.3", "1.2.3", true],
    ["1.2.3", "^1.0.0", true],
    ["1.2.3", "~1.2.0", true],
    ["1.3.0", "~1.2.0", false],
    ["2.0.0", "^1.0.0", false],
    ["0.2.5", "^0.2.0", true],
    ["0.3.0", "^0.2.0", false],
    // Prereleases only when the spec names a prerelease of the same tuple.
    ["2.0.0-rc.1", "^1.0.0", false],
    ["1.5.0-beta.1", ">=1.0.0", false],
    ["1.5.0-beta.1", "^1.0.0", false],
    ["1.0.0-beta.2", "^1.0.0-beta.1", true],
    ["1.0.0-beta.2", "1.0.0-beta.2", true],
    ["1.0.0", "^1.0.0-beta.1", true],
    ["1.2.3", "*", true],
    // Garbage never satisfies and never throws.
    ["1.2.3", "latest", false],
    ["not-a-version", "^1.0.0", false],
    ["1.2.3", "file:../x", false],
  ])("%s satisfies %s: %s", (version, spec, want) => {
    expect(versionSatisfies(version, spec)).toBe(want);
  });

  it("an exact spec is satisfied exactly by its own version (fast-check)", () => {
    const v = fc
      .tuple(
        fc.nat(50),
        fc.nat(50),
        fc.nat(50),
        fc.option(fc.constantFrom("alpha.1", "rc.2"), { nil: undefined }),
      )
      .map(([a, b, c, pre]) => `${a}.${b}.${c}${pre === undefined ? "" : `-${pre}`}`);
    fc.assert(
      fc.property(v, v, (x, y) => {
        expect(versionSatisfies(x, x)).toBe(true);
        expect(versionSatisfies(x, y)).toBe(x === y);
      }),
    );
  });
});

describe("checkEntry: packages the real host uses without a working bare entry", () => {
  it("a missing root export is fine when a subpath export is there (@modelcontextprotocol/sdk@1.29.0)", () => {
    const dir = writePackage(freshModules(), { name: "sdk", version: "1.29.0", main: "client/index.js" });
    const pkg = {
      name: "sdk",
      version: "1.29.0",
      exports: {
        ".": { import: "./dist/esm/index.js" },
        "./client": { import: "./client/index.js" },
        "./*": "./*",
      },
    };
    expect(checkEntry(dir, pkg)).toBeNull();
    fs.rmSync(path.join(dir, "client", "index.js"));
    // Nothing it declares is there: an interrupted extraction, still refused, naming the bare entry.
    expect(checkEntry(dir, pkg)).toMatch(/entry file missing \(\.\/dist\/esm\/index\.js\)/);
  });

  it("a bin-only package (@zed-industries/codex-acp) counts by its bin", () => {
    const dir = writePackage(freshModules(), { name: "cli", version: "0.12.0", main: "bin/cli.js" });
    expect(checkEntry(dir, { name: "cli", version: "0.12.0", bin: { cli: "bin/cli.js" } })).toBeNull();
    expect(checkEntry(dir, { name: "cli", version: "0.12.0", bin: "bin/cli.js" })).toBeNull();
    expect(checkEntry(dir, { name: "cli", version: "0.12.0", bin: { cli: "bin/gone.js" } })).toMatch(
      /entry file missing \(index\.js\)/,
    );
  });

  it("a declared entry outside the package is refused, even as a fallback", () => {
    const dir = writePackage(freshModules(), { name: "esc", version: "1.0.0", main: "m.js" });
    expect(checkEntry(dir, { name: "esc", version: "1.0.0", main: "gone.js", bin: "../../x.js" })).toMatch(
      /points outside the package/,
    );
  });

  it('`"main": false` with subpath-only exports (math-intrinsics@1.1.0) is a valid, present package', () => {
    const nm = freshModules();
    const dir = mkdirp(nm, "math-intrinsics");
    writeFile(
      path.join(dir, "package.json"),
      JSON.stringify({
        name: "math-intrinsics",
        version: "1.1.0",
        main: false,
        exports: { "./abs": "./abs.js" },
      }),
    );
    writeFile(path.join(dir, "abs.js"), "module.exports = Math.abs;\n");
    present(nm, "math-intrinsics");
  });

  it('a types-only package (@types/node: `"main": ""`, `"types"`) counts by its declarations', () => {
    const nm = freshModules();
    const dir = mkdirp(nm, "@types", "node");
    writeFile(
      path.join(dir, "package.json"),
      JSON.stringify({ name: "@types/node", version: "22.10.0", main: "", types: "index.d.ts" }),
    );
    broken(nm, "@types/node", /entry file missing \(index\.js\)/);
    writeFile(path.join(dir, "index.d.ts"), "export {};\n");
    present(nm, "@types/node");
  });

  it('`"types": "index"` names index.d.ts, as TypeScript reads it (@types/retry@0.12.0)', () => {
    const nm = freshModules();
    const dir = mkdirp(nm, "@types", "retry");
    writeFile(
      path.join(dir, "package.json"),
      JSON.stringify({ name: "@types/retry", version: "0.12.0", main: "", types: "index" }),
    );
    writeFile(path.join(dir, "index.d.ts"), "export {};\n");
    present(nm, "@types/retry");
    // a JavaScript package whose entry is gone is still broken, whatever declarations it ships
    const js = mkdirp(nm, "lib");
    writeFile(
      path.join(js, "package.json"),
      JSON.stringify({ name: "lib", version: "1.0.0", main: "lib.js" }),
    );
    writeFile(path.join(js, "index.d.ts"), "export {};\n");
    broken(nm, "lib", /entry file missing \(lib\.js\)/);
  });
});

describe("checkEntry: a package with a CommonJS and an ESM entry is validated on both (issue 17)", () => {
  const dual = {
    ".": { import: "./dist/index.mjs", require: "./dist/index.cjs" },
    "./package.json": "./package.json",
  };
  const write = (files: readonly string[], exports: unknown = dual) => {
    const nm = freshModules();
    writePackage(nm, {
      name: "dual",
      version: "1.0.0",
      main: "./dist/index.cjs",
      exports,
      files: [...files],
    });
    return nm;
  };

  it("both there: Present", () => {
    present(write(["dist/index.cjs", "dist/index.mjs"]), "dual");
  });

  it("its main (the require entry) there, its ESM entry gone: Broken, naming both", () => {
    broken(
      write(["dist/index.cjs"]),
      "dual",
      /entry file missing \(\.\/dist\/index\.mjs, the ESM \(import\) entry; the CommonJS \(require\) entry \.\/dist\/index\.cjs is there\)/,
    );
  });

  it("its ESM entry there, the CommonJS one gone: Broken", () => {
    broken(
      write(["dist/index.mjs"]),
      "dual",
      /entry file missing \(\.\/dist\/index\.cjs, the CommonJS \(require\) entry/,
    );
  });

  it("`default` is the require side when there is no `require` condition; nested `node` conditions count", () => {
    const exports = {
      ".": { node: { import: "./esm/i.js", default: "./cjs/i.js" }, default: "./browser.js" },
    };
    present(write(["esm/i.js", "cjs/i.js"], exports), "dual");
    broken(write(["cjs/i.js"], exports), "dual", /\.\/esm\/i\.js, the ESM \(import\) entry/);
  });

  it("one target for both (a string, or only `import`): nothing else to compare; `main` beside `exports` is not read by Node", () => {
    // main ./dist/index.cjs is absent in both: Node never loads it when exports exist.
    present(write(["dist/index.mjs"], { ".": "./dist/index.mjs" }), "dual");
    present(write(["dist/index.mjs"], { ".": { import: "./dist/index.mjs" } }), "dual");
  });

  it("neither there but a subpath is: the subpath fallback decides, as before", () => {
    const exports = { ".": { import: "./esm.js", require: "./cjs.js" }, "./client": "./client.js" };
    present(write(["client.js"], exports), "dual");
  });

  it("a target outside the package is refused", () => {
    const exports = { ".": { import: "./esm.js", require: "../../evil.js" } };
    broken(write(["esm.js"], exports), "dual", /entry \.\.\/\.\.\/evil\.js points outside the package/);
  });
});
