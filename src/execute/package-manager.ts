import * as fs from "node:fs";
import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { execa, type Options } from "execa";
import {
  fsError,
  packageManagerFailed,
  packageManagerNotFound,
  type PlugdepsError,
} from "../model/errors.js";

/**
 * Running pnpm or npm hermetically (SPEC §4.10). The rules, each from a past failure:
 * - scripts never run (`--ignore-scripts`): dependency lifecycle scripts are untrusted code;
 * - production dependencies only, no audit, no fund;
 * - cwd is the stage, which always has its own package.json, so the manager never walks up to a
 *   parent project (openclaw #72374);
 * - the cache (and pnpm's store) live inside the stage base: `~/.npm` is read-only under
 *   `ProtectHome=` (openclaw #71070), and a store on the same filesystem lets pnpm hard-link;
 * - inherited npm configuration that changes *where* or *whether* things install is scrubbed
 *   (a plugdeps run from an npm script would otherwise inherit `npm_config_global=true`,
 *   `npm_config_prefix`, `npm_config_dry_run`, ...), while registry and auth settings the
 *   operator configured pass through (they come from .npmrc files and `npm_config_registry` /
 *   `npm_config_//host/:_authToken`).
 */

export type ManagerName = "pnpm" | "npm";
export type ManagerChoice = "auto" | ManagerName;

export interface PackageManager {
  readonly name: ManagerName;
  /** The executable; for npm found beside node, the CLI script run with node. */
  readonly command: string;
  readonly prefixArgs: readonly string[];
}

/** Finds a manager by looking at the filesystem, never by spawning anything. */
export const findPackageManager = (
  choice: ManagerChoice,
  env: Readonly<Record<string, string | undefined>>,
  execPath: string = process.execPath,
): E.Either<PlugdepsError, PackageManager> => {
  const looked: string[] = [];
  const order: ManagerName[] = choice === "auto" ? ["pnpm", "npm"] : [choice];
  for (const name of order) {
    const found = locate(name, env, execPath, looked);
    if (found !== null) return E.right(found);
  }
  return E.left(packageManagerNotFound(choice === "auto" ? "pnpm or npm" : choice, looked));
};

const locate = (
  name: ManagerName,
  env: Readonly<Record<string, string | undefined>>,
  execPath: string,
  looked: string[],
): PackageManager | null => {
  const dirs = [...(env["PATH"] ?? "").split(path.delimiter).filter((d) => d !== ""), path.dirname(execPath)];
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    looked.push(candidate);
    if (isExecutable(candidate)) return { name, command: candidate, prefixArgs: [] };
  }
  // npm ships with node: <prefix>/lib/node_modules/npm/bin/npm-cli.js
  if (name === "npm") {
    const cli = path.join(
      path.dirname(path.dirname(execPath)),
      "lib",
      "node_modules",
      "npm",
      "bin",
      "npm-cli.js",
    );
    looked.push(cli);
    if (isFile(cli)) return { name, command: execPath, prefixArgs: [cli] };
  }
  return null;
};

const isExecutable = (p: string): boolean => {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
};

const isFile = (p: string): boolean => {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
};

/** Variables that change where or whether a package manager installs: never inherited. */
const SCRUBBED = [
  /^npm_config_(prefix|global|location|dry_run|workspaces?|include_workspace_root|omit|include|production|only|also|save.*|package_lock.*|lockfile.*|ignore_scripts|cache|userconfig_.*|node_linker|store_dir|frozen_lockfile|offline|prefer_offline)$/i,
  /^npm_(execpath|node_execpath|lifecycle_.*|package_.*|command)$/i,
  /^(INIT_CWD|PNPM_HOME|PNPM_SCRIPT_SRC_DIR|NODE_OPTIONS|NODE_PATH)$/,
];

export const scrubbedEnv = (
  env: Readonly<Record<string, string | undefined>>,
  cacheDir: string,
): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined || SCRUBBED.some((re) => re.test(key))) continue;
    out[key] = value;
  }
  out["npm_config_cache"] = path.join(cacheDir, "npm");
  out["npm_config_update_notifier"] = "false";
  out["npm_config_fund"] = "false";
  out["npm_config_audit"] = "false";
  // pnpm refuses to run "non-interactively" over an unknown node_modules without this.
  out["CI"] = "true";
  return out;
};

