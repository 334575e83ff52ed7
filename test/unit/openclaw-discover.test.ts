import * as fs from "node:fs";
import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { discoverPlugins } from "../../src/hosts/openclaw/discover.js";
import { mergeDependencies } from "../../src/hosts/shared/dependencies.js";
import type { DiscoveredPlugin } from "../../src/hosts/types.js";
import { tempDir } from "../support/temp.js";

const tmp = tempDir("openclaw-discover");

let counter = 0;
const newRoot = (): string => {
  const root = path.join(tmp, `pkg${counter++}`);
  fs.mkdirSync(path.join(root, "dist", "extensions"), { recursive: true });
  fs.writeFileSync(
    path.join(root, "package.json"),
    JSON.stringify({ name: "openclaw", version: "2026.5.1" }),
  );
  return root;
};

interface PluginFiles {
  readonly pkg?: unknown;
  readonly manifest?: unknown;
}
const addPlugin = (root: string, dirName: string, files: PluginFiles): string => {
  const dir = path.join(root, "dist", "extensions", dirName);
  fs.mkdirSync(dir, { recursive: true });
  const text = (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v, null, 2));
  if (files.pkg !== undefined) fs.writeFileSync(path.join(dir, "package.json"), text(files.pkg));
  if (files.manifest !== undefined)
    fs.writeFileSync(path.join(dir, "openclaw.plugin.json"), text(files.manifest));
  return dir;
};

const discover = (root: string): DiscoveredPlugin[] => {
  const result = discoverPlugins(root);
  if (E.isLeft(result)) throw new Error(result.left.message);
  return result.right;
};
const byId = (plugins: readonly DiscoveredPlugin[], id: string): DiscoveredPlugin => {
  const p = plugins.find((x) => x.id === id);
  if (p === undefined) throw new Error(`no plugin ${id}`);
  return p;
};
const errorOf = (p: DiscoveredPlugin): string => {
  if (p._tag !== "Invalid") throw new Error(`${p.id} is valid`);
  return p.error;
};

describe("discoverPlugins", () => {
  const root = newRoot();
  const slackDir = addPlugin(root, "slack", {
    pkg: {
      name: "@openclaw/slack",
      dependencies: { "@slack/web-api": "^7.0.0", ws: "8.0.0" },
      optionalDependencies: { ws: "8.18.0", bufferutil: "~4.0.0" },
      openclaw: { bundle: { stageRuntimeDependencies: true }, channel: { id: "slack" } },
    },
    manifest: {
      id: "slack",
      channels: ["slack", "slack-events"],
      enabledByDefault: false,
      legacyPluginIds: ["slack-old"],
    },
  });
  addPlugin(root, "openai", {
    pkg: { dependencies: { openai: "^5.0.0" } },
    manifest: { id: "openai", providers: ["openai"], enabledByDefault: true },
  });
  addPlugin(root, "broken-json", { pkg: {}, manifest: '{\n  "id": "broken-json",\n  "channels": [\n}' });
  addPlugin(root, "mismatch", { pkg: {}, manifest: { id: "something-else" } });
  addPlugin(root, "bad-types", {
    pkg: {
      dependencies: { left: "1.0.0", right: 2 },
      openclaw: { bundle: { stageRuntimeDependencies: "yes" } },
    },
    manifest: { id: "bad-types", channels: ["a", 7] },
  });
  addPlugin(root, "no-package", { manifest: { id: "no-package" } });
  addPlugin(root, "no-manifest", { pkg: {} });
  addPlugin(root, "bad id!", { pkg: {}, manifest: { id: "bad id!" } });
  fs.mkdirSync(path.join(root, "dist", "extensions", "shared-assets"));
  fs.writeFileSync(path.join(root, "dist", "extensions", "shared-assets", "logo.svg"), "<svg/>");
  // a symlinked plugin directory pointing outside the package must not be followed
  const outside = path.join(tmp, "outside-plugin");
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, "package.json"), JSON.stringify({ dependencies: { evil: "1.0.0" } }));
  fs.writeFileSync(path.join(outside, "openclaw.plugin.json"), JSON.stringify({ id: "linked" }));
  fs.symlinkSync(outside, path.join(root, "dist", "extensions", "linked"));

  const plugins = discover(root);

  it("returns every plugin directory, sorted by id", () => {
    expect(plugins.map((p) => p.id)).toEqual([
      "bad id!",
      "bad-types",
      "broken-json",
      "linked",
      "mismatch",
      "no-manifest",
      "no-package",
      "openai",
      "slack",
    ]);
  });

  it("merges dependencies with optionalDependencies overriding, and reads the openclaw section", () => {
    expect(byId(plugins, "slack")).toEqual({
      _tag: "Valid",
      id: "slack",
      dir: slackDir,
      dependencies: { "@slack/web-api": "^7.0.0", bufferutil: "~4.0.0", ws: "8.18.0" },
      staged: true,
      channels: ["slack", "slack-events"],
      providers: [],
      enabledByDefault: false,
      legacyIds: ["slack-old"],
      hostFacts: {
        manifestId: "slack",
        manifestChannels: ["slack", "slack-events"],
        catalogChannel: { id: "slack", aliases: [], order: Number.MAX_SAFE_INTEGER },
        modelPatterns: [],
        modelPrefixes: [],
        localMemoryEmbedding: [],
        onStartup: false,
        onConfigPaths: [],
        onAgentHarnesses: [],
        cliBackends: [],
      },
    });
  });

  // OpenClaw stages every selected plugin's dependencies; its staging never reads the flag
  // (issue 12: browser's playwright-core went missing on real 2026.4.20 hosts).
  it("staged is true whatever stageRuntimeDependencies says", () => {
    const openai = byId(plugins, "openai");
    expect(openai._tag).toBe("Valid");
    if (openai._tag === "Valid") {
      expect(openai.staged).toBe(true);
      expect(openai.enabledByDefault).toBe(true);
      expect(openai.providers).toEqual(["openai"]);
    }
  });

  it("an unparseable manifest is Invalid with file:line:col", () => {
    const err = errorOf(byId(plugins, "broken-json"));
    // `}` where a value should be: line 4, column 1 (Node 20 JSON.parse itself gives no position)
    expect(err).toMatch(/broken-json\/openclaw\.plugin\.json:4:1: not valid JSON: /);
  });

  it("a syntax error in package.json points at the offending token", () => {
    const root = newRoot();
    // line 3 is `  "dependencies" {}`: the `{` where a `:` belongs is column 18
    addPlugin(root, "colon", {
      pkg: '{\n  "name": "x",\n  "dependencies" {}\n}\n',
      manifest: { id: "colon" },
    });
    const [p] = discover(root);
    expect(p && errorOf(p)).toMatch(/colon\/package\.json:3:18: not valid JSON: /);
  });

  // kimi-coding's manifest id is `kimi`: OpenClaw keys the plugin by its directory and maps
  // config ids to the manifest id (selection/plugin-ids.ts). Not an error.
  it("a manifest id that differs from the directory name is Valid, keyed by the directory", () => {
    const p = byId(plugins, "mismatch");
    expect(p._tag).toBe("Valid");
    if (p._tag === "Valid") expect(p.hostFacts).toMatchObject({ manifestId: "something-else" });
  });

  it("wrong types in either file are Invalid with key paths, both files reported", () => {
    const err = errorOf(byId(plugins, "bad-types"));
    expect(err).toContain("dependencies.right: expected string, got 2");
    expect(err).toContain('openclaw.bundle.stageRuntimeDependencies: expected boolean, got "yes"');
    expect(err).toContain("channels[1]: expected string, got 7");
    expect(err).not.toContain("\n");
  });

  // OpenClaw reads a missing manifest as an empty one and a missing package.json as no
  // dependencies (image-generation-core ships without a manifest in 2026.4.20 – 4.30).
  it("a plugin directory without package.json or without a manifest is Valid, read as empty", () => {
    expect(byId(plugins, "no-package")).toMatchObject({ _tag: "Valid", dependencies: {} });
    expect(byId(plugins, "no-manifest")).toMatchObject({
      _tag: "Valid",
      channels: [],
      enabledByDefault: false,
    });
  });

  it("a directory name that is not a valid plugin id is Invalid", () => {
    expect(errorOf(byId(plugins, "bad id!"))).toContain("not a valid plugin id");
  });

  it("does not follow a symlinked plugin directory", () => {
    const linked = byId(plugins, "linked");
    expect(linked._tag).toBe("Invalid");
    expect(errorOf(linked)).toContain("symbolic link");
    expect(JSON.stringify(plugins)).not.toContain("evil");
  });

  it("ignores directories that hold neither plugin file", () => {
    expect(plugins.some((p) => p.id === "shared-assets")).toBe(false);
  });
});

