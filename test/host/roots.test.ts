import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { versionDir } from "../../scripts/fetch-openclaw.mjs";
import { CLI, REPO_ROOT, cliEnv } from "../support/cli.js";
import { findNode22 } from "../support/node22.js";
import { procStartTime, unusedPid } from "../support/process.js";

/**
 * `npm run test:host`: which roots of a stage base survive, plugdeps against OpenClaw's OWN
 * `pruneUnknownBundledRuntimeDepsRoots` (issue 12 point 4: never harm what the host made).
 *
 * For 2026.4.29 and 2026.4.30-beta.1 a stage base is built twice, identically, in a temp dir: ~45
 * entries — `openclaw-unknown-*` roots young and old, locked by a live child process this test
 * spawns and keeps alive, by a recycled pid, a dead pid, owner records with and without pid, garbage
 * and none, young and old; OpenClaw's hashed roots; names OpenClaw never produces. On one copy the
 * oracle (oracle/prune.mjs, Node 22) runs OpenClaw's function with OPENCLAW_PLUGIN_STAGE_DIR
 * pointing at it; on the other the built CLI runs `plugdeps apply` then `plugdeps doctor --fix`
 * (`--stage-dir` the copy, `--package-root` a minimal package of that version, `HOME` a temp dir).
 * The survivors must be the same set, except the deliberate differences below, each of which must
 * really be one (OpenClaw removes it, plugdeps keeps it); plugdeps never removes anything OpenClaw
 * keeps. Every `openclaw-*` survivor must also be reported by `doctor` as left alone.
 * Each entry also states what OpenClaw is expected to do, so that a fixture that stops
 * exercising its case (a clock too slow, a lock not read) fails here instead of passing vacuously.
 */

const VERSIONS = ["2026.4.29", "2026.4.30-beta.1"] as const;
type Version = (typeof VERSIONS)[number];
const PLUGDEPS_CLI = process.env["PLUGDEPS_HOST_CLI"] ? path.resolve(process.env["PLUGDEPS_HOST_CLI"]) : CLI;
const REPORT = path.join(REPO_ROOT, ".cache", "roots-report.json");
const ORACLE = path.join(REPO_ROOT, "test", "host", "oracle", "prune.mjs");
const SEC = 1000;
const MIN = 60 * SEC;

/**
 * Where plugdeps keeps what OpenClaw removes, on purpose. Never the other way round.
 * (`pruneUnknownBundledRuntimeDepsRoots` of 2026.4.30-beta.1 goes beyond `openclaw-unknown-*`.)
 */
const DELIBERATE: Readonly<
  Record<string, { readonly versions: readonly Version[]; readonly reason: string }>
> = {
  "openclaw-2026.4.24-mine": {
    versions: ["2026.4.30-beta.1"],
    reason:
      "4.30-beta.1 removes names matching LEGACY_VERSIONED_RUNTIME_DEPS_ROOT_RE; no published OpenClaw made such a root, so it may be an operator's copy",
  },
  "openclaw-2026.4.24-backup": {
    versions: ["2026.4.30-beta.1"],
    reason: "as openclaw-2026.4.24-mine",
  },
  "openclaw-2026.4.20-legacy": {
    versions: ["2026.4.30-beta.1"],
    reason: "as openclaw-2026.4.24-mine",
  },
  "my-deps": {
    versions: ["2026.4.30-beta.1"],
    reason:
      "4.30-beta.1 removes any non-dot, non-openclaw-* directory holding node_modules (isLegacyDirectBundledRuntimeDepsRoot); not a name OpenClaw produces",
  },
  "openclaw-unknown-old-legacy-pid-only": {
    versions: ["2026.4.30-beta.1"],
    reason:
      "4.30-beta.1 calls a lock stale when its pid is alive but it has neither starttime nor createdAtMs and is older than 10 min; 4.29 keeps it, and plugdeps never expires a live holder by age",
  },
  "openclaw-unknown-old-lock-symlink": {
    versions: ["2026.4.29", "2026.4.30-beta.1"],
    reason:
      "OpenClaw reads a lock through a symlink (here to a dead pid's record) and removes the root; plugdeps reads nothing through a link and keeps the root",
  },
};

