import * as fs from "node:fs";
import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { openclawAdapter } from "../../src/hosts/openclaw/index.js";
import { findPackageRoot, globalCandidates } from "../../src/hosts/shared/package-root.js";
import type { HostInput } from "../../src/hosts/types.js";
import { tempDir } from "../support/temp.js";

const tmp = tempDir("openclaw-root");

const install = (prefix: string): string => {
  const dir = path.join(prefix, "lib", "node_modules", "openclaw");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "openclaw", version: "2026.5.1" }));
  return dir;
};
const input = (env: Record<string, string>, packageRoot?: string): HostInput => ({
  env,
  homedir: "/home/op",
  flags: packageRoot === undefined ? {} : { packageRoot },
});
const noNode = { execPath: path.join(tmp, "nowhere", "bin", "node"), platform: "linux" as const };

describe("findPackageRoot", () => {
  it("--package-root must hold a package.json and is returned as a realpath", () => {
    const dir = install(path.join(tmp, "flag"));
    const alias = path.join(tmp, "flag-alias");
    fs.symlinkSync(dir, alias);
    expect(findPackageRoot(input({}, alias), noNode)).toEqual(E.right(dir));
    const bad = findPackageRoot(input({}, path.join(tmp, "empty")), noNode);
    expect(E.isLeft(bad) && bad.left._tag).toBe("PackageRootNotFound");
    expect(E.isLeft(bad) && bad.left.message).toContain("--package-root");
  });

  it("npm_config_prefix, then PREFIX, then node's own prefix", () => {
    const a = install(path.join(tmp, "npm-prefix"));
    const b = install(path.join(tmp, "prefix"));
    const c = install(path.join(tmp, "node-prefix"));
    const execPath = path.join(tmp, "node-prefix", "bin", "node");
    const env = { npm_config_prefix: path.join(tmp, "npm-prefix"), PREFIX: path.join(tmp, "prefix") };
    expect(findPackageRoot(input(env), { execPath, platform: "linux" })).toEqual(E.right(a));
    expect(findPackageRoot(input({ PREFIX: env.PREFIX }), { execPath, platform: "linux" })).toEqual(
      E.right(b),
    );
    expect(findPackageRoot(input({}), { execPath, platform: "linux" })).toEqual(E.right(c));
  });

  it("lists every candidate and the fix when nothing is found", () => {
    const result = findPackageRoot(input({ npm_config_prefix: path.join(tmp, "none") }), noNode);
    if (E.isRight(result)) {
      // a real global openclaw on this machine would satisfy the system candidates
      expect(result.right).toMatch(/openclaw$/);
      return;
    }
    expect(result.left._tag).toBe("PackageRootNotFound");
    expect(result.left.message).toContain(path.join(tmp, "none", "lib", "node_modules", "openclaw"));
    expect(result.left.message).toContain("/usr/local/lib/node_modules/openclaw");
    expect(result.left.message).toContain("/usr/lib/node_modules/openclaw");
    expect(result.left.message).toContain("--package-root DIR");
  });

  it("candidate order, deduplicated", () => {
    expect(
      globalCandidates(input({ npm_config_prefix: "/usr/local", PREFIX: "/opt/n" }), {
        execPath: "/usr/local/bin/node",
        platform: "linux",
      }).map((c) => c.path),
    ).toEqual([
      "/usr/local/lib/node_modules/openclaw",
      "/opt/n/lib/node_modules/openclaw",
      "/usr/lib/node_modules/openclaw",
    ]);
  });
});

describe("openclawAdapter", () => {
  it("has the documented identity", () => {
    expect([openclawAdapter.name, openclawAdapter.slug, openclawAdapter.stageVariables]).toEqual([
      "openclaw",
      "openclaw",
      "OPENCLAW_PLUGIN_STAGE_DIR (or STATE_DIRECTORY / OPENCLAW_STATE_DIR)",
    ]);
  });
});