export const installArgs = (pm: ManagerName, cacheDir: string): string[] =>
  pm === "pnpm"
    ? [
        "install",
        "--prod",
        "--ignore-scripts",
        "--ignore-workspace",
        "--config.frozen-lockfile=false",
        "--config.node-linker=hoisted",
        "--config.confirmModulesPurge=false",
        `--config.store-dir=${path.join(cacheDir, "pnpm-store")}`,
        `--config.cache-dir=${path.join(cacheDir, "pnpm-cache")}`,
        `--config.state-dir=${path.join(cacheDir, "pnpm-state")}`,
        "--reporter=append-only",
      ]
    : [
        "install",
        "--omit=dev",
        "--ignore-scripts",
        "--workspaces=false",
        "--no-audit",
        "--no-fund",
        "--install-strategy=hoisted",
        `--cache=${path.join(cacheDir, "npm")}`,
        "--loglevel=warn",
      ];

export interface InstallRun {
  readonly cwd: string;
  readonly cacheDir: string;
  readonly logFile: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** For messages: what this run installs. */
  readonly packages: readonly string[];
  readonly signal?: AbortSignal;
  /** Called about once a second while the manager runs (progress on a TTY). */
  readonly onTick?: (elapsedMs: number, lastLogLine: string) => void;
}

/**
 * Runs one install in `cwd`. Output goes to the log file only; on failure the error carries the
 * exit code or signal and the log's last lines. With PLUGDEPS_SPAWN_LOG set, every spawn appends a
 * line there (tests count package-manager runs with it instead of timing anything).
 */
export const runInstall = async (
  pm: PackageManager,
  run: InstallRun,
): Promise<E.Either<PlugdepsError, void>> => {
  let fd: number;
  try {
    fs.mkdirSync(path.dirname(run.logFile), { recursive: true });
    fd = fs.openSync(run.logFile, "a");
  } catch (err) {
    return E.left(fsError("open package-manager log", run.logFile, err));
  }
  const args = [...pm.prefixArgs, ...installArgs(pm.name, run.cacheDir)];
  const spawnLog = run.env["PLUGDEPS_SPAWN_LOG"];
  try {
    fs.writeSync(fd, `$ ${pm.name} ${args.join(" ")}\n# cwd ${run.cwd}\n`);
    if (spawnLog !== undefined && spawnLog !== "") fs.appendFileSync(spawnLog, `${pm.name} ${run.cwd}\n`);
    const options: Options = {
      cwd: run.cwd,
      env: scrubbedEnv(run.env, run.cacheDir),
      extendEnv: false,
      stdin: "ignore",
      stdout: { file: run.logFile, append: true },
      stderr: { file: run.logFile, append: true },
      buffer: false,
      reject: false,
      ...(run.signal ? { cancelSignal: run.signal } : {}),
    };
    const started = Date.now();
    const ticker =
      run.onTick === undefined
        ? null
        : setInterval(() => run.onTick?.(Date.now() - started, tailOf(run.logFile, 1)), 1000);
    const result = await execa(pm.command, args, options).finally(() => {
      if (ticker !== null) clearInterval(ticker);
    });
    if (result.exitCode === 0 && !result.isTerminated && !result.failed) return E.right(undefined);
    return E.left(
      packageManagerFailed(
        pm.name,
        result.exitCode ?? null,
        result.signal ?? null,
        run.logFile,
        tailOf(run.logFile, 25),
        run.packages,
      ),
    );
  } catch (err) {
    return E.left(
      fsError(
        `run ${pm.name}`,
        pm.command,
        err,
        "check that the package manager is installed and executable",
      ),
    );
  } finally {
    fs.closeSync(fd);
  }
};

export const tailOf = (file: string, lines: number): string => {
  try {
    const text = fs.readFileSync(file, "utf8");
    return text.trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(log unreadable)";
  }
};
