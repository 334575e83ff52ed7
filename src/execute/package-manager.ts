import * as fs from "node:fs";
import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import type { Options } from "execa";
import {
  fsError,
  installInterrupted,
  installTimedOut,
  packageManagerFailed,
  packageManagerNotFound,
  type PlugdepsError,
} from "../model/errors.js";
import { describeRegistry, type RegistryInfo, registryFor, registryInLog } from "./registry-config.js";

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
  /** For messages: the install set (`shared`, `plugin:<id>`). */
  readonly set?: string;
  /** SIGTERM/SIGINT: the manager's whole process group is stopped and the run fails as Aborted. */
  readonly signal?: AbortSignal;
  /**
   * The install timeout (`--install-timeout`): after this long the manager's whole process group
   * is stopped and the run fails as InstallTimeout, naming the registry. None: no bound.
   */
  readonly timeoutMs?: number;
  /** Between SIGTERM to the group and SIGKILL (default KILL_GRACE_MS). */
  readonly killGraceMs?: number;
  /** Called about once a second while the manager runs (progress on a TTY). */
  readonly onTick?: (elapsedMs: number, lastLogLine: string) => void;
  /** Called with the manager's pid as soon as it is spawned (apply records it in the stage). */
  readonly onSpawn?: (pid: number) => void;
}

/** A stopped manager gets this long after SIGTERM to its group before SIGKILL. */
export const KILL_GRACE_MS = 3_000;
/** After the leader exits, how long the rest of its group may take to go (SIGKILLed). */
const GROUP_GONE_MS = 5_000;

/**
 * Runs one install in `cwd`. Output goes to the log file only; on failure the error carries the
 * exit code or signal and the log's last lines. With PLUGDEPS_SPAWN_LOG set, every spawn appends a
 * line there (tests count package-manager runs with it instead of timing anything).
 *
 * The manager is spawned detached, so it leads a process group of its own: pnpm and npm start
 * children of their own (workers, git, node-gyp), and stopping only the pid we started left them
 * running in the stage (issue 15 item 12). On the install timeout or an abort (SIGTERM/SIGINT),
 * the whole group gets SIGTERM, then SIGKILL after a grace; whatever of the group outlives its
 * leader is SIGKILLed too, and if plugdeps itself exits meanwhile, its `exit` hook kills the
 * group. A terminal's Ctrl-C no longer reaches the manager directly: plugdeps stops it.
 */
export const runInstall = async (
  pm: PackageManager,
  run: InstallRun,
): Promise<E.Either<PlugdepsError, void>> => {
  const what = describeRun(run);
  if (run.signal?.aborted === true) return E.left(installInterrupted(pm.name, what));
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
  let group: ProcessGroup | null = null;
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
      // Its own process group (see above); execa's `cleanup` does not apply to a detached
      // subprocess, the group's `exit` hook below does that job.
      detached: true,
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
    if (child.pid !== undefined) {
      group = processGroup(child.pid, run.killGraceMs ?? KILL_GRACE_MS);
      run.onSpawn?.(child.pid);
    }
    const g = group;
    const timer =
      g !== null && run.timeoutMs !== undefined && run.timeoutMs > 0
        ? setTimeout(() => g.stop("timeout"), run.timeoutMs)
        : null;
    const onAbort = () => g?.stop("aborted");
    run.signal?.addEventListener("abort", onAbort, { once: true });
    // It may have come while execa was loading (the check at the top was before an await).
    if (isAborted(run.signal)) onAbort();
    const result = await child.finally(() => {
      if (ticker !== null) clearInterval(ticker);
      if (timer !== null) clearTimeout(timer);
      run.signal?.removeEventListener("abort", onAbort);
    });
    // The leader is gone: nothing of its group may outlive it in the stage.
    await group?.reap();
    const stopped = group?.stoppedFor() ?? null;
    if (stopped === "aborted") return E.left(installInterrupted(pm.name, what));
    const registry = registryFor(run.env, run.packages.map(nameOf));
    if (stopped === "timeout") {
      const text = readLog(run.logFile);
      const seen = registryInLog(text);
      const diagnosis = diagnoseInstallLog(text, run.cwd, run.cacheDir, registry);
      return E.left(
        installTimedOut(
          pm.name,
          run.timeoutMs ?? 0,
          what,
          { url: seen ?? registry.url, described: describeRegistry(registry) },
          run.logFile,
          tailOf(run.logFile, 15),
          diagnosis?.cause ?? null,
        ),
      );
    }
    if (result.exitCode === 0 && !result.isTerminated && !result.failed) return E.right(undefined);
    const failed = packageManagerFailed(
      pm.name,
      result.exitCode ?? null,
      result.signal ?? null,
      run.logFile,
      tailOf(run.logFile, 25),
      run.packages,
    );
    const diagnosis = diagnoseInstallLog(readLog(run.logFile), run.cwd, run.cacheDir, registry);
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
    group?.release();
    fs.closeSync(fd);
  }
};

const isAborted = (signal: AbortSignal | undefined): boolean => signal?.aborted === true;

/** `[shared] @a/b@^1, c@2` for messages. */
const describeRun = (run: InstallRun): string =>
  `${run.set === undefined ? "" : `[${run.set}] `}${run.packages.join(", ") || "the manifest"}`;