// ---------------------------------------------------------------------------------------------
// The stage base

interface Holder {
  readonly pid: number;
  readonly starttime: number;
}

interface LockSpec {
  /** owner.json: an object (JSON) or raw text; absent: no owner file. */
  readonly owner?: unknown;
  /** mtime age of the lock directory and its owner file. */
  readonly ageMs: number;
  /** the lock is a symlink to a directory elsewhere holding this record */
  readonly viaSymlink?: boolean;
}

interface EntrySpec {
  readonly name: string;
  /** mtime age of the entry itself */
  readonly ageMs: number;
  readonly type?: "dir" | "symlink";
  readonly nodeModules?: boolean;
  readonly lock?: (holder: Holder, now: number) => LockSpec;
  /** What OpenClaw's own function does with it, per version: true = keeps. */
  readonly openclawKeeps: boolean | Readonly<Record<Version, boolean>>;
}

const DEAD_PID = unusedPid();

const only429 = { "2026.4.29": true, "2026.4.30-beta.1": false } as const;

const ENTRIES: readonly EntrySpec[] = [
  // 22 young unknown roots: the newest 20 are kept (younger than 10 min), the 21st is not; the 22nd
  // is saved by its live lock. young-05's dead lock does not matter: locks are read only past the
  // keep rule.
  ...Array.from({ length: 20 }, (_, i): EntrySpec => {
    const n = String(i + 1).padStart(2, "0");
    return {
      name: `openclaw-unknown-young-${n}`,
      ageMs: 30 * SEC + i * 10 * SEC,
      nodeModules: true,
      ...(i === 4 ? { lock: () => ({ owner: { pid: DEAD_PID, createdAtMs: 0 }, ageMs: 60 * MIN }) } : {}),
      openclawKeeps: true,
    };
  }),
  { name: "openclaw-unknown-young-21", ageMs: 230 * SEC, nodeModules: true, openclawKeeps: false },
  {
    name: "openclaw-unknown-young-22-live-lock",
    ageMs: 240 * SEC,
    lock: (h, now) => ({
      owner: { pid: h.pid, starttime: h.starttime, createdAtMs: now - 4 * MIN },
      ageMs: 4 * MIN,
    }),
    openclawKeeps: true,
  },
  // old unknown roots (hours): pruned unless their lock is live by OpenClaw's rules
  { name: "openclaw-unknown-old-plain", ageMs: 60 * MIN, nodeModules: true, openclawKeeps: false },
  {
    name: "openclaw-unknown-old-live-lock",
    ageMs: 61 * MIN,
    lock: (h, now) => ({
      owner: { pid: h.pid, starttime: h.starttime, createdAtMs: now - 120 * MIN },
      ageMs: 120 * MIN,
    }),
    openclawKeeps: true,
  },
  {
    name: "openclaw-unknown-old-live-no-starttime",
    ageMs: 62 * MIN,
    lock: (h, now) => ({ owner: { pid: h.pid, createdAtMs: now - 120 * MIN }, ageMs: 120 * MIN }),
    openclawKeeps: true,
  },
  {
    name: "openclaw-unknown-old-recycled-pid",
    ageMs: 63 * MIN,
    lock: (h, now) => ({ owner: { pid: h.pid, starttime: h.starttime + 1, createdAtMs: now }, ageMs: 0 }),
    openclawKeeps: false,
  },
  {
    name: "openclaw-unknown-old-dead-pid",
    ageMs: 64 * MIN,
    lock: (_h, now) => ({ owner: { pid: DEAD_PID, starttime: 1, createdAtMs: now }, ageMs: 0 }),
    openclawKeeps: false,
  },
  {
    name: "openclaw-unknown-old-created-2min",
    ageMs: 65 * MIN,
    lock: (_h, now) => ({ owner: { createdAtMs: now - 2 * MIN }, ageMs: 2 * MIN }),
    openclawKeeps: true,
  },
  {
    name: "openclaw-unknown-old-created-20min",
    ageMs: 66 * MIN,
    lock: (_h, now) => ({ owner: { createdAtMs: now - 20 * MIN }, ageMs: 0 }),
    openclawKeeps: false,
  },
  {
    name: "openclaw-unknown-old-ownerless-fresh",
    ageMs: 67 * MIN,
    lock: () => ({ ageMs: 0 }),
    openclawKeeps: true,
  },
  {
    name: "openclaw-unknown-old-ownerless-5min",
    ageMs: 68 * MIN,
    lock: () => ({ ageMs: 5 * MIN }),
    openclawKeeps: false,
  },
  {
    name: "openclaw-unknown-old-garbage-owner",
    ageMs: 69 * MIN,
    lock: () => ({ owner: "{not json", ageMs: 5 * MIN }),
    openclawKeeps: false,
  },
  {
    name: "openclaw-unknown-old-legacy-pid-only",
    ageMs: 70 * MIN,
    lock: (h) => ({ owner: { pid: h.pid }, ageMs: 20 * MIN }),
    openclawKeeps: only429,
  },
  {
    name: "openclaw-unknown-old-lock-symlink",
    ageMs: 71 * MIN,
    lock: () => ({ owner: { pid: DEAD_PID }, ageMs: 5 * MIN, viaSymlink: true }),
    openclawKeeps: false,
  },
  // a symlink with an unknown-root name: OpenClaw lists directories only
  { name: "openclaw-unknown-link", ageMs: 72 * MIN, type: "symlink", openclawKeeps: true },
  // OpenClaw's hashed roots: never pruned by this function
  {
    name: "openclaw-2026.4.22-0a1b2c3d4e5f",
    ageMs: 3 * 24 * 60 * MIN,
    nodeModules: true,
    openclawKeeps: true,
  },
  {
    name: "openclaw-2026.4.29-1b2c3d4e5f60",
    ageMs: 2 * 24 * 60 * MIN,
    nodeModules: true,
    lock: () => ({ owner: { pid: DEAD_PID, createdAtMs: 0 }, ageMs: 60 * MIN }),
    openclawKeeps: true,
  },
  {
    name: "openclaw-2026.4.30-beta.1-2c3d4e5f6071",
    ageMs: 24 * 60 * MIN,
    nodeModules: true,
    openclawKeeps: true,
  },
  // names OpenClaw never produces
  { name: "openclaw-2026.4.24-mine", ageMs: 90 * MIN, nodeModules: true, openclawKeeps: only429 },
  { name: "openclaw-2026.4.24-backup", ageMs: 91 * MIN, nodeModules: true, openclawKeeps: only429 },
  { name: "openclaw-2026.4.20-legacy", ageMs: 92 * MIN, nodeModules: true, openclawKeeps: only429 },
  { name: "openclaw-2026.4.18-1713900000", ageMs: 93 * MIN, nodeModules: true, openclawKeeps: true },
  { name: "openclaw-unknownx", ageMs: 94 * MIN, nodeModules: true, openclawKeeps: true },
  { name: "my-deps", ageMs: 95 * MIN, nodeModules: true, openclawKeeps: only429 },
  { name: "notes", ageMs: 96 * MIN, openclawKeeps: true },
];

