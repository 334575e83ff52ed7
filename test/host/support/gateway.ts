import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import type { HostDropIn } from "./dropin.js";

/**
 * Starting the REAL OpenClaw gateway the way systemd would start the host's unit with
 * `ProtectSystem=strict` and plugdeps' drop-in, emulated with a real private mount namespace
 * (`unshare -m --propagation private`, root only): a generated sh script bind-mounts the package
 * root read-only onto itself, the stage base too unless a `ReadWritePaths=` entry covers it,
 * applies each `BindReadOnlyPaths=SRC:DEST`, and execs `openclaw gateway run` with a scrubbed
 * environment (`env -i`). The script is kept in the scenario's dir: rerunning it by hand
 * (`unshare -m --propagation private sh <dir>/gateway.sh`) reproduces a failure.
 *
 * What is NOT emulated: the rest of ProtectSystem=strict (/usr, /etc), ProtectHome=, PrivateTmp=.
 * Only the package root and the stage base matter here, and they are the ones mounted.
 */

// ---------------------------------------------------------------------------------------------
// Package managers that only count

export interface FakePackageManagers {
  /** The directory holding `npm` and `pnpm`; put it first on the host's PATH. */
  readonly bin: string;
  /** One line per start. */
  readonly countFile: string;
  /** The lines written so far (empty when none was started). */
  readonly starts: () => string[];
}

/** The package-manager commands a host could start, each replaced by a counting fake. */
export const PACKAGE_MANAGER_NAMES = Object.freeze(["npm", "pnpm", "npx", "yarn", "corepack"]);

/** The system directories a host's PATH may hold (OpenClaw 2026.4.22 reorders PATH, see below). */
const SYSTEM_BIN_DIRS = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

/**
 * Counting fakes for `npm`, `pnpm`, `npx`, `yarn` and `corepack`: each appends a line (name,
 * arguments, cwd) to a count file and exits 1, so the host can start no real package manager and
 * every attempt is recorded. 2026.4.20/4.22 run `npm` from PATH when no npm-cli.js sits beside
 * node (Node 22 here has none); 2026.4.29 prefers a `pnpm` found on PATH.
 *
 * Each fake is a sh/JavaScript polyglot: run as a command, sh executes the line after the shebang
 * (`':'`, then the rest, which JavaScript reads as a comment) and exits; run as `node <file>` (a
 * host that finds a shadowed npm-cli.js), Node executes the line after that. The count file's path
 * is written into the fakes, not passed by environment: the host may scrub the environment of what
 * it spawns.
 */
export const makeFakePackageManagers = (dir: string): FakePackageManagers => {
  const bin = path.join(dir, "fakebin");
  const countFile = path.join(dir, "pm-starts.log");
  fs.mkdirSync(bin, { recursive: true });
  for (const name of PACKAGE_MANAGER_NAMES) {
    const said = `plugdeps gateway test: the host started ${name}`;
    const asNode = [
      `process.getBuiltinModule("node:fs").appendFileSync(${JSON.stringify(countFile)},`,
      `${JSON.stringify(`${name} (run by node) `)} + process.argv.slice(2).join(" ") + " (cwd " + process.cwd() + ")\\n");`,
      `console.error(${JSON.stringify(said)}); process.exit(1);`,
    ].join(" ");
    fs.writeFileSync(
      path.join(bin, name),
      [
        "#!/bin/sh",
        `':' //; echo "${name} $* (cwd $PWD)" >> ${shQuote(countFile)}; echo ${shQuote(said)} >&2; exit 1`,
        asNode,
        "",
      ].join("\n"),
      { mode: 0o755 },
    );
  }
  return {
    bin,
    countFile,
    starts: () =>
      fs.existsSync(countFile)
        ? fs
            .readFileSync(countFile, "utf8")
            .split("\n")
            .filter((l) => l !== "")
        : [],
  };
};

