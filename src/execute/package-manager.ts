import * as fs from "node:fs";
import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import type { Options } from "execa";
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
  /** Called with the manager's pid as soon as it is spawned (apply records it in the stage). */
  readonly onSpawn?: (pid: number) => void;
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
    // Writing the log header is the first write of the install: on a full disk it fails with
    // ENOSPC here. Report it against the log file, not as "pnpm is not installed" (found by the
    // disk-full fault test: a 12 KiB stage base produced exactly that misleading message).
    fs.writeSync(fd, `$ ${pm.name} ${args.join(" ")}\n# cwd ${run.cwd}\n`);
  } catch (err) {
    fs.closeSync(fd);
    return E.left(
      fsError(
        "write package-manager log",
        run.logFile,
        err,
        "check free space and permissions on the stage base, or point --stage-dir at another filesystem",
      ),
    );
  }
  try {
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
    // Loaded here, not at the top: only a run that installs needs execa, and importing it cost
    // every `plan` and no-op `apply` ~12 ms (it is a chunk of its own in the CLI bundle).
    const { execa } = await import("execa");
    const started = Date.now();
    const ticker =
      run.onTick === undefined
        ? null
        : setInterval(() => run.onTick?.(Date.now() - started, tailOf(run.logFile, 1)), 1000);
    const child = execa(pm.command, args, options);
    if (child.pid !== undefined) run.onSpawn?.(child.pid);
    const result = await child.finally(() => {
      if (ticker !== null) clearInterval(ticker);
    });
    if (result.exitCode === 0 && !result.isTerminated && !result.failed) return E.right(undefined);
    const failed = packageManagerFailed(
      pm.name,
      result.exitCode ?? null,
      result.signal ?? null,
      run.logFile,
      tailOf(run.logFile, 25),
      run.packages,
    );
    const diagnosis = diagnoseInstallLog(readLog(run.logFile), run.cwd, run.cacheDir);
    return E.left(diagnosis === null ? failed : withDiagnosis(failed, diagnosis));
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

/**
 * Why an install failed, read from the manager's own log, with the fix that matches. The generic
 * "check the registry is reachable" is wrong advice for a full disk, a read-only mount or a
 * tampered tarball (SPEC §2: an EROFS, EACCES, ENOSPC or package-manager failure is reported with
 * its path and code). Ordered from the most to the least specific: a full disk makes pnpm log
 * network-looking retries too, never the other way round.
 */
export interface InstallDiagnosis {
  /** The error code the log names (ENOSPC, EROFS, EACCES, EINTEGRITY, E404, ETARGET, or a network code). */
  readonly code: string;
  readonly cause: string;
  readonly fix: string;
}

export const diagnoseInstallLog = (log: string, cwd: string, cacheDir?: string): InstallDiagnosis | null => {
  // The manager writes the stage (cwd) and its cache/store: the fuller of the two devices.
  const fullest = (): { dir: string; free: number | null } =>
    [cwd, ...(cacheDir === undefined ? [] : [cacheDir])]
      .map((dir) => ({ dir, free: freeBytes(dir) }))
      .reduce((a, b) => ((b.free ?? Infinity) < (a.free ?? Infinity) ? b : a));
  const kib = (bytes: number): string => `${Math.floor(bytes / 1024)} KiB free now`;
  const enospcFix =
    "free space on that filesystem, or point --stage-dir at a larger one; the next apply removes this run's leftovers";
  if (/\bENOSPC\b|no space left on device/i.test(log)) {
    const full = fullest();
    return {
      code: "ENOSPC",
      cause: `ENOSPC: no space left on the device holding ${full.dir}${full.free === null ? "" : ` (${kib(full.free)})`}`,
      fix: enospcFix,
    };
  }
  if (/\bEROFS\b|read-only file system/i.test(log)) {
    return {
      code: "EROFS",
      cause: `EROFS: the package manager hit a read-only filesystem while writing under ${cwd} or its cache`,
      fix: "make the stage base and its .plugdeps/cache writable (under systemd: ReadWritePaths=)",
    };
  }
  const integrity = /\bEINTEGRITY\b|ERR_PNPM_TARBALL_INTEGRITY|integrity checksum failed/.exec(log);
  if (integrity !== null) {
    const url = /(https?:\/\/\S+?\.tgz)/.exec(log.slice(Math.max(0, integrity.index - 2000)));
    return {
      code: "EINTEGRITY",
      cause: `EINTEGRITY: a downloaded tarball does not match the integrity its registry published${url === null ? "" : ` (${url[1]})`}; nothing from it was installed`,
      fix: "the registry or a proxy serves corrupted or tampered content: check it before trusting that package, then apply again",
    };
  }
  const missing = notFoundPackages(log);
  if (missing.length > 0) {
    return {
      code: "E404",
      cause: `E404: the registry has no package ${missing.join(", ")}`,
      fix: "check the dependency name in the plugin's package.json and the registry configured in .npmrc (registry=, @scope:registry=)",
    };
  }
  if (/ERR_PNPM_NO_MATCHING_VERSION|\bETARGET\b|No matching version found/.test(log)) {
    return {
      code: "ETARGET",
      cause: "ETARGET: no published version satisfies a requested spec",
      fix: "check the specs and the versions the registry has published",
    };
  }
  // The socket's own code first (pnpm wraps it: `ERR_PNPM_META_FETCH_FAIL ... reason: read ECONNRESET`).
  const net =
    /\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ERR_SOCKET_TIMEOUT|socket hang up)\b/.exec(
      log,
    ) ?? /\b(ERR_PNPM_META_FETCH_FAIL|ERR_PNPM_FETCH_FAIL)\b/.exec(log);
  if (net !== null) {
    return {
      code: net[1] ?? "ENETWORK",
      cause: `the registry could not be reached (${net[1] ?? "network error"})`,
      fix: "check the registry configured in .npmrc is up and reachable, then apply again (the live root is unchanged)",
    };
  }
  if (/\b(EACCES|EPERM)\b|permission denied/i.test(log)) {
    return {
      code: /\bEPERM\b/.test(log) ? "EPERM" : "EACCES",
      cause: `EACCES: the package manager was denied a write under ${cwd} or its cache`,
      fix: "make the stage base and its .plugdeps/cache writable by this user",
    };
  }
  // The log may say nothing at all: npm keeps its own log in the cache, so with the cache's
  // device full it failed without a word (found by the disk-full fault test). A device left with
  // almost no space is then the best explanation there is, and is said to be one.
  const full = fullest();
  if (full.free !== null && full.free < NEARLY_FULL_BYTES) {
    return {
      code: "ENOSPC",
      cause: `ENOSPC (probably): the device holding ${full.dir} is full (${kib(full.free)}) and the log names no other cause`,
      fix: enospcFix,
    };
  }
  return null;
};

