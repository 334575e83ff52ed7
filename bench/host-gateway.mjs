#!/usr/bin/env node
// The REAL OpenClaw gateway, with and without plugdeps, on this machine and for the same config:
// how long until it is ready, how much disk its plugin dependencies take, and how many package
// managers the host itself starts. For OpenClaw 2026.4.20, 2026.4.22 and 2026.4.29, two cases:
//   alone     OpenClaw as shipped: it stages its bundled plugins' dependencies itself at startup
//             with npm (4.20 into its own package dir, 4.22/4.29 into the stage base);
//   plugdeps  `plugdeps apply` first (cold: empty stage base, fresh HOME, the public registry,
//             timed), then the gateway with the host drop-in `plugdeps units` prints (its
//             Environment= and BindReadOnlyPaths= lines) applied.
//
// Both cases run the same host: the published package installed with `npm i -g` for Node 22
// (.cache/openclaw-hosts/<v>, from scripts/install-openclaw-hosts.mjs, else our own copy under
// .cache/bench-host-gateway/hosts/<v>), on a Node 22 that has a REAL npm beside it
// (.cache/bench-host-gateway/node22-with-npm: .cache/node22 plus npm@10 in lib/node_modules/npm,
// where 4.29 looks for it and 4.20/4.22 look first). 2026.4.20 writes into its package, so each of
// its runs gets a fresh `cp -a` of the install. Per run: fresh HOME and state dir, openclaw.json
// with gateway local mode and the slack and telegram channels enabled (dummy tokens), an empty
// stage base named by OPENCLAW_PLUGIN_STAGE_DIR, a free port, cron/gmail/canvas/browser
// control/bonjour/model prewarm switched off (the channels are not), this machine's
// NODE_EXTRA_CA_CERTS and proxy variables passed through (npm needs them to reach the registry).
//
// The gateway runs in a private mount namespace (`unshare -m`, root only): the drop-in's
// BindReadOnlyPaths= mounts, and the system's npx shadowed by a fake that exits 1 (acpx launches
// its coding agent with `npx`; a real one would download it mid-run; it is counted apart). It runs
// under `strace -f --seccomp-bpf -e trace=execve -z`: every successful exec of the gateway and all
// its descendants is recorded, and a "package-manager start" is a process whose exec names npm,
// pnpm, yarn or corepack (the file run, or the script node runs: npm-cli.js, pnpm.cjs, ...),
// counted once per process. Both cases pay the same strace cost (only execve stops the tracee).
// Cross-check: the host's "installed bundled runtime deps" log lines (2026.4.29 also logs one
// when it only rewrites its root's manifest, in a few ms, with no package manager).
//
// Measured per run:
//   ready      spawn of the namespace -> the ready line in the log (`ready (N plugins: ...)` for
//              4.20/4.22, `http server listening (N plugins: ...)` for 4.29; polled every 250 ms);
//              the gateway keeps running 10 s more (package managers started after the line count
//              too), then its process group is stopped;
//   disk       `du -sb` of the stage base after the run, plus the growth of the package dir
//              (`du -sb` before/after: 2026.4.20 installs into it). That includes package-manager
//              caches kept in the stage base (plugdeps: .plugdeps/cache, pnpm's store, whose
//              files node_modules hard-links; 4.29: .openclaw-npm-cache), so the same `du` with
//              those excluded is shown too, and apart the npm cache 4.20/4.22 keep in HOME/.npm;
//   PM starts  as above; plugins: N and whether slack and telegram are listed.
//
// Usage: npm run build && node bench/host-gateway.mjs [--versions 2026.4.20,2026.4.22,2026.4.29] [--keep]
// Node 20 ESM, no dependencies; root, Linux, strace, unshare. Needs the public npm registry.
// Progress goes to stderr, the table to stdout; the results to
// .cache/bench-host-gateway/results.json, each run's gateway.sh, gateway.log and strace log to
// .cache/bench-host-gateway/runs/<date>/ (stage bases and package copies removed unless --keep).
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const OUT = path.join(REPO, ".cache", "bench-host-gateway");
const PUBLIC_REGISTRY = "https://registry.npmjs.org/";
const VERSIONS = ["2026.4.20", "2026.4.22", "2026.4.29"];
const NODE22 = path.join(REPO, ".cache", "node22");
const NODE22_WITH_NPM = path.join(OUT, "node22-with-npm");
const READY_TIMEOUT_MS = 6 * 60_000;
const SETTLE_MS = 10_000;
const APPLY_TIMEOUT_MS = 10 * 60_000;

