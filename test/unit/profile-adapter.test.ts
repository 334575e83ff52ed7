import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decideProfile, type PluginsBlock } from "../../src/hosts/profile/activation.js";
import { loadProfileAdapter, profileAdapter } from "../../src/hosts/profile/index.js";
import { type HostProfile, loadProfile } from "../../src/hosts/profile/profile.js";
import { selectAdapter } from "../../src/hosts/registry.js";
import type { DiscoveredPlugin, HostAdapter, HostInput, PluginFacts } from "../../src/hosts/types.js";
import { tempDir } from "../support/temp.js";
import { leftOf, rightOf } from "../support/either.js";

/** The profile adapter decides each plugin on its own: the host version and plugin list do not matter. */
const ANY_HOST = { version: "1.0.0", packageRoot: "/pkg", plugins: [] };

const REPO = path.resolve(import.meta.dirname, "../..");
const PROFILE = path.join(REPO, "fixtures/profiles/acme.json");
const ACME_HOST = path.join(REPO, "fixtures/hosts/acme-demo");
const ACME_CONFIG = path.join(REPO, "fixtures/configs/acme.json");

const tmp = tempDir("profile");

const write = (name: string, text: string): string => {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, text);
  return p;
};

const acmeProfile = (): HostProfile => JSON.parse(fs.readFileSync(PROFILE, "utf8")) as HostProfile;
const adapter: HostAdapter = rightOf(loadProfileAdapter(PROFILE));
const input = (env: Record<string, string> = {}, flags: HostInput["flags"] = {}): HostInput => ({
  env,
  homedir: "/home/op",
  flags,
});

const valid = (plugins: readonly DiscoveredPlugin[]): PluginFacts[] =>
  plugins.flatMap((p) => (p._tag === "Valid" ? [p] : []));

const facts = (id: string, over: Partial<PluginFacts> = {}): PluginFacts => ({
  id,
  dir: `/x/${id}`,
  dependencies: {},
  staged: true,
  channels: [],
  providers: [],
  enabledByDefault: false,
  legacyIds: [],
  ...over,
});

describe("loadProfileAdapter(fixtures/profiles/acme.json)", () => {
  it("names the adapter after the profile", () => {
    expect(adapter.name).toBe("profile:acme");
    expect(adapter.slug).toBe("acme");
    expect(adapter.stageVariables).toBe("ACME_PLUGIN_STAGE_DIR");
  });

  it("is what --host profile:FILE selects (relative to the cwd or ~/)", () => {
    const chosen = rightOf(selectAdapter(`profile:${path.relative(process.cwd(), PROFILE)}`, input()));
    expect(chosen.name).toBe("profile:acme");
    expect(leftOf(selectAdapter("profile:~/nope.json", input()))).toMatchObject({
      _tag: "ProfileInvalid",
      path: "/home/op/nope.json",
    });
  });

  it("finds the package root from --package-root (realpath)", () => {
    expect(rightOf(adapter.findPackageRoot(input({}, { packageRoot: ACME_HOST })))).toBe(
      fs.realpathSync(ACME_HOST),
    );
    const err = leftOf(adapter.findPackageRoot(input({}, { packageRoot: tmp })));
    expect(err.message).toContain(tmp);
    expect(err.message).toContain("--package-root");
    expect(err.message).toContain("acme-host");
  });
});

