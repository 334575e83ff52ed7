import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import { profileAdapter } from "../../src/hosts/profile/index.js";
import { checkProfile, type HostProfile } from "../../src/hosts/profile/profile.js";
import { fixture } from "../support/cli.js";

/** The profile key `hostLooks` (src/hosts/profile/profile.ts): validated as untrusted input, then served. */

const acme = JSON.parse(fs.readFileSync(fixture("profiles", "acme.json"), "utf8")) as HostProfile;
const withLooks = (hostLooks: Record<string, string>): HostProfile => ({ ...acme, hostLooks });

describe("checkProfile: hostLooks", () => {
  it("accepts a plain stage directory name and a node_modules inside the package", () => {
    expect(checkProfile(withLooks({ stageDir: "acme-deps", packageDir: "dist/node_modules" }))).toBeNull();
  });

  it.each([
    ["a path as stageDir", { stageDir: "a/b" }, "one directory name"],
    ["a dot name as stageDir", { stageDir: ".plugdeps" }, "one directory name"],
    ["one of plugdeps' versioned root names", { stageDir: "acme-3.2.0-0123456789ab" }, "versioned roots"],
    ["an absolute packageDir", { packageDir: "/etc/node_modules" }, "inside the package root"],
    ["a packageDir leaving the package", { packageDir: "../x/node_modules" }, "inside the package root"],
    ["a packageDir that is not a node_modules", { packageDir: "dist/lib" }, "node_modules directory"],
  ])("refuses %s", (_what, looks, words) => {
    expect(checkProfile(withLooks(looks))).toContain(words);
  });
});

describe("profileAdapter with hostLooks", () => {
  const ctx = {
    version: "3.2.0",
    packageRoot: "/pkg",
    stageBase: "/stage",
    shared: { "@fixture/logger": "^1.4.0" },
  };

  it("stageDir: the host root is <stage base>/<stageDir>, no manifest, no lock", () => {
    const spec = profileAdapter(withLooks({ stageDir: "acme-deps" })).hostRoot?.(ctx);
    expect(spec).toMatchObject({ path: "/stage/acme-deps", aliases: [], manifest: null, lock: null });
    expect(
      profileAdapter(withLooks({ stageDir: "acme-deps" })).hostRoot?.({ ...ctx, shared: {} }),
    ).toBeNull();
  });

  it("packageDir: the host's unit binds the live root onto it; the host counts no layer", () => {
    const adapter = profileAdapter(withLooks({ packageDir: "node_modules" }));
    expect(adapter.hostRoot?.(ctx)).toBeNull();
    expect(
      adapter.hostService?.({
        version: "3.2.0",
        packageRoot: "/pkg",
        stageBase: "/stage",
        targetRoot: "/stage/acme-3.2.0-x",
      }),
    ).toMatchObject({
      readOnlyBinds: [{ source: "/stage/acme-3.2.0-x/node_modules", target: "/pkg/node_modules" }],
      writable: [],
      stageList: true,
    });
    expect(adapter.sees?.("3.2.0")).toMatchObject({ packageNodeModules: true, layers: false });
  });

  it("without hostLooks the register hook is the way in: no host root, no service needs", () => {
    const adapter = profileAdapter(acme);
    expect(adapter.hostRoot).toBeUndefined();
    expect(adapter.hostService).toBeUndefined();
    expect(adapter.sees).toBeUndefined();
  });
});
