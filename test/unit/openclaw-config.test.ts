import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/hosts/openclaw/config.js";
import { locateConfig } from "../../src/hosts/openclaw/config-location.js";
import { loadActivation, openclawAdapter } from "../../src/hosts/openclaw/index.js";
import { pluginFacts } from "../../src/hosts/openclaw/discover.js";
import type { Activation, ConfigLocation, Decision, HostInput, PluginFacts } from "../../src/hosts/types.js";
import { tempDir } from "../support/temp.js";
import { leftOf, rightOf } from "../support/either.js";

const tmp = tempDir("openclaw-config");

const write = (name: string, text: string): string => {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, text);
  return p;
};
const at = (p: string, required = true, source = "--config"): ConfigLocation => ({
  path: p,
  source,
  required,
});

/** One plugin decided by a 2026.4.29 host that ships only it. */
const decideIn = (activation: Activation, plugin: PluginFacts): Decision =>
  activation({ version: "2026.4.29", packageRoot: "/nonexistent", plugins: [plugin] }).decide(plugin);

const slack: PluginFacts = {
  id: "slack",
  dir: "/x",
  dependencies: {},
  staged: true,
  channels: ["slack"],
  providers: [],
  enabledByDefault: false,
  legacyIds: [],
};

describe("loadConfig", () => {
  it("reads JSON5 (comments, unquoted keys, trailing commas)", () => {
    const p = write("ok.json5", "// operator config\n{\n  channels: { slack: { enabled: true, }, },\n}\n");
    expect(rightOf(loadConfig(at(p)))).toEqual({ channels: { slack: { enabled: true } } });
  });

  it("reports a JSON5 syntax error with its exact line and column", () => {
    // line 3 is `    allow: ["a" "b"],`; the second string starts at column 17
    const p = write("syntax.json5", '{\n  plugins: {\n    allow: ["a" "b"],\n  },\n}\n');
    const err = leftOf(loadConfig(at(p)));
    expect(err._tag).toBe("ConfigParseError");
    if (err._tag !== "ConfigParseError") return;
    expect([err.path, err.line, err.column]).toEqual([p, 3, 17]);
    expect(err.message).toContain(`${p}:3:17:`);
  });

  it("reports an unterminated document at its end", () => {
    const p = write("truncated.json5", '{\n  "plugins": {\n');
    const err = leftOf(loadConfig(at(p)));
    expect(err._tag).toBe("ConfigParseError");
    if (err._tag === "ConfigParseError") expect(err.line).toBe(3);
  });

  it("reports wrong types with their key paths", () => {
    const p = write(
      "types.json5",
      JSON.stringify({
        plugins: { allow: ["a", 42], entries: { "0": { enabled: 1 } } },
        channels: { slack: { enabled: "yes" } },
        agents: { defaults: { model: 5 } },
      }),
    );
    const err = leftOf(loadConfig(at(p)));
    expect(err._tag).toBe("DecodeError");
    expect(err.message).toContain(p);
    expect(err.message).toContain("plugins.allow[1]: expected string, got 42");
    expect(err.message).toContain('channels.slack.enabled: expected boolean, got "yes"');
    // a record key made of digits is a key, not an array index
    expect(err.message).toContain("plugins.entries.0.enabled: expected boolean, got 1");
    // the two union branches are merged into one line
    expect(err.message).toContain("agents.defaults.model: expected string or object, got 5");
  });

  it("names a nested member of a union", () => {
    const p = write("primary.json5", "{ agents: { defaults: { model: { primary: 7 } } } }");
    expect(leftOf(loadConfig(at(p))).message).toContain(
      "agents.defaults.model.primary: expected string, got 7",
    );
  });

  it("a wrongly typed section reads as 'expected object'", () => {
    const p = write("section.json5", '{ plugins: "all" }');
    expect(leftOf(loadConfig(at(p))).message).toContain('plugins: expected object, got "all"');
  });

  it("a missing explicitly named file is ConfigNotFound naming the path and the rule", () => {
    const p = path.join(tmp, "nope.json5");
    const err = leftOf(loadConfig(at(p, true, "OPENCLAW_CONFIG_PATH")));
    expect(err._tag).toBe("ConfigNotFound");
    expect(err.message).toContain(p);
    expect(err.message).toContain("OPENCLAW_CONFIG_PATH");
  });

  it("a missing default file is the empty config", () => {
    expect(rightOf(loadConfig(at(path.join(tmp, "absent", "openclaw.json"), false, "default")))).toEqual({});
  });

  it("a directory where the file should be is an fs error, even for a default location", () => {
    const dir = path.join(tmp, "isdir.json");
    fs.mkdirSync(dir);
    expect(leftOf(loadConfig(at(dir, false, "default")))._tag).toBe("FsError");
  });

  it("hostile prototype keys neither activate anything nor pollute Object.prototype", () => {
    const p = write(
      "hostile.json5",
      '{ plugins: { entries: { "__proto__": { enabled: true }, constructor: { enabled: true } } },' +
        ' channels: { "__proto__": { enabled: true }, toString: { enabled: true } } }',
    );
    const activation = rightOf(loadActivation(at(p)));
    const hostile = pluginFacts(
      "constructor",
      "/x",
      {},
      { channels: ["constructor", "toString", "__proto__"] },
    );
    expect(decideIn(activation, slack)).toEqual({ active: false, reason: "not enabled (no rule matched)" });
    expect(decideIn(activation, hostile).active).toBe(false);
    expect(({} as Record<string, unknown>)["enabled"]).toBeUndefined();
  });
});

