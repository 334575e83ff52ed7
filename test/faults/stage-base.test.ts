import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { stillHolds } from "../../src/fastpath/stamp.js";
import { currentIdentity, type Read } from "../../src/util/observed-fs.js";
import { addPlugin, applyEnv, liveTarget, readState } from "../support/apply.js";
import { CLI, cliEnv, REPO_ROOT } from "../support/cli.js";
import { makeSmallSandbox } from "./env-support.js";
import {
  asUser,
  chownTree,
  type SecondUser,
  secondUser,
  secondUserUnavailable,
  snapshotTree,
} from "./security-support.js";
import { applyArgs, describeEnded, type Ended, expectExit0, runCliProcess } from "./support.js";

/**
 * A stage base others can write (issue "hostile stage base"): what a user with the host service's
 * rights, a crash or an operator's umask can do to the files plugdeps keeps in it, done for real
 * (a real second uid, real symlinks, a real umask, a real pause while the build runs). Each case
 * failed on the main of 2026-12-06 (the note of the issue lists how) and holds now.
 *
 * The small host: OpenClaw 2026.4.29 with one plugin `alpha` needing @fixture/retry ^2.0.0.
 */

type Small = ReturnType<typeof makeSmallSandbox>;
const STAMP_DIR = [".plugdeps", "noop"];

let svc: SecondUser | null = null;
const unavailable = secondUserUnavailable();
beforeAll(() => {
  if (unavailable === null) svc = secondUser();
});

const stageOf = (sb: Small): string => sb.at("stage");
const applyOf = (sb: Small, ...extra: string[]) => [...applyArgs(sb, sb.config), ...extra];

/** A converged small sandbox (first apply installs). */
const converged = async (pm: "pnpm" | "npm" = "pnpm"): Promise<Small> => {
  const sb = makeSmallSandbox(pm);
  expectExit0(await runCliProcess(sb, applyOf(sb)));
  return sb;
};

/** The versioned root plugdeps keeps live in the stage base: the link to a `.gen-` generation. */
const rootOf = (sb: Small): string => {
  const stage = stageOf(sb);
  const name = fs
    .readdirSync(stage)
    .find(
      (n) =>
        fs.lstatSync(path.join(stage, n)).isSymbolicLink() &&
        (liveTarget(path.join(stage, n)) ?? "").includes(".gen-"),
    );
  if (name === undefined) throw new Error(`no live root in ${stage}: ${fs.readdirSync(stage).join(", ")}`);
  return path.join(stage, name);
};

/** The live root's directory of @fixture/retry (through the root's link). */
const retryDir = (sb: Small): string => path.join(rootOf(sb), "node_modules", "@fixture", "retry");

/** Requires @fixture/retry from the live root, in a fresh node: the module really loads. */
const loadsRetry = async (sb: Small): Promise<boolean> => {
  const r = await execa(process.execPath, ["-e", `require(${JSON.stringify(retryDir(sb))})`], {
    reject: false,
  });
  return r.exitCode === 0;
};

/** A canary directory outside the stage base, with one file: nothing may ever change it. */
const makeCanary = (sb: Small): string => {
  const dir = sb.at("canary");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "precious.txt"), "do not touch\n");
  return dir;
};

const stampFiles = (sb: Small): string[] => {
  const dir = path.join(stageOf(sb), ...STAMP_DIR);
  return fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((n) => /^[0-9a-f]{32}\.json$/.test(n))
        .map((n) => path.join(dir, n))
    : [];
};

const refusedClearly = (r: Ended, what: string): void => {
  expect(r.exitCode, describeEnded(r)).toBe(1);
  expect(r.stderr, describeEnded(r)).toContain(what);
  expect(r.stderr, describeEnded(r)).toMatch(/Fix: /);
  expect(r.stderr, describeEnded(r)).not.toMatch(/\n\s+at /); // no stack trace
};

