import * as path from "node:path";
import fc from "fast-check";
import * as semver from "semver";
import { describe, expect, it } from "vitest";
import { checkPackageName, checkSpec } from "../../src/desired/dependency-spec.js";

// ---------------------------------------------------------------------------------------------
// checkPackageName

const validNames: readonly { readonly name: string; readonly why: string }[] = [
  { name: "lodash", why: "plain" },
  { name: "left-pad", why: "plain with a dash" },
  { name: "a", why: "one character" },
  { name: "lodash.merge", why: "dot inside" },
  { name: "@slack/web-api", why: "scoped" },
  { name: "@types/node", why: "scoped" },
  { name: "@a/b", why: "shortest scoped" },
  // Legacy names (validForOldPackages, not validForNewPackages) are accepted on purpose: real,
  // still-used packages have them and none of them can leave node_modules.
  { name: "JSONStream", why: "legacy: capital letters (a real, popular package)" },
  { name: "ALLCAPS", why: "legacy: uppercase-only" },
  { name: "buffer", why: "legacy: core module name (the npm buffer package)" },
  { name: "punycode", why: "legacy: core module name" },
  { name: "a".repeat(214), why: "exactly 214 characters" },
  { name: "constructor", why: "an Object.prototype member name" },
];

const invalidNames: readonly { readonly name: string; readonly reason: RegExp }[] = [
  { name: "../../x", reason: /path separators or traversal/ },
  { name: "@scope/../../x", reason: /path separators or traversal/ },
  { name: "@scope/..", reason: /path traversal/ },
  { name: "@scope/.", reason: /path traversal/ },
  { name: "..", reason: /path traversal/ },
  { name: ".", reason: /path traversal/ },
  { name: "@", reason: /path traversal/ },
  { name: "/abs", reason: /path separators or traversal/ },
  { name: "a/b", reason: /path separators or traversal/ },
  { name: "a\\b", reason: /path separators or traversal/ },
  { name: "@scope\\x", reason: /path separators or traversal/ },
  { name: "@/x", reason: /path separators or traversal/ },
  { name: "@scope/", reason: /path separators or traversal/ },
  { name: "x/", reason: /path separators or traversal/ },
  { name: "C:\\x", reason: /path separators or traversal/ },
  { name: "", reason: /path separators or traversal/ },
  { name: "a b", reason: /URL-friendly/ },
  { name: " a", reason: /leading or trailing spaces/ },
  { name: "a ", reason: /leading or trailing spaces/ },
  { name: "x\u0000y", reason: /URL-friendly/ },
  { name: "é", reason: /URL-friendly/ },
  { name: "%2e%2e", reason: /URL-friendly/ },
  { name: "node_modules", reason: /node_modules is not a valid package name/ },
  { name: "NODE_MODULES", reason: /node_modules is not a valid package name/ },
  { name: "favicon.ico", reason: /favicon\.ico is not a valid package name/ },
  { name: ".hidden", reason: /cannot start with a period/ },
  { name: "@scope/.hidden", reason: /cannot start with a period/ },
  { name: "_private", reason: /cannot start with an underscore/ },
  { name: "__proto__", reason: /cannot start with an underscore/ },
  { name: "@scope", reason: /URL-friendly/ },
  { name: "a".repeat(215), reason: /longer than 214 characters/ },
  { name: `@scope/${"a".repeat(208)}`, reason: /longer than 214 characters/ },
];