/**
 * The real package managers in the system's bin directories (realpaths, deduplicated: /bin is
 * often /usr/bin), each with the fake that shadows it in the namespace (a file bind mount). Putting
 * the fakes first on PATH is not enough: OpenClaw 2026.4.22 rebuilds the PATH of what it spawns
 * with node's directory and the system directories first (seen:
 * `<node22>/bin:<node22>/bin:/usr/bin:/bin:<fakebin>:...`), where `npm` is the real one.
 */
export const systemPackageManagers = (
  fakes: FakePackageManagers,
): { readonly target: string; readonly fake: string }[] => {
  const seen = new Map<string, string>();
  for (const dir of SYSTEM_BIN_DIRS) {
    for (const name of PACKAGE_MANAGER_NAMES) {
      const p = path.join(dir, name);
      if (!fs.existsSync(p)) continue;
      const real = fs.realpathSync(p);
      if (!seen.has(real)) seen.set(real, path.join(fakes.bin, name));
    }
  }
  return [...seen].map(([target, fake]) => ({ target, fake }));
};

// ---------------------------------------------------------------------------------------------

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("no port"))));
    });
  });

export const shQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export const stripAnsi = (s: string): string =>
  // eslint-disable-next-line no-control-regex
  s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");

/** `dir` is `p` or lies under it. */
const covers = (p: string, dir: string): boolean => {
  const rel = path.relative(path.resolve(p), path.resolve(dir));
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
};

const strictlyInside = (p: string, dir: string): boolean =>
  covers(dir, p) && path.resolve(p) !== path.resolve(dir);

export interface MountPlan {
  /** Mounted read-only onto itself (ProtectSystem=strict for the package, the stage base unless writable). */
  readonly readOnly: readonly string[];
  /** Why the stage base stays writable (the ReadWritePaths= entry covering it), or null. */
  readonly stageWritableBy: string | null;
  /** ReadWritePaths= entries under a read-only mount: made writable again. */
  readonly writableAgain: readonly string[];
  /** BindReadOnlyPaths= to apply (missing sources with `-` already dropped). */
  readonly binds: readonly { readonly source: string; readonly destination: string }[];
}

/**
 * What the namespace mounts for this drop-in. Throws, as systemd would refuse to start the unit,
 * when a `BindReadOnlyPaths=` source (without `-`) or a `ReadWritePaths=` path (without `-`) is
 * missing.
 */
export const mountPlan = (packageRoot: string, stageBase: string, dropIn: HostDropIn): MountPlan => {
  const rw = dropIn.readWritePaths.filter((p) => {
    if (fs.existsSync(p.path)) return true;
    if (p.ignoreMissing) return false;
    throw new Error(`ReadWritePaths=${p.path} does not exist: systemd would refuse to start the unit`);
  });
  const stageWritableBy = rw.find((p) => covers(p.path, stageBase))?.path ?? null;
  const readOnly = [packageRoot, ...(stageWritableBy === null ? [stageBase] : [])];
  const writableAgain = rw.map((p) => p.path).filter((p) => readOnly.some((ro) => strictlyInside(p, ro)));
  const binds = dropIn.bindReadOnlyPaths.flatMap((b) => {
    if (!fs.existsSync(b.source)) {
      if (b.ignoreMissingSource) return [];
      throw new Error(
        `BindReadOnlyPaths=${b.source}:${b.destination}: the source does not exist; systemd would refuse to start the unit`,
      );
    }
    return [{ source: b.source, destination: b.destination }];
  });
  return { readOnly, stageWritableBy, writableAgain, binds };
};

/**
 * systemd creates a missing `BindReadOnlyPaths=` destination (an empty mount point) before it
 * mounts; the namespace script cannot (the package root is read-only by then), so the test makes
 * them first. Returns the directories it created, outermost first, for removal afterwards.
 */