describe("loadActivation", () => {
  it("decides plugins against the loaded config", () => {
    const p = write("act.json5", "{ channels: { slack: { enabled: true } } }");
    const activation = rightOf(openclawAdapter.loadActivation(at(p)));
    expect(decideIn(activation, slack)).toEqual({ active: true, reason: "channels.slack.enabled=true" });
  });

  it("passes failures through", () => {
    expect(leftOf(loadActivation(at(path.join(tmp, "missing.json5"))))._tag).toBe("ConfigNotFound");
  });
});

describe("locateConfig precedence", () => {
  const home = "/home/op";
  const input = (env: Record<string, string>, config?: string): HostInput => ({
    env,
    homedir: home,
    flags: config === undefined ? {} : { config },
  });
  const all = { OPENCLAW_CONFIG_PATH: "/etc/openclaw/cfg.json5", OPENCLAW_STATE_DIR: "/srv/openclaw" };

  it.each([
    [
      "--config beats everything",
      input(all, "/tmp/a.json5"),
      { path: "/tmp/a.json5", source: "--config", required: true },
    ],
    [
      "OPENCLAW_CONFIG_PATH beats the state dir",
      input(all),
      { path: "/etc/openclaw/cfg.json5", source: "OPENCLAW_CONFIG_PATH", required: true },
    ],
    [
      "OPENCLAW_STATE_DIR/openclaw.json, may be absent",
      input({ OPENCLAW_STATE_DIR: "/srv/openclaw" }),
      { path: "/srv/openclaw/openclaw.json", source: "OPENCLAW_STATE_DIR", required: false },
    ],
    [
      "~/.openclaw/openclaw.json last",
      input({}),
      { path: "/home/op/.openclaw/openclaw.json", source: "default", required: false },
    ],
    [
      "empty variables count as unset",
      input({ OPENCLAW_CONFIG_PATH: "", OPENCLAW_STATE_DIR: "" }, ""),
      { path: "/home/op/.openclaw/openclaw.json", source: "default", required: false },
    ],
    [
      "a leading ~/ is the given home",
      input({}, "~/cfg/openclaw.json5"),
      { path: "/home/op/cfg/openclaw.json5", source: "--config", required: true },
    ],
    [
      "~ in OPENCLAW_STATE_DIR too",
      input({ OPENCLAW_STATE_DIR: "~/state" }),
      { path: "/home/op/state/openclaw.json", source: "OPENCLAW_STATE_DIR", required: false },
    ],
  ])("%s", (_name, given, expected) => {
    expect(locateConfig(given)).toEqual(expected);
  });

  it("resolves relative paths against the working directory", () => {
    expect(locateConfig(input({ OPENCLAW_CONFIG_PATH: "conf/openclaw.json5" })).path).toBe(
      path.resolve(process.cwd(), "conf/openclaw.json5"),
    );
  });
});