const CONFIG = {
  gateway: { mode: "local", port: 18789 },
  channels: {
    slack: { enabled: true, botToken: "xoxb-1-2-abc", appToken: "xapp-1-abc" },
    telegram: { enabled: true, botToken: "123456:ABCdef" },
  },
};

/** What the gateway runs without (not the channels). */
const SKIPS = {
  OPENCLAW_SKIP_CRON: "1",
  OPENCLAW_SKIP_GMAIL_WATCHER: "1",
  OPENCLAW_SKIP_CANVAS_HOST: "1",
  OPENCLAW_SKIP_BROWSER_CONTROL_SERVER: "1",
  OPENCLAW_DISABLE_BONJOUR: "1",
  OPENCLAW_SKIP_STARTUP_MODEL_PREWARM: "1",
};

/** This machine's network setup (a TLS-intercepting proxy's CA, proxies), passed to the gateway as is. */
const NETWORK_ENV = Object.fromEntries(
  ["NODE_EXTRA_CA_CERTS", "HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "https_proxy", "http_proxy", "no_proxy"]
    .filter((k) => process.env[k] !== undefined)
    .map((k) => [k, process.env[k]]),
);

const log = (msg) => process.stderr.write(`[host-gateway] ${msg}\n`);
const shQuote = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;
const stripAnsi = (s) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, ""); // eslint-disable-line no-control-regex
const duBytes = (dir) =>
  fs.existsSync(dir) ? Number(spawnSync("du", ["-sb", dir], { encoding: "utf8" }).stdout.split("\t")[0]) : 0;

