import * as fs from "node:fs";
import * as path from "node:path";
import { execa } from "execa";
import { expect } from "vitest";
import type { PlanDocumentJson } from "../../src/model/plan.js";
import {
  APPLY_TIMEOUT_MS,
  applyEnv,
  type ApplySandbox,
  commonArgs,
  expectRootValid,
  leftovers,
  liveTarget,
  readState,
  wantedInRoot,
  writeConfig,
} from "../support/apply.js";
import { CLI, REPO_ROOT, cliEnv } from "../support/cli.js";
import { procStartTime } from "../support/process.js";

/**
 * Helpers for the fault tests (crashes, concurrency, locks): the BUILT CLI as a real subprocess
 * whose end we observe precisely (exit code AND signal), configs that force a new generation, a
 * concurrent reader process, and the "converged and clean" checks every fault ends with.
 */

// ---------------------------------------------------------------------------------------------
// Running the CLI as a process we can kill, wait for, and inspect

export interface Ended {
  readonly exitCode: number | null;
  /** The signal that ended the process (e.g. "SIGKILL"), else null. */
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly command: string;
}

export interface Started {
  readonly pid: number;
  readonly done: Promise<Ended>;
  readonly kill: (signal?: NodeJS.Signals) => void;
  /** Everything it wrote to stdout and stderr so far (while it still runs). */
  readonly output: () => string;
}

