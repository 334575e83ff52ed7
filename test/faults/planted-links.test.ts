import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { addPlugin, applyEnv, liveTarget } from "../support/apply.js";
import { CLI, cliEnv, REPO_ROOT } from "../support/cli.js";
import { makeSmallSandbox } from "./env-support.js";
import { type SecondUser, secondUser, secondUserUnavailable, snapshotTree } from "./security-support.js";
import { applyArgs, describeEnded, type Ended, expectExit0, runCliProcess } from "./support.js";

/**
 * The planted-link sweep (issue "hostile stage base"): every path under the stage base that a
 * normal `apply`, `reconcile --once` and `doctor --fix` create, rename or delete is recorded with
 * strace (the syscalls that write a name: mkdir, rename, unlink, rmdir, symlink, link, and open
 * with O_CREAT or for writing). Each run is then repeated from the same starting state with one of
 * those paths planted beforehand, twice:
 *   - as a symlink to a canary directory (or file) outside the stage base;
 *   - as a regular file owned by another real uid.
 * For every case: nothing in the canary changes; the run either succeeds with a valid live root
 * (the plugin's dependency loads from it) or exits 1 with a clear message (a `Fix:`, no stack
 * trace) and the live root it found unchanged.
 *
 * Paths whose names carry a fresh id (a stage, a generation, a probe, a temp file) cannot be
 * planted ahead of a run and are left out, as is what the package manager writes inside its
 * stage and cache (the stage is checked as a whole: stage-base.test.ts, item 4). Bounded: one
 * small host, pnpm, four runs recorded, ~15 paths each.
 */

type Small = ReturnType<typeof makeSmallSandbox>;

interface Scenario {
  readonly name: string;
  /** Brings a fresh sandbox to the state the recorded run starts from. */
  readonly prepare: (sb: Small) => Promise<void>;
  readonly args: (sb: Small) => string[];
}

const apply = (sb: Small): string[] => applyArgs(sb, sb.config);
const flags = (sb: Small): string[] => apply(sb).slice(1);
const converge = async (sb: Small): Promise<void> => {
  expectExit0(await runCliProcess(sb, apply(sb)));
};

const SCENARIOS: readonly Scenario[] = [
  { name: "apply on an empty stage base", prepare: async () => undefined, args: apply },
  {
    name: "apply after a plugin was added (build, swap, retire the old generation)",
    prepare: async (sb) => {
      await converge(sb);
      addPlugin(sb.host, "beta", { "@fixture/logger": "^1.4.0" });
    },
    args: apply,
  },
  {
    name: "reconcile --once on an empty stage base",
    prepare: async () => undefined,
    args: (sb) => ["reconcile", "--once", ...flags(sb)],
  },
  {
    name: "doctor --fix after the live package was deleted",
    prepare: async (sb) => {
      await converge(sb);
      const live = liveRoot(sb);
      if (live === null) throw new Error("no live root after the first apply");
      fs.rmSync(path.join(fs.realpathSync(live), "node_modules", "@fixture", "retry"), { recursive: true });
    },
    args: (sb) => ["doctor", "--fix", ...flags(sb)],
  },
];

/** The versioned root plugdeps keeps live: the link to a `.gen-` generation, or null. */
const liveRoot = (sb: Small): string | null => {
  const stage = sb.at("stage");
  if (!fs.existsSync(stage)) return null;
  const name = fs
    .readdirSync(stage)
    .find(
      (n) =>
        fs.lstatSync(path.join(stage, n)).isSymbolicLink() &&
        (liveTarget(path.join(stage, n)) ?? "").includes(".gen-"),
    );
  return name === undefined ? null : path.join(stage, name);
};

const WRITE_CALLS =
  /^\d+\s+(mkdir|mkdirat|rename|renameat|renameat2|unlink|unlinkat|rmdir|symlink|symlinkat|link|linkat|openat|open|creat)\(/;
/** A name that carries a fresh id, a pid or a random suffix: it cannot be planted ahead of the run. */
const UNPREDICTABLE = /[0-9a-z]{9}[0-9a-f]{6}|plugdeps-tmp-|\.\d+\.tmp$|\.plugdeps-probe-|_tmp_\d+/;

interface Recorded {
  readonly rel: string;
  /** Created as a directory (mkdir) rather than a file. */
  readonly dir: boolean;
}

/** The stable paths under the stage base a run writes, from its strace log. */
const writtenPaths = (log: string, stage: string): Recorded[] => {
  const out = new Map<string, boolean>();
  for (const line of log.split("\n")) {
    const call = WRITE_CALLS.exec(line);
    if (call === null) continue;
    if (call[1]?.startsWith("open") === true && !/O_CREAT|O_WRONLY|O_RDWR/.test(line)) continue;
    for (const m of line.matchAll(/"((?:[^"\\]|\\.)*)"/g)) {
      const p = m[1] ?? "";
      if (!p.startsWith(`${stage}/`)) continue;
      const rel = path.relative(stage, p);
      const parts = rel.split("/");
      if (parts.some((x) => UNPREDICTABLE.test(x))) continue;
      if (parts[0] === ".plugdeps" && (parts[1] === "cache" || parts[1] === "logs") && parts.length > 2)
        continue;
      // Inside a generation or the target root (through its link): the package manager's, or
      // a generation's own files, made under an unpredictable name first.
      if (
        parts.length > 1 &&
        /^openclaw-.*-[0-9a-f]{12}$/.test(parts[0] ?? "") &&
        parts[1] === "node_modules" &&
        parts.length > 2
      )
        continue;
      const dir = call[1]?.startsWith("mkdir") === true;
      out.set(rel, (out.get(rel) ?? false) || dir);
    }
  }
  return [...out].map(([rel, dir]) => ({ rel, dir })).sort((a, b) => a.rel.localeCompare(b.rel));
};

