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

/** The sudo warnings among a spec's warnings (a sandbox under /tmp has a warning of its own). */
const sudoWarnings = (warnings: readonly string[]) => warnings.filter((w) => w.includes("SUDO_USER"));

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

  it("system units run as --user-name / --group, else the host's slug, and say so", () => {
    const { request } = setup();
    const known = (name: string) => (name === "svc" ? { home: "/var/lib/svc" } : null);
    const named = specOf(request({ userName: "svc", group: "deps", lookupUser: known }));
    expect(named.spec.runAs).toEqual({ user: "svc", group: "deps", home: "/var/lib/svc" });
    expect(named.notes.join("\n")).not.toMatch(/runs as user|user svc does not exist/);

    const byDefault = specOf(request({ lookupUser: known }));
    expect(byDefault.spec.runAs).toEqual({ user: "openclaw", group: null, home: null });
    expect(byDefault.notes.join("\n")).toMatch(
      /runs as user openclaw \(no --user-name given\).*User=openclaw/,
    );
    expect(byDefault.notes.join("\n")).toMatch(
      /user openclaw does not exist on this machine: create it \(useradd/,
    );
    // nothing known about accounts (a directory service): no claim that the user is missing
    expect(specOf(request({ lookupUser: () => undefined })).notes.join("\n")).not.toMatch(
      /user openclaw does not exist/,
    );
    expect(specOf(request({ userName: "root", lookupUser: known })).notes.join("\n")).toMatch(
      /runs as root: the package manager writes as root/,
    );
  });

  it("refuses a name systemd would not take, and --user-name / --group with --user", () => {
    const { request } = setup();
    for (const bad of ["open claw", "a\nUser=root", "-x", "x".repeat(40)]) {
      const r = unitsSpec(request({ userName: bad }), PATHS);
      expect(E.isLeft(r) && r.left.message).toMatch(/^--user-name .* is not a user or group name/);
    }
    const g = unitsSpec(request({ group: "a:b" }), PATHS);
    expect(E.isLeft(g) && g.left.message).toMatch(/^--group /);
    expect(E.isRight(unitsSpec(request({ userName: "1001" }), PATHS))).toBe(true);
    const user = unitsSpec(request({ scope: "user", userName: "svc" }), PATHS);
    expect(E.isLeft(user) && user.left.message).toMatch(/--user-name applies to system units/);
    expect(specOf(request({ scope: "user" })).spec.runAs).toBeNull();
  });

  it("pins every path absolute, relative ones resolved against the working directory", () => {
    const { dir, host, request } = setup();
    const cwd = process.cwd();
    try {
      process.chdir(dir);
      fs.writeFileSync(path.join(dir, "settings.json5"), "{}\n");
      fs.copyFileSync(configFixture("demo.json5"), path.join(dir, "openclaw.json"));
      const { spec } = specOf(
        request({
          packageRoot: path.relative(dir, host),
          config: "openclaw.json",
          settings: "./settings.json5",
          stageDir: "deps",
        }),
      );
      const real = fs.realpathSync(dir);
      const values = spec.options.filter((_, i) => spec.options[i - 1]?.startsWith("--") === true);
      for (const v of values) expect(path.isAbsolute(v), v).toBe(true);
      expect(spec.options).toEqual(
        expect.arrayContaining([
          "--config",
          path.join(real, "openclaw.json"),
          "--settings",
          path.join(real, "settings.json5"),
          "--stage-dir",
          path.join(real, "deps"),
        ]),
      );
      expect(spec.stage.target).toBe(path.join(real, "deps"));
    } finally {
      process.chdir(cwd);
    }
  });

  it("pins $PLUGDEPS_SETTINGS from the shell: the unit does not have it", () => {
    const { dir, request } = setup();
    const settings = path.join(dir, "s.json5");
    const { spec } = specOf(request({ env: { PLUGDEPS_SETTINGS: settings } }));
    expect(spec.options).toEqual(expect.arrayContaining(["--settings", settings]));
    // --settings wins
    const flag = specOf(request({ settings: "/etc/plugdeps.json5", env: { PLUGDEPS_SETTINGS: settings } }));
    expect(flag.spec.options).toEqual(expect.arrayContaining(["--settings", "/etc/plugdeps.json5"]));
    expect(flag.spec.options).not.toContain(settings);
  });

  describe("sudo with root's HOME", () => {
    const sudo = () => {
      const s = setup();
      const rootHome = path.join(s.dir, "root");
      const alice = path.join(s.dir, "alice");
      fs.mkdirSync(path.join(alice, ".openclaw"), { recursive: true });
      fs.copyFileSync(configFixture("demo.json5"), path.join(alice, ".openclaw", "openclaw.json"));
      const accounts: Record<string, { home: string }> = { root: { home: rootHome }, alice: { home: alice } };
      const lookupUser = (name: string) => accounts[name] ?? null;
      const req = (extra: Partial<UnitsRequest> = {}) =>
        s.request({ homedir: rootHome, env: { SUDO_USER: "alice", HOME: rootHome }, lookupUser, ...extra });
      return { ...s, rootHome, alice, req };
    };

    it("warns, naming the config used (none) and the user's own to pass", () => {
      const { req, rootHome, alice } = sudo();
      const { spec, warnings: all } = specOf(req());
      const warnings = sudoWarnings(all);
      expect(spec.options).not.toContain("--config");
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(`SUDO_USER=alice) with HOME=${rootHome}, root's`);
      expect(warnings[0]).toContain(
        `no config was found at ${path.join(rootHome, ".openclaw", "openclaw.json")}`,
      );
      expect(warnings[0]).toContain(
        `sudo plugdeps units --config ${path.join(alice, ".openclaw", "openclaw.json")}`,
      );
    });

    it("names root's config when there is one", () => {
      const { req, rootHome } = sudo();
      const rootConfig = path.join(rootHome, ".openclaw", "openclaw.json");
      fs.mkdirSync(path.dirname(rootConfig), { recursive: true });
      fs.copyFileSync(configFixture("demo.json5"), rootConfig);
      const { spec, warnings: all } = specOf(req());
      const warnings = sudoWarnings(all);
      expect(spec.options).toEqual(expect.arrayContaining(["--config", rootConfig]));
      expect(warnings[0]).toContain(`the unit pins root's config, ${rootConfig}`);
    });

    it("says nothing when the config is named (--config, OPENCLAW_CONFIG_PATH), HOME is kept, or no sudo", () => {
      const { req, alice } = sudo();
      const config = configFixture("demo.json5");
      expect(sudoWarnings(specOf(req({ config })).warnings)).toEqual([]);
      expect(
        sudoWarnings(
          specOf(req({ env: { SUDO_USER: "alice", HOME: "/root", OPENCLAW_CONFIG_PATH: config } })).warnings,
        ),
      ).toEqual([]);
      // sudo -H off / --preserve-env=HOME: HOME is alice's
      expect(
        sudoWarnings(specOf(req({ homedir: alice, env: { SUDO_USER: "alice", HOME: alice } })).warnings),
      ).toEqual([]);
      expect(sudoWarnings(specOf(req({ env: {} })).warnings)).toEqual([]);
      expect(sudoWarnings(specOf(req({ env: { SUDO_USER: "root" } })).warnings)).toEqual([]);
    });
  });

  describe("what the service would not see, or not share", () => {
    it("warns when a pinned path is under /tmp or /var/tmp (PrivateTmp=yes), naming each; not for user units", () => {
      const { request, host } = setup();
      expect(fs.realpathSync(host)).toMatch(/^\/tmp\//);
      const { warnings } = specOf(request({ stageDir: "/var/tmp/deps" }));
      const tmp = warnings.filter((w) => w.includes("PrivateTmp=yes"));
      expect(tmp).toHaveLength(1);
      expect(tmp[0]).toContain(`the package root (${fs.realpathSync(host)})`);
      expect(tmp[0]).toContain("the stage base (/var/tmp/deps)");
      expect(tmp[0]).not.toContain("node (");
      expect(specOf(request({ scope: "user" })).warnings.filter((w) => w.includes("PrivateTmp"))).toEqual([]);
    });

    it("notes the stage base this shell's plan uses when it is another and holds something", () => {
      const { request, home } = setup();
      const shell = path.join(home, ".openclaw", "plugin-runtime-deps");
      const noteOf = () => specOf(request()).notes.filter((n) => n.includes("in this shell uses"));
      expect(noteOf()).toEqual([]); // nothing there yet
      fs.mkdirSync(shell, { recursive: true });
      expect(noteOf()).toEqual([]); // empty
      fs.mkdirSync(path.join(shell, "openclaw-2026.4.29-aaaaaaaaaaaa"));
      const [note] = noteOf();
      expect(note).toContain(`the unit's stage base is /var/lib/openclaw/plugin-runtime-deps`);
      expect(note).toContain(`uses ${shell}`);
      expect(note).toContain(
        "OPENCLAW_PLUGIN_STAGE_DIR=/var/lib/openclaw/plugin-runtime-deps plugdeps status",
      );
      // The same directory: nothing to say.
      expect(
        specOf(request({ stageDir: shell })).notes.filter((n) => n.includes("in this shell uses")),
      ).toEqual([]);
    });
  });
});