const keepsFor = (e: EntrySpec, v: Version): boolean =>
  typeof e.openclawKeeps === "boolean" ? e.openclawKeeps : e.openclawKeeps[v];

const setAge = (p: string, now: number, ageMs: number, link = false): void => {
  const t = new Date(now - ageMs);
  if (link) fs.lutimesSync(p, t, t);
  else fs.utimesSync(p, t, t);
};

/** Builds the stage base under `dir/stage` (and link targets beside it); returns the stage base. */
const buildStage = (dir: string, holder: Holder): string => {
  const now = Date.now();
  const stage = path.join(dir, "stage");
  const outside = path.join(dir, "outside");
  fs.mkdirSync(stage, { recursive: true });
  fs.mkdirSync(outside, { recursive: true });
  for (const e of ENTRIES) {
    const p = path.join(stage, e.name);
    if (e.type === "symlink") {
      const target = path.join(outside, `${e.name}-target`);
      fs.mkdirSync(path.join(target, "node_modules"), { recursive: true });
      setAge(target, now, e.ageMs);
      fs.symlinkSync(target, p);
      setAge(p, now, e.ageMs, true);
      continue;
    }
    fs.mkdirSync(p);
    if (e.nodeModules === true) fs.mkdirSync(path.join(p, "node_modules", "some-dep"), { recursive: true });
    if (e.lock !== undefined) {
      const spec = e.lock(holder, now);
      const lockDir =
        spec.viaSymlink === true
          ? path.join(outside, `${e.name}-lock`)
          : path.join(p, ".openclaw-runtime-deps.lock");
      fs.mkdirSync(lockDir);
      if (spec.owner !== undefined) {
        const owner = path.join(lockDir, "owner.json");
        fs.writeFileSync(
          owner,
          typeof spec.owner === "string" ? spec.owner : `${JSON.stringify(spec.owner, null, 2)}\n`,
        );
        setAge(owner, now, spec.ageMs);
      }
      setAge(lockDir, now, spec.ageMs);
      if (spec.viaSymlink === true) fs.symlinkSync(lockDir, path.join(p, ".openclaw-runtime-deps.lock"));
    }
    setAge(p, now, e.ageMs);
  }
  return stage;
};

