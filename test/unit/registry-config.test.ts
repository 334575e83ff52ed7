import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_REGISTRY,
  describeRegistry,
  registryFor,
  registryInLog,
} from "../../src/execute/registry-config.js";
import { tempDir } from "../support/temp.js";

/** The registry a package-manager run talks to, read as npm reads it, without starting npm. */

const tmp = tempDir("registry-config");
const rc = (name: string, text: string): string => {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, text);
  return p;
};
const NO_GLOBAL = path.join(tmp, "no-such-global-npmrc");

describe("registryFor", () => {
  it("npm_config_registry wins over every npmrc, in any case", () => {
    const user = rc("user-a", "registry=http://from-file.example/\n");
    const r = registryFor({
      NPM_CONFIG_REGISTRY: "http://from-env.example/",
      npm_config_userconfig: user,
      npm_config_globalconfig: NO_GLOBAL,
    });
    expect(r).toMatchObject({ url: "http://from-env.example/", from: "npm_config_registry" });
  });

  it("the user config (npm_config_userconfig) before the global one; comments and ${VAR} as npm reads them", () => {
    const user = rc("user-b", "; a comment\n# another\nregistry = ${REG_HOST}/npm/\n");
    const global = rc("global-b", "registry=http://global.example/\n");
    const r = registryFor({
      REG_HOST: "https://mirror.example",
      npm_config_userconfig: user,
      npm_config_globalconfig: global,
    });
    expect(r).toMatchObject({ url: "https://mirror.example/npm/", from: `registry= in ${user}` });
  });

  it("~/.npmrc when no userconfig is named; npm's default when nothing sets it", () => {
    const home = path.join(tmp, "home");
    fs.mkdirSync(home, { recursive: true });
    expect(registryFor({ HOME: home, npm_config_globalconfig: NO_GLOBAL })).toMatchObject({
      url: DEFAULT_REGISTRY,
    });
    fs.writeFileSync(path.join(home, ".npmrc"), "registry=http://home.example/\n");
    expect(registryFor({ HOME: home, npm_config_globalconfig: NO_GLOBAL }).url).toBe("http://home.example/");
  });

  it("scoped registries of the packages being installed are named too", () => {
    const user = rc(
      "user-c",
      "registry=http://main.example/\n@acme:registry=http://acme.example/\n@other:registry=http://o/\n",
    );
    const r = registryFor({ npm_config_userconfig: user, npm_config_globalconfig: NO_GLOBAL }, [
      "@acme/a",
      "left-pad",
    ]);
    expect(describeRegistry(r)).toBe(
      `http://main.example/ (registry= in ${user}), http://acme.example/ for @acme (@acme:registry= in ${user})`,
    );
  });

  it("credentials in a registry URL are never printed", () => {
    const r = registryFor({
      npm_config_registry: "https://user:s3cret@npm.example/",
      npm_config_globalconfig: NO_GLOBAL,
    });
    expect(r.url).toBe("https://npm.example/");
  });
});

describe("registryInLog", () => {
  it.each([
    [
      " ERR_PNPM_META_FETCH_FAIL  GET http://127.0.0.1:4873/@fixture%2Fx: request to http://127.0.0.1:4873/@fixture%2Fx failed",
      "http://127.0.0.1:4873/",
    ],
    [
      "npm error FetchError: request to https://r.example/a failed, reason: connect ECONNREFUSED",
      "https://r.example/",
    ],
    ["Progress: resolved 1, reused 0, downloaded 0, added 0", null],
  ])("%s", (log, url) => {
    expect(registryInLog(log)).toBe(url);
  });
});