describe("checkPackageName", () => {
  it.each(validNames)("accepts $name ($why)", ({ name }) => {
    expect(checkPackageName(name)).toBeNull();
  });

  it.each(invalidNames)("rejects $name with a reason", ({ name, reason }) => {
    const verdict = checkPackageName(name);
    expect(verdict).not.toBeNull();
    expect(verdict).toMatch(reason);
  });

  it("an accepted name is one or two plain segments that stay inside node_modules", () => {
    const root = "/root/node_modules";
    const unit = fc.constantFrom(..."./\\@ab_-~A :".split(""));
    const nameArb = fc.oneof(
      fc.string({ unit, maxLength: 12 }),
      fc.string({ unit: "grapheme-ascii", maxLength: 12 }),
      fc.string({ maxLength: 12 }),
    );
    fc.assert(
      fc.property(nameArb, (name) => {
        const verdict = checkPackageName(name);
        if (verdict !== null) {
          expect(verdict.length).toBeGreaterThan(0);
          return;
        }
        const resolved = path.resolve(root, name);
        expect(resolved.startsWith(`${root}/`)).toBe(true);
        expect(path.relative(root, resolved)).toBe(name);
        expect(name).not.toMatch(/\\/);
        expect(name.split("/").length).toBeLessThanOrEqual(2);
        expect(name.length).toBeLessThanOrEqual(214);
      }),
      { numRuns: 2000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// checkSpec

const accepted: readonly { readonly spec: string; readonly range: string }[] = [
  { spec: "1.2.3", range: "1.2.3" },
  { spec: "^1.2.0", range: "^1.2.0" },
  { spec: "~3.4.0", range: "~3.4.0" },
  { spec: ">=1 <2", range: ">=1 <2" },
  { spec: "1.x", range: "1.x" },
  // `*` is a valid semver range ("any version"): accepted like every other range.
  { spec: "*", range: "*" },
  { spec: "x", range: "x" },
  { spec: "^1.0.0 || ^2.0.0", range: "^1.0.0 || ^2.0.0" },
  { spec: "1.0.0 - 2.0.0", range: "1.0.0 - 2.0.0" },
  { spec: "v1.2.3", range: "v1.2.3" },
  { spec: "=1.2.3", range: "=1.2.3" },
  { spec: "1.2.3-beta.1", range: "1.2.3-beta.1" },
  // Surrounding whitespace is not part of the range.
  { spec: "  ^1.2.0\n", range: "^1.2.0" },
  // Satisfiable although one alternative is empty (semver.minVersion says null here).
  { spec: ">=3.0.0 <2.0.0 || ^4.0.0", range: ">=3.0.0 <2.0.0 || ^4.0.0" },
];

const skipped: readonly string[] = ["workspace:*", "workspace:^1.0.0", "workspace:~", "WORKSPACE:*"];

const rejected: readonly { readonly spec: string; readonly reason: RegExp }[] = [
  { spec: "file:../x", reason: /^file: specs are not supported/ },
  { spec: "link:../x", reason: /^link: specs are not supported/ },
  { spec: "git+https://github.com/a/b.git", reason: /^git\+https: specs are not supported/ },
  { spec: "git+ssh://git@github.com/a/b.git", reason: /^git\+ssh: specs are not supported/ },
  { spec: "git://github.com/a/b.git", reason: /^git: specs are not supported/ },
  { spec: "github:a/b", reason: /^github: specs are not supported/ },
  { spec: "http://x/y.tgz", reason: /^http: specs are not supported/ },
  { spec: "https://registry.example/y.tgz", reason: /^https: specs are not supported/ },
  { spec: "npm:other@1", reason: /^npm: specs are not supported/ },
  { spec: "portal:../x", reason: /^portal: specs are not supported/ },
  { spec: "patch:x@1#p.patch", reason: /^patch: specs are not supported/ },
  { spec: "FILE:../x", reason: /^file: specs are not supported/ },
  { spec: "a/b", reason: /repository shorthand/ },
  { spec: "a/b#v1.0.0", reason: /repository shorthand/ },
  { spec: "../x", reason: /path/ },
  { spec: "./x.tgz", reason: /path/ },
  { spec: "/abs/x", reason: /path/ },
  { spec: "..\\x", reason: /path/ },
  { spec: "C:\\x", reason: /Windows path/ },
  { spec: "c:/x", reason: /Windows path/ },
  { spec: "latest", reason: /dist-tags/ },
  { spec: "next", reason: /dist-tags/ },
  { spec: "1.2.3 || latest", reason: /not a semver version or range/ },
  // semver.validRange("") is "*", but an empty spec is a manifest mistake, not "any version".
  { spec: "", reason: /not a semver version or range/ },
  { spec: "   ", reason: /not a semver version or range/ },
  { spec: ">=3 <2", reason: /no version can satisfy/ },
  { spec: "^1.0.0 <0.5.0", reason: /no version can satisfy/ },
  { spec: "<0.0.0-0", reason: /no version can satisfy/ },
];

describe("checkSpec", () => {
  it.each(accepted)("accepts $spec", ({ spec, range }) => {
    expect(checkSpec(spec)).toEqual({ _tag: "Accepted", range });
  });

  it.each(skipped)("skips %s (the host workspace provides it)", (spec) => {
    const verdict = checkSpec(spec);
    expect(verdict._tag).toBe("Skipped");
    expect(verdict._tag === "Skipped" && verdict.reason).toMatch(/workspace:/);
  });

  it.each(rejected)("rejects $spec, naming why", ({ spec, reason }) => {
    const verdict = checkSpec(spec);
    expect(verdict._tag).toBe("Rejected");
    if (verdict._tag === "Rejected") expect(verdict.reason).toMatch(reason);
  });

  // Strings semver itself accepts as a range. Blank strings (semver: `*`) and ranges no version
  // satisfies are the documented exceptions; everything else with no `:`, `/` or `\` is Accepted.
  const part = fc.oneof(
    fc
      .tuple(fc.constantFrom("", "^", "~", ">", ">=", "<", "<=", "=", "v"), fc.nat(3), fc.nat(3), fc.nat(3))
      .map(([op, a, b, c]) => `${op}${a}.${b}.${c}`),
    fc
      .tuple(fc.constantFrom("", "^", "~"), fc.nat(3), fc.constantFrom("x", "*", "X"))
      .map(([op, a, x]) => `${op}${a}.${x}`),
    fc.constantFrom("*", "x", "1", "1.2", "1.2.3-rc.1", "1 - 2"),
  );
  const rangeLike = fc.oneof(
    fc.array(part, { minLength: 1, maxLength: 3 }).map((ps) => ps.join(" ")),
    fc.array(part, { minLength: 1, maxLength: 3 }).map((ps) => ps.join(" || ")),
    fc.string({ unit: fc.constantFrom(..."0123456789.^~<>=*x |-".split("")), maxLength: 16 }),
  );

  it("never throws and always returns one of the three verdicts", () => {
    const unit = fc.constantFrom(..."0123456789.^~<>=*xX |-v+:/\\abc@#".split(""));
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit, maxLength: 24 }), rangeLike), (spec) => {
        const verdict = checkSpec(spec);
        expect(["Accepted", "Skipped", "Rejected"]).toContain(verdict._tag);
        if (verdict._tag !== "Accepted") expect(verdict.reason.length).toBeGreaterThan(0);
      }),
      { numRuns: 3000 },
    );
  });

  it("accepts every non-blank, satisfiable range semver accepts, keeping its spelling", () => {
    fc.assert(
      fc.property(rangeLike, (spec) => {
        fc.pre(semver.validRange(spec) !== null && !/[:/\\]/.test(spec) && spec.trim() !== "");
        const verdict = checkSpec(spec);
        const satisfiable = semver.minVersion(spec) !== null;
        if (satisfiable) expect(verdict).toEqual({ _tag: "Accepted", range: spec.trim() });
        if (verdict._tag === "Rejected") expect(verdict.reason).toMatch(/no version can satisfy/);
      }),
      { numRuns: 2000 },
    );
  });

  it("accepts nothing semver does not accept, and nothing with a protocol, slash or backslash", () => {
    fc.assert(
      fc.property(fc.oneof(rangeLike, fc.string()), (spec) => {
        const verdict = checkSpec(spec);
        if (verdict._tag !== "Accepted") return;
        expect(semver.validRange(verdict.range)).not.toBeNull();
        expect(verdict.range).not.toMatch(/[:/\\]/);
        expect(verdict.range).toBe(spec.trim());
        expect(verdict.range).not.toBe("");
      }),
      { numRuns: 2000 },
    );
  });
});