describe("discoverPlugins on fixtures/hosts/acme-demo", () => {
  const plugins = rightOf(adapter.discoverPlugins(fs.realpathSync(ACME_HOST)));

  it("finds the three plugins, sorted by id, with their flags from the profile's dotted paths", () => {
    expect(plugins.map((p) => [p._tag, p.id])).toEqual([
      ["Valid", "builtin-ui"],
      ["Valid", "notify"],
      ["Valid", "search"],
    ]);
    expect(valid(plugins).map((p) => [p.id, p.staged, p.enabledByDefault])).toEqual([
      ["builtin-ui", false, true],
      ["notify", true, true],
      ["search", true, false],
    ]);
    const byId = Object.fromEntries(valid(plugins).map((p) => [p.id, p]));
    expect(byId["search"]?.dependencies).toEqual({
      "@fixture/http-kit": "^1.2.0",
      "@fixture/markdown": "^2.1.0",
    });
    expect(byId["builtin-ui"]?.dependencies).toEqual({ "@fixture/markdown": "^1.0.0" });
    expect(byId["notify"]?.dir).toBe(path.join(fs.realpathSync(ACME_HOST), "plugins", "notify"));
  });

  it("without a stageFlag every plugin is staged; without enabledByDefault none is on by default", () => {
    const p = acmeProfile();
    const bare = profileAdapter({ ...p, plugins: { glob: p.plugins.glob } });
    const found = valid(rightOf(bare.discoverPlugins(fs.realpathSync(ACME_HOST))));
    expect(found.map((f) => [f.id, f.staged, f.enabledByDefault])).toEqual([
      ["builtin-ui", true, false],
      ["notify", true, false],
      ["search", true, false],
    ]);
  });

  it("reports a bad plugin package.json for that plugin only", () => {
    const host = path.join(tmp, "host-bad-plugin");
    fs.cpSync(ACME_HOST, host, { recursive: true });
    fs.writeFileSync(path.join(host, "plugins", "notify", "package.json"), '{ "name": "@acme/notify",\n');
    fs.writeFileSync(
      path.join(host, "plugins", "search", "package.json"),
      JSON.stringify({ name: "@acme/search", dependencies: ["not", "a", "record"] }),
    );
    const found = rightOf(adapter.discoverPlugins(fs.realpathSync(host)));
    expect(found.map((p) => [p.id, p._tag])).toEqual([
      ["builtin-ui", "Valid"],
      ["notify", "Invalid"],
      ["search", "Invalid"],
    ]);
    const errors = found.flatMap((p) => (p._tag === "Invalid" ? [p.error] : []));
    expect(errors[0]).toMatch(/notify\/package\.json:\d+:\d+/);
    expect(errors[1]).toContain("dependencies");
  });

  it("an empty or missing plugin directory is no plugins, not an error", () => {
    const host = path.join(tmp, "host-empty");
    fs.mkdirSync(host);
    fs.writeFileSync(path.join(host, "package.json"), '{"name":"acme-host","version":"1.0.0"}');
    expect(rightOf(adapter.discoverPlugins(host))).toEqual([]);
  });
});

