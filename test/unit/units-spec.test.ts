import * as fs from "node:fs";
import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { openclawAdapter } from "../../src/hosts/openclaw/index.js";
import { profileAdapter } from "../../src/hosts/profile/index.js";
import { stageVariableOf, unitsSpec, type UnitsRequest } from "../../src/units/spec.js";
import { configFixture, copyFixture, fixture } from "../support/cli.js";
import { tempDir } from "../support/temp.js";

/**
 * From the command line to a UnitsSpec: what the unit pins (package root, config, stage) so that
 * the timer converges what `plugdeps plan` shows in the operator's shell.
 */

const PATHS = {
  node: "/usr/bin/node",
  cli: "/opt/plugdeps/dist/src/cli/plugdeps.cjs",
  register: "/nonexistent/register.js",
};

const setup = () => {
  const dir = tempDir("units-spec");
  const host = path.join(dir, "host");
  copyFixture(fixture("hosts", "openclaw-demo"), host);
  const home = path.join(dir, "home");
  fs.mkdirSync(home);
  const request = (extra: Partial<UnitsRequest> = {}): UnitsRequest => ({
    packageRoot: host,
    everyMs: 15 * 60_000,
    scope: "system",
    env: {},
    homedir: home,
    ...extra,
  });
  return { dir, host, home, request };
};

const specOf = (req: UnitsRequest) => {
  const r = unitsSpec(req, PATHS);
  if (E.isLeft(r)) throw new Error(r.left.message);
  return r.right;
};

describe("unitsSpec", () => {
  it("system default: the adapter's system stage base through its variable, package root pinned", () => {
    const { host, request } = setup();
    const { spec, notes } = specOf(request());
    expect(spec.host).toBe("openclaw");
    expect(spec.stage).toEqual({
      target: "/var/lib/openclaw/plugin-runtime-deps",
      layers: ["/var/lib/openclaw/plugin-runtime-deps"],
      variable: "OPENCLAW_PLUGIN_STAGE_DIR",
    });
    expect(spec.options).toEqual(["--package-root", fs.realpathSync(host)]);
    expect(notes.join("\n")).toMatch(/no config file found/);
    expect(notes.join("\n")).toMatch(/register\.js does not exist yet/);
  });

  it("what the host's own unit needs follows the host's version band (read from its package.json)", () => {
    const { host, request } = setup();
    const real = fs.realpathSync(host);
    const withVersion = (version: string) => {
      const manifest = path.join(host, "package.json");
      const pkg = JSON.parse(fs.readFileSync(manifest, "utf8")) as Record<string, unknown>;
      fs.writeFileSync(manifest, JSON.stringify({ ...pkg, version }));
      return specOf(request({ stageDir: "/srv/deps" })).spec.hostService;
    };
    // 2026.4.29 writes its lock and dist/ mirror into its own root: the stage base is writable
    expect(withVersion("2026.4.29")).toMatchObject({
      readOnlyBinds: [],
      writable: [{ path: "/srv/deps" }],
      stageList: true,
    });
    // 2026.4.22 reads the stage variable as one path
    expect(withVersion("2026.4.22")).toMatchObject({ writable: [{ path: "/srv/deps" }], stageList: false });
    // 2026.4.20 looks in <package>/dist/extensions/node_modules (among others): plugdeps' root of
    // this identity, mounted there
    const v420 = withVersion("2026.4.20");
    expect(v420.writable).toEqual([]);
    expect(v420.readOnlyBinds).toHaveLength(1);
    expect(v420.readOnlyBinds[0]?.source).toMatch(
      /^\/srv\/deps\/openclaw-2026\.4\.20-[0-9a-f]{12}\/node_modules$/,
    );
    expect(v420.readOnlyBinds[0]?.target).toBe(path.join(real, "dist", "extensions", "node_modules"));
    // 2026.5.2 stages nothing
    expect(withVersion("2026.5.2")).toEqual({ readOnlyBinds: [], writable: [], stageList: true });
  });

  it("--user: the adapter's per-user stage base", () => {
    const { home, request } = setup();
    expect(specOf(request({ scope: "user" })).spec.stage.target).toBe(
      path.join(home, ".openclaw", "plugin-runtime-deps"),
    );
  });

  it("keeps the shell's layered stage variable as it is (read-only layers first)", () => {
    const { request } = setup();
    const { spec } = specOf(request({ env: { OPENCLAW_PLUGIN_STAGE_DIR: "/opt/baked:/srv/deps" } }));
    expect(spec.stage).toEqual({
      target: "/srv/deps",
      layers: ["/opt/baked", "/srv/deps"],
      variable: "OPENCLAW_PLUGIN_STAGE_DIR",
    });
    expect(spec.options).not.toContain("--stage-dir");
  });

  it("--stage-dir, --config, --settings, --override, --package-manager are passed on, absolute", () => {
    const { dir, request } = setup();
    const settings = path.join(dir, "settings.json5");
    fs.writeFileSync(settings, "{}\n");
    const { spec, notes } = specOf(
      request({
        stageDir: "~/deps",
        config: configFixture("demo.json5"),
        settings,
        overrides: ["@fixture/retry=^2.0.0"],
        packageManager: "npm",
      }),
    );
    const home = path.join(dir, "home");
    expect(spec.stage.target).toBe(path.join(home, "deps"));
    expect(spec.options).toEqual(expect.arrayContaining(["--stage-dir", path.join(home, "deps")]));
    expect(spec.options).toEqual(expect.arrayContaining(["--config", configFixture("demo.json5")]));
    expect(spec.options).toEqual(
      expect.arrayContaining(["--settings", settings, "--override", "@fixture/retry=^2.0.0"]),
    );
    expect(spec.options).toEqual(expect.arrayContaining(["--package-manager", "npm"]));
    expect(notes.join("\n")).not.toMatch(/no config file found/);
  });

  it("pins a config found through the shell's environment", () => {
    const { request } = setup();
    const { spec } = specOf(request({ env: { OPENCLAW_CONFIG_PATH: configFixture("demo.json5") } }));
    expect(spec.options).toEqual(expect.arrayContaining(["--config", configFixture("demo.json5")]));
  });

  it("refuses an interval under a minute and a host it cannot find", () => {
    const { request, dir } = setup();
    const short = unitsSpec(request({ everyMs: 30_000 }), PATHS);
    expect(E.isLeft(short) && short.left.message).toMatch(/shorter than 1min/);
    const missing = unitsSpec(request({ packageRoot: path.join(dir, "nope") }), PATHS);
    expect(E.isLeft(missing) && missing.left._tag).toBe("PackageRootNotFound");
  });

  it("a profile host: its slug, its stage variable (or none)", () => {
    const { request, home } = setup();
    const profileFile = fixture("profiles", "acme.json");
    const { spec } = specOf(
      request({ host: `profile:${profileFile}`, packageRoot: fixture("hosts", "acme-demo") }),
    );
    expect(spec.host).toBe("acme");
    expect(spec.stage.variable).toBe("ACME_PLUGIN_STAGE_DIR");
    expect(spec.stage.target).toBe("/var/lib/acme/plugin-deps");
    expect(spec.options.slice(0, 2)).toEqual(["--host", `profile:${profileFile}`]);
    const noVar = profileAdapter({
      name: "bare",
      packageName: "bare",
      plugins: { glob: "plugins/*/package.json" },
      config: {},
      stage: { defaultDir: "/var/lib/bare/deps" },
    });
    expect(stageVariableOf(noVar, home)).toBeNull();
    expect(stageVariableOf(openclawAdapter, home)).toBe("OPENCLAW_PLUGIN_STAGE_DIR");
  });
});
