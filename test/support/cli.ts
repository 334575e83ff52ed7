import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { expect } from "vitest";
import { tempDir } from "./temp.js";

/**
 * Helpers for integration tests that run the BUILT CLI as a real subprocess.
 *
 * - Every test works on COPIES: a fixture host and stage dir are copied into a fresh temp dir with
 *   fs.cpSync. Never point the CLI at fixtures/ in place: `apply` would mutate them, and the
 *   fixture debris is deliberately writable.
 * - The environment is built from scratch: HOME is a temp dir, no OPENCLAW_* / ACME_* / STATE_DIRECTORY
 *   / npm_config_* variables leak in from the developer's shell, NO_COLOR=1.
 * - snapshotTree records everything a write could change, so "plan writes nothing" is checkable.
 */

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const CLI = path.join(REPO_ROOT, "dist", "src", "cli", "plugdeps.cjs");
export const fixture = (...parts: string[]): string => path.join(REPO_ROOT, "fixtures", ...parts);
export const configFixture = (name: string): string => fixture("configs", name);

// ---------------------------------------------------------------------------------------------
// Sandboxes

export interface Sandbox {
  /** Realpath of the fresh temp dir holding everything below. */
  readonly root: string;
  /** An empty directory used as HOME for the CLI. */
  readonly home: string;
  /** The copied host package root (realpath), or `<root>/host` (absent) when no host was copied. */
  readonly host: string;
  /** The stage dir: a copy of a fixture stage, an empty dir, or a path that does not exist yet. */
  readonly stage: string;
  /** A path inside the sandbox. */
  readonly at: (...parts: string[]) => string;
}

export interface SandboxOptions {
  /** A fixture host under fixtures/hosts/ to copy (default `openclaw-demo`); null copies none. */
  readonly host?: string | null;
  /** A fixture stage under fixtures/stages/ to copy, `empty` (an empty dir) or `absent` (default `empty`). */
  readonly stage?: string;
}

/** A fresh sandbox in a temp dir (test/support/temp.ts: removed after the test file). */
export const makeSandbox = (options: SandboxOptions = {}): Sandbox => {
  const root = tempDir("sandbox");
  const at = (...parts: string[]) => path.join(root, ...parts);
  const home = at("home");
  fs.mkdirSync(home);
  const host = at("host");
  const hostName = options.host === undefined ? "openclaw-demo" : options.host;
  if (hostName !== null) copyFixture(fixture("hosts", hostName), host);
  const stage = at("stage");
  const stageName = options.stage ?? "empty";
  if (stageName === "empty") fs.mkdirSync(stage);
  else if (stageName !== "absent") {
    copyFixture(fixture("stages", stageName), stage);
    ageUnknownRoots(stage);
  }
  return { root, home, host, stage, at };
};

/**
 * git keeps no mtimes, so a fixture's `openclaw-unknown-*` root is as young as the checkout, and
 * OpenClaw keeps (so plugdeps keeps) an unknown root younger than 10 minutes. The fixtures mean
 * the old leftovers of fixtures/README.md: make them a day old, so a fresh CI clone and a
 * developer's week-old tree plan the same.
 */
const ageUnknownRoots = (stage: string): void => {
  const dayAgo = new Date(Date.now() - 24 * 3_600_000);
  for (const name of fs.readdirSync(stage)) {
    if (name.startsWith("openclaw-unknown-")) fs.utimesSync(path.join(stage, name), dayAgo, dayAgo);
  }
};

/** Copies a fixture tree, keeping symlinks as they are and timestamps (so a snapshot is stable). */
export const copyFixture = (from: string, to: string): void => {
  fs.cpSync(from, to, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
};

/** Removes the OpenClaw legacy debris the demo host ships, so a plan over it can have no changes. */
export const removeHostDebris = (host: string): void => {
  const ext = path.join(host, "dist", "extensions");
  for (const rel of [
    "matrix/.openclaw-install-stage-1714000000",
    "matrix/.openclaw-runtime-deps.json",
    "matrix/node_modules",
    "telegram/.openclaw-runtime-deps-stamp.json",
  ]) {
    fs.rmSync(path.join(ext, rel), { recursive: true, force: true });
  }
};

// ---------------------------------------------------------------------------------------------
// Running the CLI

/** What plan and apply print when nothing needs to change. */
export const NO_CHANGES = "No changes. Runtime dependencies match the plugin plan.";

/** What a command works on; each flag only when given. */
export interface CliTarget {
  /** `--package-root`: the host's package root. */
  readonly host?: string;
  /** `--config`: the host's config file. */
  readonly config?: string;
  /** `--stage-dir`: the stage base. */
  readonly stage?: string;
  /** `--package-manager`. */
  readonly pm?: string;
}

/** `--package-root HOST --config CONFIG --stage-dir STAGE --package-manager PM`, in this order. */
export const targetArgs = (target: CliTarget): string[] => [
  ...(target.host === undefined ? [] : ["--package-root", target.host]),
  ...(target.config === undefined ? [] : ["--config", target.config]),
  ...(target.stage === undefined ? [] : ["--stage-dir", target.stage]),
  ...(target.pm === undefined ? [] : ["--package-manager", target.pm]),
];

/** `COMMAND --package-root <sandbox host> --config CONFIG --stage-dir <sandbox stage> ...EXTRA`. */
export const sandboxArgs = (
  command: string,
  sb: Pick<Sandbox, "host" | "stage">,
  config: string | undefined,
  ...extra: string[]
): string[] => [
  command,
  ...targetArgs({ host: sb.host, ...(config === undefined ? {} : { config }), stage: sb.stage }),
  ...extra,
];

export interface RunOptions {
  /** HOME for the child (required: never the developer's real home). */
  readonly home: string;
  /** Extra environment variables, e.g. OPENCLAW_CONFIG_PATH. Nothing else is inherited. */
  readonly env?: Readonly<Record<string, string>>;
  /** Working directory (default: the repository root, so relative fixture paths work). */
  readonly cwd?: string;
  readonly timeoutMs?: number;
}

export interface RunResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
  /** The command line, for assertion messages. */
  readonly command: string;
}