describe("discoverPlugins: paths and edge cases", () => {
  it("reports the realpath of each plugin directory", () => {
    const root = newRoot();
    addPlugin(root, "a", { pkg: {}, manifest: { id: "a" } });
    const alias = path.join(tmp, "alias");
    fs.symlinkSync(root, alias);
    const [a] = discover(alias);
    expect(a?.dir).toBe(path.join(root, "dist", "extensions", "a"));
  });

  it("a host without dist/extensions has no plugins", () => {
    const root = path.join(tmp, "bare");
    fs.mkdirSync(root);
    expect(discoverPlugins(root)).toEqual(E.right([]));
  });

  it("dist/extensions that is a file is an error", () => {
    const root = path.join(tmp, "filey");
    fs.mkdirSync(path.join(root, "dist"), { recursive: true });
    fs.writeFileSync(path.join(root, "dist", "extensions"), "");
    const result = discoverPlugins(root);
    expect(E.isLeft(result) && result.left._tag).toBe("FsError");
  });

  it("a symlinked package.json is not read", () => {
    const root = newRoot();
    const dir = addPlugin(root, "p", { manifest: { id: "p" } });
    const target = path.join(tmp, "elsewhere-package.json");
    fs.writeFileSync(target, JSON.stringify({ dependencies: { evil: "1.0.0" } }));
    fs.symlinkSync(target, path.join(dir, "package.json"));
    const [p] = discover(root);
    expect(p?._tag).toBe("Invalid");
    expect(p && errorOf(p)).toContain("symbolic link");
  });

  it("channel id from package.json is added once and empty ids are dropped", () => {
    const root = newRoot();
    addPlugin(root, "m", {
      pkg: { openclaw: { channel: { id: "matrix" } } },
      manifest: { id: "m", channels: ["matrix", ""], providers: ["x", "x"] },
    });
    const [m] = discover(root);
    expect(m?._tag === "Valid" && [m.channels, m.providers]).toEqual([["matrix"], ["x"]]);
  });
});

describe("mergeDependencies", () => {
  it("optional wins, keys sorted, absent maps are empty", () => {
    expect(mergeDependencies({ b: "1", a: "1" }, { b: "2" })).toEqual({ a: "1", b: "2" });
    expect(Object.keys(mergeDependencies({ b: "1", a: "1" }, undefined))).toEqual(["a", "b"]);
    expect(mergeDependencies(undefined, undefined)).toEqual({});
  });
});