/** Below this, a device is reported as the likely reason a manager failed without saying why. */
const NEARLY_FULL_BYTES = 64 * 1024;

/** Package names a 404 names: pnpm `ERR_PNPM_FETCH_404  GET <url>`, npm `404 Not Found - GET <url>`. */
const notFoundPackages = (log: string): string[] => {
  const names = new Set<string>();
  for (const m of log.matchAll(/(?:ERR_PNPM_FETCH_404|404 Not Found)[^\n]*?GET (https?:\/\/\S+)/g)) {
    const url = m[1] ?? "";
    try {
      const pathname = decodeURIComponent(new URL(url.replace(/[:,]$/, "")).pathname).replace(/^\/+/, "");
      if (pathname !== "" && !pathname.includes("/-/")) names.add(pathname);
    } catch {
      // not a URL: ignore
    }
  }
  return [...names];
};

const freeBytes = (dir: string): number | null => {
  try {
    const st = fs.statfsSync(dir);
    return st.bavail * st.bsize;
  } catch {
    return null;
  }
};

const withDiagnosis = (failed: PlugdepsError, d: InstallDiagnosis): PlugdepsError => {
  const fixAt = failed.message.lastIndexOf("\nFix: ");
  const head = fixAt === -1 ? failed.message : failed.message.slice(0, fixAt);
  return { ...failed, message: `${head}\nCause: ${d.cause}\nFix: ${d.fix}; the full log is named above.` };
};

const readLog = (file: string): string => {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return "";
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
