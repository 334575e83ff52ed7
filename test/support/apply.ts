import * as fs from "node:fs";
import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { execa } from "execa";
import * as semver from "semver";
import { expect, inject } from "vitest";
import type { PlanDocument } from "../../src/model/plan.js";

/** What the root checks read of a plan: the same in the file (JSON) and in process. */
type PlanFacts = Pick<PlanDocument, "desired" | "observed">;
import { RootState } from "../../src/model/state.js";
import { decodePlanJson } from "../../src/render/plan-json.js";
import {
  configFixture,
  copyFixture,
  describeRun,
  fixture,
  makeSandbox,
  REPO_ROOT,
  runCli,
  runCommand,
  type RunResult,
  type Sandbox,
  targetArgs,
} from "./cli.js";

/**
 * Helpers for the `apply` integration tests: the built CLI against the local registry (Verdaccio,
 * started once per vitest run), with a package manager chosen per test and every environment
 * variable controlled. Package-manager runs are COUNTED through PLUGDEPS_SPAWN_LOG (one line per
 * spawn: `<manager> <cwd>`), never timed.
 */

export type Manager = "pnpm" | "npm";
export const MANAGERS: readonly Manager[] = ["pnpm", "npm"];

/** Apply can install: generous, since a loaded 2-core CI box is slow, but never unbounded. */
export const APPLY_TIMEOUT_MS = 120_000;

/** The postinstall of @fixture/with-install-script writes this file. It must never appear. */
export const LIFECYCLE_CANARY = "/tmp/plugdeps-lifecycle-script-ran";

export interface ApplySandbox extends Sandbox {
  /** The package manager every run in this sandbox uses. */
  readonly pm: Manager;
  /** `<root>/spawn.log`: PLUGDEPS_SPAWN_LOG of every run in this sandbox. */
  readonly spawnLog: string;
}

/**
 * A sandbox laid out like a global install: the host at `<root>/usr/lib/node_modules/openclaw`
 * (so the host's global node_modules is a real `node_modules` dir), the stage at `<root>/stage`.
 */
export const makeApplySandbox = (
  pm: Manager,
  options: {
    readonly host?: string;
    readonly stage?: string;
    /**
     * Rewrite the host's version. The demo host is OpenClaw 2026.4.29, which reads only its own
     * root in the stage base; 2026.4.20 (the in-package band) also counts its own node_modules,
     * which the tests of Node's fallback resolution need (SPEC §5).
     */
    readonly version?: string;
  } = {},
): ApplySandbox => {
  const sb = makeSandbox({ host: null, stage: options.stage ?? "empty" });
  const host = sb.at("usr", "lib", "node_modules", "openclaw");
  fs.mkdirSync(path.dirname(host), { recursive: true });
  copyFixture(fixture("hosts", options.host ?? "openclaw-demo"), host);
  if (options.version !== undefined) {
    const manifest = path.join(host, "package.json");
    const pkg = JSON.parse(fs.readFileSync(manifest, "utf8")) as Record<string, unknown>;
    fs.writeFileSync(manifest, `${JSON.stringify({ ...pkg, version: options.version }, null, 2)}\n`);
  }
  return { ...sb, host, pm, spawnLog: sb.at("spawn.log") };
};

/**
 * PATH for the CLI: the repository's node_modules/.bin first (pnpm is a devDependency), then
 * node's own directory (npm ships beside it), then the system dirs (sh, unshare, mount).
 */
export const testPath = (): string =>
  [path.join(REPO_ROOT, "node_modules", ".bin"), path.dirname(process.execPath), "/usr/bin", "/bin"].join(
    path.delimiter,
  );

/** The variables every apply test sets on top of cliEnv (HOME, NO_COLOR, LANG). */
export const applyEnv = (sb: ApplySandbox, extra: Readonly<Record<string, string>> = {}) => ({
  PATH: testPath(),
  npm_config_userconfig: inject("registry").npmrc,
  PLUGDEPS_SPAWN_LOG: sb.spawnLog,
  ...extra,
});

/** The common flags: this sandbox's host and stage, its manager, and a config. */
export const commonArgs = (sb: ApplySandbox, config: string): string[] =>
  targetArgs({ host: sb.host, config, stage: sb.stage, pm: sb.pm });