/** Runs a command to completion; throws with its output on failure. */
const run = (cmd, args, options = {}) => {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 256 * 1024 * 1024, ...options });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} failed (${r.status ?? r.signal}):\n${r.stderr}${r.stdout}`);
  }
  return r;
};

const parseArgs = (argv) => {
  const opts = { versions: VERSIONS, keep: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--keep") opts.keep = true;
    else if (argv[i] === "--versions") opts.versions = argv[++i].split(",");
    else
      throw new Error(
        `unknown argument ${argv[i]} (usage: bench/host-gateway.mjs [--versions LIST] [--keep])`,
      );
  }
  return opts;
};

// ---------------------------------------------------------------------------------------------
// Preparation: the host's Node with npm, the hosts, a private copy of plugdeps' build

/** The environment for npm and plugdeps: the caller's, without npm_* / OPENCLAW_* leaking in. */
const cleanEnv = (extra = {}) => {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^npm_/i.test(k) && !k.startsWith("OPENCLAW_") && k !== "NODE_OPTIONS") env[k] = v;
  }
  return { ...env, ...extra };
};

/** .cache/node22 plus a real npm@10 at lib/node_modules/npm (the layout of Node's own tarball). */
const ensureNode22WithNpm = () => {
  const cli = path.join(NODE22_WITH_NPM, "lib", "node_modules", "npm", "bin", "npm-cli.js");
  if (fs.existsSync(cli)) return;
  if (!fs.existsSync(path.join(NODE22, "bin", "node")))
    run("bash", [path.join(REPO, "scripts", "fetch-node22.sh")]);
  const work = `${NODE22_WITH_NPM}.tmp-${process.pid}`;
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(work), { recursive: true });
  run("cp", ["-a", NODE22, work]);
  const npmDir = path.join(work, "lib", "node_modules", "npm");
  fs.mkdirSync(npmDir, { recursive: true });
  const packed = run(
    "npm",
    ["pack", "npm@10", "--silent", `--registry=${PUBLIC_REGISTRY}`, "--pack-destination", work],
    {
      cwd: work,
      env: cleanEnv(),
    },
  ).stdout.trim();
  run("tar", ["-xzf", path.join(work, packed), "-C", npmDir, "--strip-components=1"]);
  fs.rmSync(path.join(work, packed));
  fs.renameSync(work, NODE22_WITH_NPM);
  log(`node22-with-npm: ${path.relative(REPO, NODE22_WITH_NPM)} (${packed})`);
};

/** The npm global prefix holding openclaw@version: the shared install if complete, else our own. */
const hostPrefix = (version) => {
  const shared = path.join(REPO, ".cache", "openclaw-hosts", version);
  if (fs.existsSync(path.join(shared, ".complete"))) return shared;
  const own = path.join(OUT, "hosts", version);
  if (fs.existsSync(path.join(own, ".complete"))) return own;
  log(`openclaw@${version}: not in .cache/openclaw-hosts, installing into ${path.relative(REPO, own)}`);
  fs.rmSync(own, { recursive: true, force: true });
  run(
    "npm",
    [
      "i",
      "-g",
      "--prefix",
      own,
      `openclaw@${version}`,
      `--registry=${PUBLIC_REGISTRY}`,
      "--no-audit",
      "--no-fund",
    ],
    { env: cleanEnv({ PATH: `${path.join(NODE22, "bin")}:${process.env.PATH}` }) },
  );
  fs.writeFileSync(path.join(own, ".complete"), `${new Date().toISOString()}\n`);
  return own;
};

const packageRootOf = (prefix) => fs.realpathSync(path.join(prefix, "lib", "node_modules", "openclaw"));

/**
 * dist/ and package.json copied under OUT (node_modules linked back), so a rebuild by someone
 * else during the run cannot change the plugdeps being measured. Returns the CLI's path.
 */
const snapshotPlugdeps = () => {
  const dir = path.join(OUT, "plugdeps");
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.cpSync(path.join(REPO, "dist"), path.join(dir, "dist"), { recursive: true });
  fs.copyFileSync(path.join(REPO, "package.json"), path.join(dir, "package.json"));
  fs.symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"));
  const bin = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).bin.plugdeps;
  return path.join(dir, bin);
};

// ---------------------------------------------------------------------------------------------
// One scenario: its dirs, plugdeps apply and units

const makeScenario = (runsDir, version, mode, prefix) => {
  const dir = path.join(runsDir, `${version}-${mode}`);
  const s = {
    version,
    mode,
    dir,
    home: path.join(dir, "home"),
    state: path.join(dir, "state"),
    stage: path.join(dir, "stage"),
  };
  for (const d of [s.home, s.state, s.stage]) fs.mkdirSync(d, { recursive: true });
  s.config = path.join(s.state, "openclaw.json");
  fs.writeFileSync(s.config, `${JSON.stringify(CONFIG, null, 2)}\n`);
  // 2026.4.20 installs into its package: a fresh copy per run keeps the shared install clean.
  s.prefix = version === "2026.4.20" ? copyPrefix(prefix, path.join(dir, "prefix")) : prefix;
  s.packageRoot = packageRootOf(s.prefix);
  return s;
};

const copyPrefix = (prefix, dest) => {
  run("cp", ["-a", prefix, dest]);
  return dest;
};

const plugdeps = (cli, s, command) =>
  spawnSync(
    process.execPath,
    [cli, ...command, "--package-root", s.packageRoot, "--config", s.config, "--stage-dir", s.stage],
    {
      encoding: "utf8",
      cwd: REPO,
      timeout: APPLY_TIMEOUT_MS,
      maxBuffer: 64 * 1024 * 1024,
      // Node 20; pnpm from the repository's node_modules/.bin (apply picks pnpm when found).
      env: cleanEnv({
        PATH: `${path.join(REPO, "node_modules", ".bin")}:${process.env.PATH}`,
        HOME: s.home,
        NO_COLOR: "1",
        npm_config_registry: PUBLIC_REGISTRY,
      }),
    },
  );

/** `plugdeps apply` on the empty stage base, timed; throws when it fails. */
const applyCold = (cli, s) => {
  const t0 = performance.now();
  const r = plugdeps(cli, s, ["apply"]);
  const seconds = (performance.now() - t0) / 1000;
  fs.writeFileSync(
    path.join(s.dir, "apply.log"),
    `exit ${r.status}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`,
  );
  if (r.status !== 0)
    throw new Error(`plugdeps apply failed (${r.status ?? r.signal}):\n${r.stderr}${r.stdout}`);
  return { seconds, manager: /\bwith (pnpm|npm)\b/.exec(r.stdout)?.[1] ?? null };
};

/** Splits a unit value into words the way systemd does for these settings (quotes, backslashes). */
const unitWords = (value) => {
  const words = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (let m; (m = re.exec(value));) words.push((m[1] ?? m[2] ?? m[3]).replace(/\\(.)/g, "$1"));
  return words;
};

/**
 * The host drop-in of `plugdeps units` (after "### Add to the host's own unit"): the active
 * Environment= and BindReadOnlyPaths= lines of its [Service] section. ReadWritePaths= is moot
 * here: nothing is made read-only in either case.
 */
const hostDropIn = (cli, s) => {
  const r = plugdeps(cli, s, ["units"]);
  if (r.status !== 0) throw new Error(`plugdeps units failed:\n${r.stderr}${r.stdout}`);
  const text = r.stdout.split("### Add to the host's own unit")[1]?.split("\n### ")[0];
  if (text === undefined) throw new Error(`plugdeps units printed no host drop-in:\n${r.stdout}`);
  const env = {};
  const binds = [];
  let section = "";
  for (const line of text.split("\n").map((l) => l.trim())) {
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    if (/^\[.+\]$/.test(line)) section = line;
    else if (section !== "[Service]") continue;
    else if (line.startsWith("Environment=")) {
      for (const w of unitWords(line.slice("Environment=".length)))
        env[w.slice(0, w.indexOf("="))] = w.slice(w.indexOf("=") + 1);
    } else if (line.startsWith("BindReadOnlyPaths=")) {
      for (const w of unitWords(line.slice("BindReadOnlyPaths=".length))) {
        const optional = w.startsWith("-");
        const [source, destination = source] = (optional ? w.slice(1) : w).split(":");
        if (fs.existsSync(source)) binds.push({ source, destination });
        else if (!optional) throw new Error(`BindReadOnlyPaths= source missing: ${source}`);
      }
    }
  }
  fs.writeFileSync(path.join(s.dir, "drop-in.conf"), text);
  return { env, binds };
};

// ---------------------------------------------------------------------------------------------
// The gateway: namespace script, strace, ready line

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

/** A fake npx (sh and JavaScript at once: run directly or by `node <file>`) that exits 1. */
const fakeNpx = (dir) => {
  const file = path.join(dir, "fake-npx");
  const said = "host-gateway bench: npx is shadowed";
  fs.writeFileSync(
    file,
    `#!/bin/sh\n':' //; echo ${shQuote(said)} >&2; exit 1\nconsole.error(${JSON.stringify(said)}); process.exit(1);\n`,
    { mode: 0o755 },
  );
  return file;
};