const record = async (scenario: Scenario): Promise<Recorded[]> => {
  const sb = makeSmallSandbox("pnpm");
  await scenario.prepare(sb);
  const log = sb.at("strace.log");
  const r = await execa(
    "strace",
    [
      "-f",
      "-qq",
      "-e",
      "trace=mkdir,mkdirat,rename,renameat,renameat2,unlink,unlinkat,rmdir,symlink,symlinkat,link,linkat,openat,open,creat",
      "-e",
      "signal=none",
      "-s",
      "4096",
      "-o",
      log,
      process.execPath,
      CLI,
      ...scenario.args(sb),
    ],
    { reject: false, extendEnv: false, env: cliEnv(sb.home, applyEnv(sb)), cwd: REPO_ROOT },
  );
  if (r.exitCode !== 0) throw new Error(`the recorded run failed:\n${String(r.stdout)}\n${String(r.stderr)}`);
  return writtenPaths(fs.readFileSync(log, "utf8"), sb.at("stage"));
};

const CANARY_FILE = "precious.txt";

const plantLink = (at: string, canary: string, dir: boolean): void => {
  fs.symlinkSync(dir ? canary : path.join(canary, CANARY_FILE), at);
};

const plantForeignFile = (at: string, user: SecondUser): void => {
  fs.writeFileSync(at, "planted by another user\n");
  fs.lchownSync(at, user.uid, user.gid);
};

const loadsRetry = async (root: string): Promise<boolean> => {
  const dir = path.join(root, "node_modules", "@fixture", "retry");
  const r = await execa(process.execPath, ["-e", `require(${JSON.stringify(dir)})`], { reject: false });
  return r.exitCode === 0;
};

const judge = async (r: Ended, sb: Small, liveBefore: string | null, canary: string): Promise<void> => {
  expect(r.signal, describeEnded(r)).toBeNull();
  expect([0, 1], describeEnded(r)).toContain(r.exitCode);
  expect(`${r.stdout}\n${r.stderr}`, describeEnded(r)).not.toMatch(/internal error|\n\s+at .+:\d+:\d+/); // no stack trace
  if (r.exitCode === 1) {
    // The reason and its fix, on stderr (apply, reconcile) or in doctor's report (stdout).
    expect(`${r.stdout}\n${r.stderr}`, describeEnded(r)).toMatch(/Fix: |fix: /);
    const live = liveRoot(sb);
    expect(live === null ? null : fs.readlinkSync(live), describeEnded(r)).toBe(liveBefore);
  } else {
    const live = liveRoot(sb);
    expect(live, describeEnded(r)).not.toBeNull();
    expect(fs.realpathSync(live ?? "").startsWith(fs.realpathSync(canary)), describeEnded(r)).toBe(false);
    expect(await loadsRetry(live ?? ""), describeEnded(r)).toBe(true);
  }
};

/** The sweep records with strace (scripts/ensure-test-tools.sh installs it in CI). */
const straceMissing = (): string | null => {
  try {
    execFileSync("strace", ["-V"], { stdio: "ignore" });
    return null;
  } catch {
    return "needs strace to record what a run writes (scripts/ensure-test-tools.sh installs it)";
  }
};
const unavailable = secondUserUnavailable() ?? straceMissing();

describe.each(SCENARIOS)("planted-link sweep: $name", (scenario) => {
  let paths: Recorded[] = [];
  beforeAll(async () => {
    if (unavailable === null) paths = await record(scenario);
  }, 180_000);

  it("recorded the paths it writes (the sweep is not empty)", (ctx) => {
    if (unavailable !== null) return ctx.skip(unavailable);
    expect(paths.length).toBeGreaterThan(0);
  });

  // One test per scenario, looping over the recorded paths: vitest needs the cases before
  // beforeAll has recorded them. Each failure names its path and variant.
  it("every recorded path planted as a link, then as another uid's file: no escape", async (ctx) => {
    if (unavailable !== null) return ctx.skip(unavailable);
    const user = secondUser();
    const failures: string[] = [];
    let cases = 0;
    for (const p of paths) {
      for (const variant of ["link", "foreign file"] as const) {
        cases++;
        const sb = makeSmallSandbox("pnpm");
        await scenario.prepare(sb);
        const canary = sb.at("canary");
        fs.mkdirSync(canary);
        fs.writeFileSync(path.join(canary, CANARY_FILE), "do not touch\n");
        const before = snapshotTree(canary);
        const at = path.join(sb.at("stage"), p.rel);
        fs.mkdirSync(path.dirname(at), { recursive: true });
        fs.rmSync(at, { recursive: true, force: true });
        if (variant === "link") plantLink(at, canary, p.dir || !path.extname(at));
        else plantForeignFile(at, user);
        const live = liveRoot(sb);
        const liveBefore = live === null ? null : fs.readlinkSync(live);
        const r = await runCliProcess(sb, scenario.args(sb));
        try {
          await judge(r, sb, liveBefore, canary);
          expect(snapshotTree(canary), "the canary changed").toEqual(before);
        } catch (err) {
          failures.push(
            `${p.rel} as ${variant}: ${err instanceof Error ? err.message.split("\n").slice(0, 12).join("\n") : String(err)}`,
          );
        }
        fs.rmSync(sb.root, { recursive: true, force: true });
      }
    }
    console.log(
      `planted-link sweep, ${scenario.name}: ${cases} cases, ${failures.length} failed; paths: ${paths.map((p) => p.rel).join(", ")}`,
    );
    expect(failures, `${failures.length} of ${cases} cases escaped or failed badly`).toEqual([]);
  }, 900_000);
});