describe("links planted where plugdeps writes (items 1, 2)", () => {
  it.each([
    [".plugdeps", [".plugdeps"]],
    [".plugdeps/cache", [".plugdeps", "cache"]],
    [".plugdeps/logs", [".plugdeps", "logs"]],
  ])("%s a symlink to a directory elsewhere: refused, nothing written there", async (_name, rel) => {
    const sb = makeSmallSandbox("pnpm");
    const canary = makeCanary(sb);
    const before = snapshotTree(canary);
    const link = path.join(stageOf(sb), ...rel);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(canary, link);
    const r = await runCliProcess(sb, applyOf(sb));
    refusedClearly(r, `${link}`);
    expect(r.stderr).toContain("symlink");
    expect(snapshotTree(canary)).toEqual(before);
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true); // refused, not "repaired" through
  });

  it("status.json a symlink to a file elsewhere: reconcile --once replaces the link, the file is untouched", async () => {
    const sb = await converged();
    const canary = makeCanary(sb);
    const before = snapshotTree(canary);
    const status = path.join(stageOf(sb), ".plugdeps", "status.json");
    fs.rmSync(status, { force: true });
    fs.symlinkSync(path.join(canary, "precious.txt"), status);
    const r = await runCliProcess(sb, ["reconcile", "--once", ...applyOf(sb).slice(1)]);
    expectExit0(r);
    expect(snapshotTree(canary)).toEqual(before);
    expect(fs.lstatSync(status).isFile()).toBe(true);
  });

  it("a no-op record a symlink to a file elsewhere: apply replaces the link, the file is untouched", async () => {
    const sb = await converged();
    const [stamp] = stampFiles(sb);
    if (stamp === undefined) throw new Error("a converged apply left no no-op record");
    const canary = makeCanary(sb);
    const target = path.join(canary, "precious.txt");
    fs.writeFileSync(target, fs.readFileSync(stamp)); // a believable stamp, but not ours to write
    const before = snapshotTree(canary);
    fs.rmSync(stamp);
    fs.symlinkSync(target, stamp);
    // Invalidate what the stamp observed, so that the run re-records it.
    fs.writeFileSync(sb.config, `${fs.readFileSync(sb.config, "utf8")}\n`);
    expectExit0(await runCliProcess(sb, applyOf(sb)));
    expect(snapshotTree(canary)).toEqual(before);
    expect(fs.lstatSync(stamp).isSymbolicLink()).toBe(false);
  });
});

describe("a stage base anyone can write (the ownership rule)", () => {
  it.for([
    ["0777, owned by root", 0o777, false],
    ["1777, owned by another uid", 0o1777, true],
  ] as const)("%s: refused, nothing made in it", async ([, mode, foreign], ctx) => {
    if (foreign && (unavailable !== null || svc === null)) return ctx.skip(unavailable ?? "no second user");
    const sb = makeSmallSandbox("pnpm");
    const stage = stageOf(sb);
    fs.mkdirSync(stage, { recursive: true });
    if (foreign && svc !== null) fs.chownSync(stage, svc.uid, svc.gid);
    fs.chmodSync(stage, mode);
    const r = await runCliProcess(sb, applyOf(sb));
    refusedClearly(r, "world-writable");
    expect(fs.readdirSync(stage)).toEqual([]);
  });
});