/** The system's npx files (realpaths), each to be shadowed by the fake in the namespace. */
const systemNpx = () => [
  ...new Set(
    ["/usr/local/bin/npx", "/usr/bin/npx", "/bin/npx"]
      .filter((p) => fs.existsSync(p))
      .map((p) => fs.realpathSync(p)),
  ),
];

/** The namespace script: shadow npx, apply the binds, exec the gateway under strace. */
const gatewayScript = ({ s, binds, env, port, straceFile }) => {
  const npx = fakeNpx(s.dir);
  const lines = ["#!/bin/sh", "# Run as: unshare -m --propagation private sh THIS_FILE", "set -eu"];
  for (const target of systemNpx()) lines.push(`mount --bind ${shQuote(npx)} ${shQuote(target)}`);
  for (const { source, destination } of binds) {
    fs.mkdirSync(destination, { recursive: true }); // systemd creates the mount point too
    lines.push(`mount --bind -o ro ${shQuote(source)} ${shQuote(destination)}`);
  }
  const strace = [
    "strace",
    "-f",
    "--seccomp-bpf",
    "-z",
    "-qq",
    "-s",
    "256",
    "-e",
    "trace=execve",
    "-o",
    straceFile,
  ];
  const argv = [
    path.join(s.prefix, "bin", "openclaw"),
    "gateway",
    "run",
    "--allow-unconfigured",
    "--port",
    port,
    "--bind",
    "loopback",
    "--auth",
    "none",
  ];
  const assignments = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  lines.push(`exec ${[...strace, "env", "-i", ...assignments, ...argv].map(shQuote).join(" ")}`, "");
  return lines.join("\n");
};