export const run = (sb: ApplySandbox, args: readonly string[], env: Record<string, string> = {}) =>
  runCli(args, { home: sb.home, env: applyEnv(sb, env), timeoutMs: APPLY_TIMEOUT_MS });

export const apply = (sb: ApplySandbox, config = configFixture("demo.json5"), ...extra: string[]) =>
  run(sb, ["apply", ...commonArgs(sb, config), ...extra]);

export const expectOk = (r: RunResult): RunResult => {
  expect(r.exitCode, describeRun(r)).toBe(0);
  return r;
};

export const decodePlan = (text: string, file = "<stdout>"): PlanDocument => {
  const decoded = decodePlanJson(text, file);
  if (E.isLeft(decoded)) throw new Error(`${file} does not decode: ${decoded.left.message}\n${text}`);
  return decoded.right;
};

/** `plan --json` (read-only) for this sandbox. */
export const planJson = async (sb: ApplySandbox, config = configFixture("demo.json5")) => {
  const r = expectOk(await run(sb, ["plan", ...commonArgs(sb, config), "--json"]));
  return decodePlan(r.stdout);
};

/** The lines of the spawn log so far (one per package-manager run). */
export const spawnLines = (sb: ApplySandbox): string[] => {
  try {
    return fs
      .readFileSync(sb.spawnLog, "utf8")
      .split("\n")
      .filter((l) => l !== "");
  } catch {
    return [];
  }
};

/**
 * Spawn-log lines grouped by the build they belong to: the `.plugdeps-stage-*` directory directly
 * under the stage base that the package manager ran in (one per apply that built something).
 */
export const spawnsByStage = (sb: ApplySandbox, lines = spawnLines(sb)): Map<string, string[]> => {
  const groups = new Map<string, string[]>();
  for (const line of lines) {
    const cwd = line.slice(line.indexOf(" ") + 1);
    const rel = path.relative(sb.stage, cwd);
    const key = rel.split(path.sep)[0] ?? rel;
    groups.set(key, [...(groups.get(key) ?? []), line]);
  }
  return groups;
};

/** Writes a JSON5 (here: plain JSON) OpenClaw config into the sandbox and returns its path. */
export const writeConfig = (sb: Sandbox, name: string, config: unknown): string => {
  const file = sb.at(`${name}.json5`);
  fs.writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
  return file;
};