/** `@scope/name@^1` -> `@scope/name`. */
const nameOf = (spec: string): string => {
  const at = spec.indexOf("@", 1);
  return at === -1 ? spec : spec.slice(0, at);
};

interface ProcessGroup {
  /** SIGTERM to the whole group now, SIGKILL after the grace. Once; the first reason wins. */
  readonly stop: (why: "timeout" | "aborted") => void;
  readonly stoppedFor: () => "timeout" | "aborted" | null;
  /** After the leader exited: SIGKILL what is left of the group, and wait (bounded) until it is gone. */
  readonly reap: () => Promise<void>;
  /** Drop the timers and the process `exit` hook. */
  readonly release: () => void;
}

const processGroup = (pgid: number, graceMs: number): ProcessGroup => {
  let why: "timeout" | "aborted" | null = null;
  let grace: NodeJS.Timeout | null = null;
  // If plugdeps exits while the manager runs (a second signal, process.exit anywhere), the group
  // must not run on in a stage nobody will remove until the next run.
  const onExit = () => signalGroup(pgid, "SIGKILL");
  process.on("exit", onExit);
  return {
    stop: (reason) => {
      if (why !== null) return;
      why = reason;
      signalGroup(pgid, "SIGTERM");
      grace = setTimeout(() => signalGroup(pgid, "SIGKILL"), graceMs);
    },
    stoppedFor: () => why,
    reap: async () => {
      if (grace !== null) clearTimeout(grace);
      if (!groupExists(pgid)) return;
      signalGroup(pgid, "SIGKILL");
      const deadline = Date.now() + GROUP_GONE_MS;
      while (groupExists(pgid) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    release: () => {
      if (grace !== null) clearTimeout(grace);
      process.off("exit", onExit);
    },
  };
};

const signalGroup = (pgid: number, signal: NodeJS.Signals): void => {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is gone already
  }
};

/** Whether any process is left in the group (zombies waiting to be reaped by init do not count). */
const groupExists = (pgid: number): boolean => {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  // kill(0) also succeeds for zombies; /proc tells them apart (where there is a /proc).
  try {
    for (const entry of fs.readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      let stat: string;
      try {
        stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      } catch {
        continue;
      }
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // fields[0] state, fields[2] pgrp
      if (Number(fields[2]) === pgid && fields[0] !== "Z" && fields[0] !== "X") return true;
    }
    return false;
  } catch {
    return true;
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

export const diagnoseInstallLog = (
  log: string,
  cwd: string,
  cacheDir?: string,
  registry?: RegistryInfo,
): InstallDiagnosis | null => {
  // The registry the failed request went to (from the log), and the setting that chose it.
  const contacted = registryInLog(log);
  const where =
    registry === undefined
      ? contacted === null
        ? "the registry"
        : `the registry ${contacted}`
      : contacted === null || sameOrigin(contacted, registry.url)
        ? `the registry ${describeRegistry(registry)}`
        : `the registry ${contacted} (configured: ${describeRegistry(registry)})`;
  const setting = "registry= in .npmrc (npm_config_registry; @scope:registry= for a scope)";
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
      fix: `check the dependency name in the plugin's package.json and ${where}; another registry is set with ${setting}`,
    };
  }
  if (/ERR_PNPM_NO_MATCHING_VERSION|\bETARGET\b|No matching version found/.test(log)) {
    return {
      code: "ETARGET",
      cause: "ETARGET: no published version satisfies a requested spec",
      fix: "check the specs and the versions the registry has published",
    };
  }
  const auth =
    /\b(E401|E403|ERR_PNPM_FETCH_401|ERR_PNPM_FETCH_403)\b|\b(401 Unauthorized|403 Forbidden)\b/.exec(log);
  if (auth !== null) {
    const code = /401/.test(auth[0]) ? "E401" : "E403";
    const host = hostOf(contacted ?? registry?.url ?? null);
    return {
      code,
      cause: `${code}: ${where} refused the request (${code === "E401" ? "not authenticated" : "not authorized"})`,
      fix:
        `set a token the registry accepts for this user: \`//${host ?? "<registry host>"}/:_authToken=...\` in .npmrc ` +
        `(or the npm_config_//${host ?? "<registry host>"}/:_authToken variable), or point ${setting} at a registry this host may read`,
    };
  }
  const dns = /\b(ENOTFOUND|EAI_AGAIN)\b/.exec(log);
  if (dns !== null) {
    return {
      code: dns[1] ?? "ENOTFOUND",
      cause: `${dns[1] ?? "ENOTFOUND"}: the host name of ${where} does not resolve`,
      fix: `check the name in ${setting} and this host's DNS, then apply again (the live root is unchanged)`,
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
      cause: `${where} could not be reached (${net[1] ?? "network error"})`,
      fix: `check that registry is up and reachable, or set the right one with ${setting}; then apply again (the live root is unchanged)`,
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

const sameOrigin = (a: string, b: string): boolean => {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
};

const hostOf = (url: string | null): string | null => {
  if (url === null) return null;
  try {
    const u = new URL(url);
    return `${u.host}${u.pathname.replace(/\/$/, "")}`;
  } catch {
    return null;
  }
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