/** `ready (N plugins: a, b; X.Xs)` (4.20/4.22) or `http server listening (...)` (4.29). */
const parseReady = (text) => {
  for (const line of stripAnsi(text).split("\n")) {
    const m = /\b(?:ready|http server listening) \((\d+) plugins?(?:: ([^;)]*))?(?:[;,] ([^)]*))?\)/.exec(
      line,
    );
    if (m === null) continue;
    const plugins = (m[2] ?? "")
      .split(",")
      .map((p) => p.trim())
      .filter(Boolean);
    return { line: line.trim(), count: Number(m[1]), plugins, label: m[3]?.trim() ?? null };
  }
  return null;
};

/** Starts the script in a private mount namespace; waits for the ready line, settles, stops the group. */
const runGateway = async (scriptFile, logFile) => {
  const out = fs.openSync(logFile, "w");
  const t0 = performance.now();
  const child = spawn("unshare", ["-m", "--propagation", "private", "sh", scriptFile], {
    detached: true,
    stdio: ["ignore", out, out],
    env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
  });
  fs.closeSync(out);
  let exited = null;
  const exit = new Promise((resolve) => {
    child.once("exit", (code, signal) => resolve((exited = signal ?? `exit ${code}`)));
    child.once("error", (err) => resolve((exited = `spawn error: ${err.message}`)));
  });
  const readLog = () => fs.readFileSync(logFile, "utf8");
  let ready = null;
  let readyMs = null;
  while (performance.now() - t0 < READY_TIMEOUT_MS && exited === null) {
    if ((ready = parseReady(readLog())) !== null) {
      readyMs = performance.now() - t0;
      break;
    }
    await sleep(250);
  }
  const earlyExit = exited;
  if (ready !== null && exited === null) await Promise.race([exit, sleep(SETTLE_MS)]);
  await stopGroup(child.pid, exit);
  return { ready, readyMs, earlyExit, log: stripAnsi(readLog()) };
};

const stopGroup = async (pgid, exit) => {
  const signal = (sig) => {
    try {
      process.kill(-pgid, sig);
    } catch {
      // already gone
    }
  };
  signal("SIGTERM");
  await Promise.race([exit, sleep(10_000)]);
  signal("SIGKILL");
  await Promise.race([exit, sleep(5_000)]);
};

/**
 * Package-manager processes in the strace log (successful execs only, -z): a process counts once
 * when the file it execs, or the script node runs (argv[1]), is npm, pnpm, yarn, corepack (or
 * their -cli.js / .cjs entry points); npx (and `npm exec`) apart.
 */
const countPackageManagers = (straceFile) => {
  const byPid = new Map();
  const text = fs.existsSync(straceFile) ? fs.readFileSync(straceFile, "utf8") : "";
  for (const line of text.split("\n")) {
    const m = /^(\d+)\s+execve\("([^"]*)", \[((?:"(?:[^"\\]|\\.)*"(?:\.\.\.)?(?:, )?)*)/.exec(line);
    if (m === null || byPid.has(m[1])) continue;
    const argv = [...m[3].matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((a) => a[1]);
    const found = pmKind(m[2]) ?? (argv.length > 1 ? pmKind(argv[1]) : null);
    // `npm exec` is npx (acpx launches its coding agent so when a real npm is beside Node): an
    // agent launch, not dependency staging; counted with npx.
    const kind = found === "npm" && argv.slice(1, 3).includes("exec") ? "npx" : found;
    if (kind !== null) byPid.set(m[1], `${kind}: ${argv.slice(0, 4).join(" ")}`);
  }
  const starts = [...byPid.values()];
  return { pm: starts.filter((l) => !l.startsWith("npx")), npx: starts.filter((l) => l.startsWith("npx")) };
};

const pmKind = (file) => {
  const m = /^(npm|npx|pnpm|pnpx|yarn|corepack)(?:-cli)?(?:\.c?js|\.mjs)?$/.exec(path.basename(file));
  return m === null ? null : m[1] === "pnpx" ? "pnpm" : m[1];
};

/** Package-manager caches and stores kept in a stage base, as `du --exclude` patterns. */
const STAGE_CACHES = ["*/.plugdeps/cache", "*/.openclaw-npm-cache", "*/.openclaw-pnpm-store"];

/** `du -sb` of the stage base without its caches (a file also hard-linked from node_modules still counts). */
const stageWithoutCaches = (stage) =>
  fs.existsSync(stage)
    ? Number(
        spawnSync("du", ["-sb", ...STAGE_CACHES.map((p) => `--exclude=${p}`), stage], {
          encoding: "utf8",
        }).stdout.split("\t")[0],
      )
    : 0;