const survivors = (stage: string): Set<string> => {
  const names = new Set(fs.readdirSync(stage));
  return new Set(ENTRIES.map((e) => e.name).filter((n) => names.has(n)));
};

// ---------------------------------------------------------------------------------------------
// The live lock holder: a real process, alive for the whole test.

let child: ChildProcess | undefined;
let holder: Holder | undefined;
let tmp = "";
const node22 = findNode22();
const rows = new Map<string, Record<string, unknown>>();

beforeAll(async () => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "plugdeps-host-roots-")));
  child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1 << 30)"], { stdio: "ignore" });
  const pid = child.pid;
  if (pid === undefined) throw new Error("could not start the lock-holding child process");
  // /proc/<pid>/stat exists as soon as the process does
  for (let i = 0; i < 50 && !fs.existsSync(`/proc/${pid}/stat`); i++)
    await new Promise((r) => setTimeout(r, 20));
  holder = { pid, starttime: procStartTime(pid) };
});

afterAll(() => {
  child?.kill("SIGKILL");
  if (tmp !== "") fs.rmSync(tmp, { recursive: true, force: true });
  if (rows.size > 0) {
    fs.mkdirSync(path.dirname(REPORT), { recursive: true });
    fs.writeFileSync(
      REPORT,
      `${JSON.stringify({ cli: PLUGDEPS_CLI, roots: [...rows.entries()].map(([name, row]) => ({ name, ...row })) }, null, 2)}\n`,
    );
  }
});

const runOracle = async (version: Version, stage: string): Promise<unknown> => {
  if ("missing" in node22) throw new Error(node22.missing);
  const r = await execa(node22.node, [ORACLE, versionDir(version), stage], {
    reject: false,
    extendEnv: false,
    env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: path.join(tmp, "oracle-home") },
    timeout: 120_000,
  });
  if (r.exitCode !== 0) throw new Error(`oracle failed (${r.exitCode}):\n${r.stderr}\n${r.stdout}`);
  return JSON.parse(r.stdout);
};

interface Finding {
  readonly id: string;
  readonly subject: string | null;
}