/** The controlled environment: only what node needs, plus the test's own variables. */
export const cliEnv = (
  home: string,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> => ({
  PATH: process.env["PATH"] ?? "/usr/local/bin:/usr/bin:/bin",
  HOME: home,
  NO_COLOR: "1",
  LANG: "C.UTF-8",
  ...extra,
});

/** Runs `FILE ARGS` in the controlled environment (cliEnv) and never throws on a non-zero exit. */
export const runCommand = async (
  file: string,
  args: readonly string[],
  options: RunOptions,
  command = `${file} ${args.join(" ")}`,
): Promise<RunResult> => {
  const started = performance.now();
  const result = await execa(file, args, {
    reject: false,
    extendEnv: false,
    env: cliEnv(options.home, options.env),
    cwd: options.cwd ?? REPO_ROOT,
    stdin: "ignore",
    stripFinalNewline: false,
    timeout: options.timeoutMs ?? 30_000,
  });
  const durationMs = performance.now() - started;
  if (result.timedOut) throw new Error(`timed out: ${command}`);
  return {
    exitCode: result.exitCode ?? -1,
    stdout: result.stdout,
    stderr: result.stderr,
    durationMs,
    command,
  };
};

/** Runs `node dist/src/cli/plugdeps.cjs ARGS` (the packaged executable) and never throws on a non-zero exit. */
export const runCli = (args: readonly string[], options: RunOptions): Promise<RunResult> =>
  runCommand(process.execPath, [CLI, ...args], options, `plugdeps ${args.join(" ")}`);

/** Runs the CLI and expects a clean success: exit 0, nothing on stderr. */
export const runCliOk = async (args: readonly string[], options: RunOptions): Promise<RunResult> => {
  const r = await runCli(args, options);
  expect(r.exitCode, describeRun(r)).toBe(0);
  expect(r.stderr, describeRun(r)).toBe("");
  return r;
};

/** A compact description of a run for `expect(..., describeRun(r))` messages. */
export const describeRun = (r: RunResult): string =>
  `${r.command}\n--- exit ${r.exitCode}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

// ---------------------------------------------------------------------------------------------
// Tree snapshots

export interface TreeEntry {
  readonly type: "file" | "dir" | "symlink" | "other";
  readonly size: number;
  readonly mode: number;
  readonly mtimeMs: number;
  /** sha256 of a regular file's bytes. */
  readonly sha256?: string;
  /** A symlink's target, as stored (never followed). */
  readonly target?: string;
}

/**
 * Every path under `root` (the root itself is "."), keyed by its relative path: type, size, mode,
 * mtime, a content hash for files, the target for symlinks. Symlinks are never followed. A root
 * that does not exist yields an empty snapshot.
 */
export const snapshotTree = (root: string): Record<string, TreeEntry> => {
  const out: Record<string, TreeEntry> = {};
  const visit = (abs: string, rel: string): void => {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(abs);
    } catch {
      return;
    }
    const base = { size: st.size, mode: st.mode, mtimeMs: st.mtimeMs };
    if (st.isSymbolicLink()) {
      out[rel] = { type: "symlink", ...base, target: fs.readlinkSync(abs) };
    } else if (st.isFile()) {
      out[rel] = {
        type: "file",
        ...base,
        sha256: createHash("sha256").update(fs.readFileSync(abs)).digest("hex"),
      };
    } else if (st.isDirectory()) {
      // A directory's size varies by filesystem and its mtime already changes with its entries.
      out[rel] = { type: "dir", ...base };
      for (const name of fs.readdirSync(abs).sort()) {
        visit(path.join(abs, name), rel === "." ? name : `${rel}/${name}`);
      }
    } else {
      out[rel] = { type: "other", ...base };
    }
  };
  visit(root, ".");
  return out;
};

// ---------------------------------------------------------------------------------------------
// Small fixtures built on the fly

/**
 * A minimal OpenClaw-shaped host: one enabledByDefault plugin `solo` whose only (staged)
 * dependency `@fixture/logger ^1.0.0` is satisfied by the host's own node_modules (1.4.0). With an
 * empty stage dir, its plan has no changes. Version 2026.4.20: that band stages inside the package
 * and its own check counts the package's node_modules (2026.4.22+ read only their own root in the
 * stage base, where the host's node_modules satisfies nothing).
 */
export const writeMinimalHost = (dir: string): void => {
  const write = (rel: string, value: unknown) => {
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, typeof value === "string" ? value : `${JSON.stringify(value, null, 2)}\n`);
  };
  write("package.json", { name: "openclaw", version: "2026.4.20", type: "module" });
  write("dist/extensions/solo/package.json", {
    name: "@openclaw/solo",
    version: "2026.4.20",
    dependencies: { "@fixture/logger": "^1.0.0" },
    openclaw: { bundle: { stageRuntimeDependencies: true } },
  });
  write("dist/extensions/solo/openclaw.plugin.json", { id: "solo", enabledByDefault: true });
  write("dist/extensions/solo/index.js", "export {};\n");
  copyFixture(
    fixture("hosts", "openclaw-demo", "node_modules", "@fixture", "logger"),
    path.join(dir, "node_modules", "@fixture", "logger"),
  );
};
