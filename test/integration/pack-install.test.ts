import * as fs from "node:fs";
import * as path from "node:path";
import * as tar from "tar";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { configFixture, describeRun, REPO_ROOT, runCommand, type RunResult } from "../support/cli.js";
import { APPLY_TIMEOUT_MS, makeApplySandbox } from "../support/apply.js";
import { npmrcFor } from "../support/registry.js";
import { tempDir } from "../support/temp.js";

/**
 * The package as an operator gets it (issue 16, item 1): `npm pack`, then the tarball installed
 * into a fresh global prefix (`npm i -g --prefix`), into a project that depends on it, and run by
 * `npm exec`. Nothing runs from the repository: PATH has node's own directory (npm beside it) and
 * the system dirs only, and every npm command reads an npmrc pointing at the local Verdaccio, so
 * nothing goes to the public registry (the package has no dependencies: nothing should be fetched
 * but the optional peers' metadata, which Verdaccio answers 404).
 *
 * Prints the installed footprint (size and package count of the global install).
 */

const PKG = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as {
  name: string;
  version: string;
};
const tmp = tempDir("pack-install");
const at = (...parts: string[]) => path.join(tmp, ...parts);
const home = at("home");
const npmrc = at("npmrc");
const prefix = at("prefix");
const installedBin = path.join(prefix, "bin", "plugdeps");
const installedPkg = path.join(prefix, "lib", "node_modules", PKG.name);
let tarball = "";

/** What the library exports for the `--json` documents (docs/json.md). */
const DOCUMENT_CODECS = [
  "PlanDocumentJson",
  "StatusDocument",
  "DoctorReport",
  "ApplyDocument",
  "ResolveDocument",
  "RollbackDocument",
  "ReconcileDocument",
];
const DOCUMENT_DECODERS = [
  "decodePlanJson",
  "decodeStatusJson",
  "decodeDoctorJson",
  "decodeApplyJson",
  "decodeResolveJson",
  "decodeRollbackJson",
  "decodeReconcileJson",
];

/** PATH without the repository's node_modules/.bin: node (and npm beside it), then the system. */
const PATH = [path.dirname(process.execPath), "/usr/bin", "/bin"].join(path.delimiter);
const env = (extra: Record<string, string> = {}): Record<string, string> => ({
  PATH,
  npm_config_userconfig: npmrc,
  npm_config_cache: at("npm-cache"),
  npm_config_update_notifier: "false",
  npm_config_fund: "false",
  npm_config_audit: "false",
  ...extra,
});
const sh = (file: string, args: readonly string[], cwd: string, extra: Record<string, string> = {}) =>
  runCommand(file, args, { home, cwd, env: env(extra), timeoutMs: APPLY_TIMEOUT_MS });
const npm = (args: readonly string[], cwd: string) => sh("npm", args, cwd);
const ok = (r: RunResult): RunResult => {
  expect(r.exitCode, describeRun(r)).toBe(0);
  return r;
};

/** Installed packages (dirs with a package.json directly in a node_modules) and bytes under a dir. */
const footprint = (dir: string): { packages: number; bytes: number; diskBytes: number } => {
  let packages = 0;
  let bytes = 0;
  let diskBytes = 0;
  const walk = (p: string, parentIsNodeModules: boolean, scope: boolean): void => {
    const st = fs.lstatSync(p);
    bytes += st.size;
    diskBytes += st.blocks * 512;
    if (!st.isDirectory()) return;
    if ((parentIsNodeModules || scope) && fs.existsSync(path.join(p, "package.json"))) packages++;
    for (const name of fs.readdirSync(p)) {
      const isScope = parentIsNodeModules && name.startsWith("@");
      walk(path.join(p, name), path.basename(p) === "node_modules", isScope);
    }
  };
  walk(dir, false, false);
  return { packages, bytes, diskBytes };
};
const mb = (n: number) => `${(n / 1_000_000).toFixed(1)} MB`;

beforeAll(async () => {
  for (const dir of [home, prefix, at("pack")]) fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(npmrc, npmrcFor(inject("registry").url));
  const packed = ok(await npm(["pack", "--json", "--pack-destination", at("pack")], REPO_ROOT));
  const [info] = JSON.parse(packed.stdout) as { filename: string }[];
  tarball = at("pack", info?.filename ?? "");
  expect(fs.existsSync(tarball), packed.stdout).toBe(true);
  const installed = ok(await npm(["install", "--global", "--prefix", prefix, tarball], tmp));
  const { packages, bytes, diskBytes } = footprint(prefix);
  console.log(
    `pack-install: npm i -g ${path.basename(tarball)}: ${installed.stdout.trim()}; ` +
      `the prefix holds ${packages} package(s), ${mb(bytes)} (${mb(diskBytes)} on disk)`,
  );
}, APPLY_TIMEOUT_MS * 2);