// ---------------------------------------------------------------------------------------------
// A run: (apply,) gateway, measurements

const runCase = async (cli, runsDir, version, mode) => {
  const s = makeScenario(runsDir, version, mode, hostPrefix(version));
  const row = { version, mode, packageRoot: s.packageRoot };
  let env = { OPENCLAW_PLUGIN_STAGE_DIR: s.stage };
  let binds = [];
  if (mode === "plugdeps") {
    log(`${version} plugdeps: apply (cold)`);
    row.apply = applyCold(cli, s);
    ({ env, binds } = hostDropIn(cli, s));
    row.dropIn = { env, binds };
  }
  const straceFile = path.join(s.dir, "strace.log");
  const script = gatewayScript({
    s,
    binds,
    port: String(await freePort()),
    straceFile,
    env: {
      PATH: [path.join(NODE22_WITH_NPM, "bin"), "/usr/bin", "/bin"].join(":"),
      HOME: s.home,
      OPENCLAW_STATE_DIR: s.state,
      ...NETWORK_ENV,
      ...SKIPS,
      ...env,
    },
  });
  const scriptFile = path.join(s.dir, "gateway.sh");
  fs.writeFileSync(scriptFile, script, { mode: 0o755 });
  const packageBefore = duBytes(s.packageRoot);
  log(`${version} ${mode}: gateway (up to ${READY_TIMEOUT_MS / 60_000} min)`);
  const g = await runGateway(scriptFile, path.join(s.dir, "gateway.log"));
  const counted = countPackageManagers(straceFile);
  Object.assign(row, {
    readySeconds: g.readyMs === null ? null : g.readyMs / 1000,
    gatewayLabel: g.ready?.label ?? null,
    readyLine: g.ready?.line ?? null,
    earlyExit: g.earlyExit,
    pluginCount: g.ready?.count ?? null,
    plugins: g.ready?.plugins ?? [],
    pmStarts: counted.pm.length,
    pmCommands: counted.pm,
    npxStarts: counted.npx.length,
    installedLines: g.log.split("\n").filter((l) => /installed bundled runtime deps/i.test(l)).length,
    stageBytes: duBytes(s.stage),
    packageGrowthBytes: duBytes(s.packageRoot) - packageBefore,
    stageNoCacheBytes: stageWithoutCaches(s.stage),
    homeNpmCacheBytes: duBytes(path.join(s.home, ".npm")),
  });
  if (g.ready === null) row.logTail = g.log.split("\n").slice(-30).join("\n");
  log(`${version} ${mode}: ${summary(row)}`);
  return { row, s };
};

const summary = (r) =>
  `ready ${r.readySeconds?.toFixed(1) ?? "never"} s, ${r.pluginCount ?? "?"} plugins, ${r.pmStarts} PM starts, ` +
  `stage ${mb(r.stageBytes)} MB, package +${mb(r.packageGrowthBytes)} MB`;

/** Removes what is big (stage bases, package copies), keeps the logs. */
const cleanUp = (s) => {
  for (const d of [s.stage, path.join(s.dir, "prefix"), s.home])
    fs.rmSync(d, { recursive: true, force: true });
};

// ---------------------------------------------------------------------------------------------
// Report

const mb = (bytes) => (bytes / 1e6).toFixed(bytes >= 1e8 ? 0 : 1);
const secs = (s) => (s === null || s === undefined ? "never" : `${s.toFixed(1)} s`);
const ratio = (a, b) => (a == null || b == null || b === 0 ? "-" : `${(a / b).toFixed(2)}×`);
/** plugdeps' whole cost before a ready host: the cold apply, then the gateway's start. */
const applyPlusReady = (p) => (p.readySeconds === null ? null : p.apply.seconds + p.readySeconds);
const diskOf = (r) => r.stageBytes + Math.max(0, r.packageGrowthBytes);
const diskNoCacheOf = (r) => r.stageNoCacheBytes + Math.max(0, r.packageGrowthBytes);
const disk = (r) => `${mb(r.stageBytes)} + ${mb(r.packageGrowthBytes)}`;
const diskNoCache = (r) => `${mb(r.stageNoCacheBytes)} + ${mb(r.packageGrowthBytes)}`;
const listed = (r, id) => `${id} ${r.plugins.includes(id) ? "yes" : "NO"}`;
const plugins = (r) =>
  r.pluginCount === null
    ? "no ready line"
    : `${r.pluginCount}: ${listed(r, "slack")}, ${listed(r, "telegram")}`;