export const createMountPoints = (plan: MountPlan): string[] => {
  const created: string[] = [];
  for (const { destination } of plan.binds) {
    const missing: string[] = [];
    for (let p = path.resolve(destination); !fs.existsSync(p); p = path.dirname(p)) missing.unshift(p);
    fs.mkdirSync(destination, { recursive: true });
    created.push(...missing);
  }
  return created;
};

/** The namespace script (see the comment at the top). */
export const gatewayScript = (
  plan: MountPlan,
  shadow: readonly { readonly target: string; readonly fake: string }[],
  env: Readonly<Record<string, string>>,
  argv: readonly string[],
) => {
  const lines = [
    "#!/bin/sh",
    "# Generated by test/host/gateway.test.ts. Run as: unshare -m --propagation private sh THIS_FILE",
    "set -eu",
    // A mount that is not really read-only would let the test pass vacuously.
    'probe_ro() { if touch "$1/.plugdeps-gateway-probe" 2>/dev/null; then rm -f "$1/.plugdeps-gateway-probe"; echo "gateway test: $1 is writable in the namespace" >&2; exit 97; fi; }',
  ];
  for (const { target, fake } of shadow) {
    lines.push(
      `mount --bind ${shQuote(fake)} ${shQuote(target)}  # the system's own, shadowed by the counting fake`,
    );
  }
  for (const dir of plan.readOnly) {
    lines.push(`mount --bind -o ro ${shQuote(dir)} ${shQuote(dir)}`, `probe_ro ${shQuote(dir)}`);
  }
  if (plan.stageWritableBy !== null)
    lines.push(`# the stage base stays writable: ReadWritePaths=${plan.stageWritableBy}`);
  for (const dir of plan.writableAgain) {
    lines.push(`mount --bind ${shQuote(dir)} ${shQuote(dir)}`, `mount -o remount,bind,rw ${shQuote(dir)}`);
  }
  for (const { source, destination } of plan.binds) {
    lines.push(
      `# BindReadOnlyPaths=${source}:${destination}`,
      `mount --bind -o ro ${shQuote(source)} ${shQuote(destination)}`,
      `probe_ro ${shQuote(destination)}`,
    );
  }
  const assignments = Object.entries(env).map(([k, v]) => shQuote(`${k}=${v}`));
  lines.push(`exec env -i ${[...assignments, ...argv.map(shQuote)].join(" ")}`, "");
  return lines.join("\n");
};

/**
 * `unshare` arguments that run `command` with `dir` bind-mounted read-only onto itself in a
 * private mount namespace (how `plugdeps apply` runs under ProtectSystem=strict).
 */
export const readOnlyArgs = (dir: string, command: readonly string[]): string[] => [
  "-m",
  "--propagation",
  "private",
  "sh",
  "-c",
  'dir="$1"; shift; mount --bind -o ro "$dir" "$dir" && exec "$@"',
  "sh",
  dir,
  ...command,
];

// ---------------------------------------------------------------------------------------------
// Running it

export interface ReadyLine {
  /** The line, ANSI escapes stripped. */
  readonly line: string;
  readonly count: number;
  readonly plugins: readonly string[];
  /** The gateway's own startup duration label (`4.2s`), if any. */
  readonly durationLabel: string | null;
}

/**
 * 2026.4.20 / 4.22: `ready (N plugins: a, b; X.Xs)`; 2026.4.29: `http server listening (...)`
 * (`formatReadyDetails`; `0 plugins, X.Xs` without a list).
 */
export const parseReadyLine = (log: string): ReadyLine | null => {
  for (const line of stripAnsi(log).split("\n")) {
    const m = /\b(?:ready|http server listening) \((\d+) plugins?(?:: ([^;)]*))?(?:[;,] ([^)]*))?\)/.exec(
      line,
    );
    if (m === null) continue;
    return {
      line: line.trim(),
      count: Number(m[1]),
      plugins: (m[2] ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== ""),
      durationLabel: m[3]?.trim() ?? null,
    };
  }
  return null;
};