describe("records someone else wrote (items 3, 5)", () => {
  it("a forged no-op record in a .plugdeps another uid pre-created in a sticky 1777 base: never 'No changes'", async (ctx) => {
    if (unavailable !== null || svc === null) return ctx.skip(unavailable ?? "no second user");
    const user = svc;
    const sb = await converged();
    const stage = stageOf(sb);
    const [stamp] = stampFiles(sb);
    if (stamp === undefined) throw new Error("a converged apply left no no-op record");
    const genuine = JSON.parse(fs.readFileSync(stamp, "utf8")) as { observations: Read[] };
    // Empty the stage base, make it a shared sticky directory, as /tmp is.
    for (const name of fs.readdirSync(stage))
      fs.rmSync(path.join(stage, name), { recursive: true, force: true });
    fs.chmodSync(stage, 0o1777);
    for (let d = path.dirname(stage); d !== "/"; d = path.dirname(d))
      fs.chmodSync(d, fs.statSync(d).mode | 0o005);
    // She creates .plugdeps/noop and a record whose observations all hold now: those outside
    // the base, and her own directory's identity.
    const mine = path.join(stage, ".plugdeps");
    expect((await asUser(user, "mkdir", ["-p", path.join(mine, "noop")])).exitCode).toBe(0);
    const holding = genuine.observations.filter((o) => !o.path.startsWith(stage) && stillHolds(o));
    const forged = {
      ...genuine,
      observations: [...holding, { kind: "lstat", path: mine, seen: currentIdentity("lstat", mine) }],
    };
    const file = path.join(mine, "noop", path.basename(stamp));
    fs.writeFileSync(file, JSON.stringify(forged));
    chownTree(mine, user);
    // Her directory's identity changed with the write and the chown: observe it once more.
    forged.observations[forged.observations.length - 1] = {
      kind: "lstat",
      path: mine,
      seen: currentIdentity("lstat", mine),
    } as Read;
    fs.writeFileSync(file, JSON.stringify(forged));
    fs.lchownSync(file, user.uid, user.gid);

    const r = await runCliProcess(sb, applyOf(sb));
    expect(r.stdout, describeEnded(r)).not.toContain("No changes");
    if (r.exitCode === 0) {
      expect(await loadsRetry(sb)).toBe(true);
    } else {
      refusedClearly(r, mine);
      expect(r.stderr).toContain(`uid ${user.uid}`);
    }
    expect(r.stderr).toContain("warning: ignoring the no-op records");
  });

  it("a no-op record that observed nothing: stale, the missing root is installed again", async () => {
    const sb = await converged();
    const [stamp] = stampFiles(sb);
    if (stamp === undefined) throw new Error("a converged apply left no no-op record");
    const rec = JSON.parse(fs.readFileSync(stamp, "utf8")) as { observations: Read[] };
    fs.writeFileSync(stamp, JSON.stringify({ ...rec, observations: [] }));
    fs.rmSync(path.join(fs.realpathSync(rootOf(sb)), "node_modules"), { recursive: true, force: true });
    const r = expectExit0(await runCliProcess(sb, applyOf(sb)));
    expect(r.stdout).not.toContain("No changes");
    expect(await loadsRetry(sb)).toBe(true);
  });

  it("a no-op record that observed only files outside the stage base: partial, not replayed", async () => {
    const sb = await converged();
    const [stamp] = stampFiles(sb);
    if (stamp === undefined) throw new Error("a converged apply left no no-op record");
    const rec = JSON.parse(fs.readFileSync(stamp, "utf8")) as { observations: Read[] };
    const outside = rec.observations.filter((o) => !o.path.startsWith(stageOf(sb)));
    fs.writeFileSync(stamp, JSON.stringify({ ...rec, observations: outside }));
    fs.rmSync(path.join(fs.realpathSync(rootOf(sb)), "node_modules"), { recursive: true, force: true });
    const r = expectExit0(await runCliProcess(sb, applyOf(sb)));
    expect(r.stdout).not.toContain("No changes");
    expect(await loadsRetry(sb)).toBe(true);
  });
});