/** The rows of one version: [label, alone, plugdeps, plugdeps ÷ alone]. */
const versionRows = (a, p) => [
  [
    `time to ready (the gateway says ${a.gatewayLabel ?? "-"} / ${p.gatewayLabel ?? "-"})`,
    secs(a.readySeconds),
    secs(p.readySeconds),
    ratio(p.readySeconds, a.readySeconds),
  ],
  [`\`plugdeps apply\`, cold (with ${p.apply?.manager ?? "?"})`, "-", secs(p.apply?.seconds), ""],
  [
    "apply + time to ready",
    secs(a.readySeconds),
    secs(applyPlusReady(p)),
    ratio(applyPlusReady(p), a.readySeconds),
  ],
  ["disk: stage base + package growth, MB", disk(a), disk(p), ratio(diskOf(p), diskOf(a))],
  [
    "the same without the caches in the stage base, MB",
    diskNoCache(a),
    diskNoCache(p),
    ratio(diskNoCacheOf(p), diskNoCacheOf(a)),
  ],
  ["npm cache in HOME (~/.npm), MB", mb(a.homeNpmCacheBytes), mb(p.homeNpmCacheBytes), ""],
  ["package-manager starts by the host (strace)", a.pmStarts, p.pmStarts, ""],
  ['host log lines "installed bundled runtime deps"', a.installedLines, p.installedLines, ""],
  ["plugins in the ready line", plugins(a), plugins(p), ""],
];

const table = (rows, versions) => {
  const lines = [
    "| version | row | OpenClaw alone | with plugdeps | plugdeps ÷ alone |",
    "|---|---|---|---|---|",
  ];
  for (const v of versions) {
    const a = rows.find((r) => r.version === v && r.mode === "alone");
    const p = rows.find((r) => r.version === v && r.mode === "plugdeps");
    if (a === undefined || p === undefined) continue;
    versionRows(a, p).forEach((cells, i) => lines.push(`| ${i === 0 ? v : ""} | ${cells.join(" | ")} |`));
  }
  return lines.join("\n");
};

// ---------------------------------------------------------------------------------------------

const main = async () => {
  const opts = parseArgs(process.argv.slice(2));
  if (process.getuid?.() !== 0) throw new Error("needs root (unshare -m, mount --bind)");
  if (spawnSync("strace", ["-V"]).status !== 0) throw new Error("needs strace (apt-get install -y strace)");
  ensureNode22WithNpm();
  const cli = snapshotPlugdeps();
  const runsDir = path.join(OUT, "runs", new Date().toISOString().replace(/[:.]/g, "-"));
  fs.mkdirSync(runsDir, { recursive: true });
  const started = new Date().toISOString();
  const rows = [];
  for (const version of opts.versions) {
    for (const mode of ["alone", "plugdeps"]) {
      const { row, s } = await runCase(cli, runsDir, version, mode);
      rows.push(row);
      if (!opts.keep) cleanUp(s);
    }
  }
  const node = spawnSync(path.join(NODE22_WITH_NPM, "bin", "node"), ["--version"], {
    encoding: "utf8",
  }).stdout.trim();
  const npm = JSON.parse(
    fs.readFileSync(path.join(NODE22_WITH_NPM, "lib", "node_modules", "npm", "package.json"), "utf8"),
  ).version;
  const result = { started, finished: new Date().toISOString(), host: { node, npm }, runsDir, rows };
  for (const dir of [OUT, runsDir]) {
    fs.writeFileSync(path.join(dir, "results.json"), `${JSON.stringify(result, null, 2)}\n`);
  }
  console.log(
    `OpenClaw gateway, alone vs after \`plugdeps apply\` (host Node ${node}, npm ${npm}; one run each)\n`,
  );
  console.log(table(rows, opts.versions));
  console.log(
    `\nresults: ${path.relative(REPO, path.join(OUT, "results.json"))}; logs: ${path.relative(REPO, runsDir)}`,
  );
};

main().catch((error) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