describe("activation (profile's pluginsKey block)", () => {
  const plugins = valid(rightOf(adapter.discoverPlugins(fs.realpathSync(ACME_HOST))));
  const decide = (config: unknown) => {
    const activation = rightOf(
      adapter.loadActivation({
        path: write(`cfg-${Math.random().toString(36).slice(2)}.json`, JSON.stringify(config)),
        source: "--config",
        required: true,
      }),
    );
    return Object.fromEntries(plugins.map((p) => [p.id, activation(ANY_HOST).decide(p)]));
  };

  it("fixtures/configs/acme.json: search by entries, notify and builtin-ui by default", () => {
    const activation = rightOf(
      adapter.loadActivation(adapter.locateConfig(input({}, { config: ACME_CONFIG }))),
    );
    expect(Object.fromEntries(plugins.map((p) => [p.id, activation(ANY_HOST).decide(p)]))).toEqual({
      "builtin-ui": { active: true, reason: "enabledByDefault" },
      notify: { active: true, reason: "enabledByDefault" },
      search: { active: true, reason: "plugins.entries.search.enabled=true" },
    });
  });

  it.each([
    [
      "enabled=false turns everything off",
      { plugins: { enabled: false, entries: { search: { enabled: true } } } },
      {
        "builtin-ui": { active: false, reason: "plugins.enabled=false" },
        notify: { active: false, reason: "plugins.enabled=false" },
        search: { active: false, reason: "plugins.enabled=false" },
      },
    ],
    [
      "deny beats entries and enabledByDefault",
      { plugins: { deny: ["notify", "search"], entries: { search: { enabled: true } } } },
      {
        "builtin-ui": { active: true, reason: "enabledByDefault" },
        notify: { active: false, reason: 'plugins.deny contains "notify"' },
        search: { active: false, reason: 'plugins.deny contains "search"' },
      },
    ],
    [
      "entries.<id>.enabled=false beats enabledByDefault",
      { plugins: { entries: { notify: { enabled: false } } } },
      {
        "builtin-ui": { active: true, reason: "enabledByDefault" },
        notify: { active: false, reason: "plugins.entries.notify.enabled=false" },
        search: { active: false, reason: "not enabled (no rule matched)" },
      },
    ],
    [
      "a non-empty allow list turns off the absent ones, even when entries enable them",
      { plugins: { allow: ["search", "notify"], entries: { "builtin-ui": { enabled: true } } } },
      {
        "builtin-ui": { active: false, reason: 'plugins.allow does not contain "builtin-ui"' },
        notify: { active: true, reason: "enabledByDefault" },
        search: { active: false, reason: "not enabled (no rule matched)" },
      },
    ],
    [
      "an empty allow list allows everything",
      { plugins: { allow: [] } },
      {
        "builtin-ui": { active: true, reason: "enabledByDefault" },
        notify: { active: true, reason: "enabledByDefault" },
        search: { active: false, reason: "not enabled (no rule matched)" },
      },
    ],
    [
      "other top-level keys are ignored",
      { theme: "dark", channels: { search: { enabled: true } } },
      {
        "builtin-ui": { active: true, reason: "enabledByDefault" },
        notify: { active: true, reason: "enabledByDefault" },
        search: { active: false, reason: "not enabled (no rule matched)" },
      },
    ],
  ])("%s", (_name, config, expected) => {
    expect(decide(config)).toEqual(expected);
  });

  it("uses the profile's pluginsKey, in the reasons too", () => {
    const custom = profileAdapter({ ...acmeProfile(), config: { pluginsKey: "extensions" } });
    const p = write("ext.json", JSON.stringify({ extensions: { entries: { search: { enabled: true } } } }));
    const activation = rightOf(custom.loadActivation({ path: p, source: "--config", required: true }));
    expect(activation(ANY_HOST).decide(facts("search"))).toEqual({
      active: true,
      reason: "extensions.entries.search.enabled=true",
    });
  });

  it("prototype keys never activate a plugin", () => {
    const p = write(
      "proto.json",
      '{"plugins": {"entries": {"__proto__": {"enabled": true}, "constructor": {"enabled": true}}}}',
    );
    const activation = rightOf(adapter.loadActivation({ path: p, source: "--config", required: true }));
    expect(activation(ANY_HOST).decide(facts("__proto__")).active).toBe(false);
    expect(activation(ANY_HOST).decide(facts("constructor")).active).toBe(false);
    expect(activation(ANY_HOST).decide(facts("toString")).active).toBe(false);
  });

  it("a missing default config is the empty config; a missing named one is an error", () => {
    const absent = path.join(tmp, "absent", "config.json");
    const empty = rightOf(
      adapter.loadActivation({ path: absent, source: "profile default", required: false }),
    );
    expect(empty(ANY_HOST).decide(facts("notify", { enabledByDefault: true }))).toEqual({
      active: true,
      reason: "enabledByDefault",
    });
    expect(empty(ANY_HOST).decide(facts("search")).active).toBe(false);
    const err = leftOf(adapter.loadActivation({ path: absent, source: "ACME_CONFIG", required: true }));
    expect(err._tag).toBe("ConfigNotFound");
    expect(err.message).toContain(absent);
    expect(err.message).toContain("ACME_CONFIG");
  });

  it("config errors: JSON5 syntax with file:line:col, wrong types with key paths", () => {
    const syntax = write("syntax.json", '{\n  plugins: {\n    allow: ["a" "b"],\n  },\n}\n');
    const parseErr = leftOf(adapter.loadActivation({ path: syntax, source: "--config", required: true }));
    expect(parseErr._tag).toBe("ConfigParseError");
    expect(parseErr.message).toContain(`${syntax}:3:17`);
    const types = write(
      "types.json",
      JSON.stringify({ plugins: { allow: [1], entries: { a: { enabled: "yes" } } } }),
    );
    const typeErr = leftOf(adapter.loadActivation({ path: types, source: "--config", required: true }));
    expect(typeErr._tag).toBe("DecodeError");
    expect(typeErr.message).toContain("plugins.allow[0]");
    expect(typeErr.message).toContain("plugins.entries.a.enabled");
  });

  it("property: enabled=false and deny always win, whatever else the block says", () => {
    const id = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
    const block = fc.record(
      {
        enabled: fc.boolean(),
        allow: fc.array(id, { maxLength: 4 }),
        deny: fc.array(id, { maxLength: 4 }),
        entries: fc.dictionary(id, fc.record({ enabled: fc.boolean() }, { requiredKeys: [] }), {
          maxKeys: 4,
        }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(block, id, fc.boolean(), (b: PluginsBlock, pluginId, byDefault) => {
        const d = decideProfile("plugins", b, facts(pluginId, { enabledByDefault: byDefault }));
        if (b.enabled === false) expect(d).toEqual({ active: false, reason: "plugins.enabled=false" });
        else if (b.deny?.includes(pluginId)) expect(d.active).toBe(false);
        else if (b.allow !== undefined && b.allow.length > 0 && !b.allow.includes(pluginId))
          expect(d.active).toBe(false);
        else if (d.active)
          expect(d.reason === "enabledByDefault" || d.reason.endsWith(".enabled=true")).toBe(true);
        expect(d.reason).not.toBe("");
      }),
    );
  });
});

describe("config location", () => {
  it.each([
    [
      "--config wins",
      input({ ACME_CONFIG: "/etc/acme.json" }, { config: "/tmp/c.json" }),
      "/tmp/c.json",
      "--config",
      true,
    ],
    ["then ACME_CONFIG", input({ ACME_CONFIG: "/etc/acme.json" }), "/etc/acme.json", "ACME_CONFIG", true],
    ["~ in ACME_CONFIG", input({ ACME_CONFIG: "~/acme.json" }), "/home/op/acme.json", "ACME_CONFIG", true],
    [
      "empty ACME_CONFIG is unset",
      input({ ACME_CONFIG: "" }),
      "/home/op/.acme/config.json",
      "profile default",
      false,
    ],
    ["then the profile's defaultPath", input(), "/home/op/.acme/config.json", "profile default", false],
    [
      "another host's variable means nothing here",
      input({ OPENCLAW_CONFIG_PATH: "/x.json5" }),
      "/home/op/.acme/config.json",
      "profile default",
      false,
    ],
  ])("%s", (_name, given, p, source, required) => {
    expect(adapter.locateConfig(given)).toEqual({ path: p, source, required });
  });

  it("a profile without config settings defaults to ~/.<name>/config.json", () => {
    const bare = profileAdapter({ ...acmeProfile(), config: {} });
    expect(bare.locateConfig(input({ ACME_CONFIG: "/etc/acme.json" }))).toEqual({
      path: "/home/op/.acme/config.json",
      source: "profile default",
      required: false,
    });
  });
});

describe("stage candidates", () => {
  it("--stage-dir alone when given", () => {
    expect(
      adapter.stageCandidates(input({ ACME_PLUGIN_STAGE_DIR: "/a:/b" }, { stageDir: "~/stage" })),
    ).toEqual([{ path: "/home/op/stage", source: "--stage-dir", role: "target" }]);
  });

  it("ACME_PLUGIN_STAGE_DIR is a layered list: earlier entries read-only layers, the last the target", () => {
    const value = ["/ro/one", "/ro/two", "/rw/target"].join(path.delimiter);
    expect(adapter.stageCandidates(input({ ACME_PLUGIN_STAGE_DIR: value }))).toEqual([
      { path: "/ro/one", source: "ACME_PLUGIN_STAGE_DIR[0]", role: "layer" },
      { path: "/ro/two", source: "ACME_PLUGIN_STAGE_DIR[1]", role: "layer" },
      { path: "/rw/target", source: "ACME_PLUGIN_STAGE_DIR[2]", role: "target" },
    ]);
  });

  it("a single entry is just the target; empty entries are dropped", () => {
    const d = path.delimiter;
    expect(adapter.stageCandidates(input({ ACME_PLUGIN_STAGE_DIR: `${d}/only${d}` }))).toEqual([
      { path: "/only", source: "ACME_PLUGIN_STAGE_DIR[0]", role: "target" },
    ]);
  });

  it.each([
    ["unset", {}],
    ["empty", { ACME_PLUGIN_STAGE_DIR: "" }],
    ["only delimiters", { ACME_PLUGIN_STAGE_DIR: path.delimiter.repeat(3) }],
    ["another host's variable", { OPENCLAW_PLUGIN_STAGE_DIR: "/x" }],
  ])("%s: the profile's defaultDir", (_name, env) => {
    expect(adapter.stageCandidates(input(env))).toEqual([
      { path: "/var/lib/acme/plugin-deps", source: "profile default", role: "target" },
    ]);
  });

  it("a profile without stage.envVar ignores the environment", () => {
    const p = acmeProfile();
    const bare = profileAdapter({ ...p, stage: { defaultDir: "~/deps" } });
    expect(bare.stageVariables).toBe("--stage-dir");
    expect(bare.stageCandidates(input({ ACME_PLUGIN_STAGE_DIR: "/a" }))).toEqual([
      { path: "/home/op/deps", source: "profile default", role: "target" },
    ]);
  });

  it("has no legacy debris of its own", () => {
    expect(adapter.findDebris({ packageRoot: ACME_HOST, plugins: [], stageBases: [], now: 0 })).toEqual([]);
  });
});

describe("invalid profiles are rejected with a clear message", () => {
  const profileFile = (name: string, mutate: (p: Record<string, unknown>) => unknown): string =>
    write(`${name}.json`, JSON.stringify(mutate(acmeProfile() as unknown as Record<string, unknown>)));
  const withPlugins = (p: Record<string, unknown>, glob: string) => ({
    ...p,
    plugins: { ...(p["plugins"] as object), glob },
  });

  it.each([
    [
      "a name that is not a slug",
      (p: Record<string, unknown>) => ({ ...p, name: "Acme Host" }),
      ['name "Acme Host"', "directory name"],
    ],
    [
      "a name with a path in it",
      (p: Record<string, unknown>) => ({ ...p, name: "../acme" }),
      ['name "../acme"'],
    ],
    ["the reserved name", (p: Record<string, unknown>) => ({ ...p, name: "plugdeps" }), ["reserved"]],
    [
      "an absolute glob",
      (p: Record<string, unknown>) => withPlugins(p, "/usr/lib/acme/plugins/*/package.json"),
      ["plugins.glob", "relative"],
    ],
    [
      "a glob with ..",
      (p: Record<string, unknown>) => withPlugins(p, "plugins/../../*/package.json"),
      ["plugins.glob", '".."'],
    ],
    [
      "a glob not ending in package.json",
      (p: Record<string, unknown>) => withPlugins(p, "plugins/*/index.js"),
      ["plugins.glob", "package.json"],
    ],
    [
      "a bad config env var",
      (p: Record<string, unknown>) => ({ ...p, config: { envVar: "ACME-CONFIG" } }),
      ['"ACME-CONFIG" is not an environment variable name'],
    ],
    [
      "a bad stage env var",
      (p: Record<string, unknown>) => ({ ...p, stage: { defaultDir: "/x", envVar: "1STAGE" } }),
      ['"1STAGE" is not an environment variable name'],
    ],
  ])("%s", (name, mutate, fragments) => {
    const file = profileFile(name.replace(/\W+/g, "-"), mutate);
    const err = leftOf(loadProfile(file));
    expect(err._tag).toBe("ProfileInvalid");
    expect(err.message).toContain(`host profile ${file} is invalid`);
    for (const f of fragments) expect(err.message).toContain(f);
    // the adapter loader and --host profile:FILE refuse it the same way
    expect(leftOf(loadProfileAdapter(file)).message).toBe(err.message);
    expect(leftOf(selectAdapter(`profile:${file}`, input())).message).toBe(err.message);
  });

  it("wrong or missing fields name their key paths", () => {
    const file = profileFile("types", (p) => ({ ...p, packageName: undefined, plugins: { glob: 42 } }));
    const err = leftOf(loadProfile(file));
    expect(err._tag).toBe("DecodeError");
    expect(err.message).toContain(file);
    expect(err.message).toContain("host profile");
    expect(err.message).toContain("packageName: expected string");
    expect(err.message).toContain("plugins.glob: expected string, got 42");
  });

  it("not JSON: the file and position", () => {
    const file = write("notjson.json", "name: acme\n");
    const err = leftOf(loadProfile(file));
    expect(err._tag).toBe("ProfileInvalid");
    expect(err.message).toContain(`host profile ${file} is invalid: not valid JSON at ${file}:1:`);
  });

  it("a missing file", () => {
    const file = path.join(tmp, "no-such-profile.json");
    const err = leftOf(loadProfile(file));
    expect(err).toMatchObject({ _tag: "ProfileInvalid", path: file });
    expect(err.message).toContain("file not found");
  });
});