describe("a lock owner record another uid wrote", () => {
  it("naming a dead pid is not believed: the lock is judged by its age, never reclaimed at once", async (ctx) => {
    if (unavailable !== null || svc === null) return ctx.skip(unavailable ?? "no second user");
    const sb = await converged();
    addPlugin(sb.host, "beta", { "@fixture/logger": "^1.4.0" }); // so that apply needs the lock
    const lock = `${rootOf(sb)}.lock`;
    fs.mkdirSync(lock);
    const owner = {
      pid: 4_000_000, // beyond any pid_max: not running
      hostname: os.hostname(),
      starttime: 1,
      createdAt: Date.now(),
      command: "plugdeps apply",
      pidNamespace: fs.statSync("/proc/self/ns/pid").ino,
      bootId: fs.readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim(),
    };
    fs.writeFileSync(path.join(lock, "owner.json"), JSON.stringify(owner));
    chownTree(lock, svc);
    const r = await runCliProcess(sb, [...applyOf(sb), "--lock-timeout", "2s"]);
    expect(r.exitCode, describeEnded(r)).toBe(1);
    expect(r.stderr, describeEnded(r)).toContain("not believed");
    expect(fs.existsSync(path.join(lock, "owner.json"))).toBe(true);
  });
});

describe("the stage swapped for a link while the package manager runs (item 4)", () => {
  it("the swapped stage is never validated through, never made live, and the canary is untouched", async () => {
    const sb = makeSmallSandbox("pnpm");
    const stage = stageOf(sb);
    const canary = makeCanary(sb);
    const go = sb.at("go");
    const run = runCliProcess(sb, applyOf(sb), { PLUGDEPS_PAUSE_AT: `after-install:60000:${go}` });
    // Wait for the installed package in the stage, then swap the stage for a link to a copy of it.
    let building: string | undefined;
    for (let i = 0; i < 1200 && building === undefined; i++) {
      building = fs
        .readdirSync(stage)
        .map((n) => path.join(stage, n))
        .find(
          (p) =>
            path.basename(p).startsWith(".plugdeps-stage-") &&
            fs.existsSync(path.join(p, "node_modules", "@fixture", "retry", "package.json")),
        );
      if (building === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (building === undefined) throw new Error("the build never installed into its stage");
    await new Promise((resolve) => setTimeout(resolve, 1500)); // let the manager finish its writes
    fs.cpSync(building, path.join(canary, "copy"), { recursive: true, verbatimSymlinks: true });
    const before = snapshotTree(canary);
    fs.renameSync(building, sb.at("moved-aside"));
    fs.symlinkSync(path.join(canary, "copy"), building);
    fs.writeFileSync(go, "");
    const r = await run;
    refusedClearly(r, "replaced while the build ran");
    expect(snapshotTree(canary)).toEqual(before);
    for (const n of fs.readdirSync(stage)) {
      const p = path.join(stage, n);
      if (fs.lstatSync(p).isSymbolicLink())
        expect(fs.realpathSync(p).startsWith(fs.realpathSync(canary)), p).toBe(false);
    }
  });
});

describe.each(["pnpm", "npm"] as const)(
  "a drifted package in the live root is repaired (item 7, %s)",
  (pm) => {
    it.each([
      ["its entry file deleted", (dir: string) => fs.rmSync(path.join(dir, "index.js"))],
      [
        "its package.json version edited",
        (dir: string) => {
          const file = path.join(dir, "package.json");
          const pkg = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
          // Written to a new file and renamed: a hard-linked store file must not carry the edit.
          fs.writeFileSync(`${file}.new`, JSON.stringify({ ...pkg, version: "9.9.9" }));
          fs.renameSync(`${file}.new`, file);
        },
      ],
    ])("%s: apply exits 0, and the module loads again", async (_what, drift) => {
      const sb = await converged(pm);
      drift(fs.realpathSync(retryDir(sb)));
      const first = await runCliProcess(sb, applyOf(sb));
      expectExit0(first);
      expect(await loadsRetry(sb)).toBe(true);
      const state = readState(rootOf(sb));
      expect(JSON.stringify(state)).toContain("@fixture/retry");
      const again = expectExit0(await runCliProcess(sb, applyOf(sb)));
      expect(again.stdout, describeEnded(again)).toContain("No changes");
    });
  },
);

describe("read-only commands on a converged stage base the user cannot write (item 9)", () => {
  it.for(["plan", "doctor", "status"])("%s exits 0 as another user", async (command, ctx) => {
    if (unavailable !== null || svc === null) return ctx.skip(unavailable ?? "no second user");
    const sb = await converged();
    for (let d = sb.root; d !== "/"; d = path.dirname(d)) fs.chmodSync(d, fs.statSync(d).mode | 0o005);
    chownTree(sb.home, svc);
    const args = [command, ...applyOf(sb).slice(1)];
    const r = await asUser(svc, process.execPath, [CLI, ...args], {
      env: cliEnv(sb.home, applyEnv(sb)),
      extendEnv: false,
      cwd: REPO_ROOT,
    });
    expect(r.exitCode, `${args.join(" ")}\n${r.stdout}\n${r.stderr}`).toBe(0);
  });
});

describe("names and modes (items 10, 13)", () => {
  it("a plugin directory of 210 characters in an isolated set: the apply succeeds", async () => {
    const sb = makeSmallSandbox("pnpm");
    // Two plugins against one: the long-named one is the smaller side, so it gets its own set.
    addPlugin(sb.host, "first", { "@fixture/markdown": "^1.0.0" });
    addPlugin(sb.host, "second", { "@fixture/markdown": "^1.0.0" });
    // 210 characters: a valid id (at most 214), whose log name would pass 255.
    addPlugin(sb.host, `long-${"x".repeat(205)}`, { "@fixture/markdown": "^2.0.0" });
    const r = expectExit0(await runCliProcess(sb, applyOf(sb)));
    const logs = fs.readdirSync(path.join(stageOf(sb), ".plugdeps", "logs"));
    expect(
      logs.some((n) => /-[0-9a-f]{12}\.log$/.test(n) && n.length <= 120),
      `${logs.join("\n")}\n${describeEnded(r)}`,
    ).toBe(true);
  });

  it("under umask 000, nothing in the generation is group- or world-writable", async () => {
    const sb = makeSmallSandbox("pnpm");
    const cmd = `umask 000; exec ${[process.execPath, CLI, ...applyOf(sb)].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ")}`;
    const r = await execa("sh", ["-c", cmd], {
      reject: false,
      extendEnv: false,
      env: cliEnv(sb.home, applyEnv(sb)),
      cwd: REPO_ROOT,
    });
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    const writable: string[] = [];
    const walk = (p: string): void => {
      const st = fs.lstatSync(p);
      if (st.isSymbolicLink()) return;
      if ((st.mode & 0o022) !== 0) writable.push(`${(st.mode & 0o7777).toString(8)} ${p}`);
      if (st.isDirectory()) for (const n of fs.readdirSync(p)) walk(path.join(p, n));
    };
    const stage = stageOf(sb);
    for (const n of fs.readdirSync(stage)) walk(path.join(stage, n));
    expect(writable.slice(0, 20)).toEqual([]);
  });
});

describe("temp files of a write cut short (item 14)", () => {
  it("are removed by the next run that is not a replay", async () => {
    const sb = await converged();
    const stage = stageOf(sb);
    const old = Date.now() / 1000 - 600;
    const temps = [
      path.join(stage, ".plugdeps", "status.json.plugdeps-tmp-0123456789ab"),
      path.join(stage, ".plugdeps", "noop", `${"a".repeat(32)}.json.123456789`),
    ];
    for (const t of temps) {
      fs.writeFileSync(t, "{");
      fs.utimesSync(t, old, old);
    }
    const fresh = path.join(stage, ".plugdeps", "status.json.plugdeps-tmp-ba9876543210");
    fs.writeFileSync(fresh, "{"); // a write in progress right now: kept
    for (const s of stampFiles(sb)) fs.rmSync(s);
    const r = expectExit0(await runCliProcess(sb, applyOf(sb)));
    for (const t of temps) expect(fs.existsSync(t), `${t}\n${describeEnded(r)}`).toBe(false);
    expect(fs.existsSync(fresh)).toBe(true);
  });
});