export interface GatewayRun {
  readonly ready: ReadyLine | null;
  /** From spawning the namespace to seeing the ready line in the log (poll resolution 250 ms). */
  readonly readyMs: number | null;
  /** How the process ended before it was stopped, if it did. */
  readonly earlyExit: string | null;
  /** The whole log, ANSI escapes stripped. */
  readonly log: string;
  readonly script: string;
  readonly logFile: string;
}

export interface GatewayLaunch {
  /** Where gateway.sh and gateway.log go. */
  readonly dir: string;
  readonly script: string;
  /** Give up waiting for the ready line after this long. */
  readonly readyTimeoutMs: number;
  /**
   * How long the gateway keeps running after it is ready before it is stopped: the channels
   * (slack, telegram) start after the ready line, and a package manager started for them must be
   * seen too. An observation window, not a timing assertion.
   */
  readonly settleMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs the script in a private mount namespace until ready (or timeout / exit), then stops the whole process group. */
export const runGateway = async (launch: GatewayLaunch): Promise<GatewayRun> => {
  const scriptFile = path.join(launch.dir, "gateway.sh");
  const logFile = path.join(launch.dir, "gateway.log");
  fs.writeFileSync(scriptFile, launch.script, { mode: 0o755 });
  const out = fs.openSync(logFile, "w");
  const started = performance.now();
  const child = spawn("unshare", ["-m", "--propagation", "private", "sh", scriptFile], {
    detached: true,
    stdio: ["ignore", out, out],
    env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
  });
  fs.closeSync(out);
  let exited: string | null = null;
  const exitPromise = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      exited = signal === null ? `exit ${code}` : `signal ${signal}`;
      resolve();
    });
    child.once("error", (err) => {
      exited = `spawn error: ${err.message}`;
      resolve();
    });
  });
  const readLog = () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8") : "");

  let ready: ReadyLine | null = null;
  let readyMs: number | null = null;
  const deadline = started + launch.readyTimeoutMs;
  while (performance.now() < deadline && exited === null) {
    ready = parseReadyLine(readLog());
    if (ready !== null) {
      readyMs = performance.now() - started;
      break;
    }
    await sleep(250);
  }
  if (ready === null) ready = parseReadyLine(readLog());
  const earlyExit: string | null = exited;
  if (ready !== null && exited === null) await Promise.race([exitPromise, sleep(launch.settleMs)]);

  // Stop the whole process group: the shell exec'd the gateway, which may have children.
  const pgid = child.pid;
  if (pgid !== undefined) {
    const signalGroup = (sig: NodeJS.Signals) => {
      try {
        process.kill(-pgid, sig);
      } catch {
        // already gone
      }
    };
    signalGroup("SIGTERM");
    await Promise.race([exitPromise, sleep(10_000)]);
    signalGroup("SIGKILL");
    await Promise.race([exitPromise, sleep(5_000)]);
  }
  return { ready, readyMs, earlyExit, log: stripAnsi(readLog()), script: scriptFile, logFile };
};

/** The last `n` lines of a log. */
export const logTail = (log: string, n = 40): string =>
  log
    .split("\n")
    .slice(-n - 1)
    .map((l) => (l.length > 500 ? `${l.slice(0, 500)}...` : l))
    .join("\n");

/** Log lines about runtime deps, package managers, read-only errors and plugin failures. */
export const interestingLines = (log: string, max = 60): string => {
  const lines = log
    .split("\n")
    .filter((l) => /runtime dep|npm|pnpm|EROFS|read-only|failed|error|plugins?:|ready \(|listening/i.test(l))
    .map((l) => (l.length > 500 ? `${l.slice(0, 500)}...` : l));
  return lines.slice(0, max).join("\n") + (lines.length > max ? `\n... and ${lines.length - max} more` : "");
};