describe("the packed tarball", () => {
  const entries = async (): Promise<Map<string, { mode: number; text: () => Promise<string> }>> => {
    const found = new Map<string, { mode: number; text: () => Promise<string> }>();
    const bodies = new Map<string, string>();
    await tar.t({
      file: tarball,
      onReadEntry: (entry) => {
        const rel = entry.path.replace(/^package\//, "");
        const chunks: Buffer[] = [];
        entry.on("data", (c: Buffer) => chunks.push(c));
        entry.on("end", () => bodies.set(rel, Buffer.concat(chunks).toString("utf8")));
        found.set(rel, { mode: entry.mode ?? 0, text: async () => bodies.get(rel) ?? "" });
      },
    });
    return found;
  };

  it("has the bin with #!/usr/bin/env node, executable; LICENSE and the bundled packages' licenses", async () => {
    const files = await entries();
    const bin = files.get("dist/src/cli/plugdeps.cjs");
    expect(bin).toBeDefined();
    expect((await bin?.text())?.split("\n")[0]).toBe("#!/usr/bin/env node");
    expect((bin?.mode ?? 0) & 0o111).toBe(0o111);
    for (const name of ["LICENSE", "CHANGELOG.md", "README.md", "dist/THIRD-PARTY-LICENSES.md"])
      expect(files.has(name), name).toBe(true);
  });

  it("has no runtime dependencies, and every JavaScript file in it is a bundle", async () => {
    const files = await entries();
    const manifest = JSON.parse((await files.get("package.json")?.text()) ?? "{}") as Record<string, unknown>;
    expect(manifest["dependencies"]).toBeUndefined();
    const js = [...files.keys()].filter((f) => /\.(c|m)?js$/.test(f));
    const bundles =
      /^dist\/src\/(index\.js|lib\/.+|chunks\/.+|resolve\/(register|esm-hooks)\.js|cli\/(plugdeps|main\.bundle|prom-client)\.cjs)$/;
    expect(js.filter((f) => !bundles.test(f))).toEqual([]);
    // tsc's unbundled modules import fp-ts & co., which an installed plugdeps does not have.
    for (const f of js) expect(await files.get(f)?.text(), f).not.toMatch(/from "(fp-ts|io-ts|commander)/);
  });
});

describe("npm i -g <tarball> into a fresh prefix", () => {
  it("installs one package, nothing else, and links an executable bin", () => {
    expect(footprint(prefix).packages).toBe(1);
    expect(fs.readdirSync(path.join(prefix, "lib", "node_modules")).sort()).toEqual([PKG.name]);
    expect(fs.statSync(installedBin).mode & 0o111).toBe(0o111);
    // A regression guard, not a target: the CLI bundle, its code cache, the library and .d.ts.
    expect(footprint(installedPkg).bytes).toBeLessThan(8_000_000);
  });

  it("`plugdeps --version` prints the package version", async () => {
    const r = ok(await sh(installedBin, ["--version"], tmp));
    expect(r.stdout.trim()).toBe(PKG.version);
    expect(r.stderr).toBe("");
  });

  it("`plugdeps --help` lists the commands", async () => {
    const r = ok(await sh(installedBin, ["--help"], tmp));
    for (const cmd of ["plan", "apply", "status", "resolve", "doctor", "units", "reconcile"])
      expect(r.stdout).toMatch(new RegExp(`^\\s+${cmd}\\b`, "m"));
  });

  it("`source <(plugdeps completion bash)` registers the completion of the installed plugdeps", async () => {
    const r = ok(
      await sh("bash", ["-c", "source <(plugdeps completion bash); complete -p plugdeps"], tmp, {
        PATH: `${path.join(prefix, "bin")}${path.delimiter}${PATH}`,
      }),
    );
    expect(r.stdout.trim()).toBe("complete -o default -F _plugdeps plugdeps");
  });

  it("`npm exec --package=<tarball> -- plugdeps --help` runs it from the tarball", async () => {
    const dir = at("exec");
    fs.mkdirSync(dir);
    const r = ok(await npm(["exec", "--yes", `--package=${tarball}`, "--", "plugdeps", "--help"], dir));
    expect(r.stdout).toContain("Usage: plugdeps");
  });
});

describe("the installed CLI on an OpenClaw-shaped host, and plugdeps/register in a project", () => {
  const sb = makeApplySandbox("npm");
  const target = [
    "--package-root",
    sb.host,
    "--config",
    configFixture("demo.json5"),
    "--stage-dir",
    sb.stage,
  ];
  const cli = (args: readonly string[]) => sh(installedBin, args, sb.root, { NO_COLOR: "1" });
  const project = at("project");
  const slackProbe = path.join(sb.host, "dist", "extensions", "slack", "probe.mjs");

  beforeAll(async () => {
    fs.mkdirSync(project);
    fs.writeFileSync(
      path.join(project, "package.json"),
      `${JSON.stringify({ name: "consumer", version: "1.0.0", private: true, type: "module" }, null, 2)}\n`,
    );
    ok(await npm(["install", tarball], project));
    // A plugin file importing a dependency only the materialized root has.
    fs.writeFileSync(
      slackProbe,
      'const m = await import("@fixture/slack-sdk");\nconsole.log(JSON.stringify({ loaded: typeof m }));\n',
    );
  }, APPLY_TIMEOUT_MS);

  it("`plugdeps plan` exits 0 and plans the installs", async () => {
    const r = ok(await cli(["plan", ...target]));
    expect(r.stdout).toMatch(/^Plan: \d+ to reuse, \d+ to install/m);
  });

  it(
    "`plugdeps apply` (npm, from the local registry) converges it",
    async () => {
      ok(await cli(["apply", ...target, "--package-manager", "npm"]));
      const again = ok(await cli(["plan", ...target]));
      expect(again.stdout).toContain("No changes.");
    },
    APPLY_TIMEOUT_MS,
  );

  it("the project depends on the tarball and has nothing else installed", () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(project, "package.json"), "utf8")) as {
      dependencies?: Record<string, string>;
    };
    expect(manifest.dependencies?.[PKG.name]).toMatch(/^file:/);
    expect(fs.readdirSync(path.join(project, "node_modules")).filter((n) => !n.startsWith("."))).toEqual([
      PKG.name,
    ]);
  });

  it("`node --import plugdeps/register` installs the hooks, and import('plugdeps') exposes createPlan", async () => {
    const code = [
      'const lib = await import("plugdeps");',
      'const reg = globalThis[Symbol.for("plugdeps.register")] ?? null;',
      'console.log(JSON.stringify({ createPlan: typeof lib.createPlan, register: reg, from: import.meta.resolve("plugdeps/register") }));',
    ].join("\n");
    const r = ok(
      await sh(
        process.execPath,
        ["--import", "plugdeps/register", "--input-type=module", "-e", code],
        project,
        {
          PLUGDEPS_STAGE_DIR: sb.stage,
        },
      ),
    );
    expect(r.stderr).toBe("");
    const out = JSON.parse(r.stdout) as { createPlan: string; register: unknown; from: string };
    expect(out.createPlan).toBe("function");
    expect(out.register).toEqual({ esm: "module.register", cjs: "Module._resolveFilename", roots: 1 });
    expect(out.from).toContain(`${project}/node_modules/${PKG.name}/`);
  });

  it("import('plugdeps') exposes each --json document's codec and decode function (docs/json.md)", async () => {
    const code = [
      'const lib = await import("plugdeps");',
      `const codecs = ${JSON.stringify(DOCUMENT_CODECS)};`,
      `const decoders = ${JSON.stringify(DOCUMENT_DECODERS)};`,
      "const isCodec = (c) => typeof c?.decode === 'function' && typeof c?.is === 'function' && typeof c?.encode === 'function';",
      "const applied = { formatVersion: 1, noop: true, executed: { reuse: 0, install: 0, prune: 0, cleanLegacy: 0 }, packageManagerRuns: 0, skipped: [], fingerprint: 'sha256:0' };",
      "console.log(JSON.stringify({",
      "  codecs: codecs.filter((n) => !isCodec(lib[n])),",
      "  decoders: decoders.filter((n) => typeof lib[n] !== 'function'),",
      "  decoded: lib.decodeApplyJson(JSON.stringify(applied))._tag,",
      "  valid: lib.ApplyDocument.is(applied),",
      "  refused: lib.decodeApplyJson(JSON.stringify({ ...applied, formatVersion: 2 }), 'old.json').left?.message,",
      "}));",
    ].join("\n");
    const r = ok(await sh(process.execPath, ["--input-type=module", "-e", code], project));
    expect(JSON.parse(r.stdout)).toEqual({
      codecs: [],
      decoders: [],
      decoded: "Right",
      valid: true,
      refused:
        "old.json: cannot read this apply document: it has formatVersion 2, but this plugdeps reads formatVersion 1 only.",
    });
  });

  it("a plugin's import of its dependency resolves from the root with the hook, and not without", async () => {
    const withHook = ok(
      await sh(process.execPath, ["--import", "plugdeps/register", slackProbe], project, {
        PLUGDEPS_STAGE_DIR: sb.stage,
      }),
    );
    expect(JSON.parse(withHook.stdout)).toEqual({ loaded: "object" });
    const without = await sh(process.execPath, [slackProbe], project, { PLUGDEPS_STAGE_DIR: sb.stage });
    expect(without.exitCode).not.toBe(0);
    expect(without.stderr).toContain("ERR_MODULE_NOT_FOUND");
  });

  it("`createPlan` of the installed library sees the converged host", async () => {
    const code = [
      'const { createPlan } = await import("plugdeps");',
      `const plan = createPlan(${JSON.stringify({ packageRoot: sb.host, config: configFixture("demo.json5"), stageDir: sb.stage })});`,
      'console.log(JSON.stringify({ tag: plan._tag, actions: plan._tag === "Right" ? plan.right.actions.length : plan.left }));',
    ].join("\n");
    const r = ok(await sh(process.execPath, ["--input-type=module", "-e", code], project));
    expect(JSON.parse(r.stdout)).toEqual({ tag: "Right", actions: 0 });
  });
});