const runPlugdeps = async (version: Version, dir: string, stage: string): Promise<readonly Finding[]> => {
  const pkg = path.join(dir, "host");
  fs.mkdirSync(path.join(pkg, "dist", "extensions"), { recursive: true });
  fs.writeFileSync(path.join(pkg, "package.json"), JSON.stringify({ name: "openclaw", version }));
  const config = path.join(dir, "openclaw.json");
  fs.writeFileSync(config, "{}\n");
  const home = path.join(dir, "home");
  fs.mkdirSync(home, { recursive: true });
  const common = ["--host", "openclaw", "--package-root", pkg, "--config", config, "--stage-dir", stage];
  const run = async (args: readonly string[]) => {
    const r = await execa(process.execPath, [PLUGDEPS_CLI, ...args, ...common], {
      reject: false,
      extendEnv: false,
      env: cliEnv(home),
      cwd: REPO_ROOT,
      timeout: 120_000,
    });
    return r;
  };
  const applied = await run(["apply"]);
  expect(applied.exitCode, `plugdeps apply:\n${applied.stdout}\n${applied.stderr}`).toBe(0);
  const fixed = await run(["doctor", "--fix"]);
  expect([0, 1], `plugdeps doctor --fix:\n${fixed.stdout}\n${fixed.stderr}`).toContain(fixed.exitCode);
  const report = await run(["doctor", "--json"]);
  const parsed = JSON.parse(report.stdout) as { findings: Finding[] };
  return parsed.findings;
};

describe.each(VERSIONS)("roots OpenClaw %s keeps are the roots plugdeps keeps", (version) => {
  it("same survivors, except the listed deliberate differences; every openclaw-* survivor is reported", async () => {
    if (holder === undefined) throw new Error("no lock holder");
    // Each copy is built just before its run: a lock "touched just now" stays younger than
    // OpenClaw's 30 s for ownerless locks, and young roots stay far from 10 minutes.
    const oracleDir = path.join(tmp, version, "oracle");
    const oracleStage = buildStage(oracleDir, holder);
    const oracle = (await runOracle(version, oracleStage)) as { chunk: string; alias: string };
    const openclawKept = survivors(oracleStage);

    const plugdepsDir = path.join(tmp, version, "plugdeps");
    const plugdepsStage = buildStage(plugdepsDir, holder);
    const findings = await runPlugdeps(version, plugdepsDir, plugdepsStage);
    const plugdepsKept = survivors(plugdepsStage);

    for (const e of ENTRIES) {
      const row = rows.get(e.name) ?? {};
      row[`openclaw ${version}`] = openclawKept.has(e.name);
      row[`plugdeps ${version}`] = plugdepsKept.has(e.name);
      rows.set(e.name, row);
    }
    console.log(
      `${version} (oracle ${oracle.chunk} as ${oracle.alias}):\n` +
        ENTRIES.map(
          (e) =>
            `  ${openclawKept.has(e.name) ? "keep " : "prune"} ${plugdepsKept.has(e.name) ? "keep " : "prune"} ${e.name}`,
        ).join("\n"),
    );

    // the fixture exercises what it says it does
    expect(
      ENTRIES.filter((e) => openclawKept.has(e.name) !== keepsFor(e, version)).map((e) => e.name),
      "OpenClaw did not do what the fixture expects",
    ).toEqual([]);
    // never remove what OpenClaw keeps
    expect(
      ENTRIES.filter((e) => openclawKept.has(e.name) && !plugdepsKept.has(e.name)).map((e) => e.name),
      "plugdeps removed roots OpenClaw keeps",
    ).toEqual([]);
    // keep more only where listed, and each listed difference is one
    const deliberate = Object.entries(DELIBERATE)
      .filter(([, d]) => d.versions.includes(version))
      .map(([name]) => name)
      .sort();
    const extra = ENTRIES.filter((e) => plugdepsKept.has(e.name) && !openclawKept.has(e.name))
      .map((e) => e.name)
      .sort();
    expect(extra, "roots plugdeps keeps and OpenClaw removes").toEqual(deliberate);
    // what is kept is said: doctor reports each openclaw-* survivor as left alone
    const reported = new Set(
      findings.filter((f) => f.id === "unmanaged").map((f) => path.basename(f.subject ?? "")),
    );
    expect(
      [...plugdepsKept].filter((n) => n.startsWith("openclaw-") && !reported.has(n)),
      "openclaw-* survivors doctor does not report",
    ).toEqual([]);
  });
});