/** Starts `node dist/src/cli/plugdeps.cjs ARGS` with the sandbox's environment (nothing inherited). */
export const startCli = (
  sb: ApplySandbox,
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Started => {
  const child = execa(process.execPath, [CLI, ...args], {
    reject: false,
    extendEnv: false,
    env: cliEnv(sb.home, applyEnv(sb, env)),
    cwd: REPO_ROOT,
    stdin: "ignore",
    stripFinalNewline: false,
    timeout: APPLY_TIMEOUT_MS,
  });
  const command = `plugdeps ${args.join(" ")}${Object.keys(env).length > 0 ? ` (env ${JSON.stringify(env)})` : ""}`;
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${command}`);
  let live = "";
  child.stdout?.on("data", (d: Buffer) => (live += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (live += d.toString()));
  const done = child.then((r) => {
    if (r.timedOut) throw new Error(`timed out: ${command}`);
    return {
      exitCode: r.exitCode ?? null,
      signal: r.signal ?? null,
      stdout: String(r.stdout),
      stderr: String(r.stderr),
      command,
    };
  });
  return { pid, done, kill: (signal = "SIGKILL") => child.kill(signal), output: () => live };
};

export const runCliProcess = (
  sb: ApplySandbox,
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<Ended> => startCli(sb, args, env).done;

export const applyArgs = (sb: ApplySandbox, config: string, ...extra: string[]): string[] => [
  "apply",
  ...commonArgs(sb, config),
  ...extra,
];

export const describeEnded = (r: Ended): string =>
  `${r.command}\n--- exit ${String(r.exitCode)} signal ${String(r.signal)}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

export const expectExit0 = (r: Ended): Ended => {
  expect({ exitCode: r.exitCode, signal: r.signal }, describeEnded(r)).toEqual({ exitCode: 0, signal: null });
  return r;
};

export const expectKilled = (r: Ended): Ended => {
  expect(r.signal, describeEnded(r)).toBe("SIGKILL");
  return r;
};

/** `plan --json` of a config, decoded loosely (the codec is exercised elsewhere). */
export const planOf = async (sb: ApplySandbox, config: string, extra: readonly string[] = []) => {
  const r = await runCliProcess(sb, ["plan", ...commonArgs(sb, config), ...extra, "--json"]);
  expectExit0(r);
  return JSON.parse(r.stdout) as PlanDocumentJson;
};

// ---------------------------------------------------------------------------------------------
// Desired states that force a new generation with an install

/**
 * Three configs over the demo host, each needing an install relative to the one before it
 * (cyclically): slack -> discord installs discord-client + markdown 2; discord -> telegram
 * installs telegram-bot, markdown 1, http-kit; telegram -> slack installs slack-sdk (+ retry).
 * Every step also prunes packages of the previous plugin. anthropic is switched off to keep the
 * sets small.
 */
export const writeChain = (sb: ApplySandbox): string[] =>
  ["slack", "discord", "telegram"].map((channel) =>
    writeConfig(sb, `only-${channel}`, {
      channels: { [channel]: { enabled: true } },
      plugins: { entries: { anthropic: { enabled: false } } },
    }),
  );

/** Legacy debris the OpenClaw adapter removes by exact name (SPEC §5), created afresh. */
export const DEBRIS = [
  "dist/extensions/matrix/.openclaw-install-stage-1714000000/leftover.txt",
  "dist/extensions/slack/.openclaw-runtime-deps-stamp.json",
  "dist/extensions/discord/.openclaw-install-backups/old/package.json",
  "dist/extensions/telegram/.openclaw-pnpm-store/v3/index.txt",
] as const;

export const debrisTop = (rel: string): string => rel.split("/").slice(0, 4).join("/");

export const createDebris = (host: string): string[] => {
  for (const rel of DEBRIS) {
    const p = path.join(host, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, "debris\n");
  }
  return DEBRIS.map((rel) => path.join(host, debrisTop(rel)));
};

// ---------------------------------------------------------------------------------------------
// What is live

/**
 * The live root validates for exactly one of the candidate plans: its state record names that
 * plan's fingerprint, and every package that plan wants loads from the root (expectRootValid).
 * Returns the index of that plan.
 */
export const expectLiveOneOf = async (root: string, plans: readonly PlanDocumentJson[]): Promise<number> => {
  const target = liveTarget(root);
  expect(target, `${root} is not a live link`).not.toBeNull();
  expect(target ?? "", "the root links to one of its generations").toMatch(/\.gen-[A-Za-z0-9_-]+$/);
  const fingerprint = readState(root).planFingerprint;
  const which = plans.findIndex((p) => p.desired.fingerprint === fingerprint);
  expect(
    which,
    `live state ${fingerprint} is none of ${plans.map((p) => p.desired.fingerprint).join(", ")}`,
  ).toBeGreaterThanOrEqual(0);
  const plan = plans[which];
  if (plan !== undefined) await expectRootValid(root, plan);
  return which;
};

/** No interrupted-build leftovers, no lock (or reclaim marker) anywhere in the stage base. */
export const expectClean = (stage: string): void => {
  expect(leftovers(stage), "stage/link leftovers").toEqual([]);
  expect(
    fs.readdirSync(stage).filter((n) => n.endsWith(".lock") || n.includes(".lock.")),
    "lock directories",
  ).toEqual([]);
};

/** Generation directories of a root (live or not). */
export const generationsOf = (root: string): string[] =>
  fs
    .readdirSync(path.dirname(root))
    .filter((n) => n.startsWith(`${path.basename(root)}.gen-`))
    .sort();

/** Every generation in a stage base, of any root. */
export const allGenerations = (stage: string): string[] =>
  fs
    .readdirSync(stage)
    .filter((n) => n.includes(".gen-"))
    .sort();

// ---------------------------------------------------------------------------------------------
// A concurrent reader

export interface ReaderReport {
  readonly iterations: number;
  readonly resolutions: number;
  /** Iterations in which some root was live. */
  readonly liveIterations: number;
  readonly failures: readonly string[];
  readonly failureCount: number;
  readonly fingerprints: readonly string[];
}

export interface Reader {
  readonly stop: () => Promise<ReaderReport>;
  /** Resolves once the reader has done at least `n` iterations with a live state. */
  readonly warmedUp: () => Promise<void>;
}

/**
 * The reader, a separate node process (what a plugin host process sees while plugdeps works):
 * four interleaved loops, each iteration of which
 * 1. reads the root's link (the first live one of `roots`: a host upgrade moves to a new root);
 * 2. waits a random 0-40 ms, like a host that found the live tree and imports a moment later:
 *    what it found must still be there, even if a swap happened meanwhile (this is what the
 *    kept previous generation is for);
 * 3. reads the state record of THAT generation (one consistent snapshot; going through the root
 *    path twice could mix two generations, which no real resolver does either);
 * 4. for every package the plan with that fingerprint wants (given by the test, not taken from
 *    the record, so a record that lies is caught), resolves it with Node's own resolver from the
 *    set's directory (`createRequire` + `require.resolve`) and loads it, checking the exported
 *    name and that its version satisfies the spec, with Node's resolution and module caches
 *    cleared first, so every iteration really walks the filesystem.
 * A failure is counted only once some state has been live. It stops when its stdin closes (or
 * after 45 s at most) and prints a JSON report.
 */
const READER_SOURCE = String.raw`
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const Module = require("node:module");
const { roots, wanted, semverPath, maxMs, dwellMs, loops } = JSON.parse(process.argv[2]);
const semver = require(semverPath);
let iterations = 0, resolutions = 0, liveIterations = 0, failureCount = 0, stopped = false;
const failures = [];
const fingerprints = new Set();
const fail = (msg) => { failureCount++; if (failures.length < 20) failures.push(msg); };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const once = async () => {
  iterations++;
  let root = null, target = null;
  for (const r of roots) {
    try { target = fs.readlinkSync(r); root = r; break; } catch (err) { /* not live */ }
  }
  if (root === null) { if (liveIterations > 0) fail("no root is live"); return; }
  liveIterations++;
  if (liveIterations === 1) process.stderr.write("live\n");
  const gen = path.join(path.dirname(root), target);
  // A host reads where the live tree is, then imports a moment later (start-up, lazy imports):
  // what it read must still be there after that moment, even if a swap happened meanwhile.
  await sleep(Math.floor(Math.random() * dwellMs));
  let fingerprint;
  try {
    fingerprint = JSON.parse(fs.readFileSync(path.join(gen, ".plugdeps", "state.json"), "utf8")).planFingerprint;
  } catch (err) { fail("state record of " + target + ": " + (err.code || err.message)); return; }
  fingerprints.add(fingerprint);
  const packages = wanted[fingerprint];
  if (packages === undefined) { fail(target + " is live with an unknown plan " + fingerprint); return; }
  for (const k of Object.keys(Module._pathCache)) delete Module._pathCache[k];
  for (const k of Object.keys(require.cache)) if (k.startsWith(path.dirname(root) + path.sep)) delete require.cache[k];
  for (const p of packages) {
    try {
      const req = Module.createRequire(path.join(gen, p.setRel, "__reader__.cjs"));
      const file = req.resolve(p.name);
      if (!file.startsWith(gen + path.sep)) throw new Error("resolved outside the live generation: " + file);
      const mod = req(file);
      if (mod.name !== p.name) throw new Error("exports " + mod.name);
      if (!semver.satisfies(mod.version, p.spec)) throw new Error("version " + mod.version + " does not satisfy " + p.spec);
      resolutions++;
    } catch (err) { fail(target + ": " + p.name + ": " + (err.code ? err.code + " " : "") + err.message.split("\n")[0]); }
  }
};
const finish = () => {
  if (stopped) return;
  stopped = true;
  process.stdout.write(JSON.stringify({ iterations, resolutions, liveIterations, failures, failureCount, fingerprints: [...fingerprints] }));
  process.exit(0);
};
const started = Date.now();
// Several interleaved loops, so that at any moment some of them hold a pointer read a moment ago.
const loop = async () => {
  while (!stopped) {
    await once();
    if (Date.now() - started > maxMs) return finish();
    await sleep(2);
  }
};
for (let i = 0; i < loops; i++) void loop();
process.stdin.on("data", () => {});
process.stdin.on("end", finish);
`;

export interface ReaderTarget {
  /** Candidate roots, in order of preference (first live one wins). */
  readonly roots: readonly string[];
  /** Every plan whose state may be live (the reader needs their wanted packages). */
  readonly plans: readonly PlanDocumentJson[];
}

export const startReader = (sb: ApplySandbox, target: ReaderTarget): Reader => {
  const wanted: Record<string, { setRel: string; name: string; spec: string }[]> = {};
  for (const plan of target.plans) {
    wanted[plan.desired.fingerprint] = wantedInRoot(plan).map((w) => ({
      setRel: path.relative(plan.desired.targetRoot, w.setDir),
      name: w.name,
      spec: w.spec,
    }));
  }
  const script = sb.at("reader.cjs");
  fs.writeFileSync(script, READER_SOURCE);
  const child = execa(
    process.execPath,
    [
      script,
      JSON.stringify({
        roots: target.roots,
        wanted,
        semverPath: path.join(REPO_ROOT, "node_modules", "semver"),
        maxMs: 45_000,
        dwellMs: 40,
        loops: 4,
      }),
    ],
    { reject: false, extendEnv: false, env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin" }, stdin: "pipe" },
  );
  const live = new Promise<void>((resolve) => {
    child.stderr?.on("data", (d: Buffer) => {
      if (d.toString().includes("live")) resolve();
    });
    void child.then(() => resolve());
  });
  return {
    warmedUp: () => live,
    stop: async () => {
      child.stdin?.end();
      const r = await child;
      if (r.exitCode !== 0)
        throw new Error(`the reader failed (exit ${String(r.exitCode)}):\n${String(r.stderr)}`);
      return JSON.parse(String(r.stdout)) as ReaderReport;
    },
  };
};

// ---------------------------------------------------------------------------------------------
// Seeded randomness (printed, so a failing run can be replayed with FAULT_SEED=<seed>)

export const mulberry32 = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

export const seedFromEnv = (): number => {
  const fromEnv = Number(process.env["FAULT_SEED"]);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : (Date.now() % 2_147_483_647) + 1;
};

// ---------------------------------------------------------------------------------------------
// Orphaned package managers

export interface ProcessId {
  readonly pid: number;
  readonly starttime: number;
  readonly cmdline: string;
  /** Where it was found working, and what plugdeps recorded there about its package manager. */
  readonly stage?: string;
  readonly record?: string;
}

/** Processes whose working directory is inside `dir` (a package manager working in a stage). */
export const processesIn = (dir: string): ProcessId[] => {
  const out: ProcessId[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    try {
      const cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
      if (cwd !== dir && !cwd.startsWith(dir + path.sep)) continue;
      out.push({
        pid,
        starttime: procStartTime(pid),
        cmdline: fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ").trim(),
      });
    } catch {
      // gone meanwhile, or not ours to look at
    }
  }
  return out;
};

/** Still that very process (same pid and start time), and not a zombie. */
export const stillRunning = (p: ProcessId): boolean => {
  try {
    const stat = fs.readFileSync(`/proc/${p.pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[19]) === p.starttime && fields[0] !== "Z" && fields[0] !== "X";
  } catch {
    return false;
  }
};

/**
 * Freezes (SIGSTOP) every process still working in a leftover stage of `stage`: the package
 * manager a SIGKILLed plugdeps left running. Frozen, it stands for a manager stuck on a slow
 * registry, which runs on for minutes; the next apply must stop it before it removes the stage.
 */
export const freezeOrphans = (stage: string): ProcessId[] => {
  const found = fs
    .readdirSync(stage)
    .filter((n) => n.startsWith(".plugdeps-stage-"))
    .flatMap((n) => {
      const dir = path.join(stage, n);
      let record = "(no record)";
      try {
        record = fs.readFileSync(path.join(dir, ".plugdeps-package-manager.json"), "utf8").trim();
      } catch {
        // none
      }
      return processesIn(dir).map((p) => ({ ...p, stage: n, record }));
    });
  for (const p of found) {
    try {
      process.kill(p.pid, "SIGSTOP");
    } catch {
      // already gone
    }
  }
  return found;
};

/** Rewrites the package-manager records of leftover stages without the pid (see crash.test.ts). */
export const forgetOrphanPids = (stage: string): void => {
  for (const n of fs.readdirSync(stage).filter((x) => x.startsWith(".plugdeps-stage-"))) {
    const file = path.join(stage, n, ".plugdeps-package-manager.json");
    if (!fs.existsSync(file)) continue;
    const {
      pid: _pid,
      starttime: _starttime,
      ...rest
    } = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
    fs.writeFileSync(file, `${JSON.stringify(rest)}\n`);
  }
};

/** Test cleanup: whatever is still running of these gets SIGKILL (and SIGCONT to let it die). */
export const killAll = (procs: readonly ProcessId[]): void => {
  for (const p of procs) {
    if (!stillRunning(p)) continue;
    try {
      process.kill(p.pid, "SIGKILL");
      process.kill(p.pid, "SIGCONT");
    } catch {
      // gone
    }
  }
};