/** Adds a staged, enabledByDefault plugin `dist/extensions/<id>/` to an OpenClaw-shaped host. */
export const addPlugin = (host: string, id: string, dependencies: Record<string, string>): void => {
  const dir = path.join(host, "dist", "extensions", id);
  fs.mkdirSync(dir, { recursive: true });
  const manifest = {
    name: `@openclaw/${id}`,
    version: "2026.4.29",
    type: "module",
    main: "index.js",
    dependencies,
    openclaw: { bundle: { stageRuntimeDependencies: true } },
  };
  fs.writeFileSync(path.join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  fs.writeFileSync(
    path.join(dir, "openclaw.plugin.json"),
    `${JSON.stringify({ id, enabledByDefault: true })}\n`,
  );
  fs.writeFileSync(path.join(dir, "index.js"), "export {};\n");
};

/** Sets the host's package.json version (a host upgrade with unchanged plugins). */
export const setHostVersion = (host: string, version: string): void => {
  const file = path.join(host, "package.json");
  const manifest = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
  fs.writeFileSync(file, `${JSON.stringify({ ...manifest, version }, null, 2)}\n`);
};

/** Where a root's symlink points (a bare `<name>.gen-<id>` sibling), or null. */
export const liveTarget = (root: string): string | null => {
  try {
    return fs.readlinkSync(root);
  } catch {
    return null;
  }
};

/** Entries of the stage base left by interrupted or failed builds. */
export const leftovers = (stage: string): string[] =>
  fs.readdirSync(stage).filter((n) => n.startsWith(".plugdeps-stage-") || n.startsWith(".plugdeps-link-"));

/** Decodes `<root>/.plugdeps/state.json` with the RootState codec (throws when it does not). */
export const readState = (root: string): RootState => {
  const file = path.join(root, ".plugdeps", "state.json");
  const decoded = RootState.decode(JSON.parse(fs.readFileSync(file, "utf8")));
  if (E.isLeft(decoded)) throw new Error(`${file} does not decode as RootState`);
  return decoded.right;
};

/** What the root must hold for a plan: every desired package no read-only layer satisfies. */
export interface Wanted {
  readonly set: string;
  readonly setDir: string;
  readonly name: string;
  readonly spec: string;
}

export const wantedInRoot = (plan: PlanFacts): Wanted[] => {
  const elsewhere = new Set(
    plan.observed.layers
      .filter((l) => l.kind === "host" || l.kind === "read-only-stage")
      .flatMap((l) => l.satisfies.map((s) => `${s.set}\0${s.name}`)),
  );
  return plan.desired.sets.flatMap((set) =>
    set.packages
      .filter((p) => !elsewhere.has(`${set.id}\0${p.name}`))
      .map((p) => ({ set: set.id, setDir: set.dir, name: p.name, spec: p.spec })),
  );
};

/**
 * Loads every package from where a plugin would resolve it: one child `node` that, for each
 * package, resolves it from its set's directory in the root (`require.resolve(name, {paths})`),
 * requires it, and reports the version the module itself exports (every fixture package exports
 * `{ name, version }`) and the file it came from.
 */
export const loadFromRoot = async (
  requests: readonly { readonly name: string; readonly from: string }[],
): Promise<{ name: string; from: string; version: string; file: string }[]> => {
  const script = [
    "const out = [];",
    "for (const { name, from } of JSON.parse(process.argv[1])) {",
    "  const file = require.resolve(name, { paths: [from] });",
    "  const mod = require(file);",
    "  out.push({ name, from, version: mod.version, exported: mod.name, file });",
    "}",
    "process.stdout.write(JSON.stringify(out));",
  ].join("\n");
  const r = await execa(process.execPath, ["-e", script, JSON.stringify(requests)], {
    reject: false,
    extendEnv: false,
    env: { PATH: testPath() },
    cwd: path.parse(REPO_ROOT).root,
  });
  expect(r.exitCode, `node -e (loading from the root) failed:\n${r.stderr}`).toBe(0);
  const loaded = JSON.parse(r.stdout) as {
    name: string;
    from: string;
    version: string;
    exported: string;
    file: string;
  }[];
  for (const l of loaded) expect(l.exported, `${l.name} from ${l.from}`).toBe(l.name);
  return loaded;
};

/**
 * The root validates for this plan, checked from outside plugdeps: every package the root must
 * hold is at its set's place with a version satisfying the spec, and really loads (resolved from
 * the set's directory, i.e. a plugin-isolated set first) from a file inside the root.
 */
export const expectRootValid = async (root: string, plan: PlanFacts): Promise<void> => {
  const wanted = wantedInRoot(plan);
  expect(wanted.length, "the plan wants packages in the root").toBeGreaterThan(0);
  const realRoot = fs.realpathSync(root);
  const requests = wanted.map((w) => ({
    name: w.name,
    from: path.join(root, path.relative(plan.desired.targetRoot, w.setDir)),
  }));
  const loaded = await loadFromRoot(requests);
  wanted.forEach((w, i) => {
    const l = loaded[i];
    const where = `${w.name} [${w.set}]`;
    expect(l, where).toBeDefined();
    if (l === undefined) return;
    expect(semver.satisfies(l.version, w.spec), `${where}: loaded ${l.version}, wanted ${w.spec}`).toBe(true);
    const setDir = path.join(realRoot, path.relative(plan.desired.targetRoot, w.setDir));
    expect(l.file.startsWith(path.join(setDir, "node_modules") + path.sep), `${where} from ${l.file}`).toBe(
      true,
    );
    const manifest = JSON.parse(
      fs.readFileSync(path.join(setDir, "node_modules", w.name, "package.json"), "utf8"),
    ) as { version: string };
    expect(manifest.version, where).toBe(l.version);
  });
};

/** Inodes of every regular file under `dir`, by path relative to `dir`. */
export const inodes = (dir: string): Map<string, number> => {
  const out = new Map<string, number>();
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.set(path.relative(dir, p), fs.lstatSync(p).ino);
    }
  };
  walk(dir);
  return out;
};

/** Runs an arbitrary command (e.g. the CLI inside `unshare`) with this sandbox's environment. */
export const runWrapped = (
  sb: ApplySandbox,
  file: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<RunResult> =>
  runCommand(file, args, { home: sb.home, env: applyEnv(sb, env), timeoutMs: APPLY_TIMEOUT_MS });
