import * as fs from "node:fs";
import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { loadSettings, mergeOverrides } from "../../src/observe/settings.js";
import { tempDir } from "../support/temp.js";

const tmp = tempDir("settings");
const write = (name: string, text: string): string => {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, text);
  return p;
};

describe("loadSettings", () => {
  it("no file named: no settings", () => {
    expect(loadSettings(undefined)).toEqual(E.right({}));
  });

  it("reads JSON5 overrides and retention", () => {
    const file = write(
      "ok.json5",
      `{ // site settings\n overrides: { "@fixture/retry": "2.0.1" }, retention: 2 }`,
    );
    expect(loadSettings(file)).toEqual(E.right({ overrides: { "@fixture/retry": "2.0.1" }, retention: 2 }));
  });

  it("installTimeout is a duration; anything else is refused naming the key", () => {
    expect(loadSettings(write("t.json5", `{ installTimeout: "15m" }`))).toEqual(
      E.right({ installTimeout: "15m" }),
    );
    for (const bad of [`"soon"`, `"0s"`, `600`]) {
      const got = loadSettings(write("t-bad.json5", `{ installTimeout: ${bad} }`));
      expect(E.isLeft(got) && got.left.message, bad).toMatch(/installTimeout/);
    }
  });

  it("a named file that is missing is an error naming it", () => {
    const got = loadSettings(path.join(tmp, "missing.json5"));
    expect(E.isLeft(got) && got.left._tag).toBe("ConfigNotFound");
  });

  it("wrong types name the key path", () => {
    const got = loadSettings(write("bad.json5", `{ overrides: { a: 1 }, retention: 1.5 }`));
    expect(E.isLeft(got) && got.left.message).toMatch(/overrides\.a: expected string/);
    expect(E.isLeft(got) && got.left.message).toMatch(/retention/);
  });
});

describe("mergeOverrides", () => {
  it("flags win over the settings file, later flags over earlier ones", () => {
    expect(
      mergeOverrides({ a: "1.0.0", b: "^2.0.0" }, ["a=2.0.0", "a=3.0.0", "@s/c=~1.2.0"], "s.json5"),
    ).toEqual(E.right({ a: "3.0.0", b: "^2.0.0", "@s/c": "~1.2.0" }));
  });

  it.each([
    ["noequals", /expected NAME=SPEC/],
    ["=1.0.0", /expected NAME=SPEC/],
    ["../x=1.0.0", /traversal|not a package name/],
    ["a=git+https://example.invalid/a.git", /git\+https: specs are not supported/],
    ["a=file:../a", /file: specs are not supported/],
    ["a=latest", /not a semver version or range/],
  ])("refuses %s with a clear reason", (flag, reason) => {
    const got = mergeOverrides({}, [flag], "settings");
    expect(E.isLeft(got)).toBe(true);
    if (E.isLeft(got)) {
      expect(got.left._tag).toBe("UsageError");
      expect(got.left.message).toMatch(reason);
    }
  });
});
