import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  defaultProbes,
  extensionEntryRule,
  findDebris,
  isLockStale,
  LOCK_STALE_MS,
  parseStarttime,
  shellQuote,
  stageRootRule,
  type DebrisProbes,
} from "../../src/hosts/openclaw/debris.js";
import type { DebrisContext } from "../../src/hosts/types.js";

const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "plugdeps-openclaw-debris-")));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/**
 * A pid a process could have (<= 2^22: larger ones are garbage, judged by age) that is not
 * running now: process.kill(pid, 0) fails with ESRCH, so its holder is dead.
 */
const DEAD_PID = ((): number => {
  for (let pid = 4_194_000; pid > 1; pid--) {
    try {
      process.kill(pid, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ESRCH") return pid;
    }
  }
  throw new Error("no free pid found");
})();
const NOW = Date.now();

const mk = (...parts: string[]): string => {
  const p = path.join(...parts);
  fs.mkdirSync(p, { recursive: true });
  return p;
};
const put = (p: string, text = ""): string => {
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
  return p;
};
const age = (p: string, ms: number): void => {
  const t = new Date(NOW - ms);
  fs.utimesSync(p, t, t);
};

// ---------------------------------------------------------------------------------------------
// The tree: a global prefix with the host package, and a stage base.

const globalModules = mk(tmp, "prefix", "lib", "node_modules");
const packageRoot = mk(globalModules, "openclaw");
put(path.join(packageRoot, "package.json"), JSON.stringify({ name: "openclaw", version: "2026.5.1" }));
const ext = mk(packageRoot, "dist", "extensions");
const stage = mk(tmp, "state", "plugin-runtime-deps");

// dist/extensions/slack: every extension debris kind
const slack = mk(ext, "slack");
put(path.join(slack, "package.json"), "{}");
put(path.join(slack, "openclaw.plugin.json"), '{"id":"slack"}');
mk(slack, "node_modules", "@slack", "web-api");
put(path.join(slack, ".openclaw-runtime-deps.json"), "{}");
put(path.join(slack, ".openclaw-runtime-deps-stamp.json"), "{}");
mk(slack, ".openclaw-runtime-deps-tmp-1234");
mk(slack, ".openclaw-pnpm-store", "v3");
mk(slack, ".openclaw-install-stage");
mk(slack, ".openclaw-install-stage-9f8e");
mk(slack, ".openclaw-install-backups");
put(
  path.join(mk(slack, ".openclaw-runtime-deps.lock"), "owner.json"),
  JSON.stringify({ pid: DEAD_PID, createdAtMs: NOW }),
);
// near misses
put(path.join(slack, ".openclaw-runtime-deps"), "");
put(path.join(slack, ".openclaw-install-backup"), "");
put(path.join(slack, "openclaw-runtime-deps.json"), "");

// dist/extensions/matrix: node_modules WITHOUT a marker is what the package shipped
const matrix = mk(ext, "matrix");
mk(matrix, "node_modules", "matrix-js-sdk");
// a live lock (this process) is never stale, however old
const liveLock = mk(matrix, ".openclaw-runtime-deps.lock");
put(path.join(liveLock, "owner.json"), JSON.stringify({ pid: process.pid, createdAtMs: 0 }));
age(liveLock, 24 * 3_600_000);

// dist/extensions/stamped: only the stamp marker still makes node_modules debris
const stamped = mk(ext, "stamped");
put(path.join(stamped, ".openclaw-runtime-deps-stamp.json"), "{}");
mk(stamped, "node_modules");

// stage base roots
mk(stage, "openclaw-unknown-5d41402abc4b");
mk(stage, "openclaw-unknownx");
mk(stage, "openclaw-2026.4.20-legacy", "node_modules");
mk(stage, "openclaw-2026.4.21");
const owned = mk(stage, "openclaw-2026.4.20-0a1b2c3d4e5f");
put(path.join(owned, ".plugdeps", "state.json"), "{}");
const ownedHashless = mk(stage, "openclaw-2026.4.19-oldstyle");
put(path.join(ownedHashless, ".plugdeps", "state.json"), "{}");
const unownedHashed = mk(stage, "openclaw-2026.4.22-0a1b2c3d4e5f");
mk(stage, "openclaw-2026.4.23-0A1B2C3D4E5F"); // uppercase hex is not our hash: hash-less
mk(stage, "openclaw-2026.4.24-beta.1-0a1b2c3d4e5f"); // prerelease version, hashed
// locks under the stage base
const oldOwnerless = mk(stage, ".openclaw-runtime-deps.lock");
age(oldOwnerless, LOCK_STALE_MS + 60_000);
const deadPidFile = mk(unownedHashed, ".openclaw-runtime-deps.lock");
put(path.join(deadPidFile, "pid"), `${DEAD_PID}\n`);
const freshOwnerless = mk(owned, ".openclaw-runtime-deps.lock");
put(path.join(freshOwnerless, "owner.json"), "not json at all");
// a second stage base (e.g. a read-only layer) with an old garbage-owner lock
const layer = mk(tmp, "layer");
const garbageOld = mk(layer, ".openclaw-runtime-deps.lock");
put(path.join(garbageOld, "owner.json"), '{"pid": "0"}');
age(garbageOld, LOCK_STALE_MS + 1);

// global node_modules symlinks
const liveTarget = mk(stage, "openclaw-2026.4.20-0a1b2c3d4e5f", "node_modules", "alive");
fs.symlinkSync(
  path.join(stage, "openclaw-2026.4.18-gone", "node_modules", "gone"),
  path.join(globalModules, "gone"),
);
mk(globalModules, "@scope");
fs.symlinkSync(
  path.join(
    "..",
    "..",
    "..",
    "..",
    "state",
    "plugin-runtime-deps",
    "openclaw-unknown-x",
    "node_modules",
    "@scope",
    "pkg",
  ),
  path.join(globalModules, "@scope", "pkg"),
);
fs.symlinkSync(liveTarget, path.join(globalModules, "alive"));
fs.symlinkSync("/nonexistent/elsewhere/pkg", path.join(globalModules, "elsewhere"));
fs.symlinkSync(
  path.join(tmp, "plugin-runtime-deps-not-a-segment", "x"),
  path.join(globalModules, "lookalike"),
);

const ctx: DebrisContext = {
  packageRoot,
  plugins: [],
  stageBases: [
    { path: stage, writable: true },
    { path: layer, writable: false },
    { path: path.join(tmp, "no-such-base"), writable: true },
  ],
  now: NOW,
};

const snapshot = (dir: string): string[] =>
  fs
    .readdirSync(dir, { recursive: true, withFileTypes: false })
    .map(String)
    .sort()
    .map((rel) => {
      const st = fs.lstatSync(path.join(dir, rel));
      return `${rel} ${st.mode} ${st.size} ${st.mtimeMs}`;
    });

describe("findDebris", () => {
  const before = snapshot(tmp);
  const debris = findDebris(ctx);
  const rel = debris.map((d) => [path.relative(tmp, d.path), d.rule]);

  it("finds exactly the known debris, sorted by path", () => {
    expect(rel).toEqual([
      ["layer/.openclaw-runtime-deps.lock", "stale-openclaw-lock"],
      ["prefix/lib/node_modules/@scope/pkg", "dangling-global-symlink"],
      ["prefix/lib/node_modules/gone", "dangling-global-symlink"],
      ["prefix/lib/node_modules/openclaw/dist/extensions/slack/.openclaw-install-backups", "install-backups"],
      ["prefix/lib/node_modules/openclaw/dist/extensions/slack/.openclaw-install-stage", "install-stage"],
      [
        "prefix/lib/node_modules/openclaw/dist/extensions/slack/.openclaw-install-stage-9f8e",
        "install-stage",
      ],
      ["prefix/lib/node_modules/openclaw/dist/extensions/slack/.openclaw-pnpm-store", "pnpm-store"],
      [
        "prefix/lib/node_modules/openclaw/dist/extensions/slack/.openclaw-runtime-deps-stamp.json",
        "runtime-deps-marker",
      ],
      [
        "prefix/lib/node_modules/openclaw/dist/extensions/slack/.openclaw-runtime-deps-tmp-1234",
        "runtime-deps-temp",
      ],
      [
        "prefix/lib/node_modules/openclaw/dist/extensions/slack/.openclaw-runtime-deps.json",
        "runtime-deps-marker",
      ],
      [
        "prefix/lib/node_modules/openclaw/dist/extensions/slack/.openclaw-runtime-deps.lock",
        "stale-openclaw-lock",
      ],
      [
        "prefix/lib/node_modules/openclaw/dist/extensions/slack/node_modules",
        "extension-node_modules-with-marker",
      ],
      [
        "prefix/lib/node_modules/openclaw/dist/extensions/stamped/.openclaw-runtime-deps-stamp.json",
        "runtime-deps-marker",
      ],
      [
        "prefix/lib/node_modules/openclaw/dist/extensions/stamped/node_modules",
        "extension-node_modules-with-marker",
      ],
      ["state/plugin-runtime-deps/.openclaw-runtime-deps.lock", "stale-openclaw-lock"],
      ["state/plugin-runtime-deps/openclaw-2026.4.20-legacy", "hashless-root"],
      [
        "state/plugin-runtime-deps/openclaw-2026.4.22-0a1b2c3d4e5f/.openclaw-runtime-deps.lock",
        "stale-openclaw-lock",
      ],
      ["state/plugin-runtime-deps/openclaw-2026.4.23-0A1B2C3D4E5F", "hashless-root"],
      ["state/plugin-runtime-deps/openclaw-unknown-5d41402abc4b", "unknown-version-root"],
    ]);
  });

  it("writes nothing", () => {
    expect(snapshot(tmp)).toEqual(before);
  });

  it("leaves every near miss alone", () => {
    const paths = debris.map((d) => path.relative(tmp, d.path));
    for (const miss of [
      "matrix/node_modules",
      "matrix/.openclaw-runtime-deps.lock",
      "openclaw-unknownx",
      "openclaw-2026.4.21",
      "openclaw-2026.4.20-0a1b2c3d4e5f",
      "openclaw-2026.4.19-oldstyle",
      "openclaw-2026.4.24-beta.1-0a1b2c3d4e5f",
      "node_modules/alive",
      "node_modules/elsewhere",
      "node_modules/lookalike",
      "slack/.openclaw-runtime-deps",
      "slack/package.json",
    ]) {
      expect(
        paths.filter((p) => p.endsWith(miss)),
        miss,
      ).toEqual([]);
    }
  });

  it("writable debris is fixed by doctor --fix", () => {
    for (const d of debris) {
      expect(d.writable).toBe(true);
      expect(d.fix).toBe("plugdeps doctor --fix");
    }
  });

  it("read-only debris carries the exact shell command, rm -rf for directories, rm -f otherwise", () => {
    const readOnly: DebrisProbes = { ...defaultProbes, isWritable: () => false };
    const byRel = new Map(findDebris(ctx, readOnly).map((d) => [path.relative(tmp, d.path), d]));
    const nm = byRel.get("prefix/lib/node_modules/openclaw/dist/extensions/slack/node_modules");
    expect(nm?.writable).toBe(false);
    expect(nm?.fix).toBe(`rm -rf -- '${path.join(slack, "node_modules")}'`);
    expect(byRel.get("prefix/lib/node_modules/gone")?.fix).toBe(
      `rm -f -- '${path.join(globalModules, "gone")}'`,
    );
    expect(
      byRel.get("prefix/lib/node_modules/openclaw/dist/extensions/slack/.openclaw-runtime-deps.json")?.fix,
    ).toBe(`rm -f -- '${path.join(slack, ".openclaw-runtime-deps.json")}'`);
  });

  it("probes each parent directory, not the debris itself", () => {
    const asked: string[] = [];
    findDebris(ctx, { ...defaultProbes, isWritable: (dir) => (asked.push(dir), true) });
    expect(asked).toContain(slack);
    expect(asked).toContain(path.join(globalModules, "@scope"));
    expect(new Set(asked).size).toBe(asked.length);
  });

  it("scans global node_modules only when the package root sits in one", () => {
    const elsewhere = mk(tmp, "not-modules", "openclaw");
    const found = findDebris({ ...ctx, packageRoot: elsewhere, stageBases: [] });
    expect(found).toEqual([]);
  });
});

describe("debris name rules", () => {
  it.each([
    ["openclaw-unknown-abc", "unknown-version-root"],
    ["openclaw-unknown-", undefined],
    ["openclaw-unknownx", undefined],
    ["openclaw-2026.4.20-x", "hashless-root"],
    ["openclaw-2026.4.20-2-legacy", "hashless-root"],
    ["openclaw-2026.4.20-0a1b2c3d4e5f", undefined],
    ["openclaw-2026.4.20-2-0a1b2c3d4e5f", undefined],
    ["openclaw-2026.4.20-0a1b2c3d4e5", "hashless-root"],
    ["openclaw-2026.4.20-0a1b2c3d4e5f0", "hashless-root"],
    // plugdeps' own siblings of a hashed root: the install-root lock and root generations
    ["openclaw-2026.4.20-0a1b2c3d4e5f.lock", undefined],
    ["openclaw-2026.4.20-0a1b2c3d4e5f.gen-1a2b", undefined],
    ["openclaw-2026.4.20", undefined],
    ["openclaw-latest-x", undefined],
    ["openclaw-2026-x", undefined],
    ["other-2026.4.20-x", undefined],
  ])("stage root %s → %s", (name, rule) => {
    expect(stageRootRule(name)).toBe(rule);
  });

  it.each([
    ["node_modules", true, "extension-node_modules-with-marker"],
    ["node_modules", false, undefined],
    [".openclaw-runtime-deps.json", false, "runtime-deps-marker"],
    [".openclaw-runtime-deps-stamp.json", false, "runtime-deps-marker"],
    [".openclaw-runtime-deps-x", false, "runtime-deps-temp"],
    [".openclaw-runtime-deps", false, undefined],
    [".openclaw-pnpm-store", false, "pnpm-store"],
    [".openclaw-pnpm-store2", false, undefined],
    [".openclaw-install-stage", false, "install-stage"],
    [".openclaw-install-stage.old", false, "install-stage"],
    [".openclaw-install-backups", false, "install-backups"],
    ["dist", true, undefined],
  ] as const)("extension entry %s (marker %s) → %s", (name, marker, rule) => {
    expect(extensionEntryRule(name, marker)).toBe(rule);
  });
});

describe("lock staleness", () => {
  const probes = (alive: boolean, starttime: number | null = 100): DebrisProbes => ({
    hostname: "here",
    isAlive: () => alive,
    starttimeOf: () => starttime,
    isWritable: () => true,
  });
  const ev = (over: Partial<Parameters<typeof isLockStale>[0]> = {}): Parameters<typeof isLockStale>[0] => ({
    pid: undefined,
    hostname: undefined,
    starttime: undefined,
    mtimeMs: NOW,
    ...over,
  });

  it("a live holder is never stale by age", () => {
    expect(isLockStale(ev({ pid: 42, mtimeMs: 0 }), NOW, probes(true))).toBe(false);
  });
  it("a dead holder is stale at once", () => {
    expect(isLockStale(ev({ pid: 42 }), NOW, probes(false))).toBe(true);
  });
  it("a recycled pid (other start time) is stale", () => {
    expect(isLockStale(ev({ pid: 1, starttime: 99 }), NOW, probes(true, 100))).toBe(true);
    expect(isLockStale(ev({ pid: 1, starttime: 100 }), NOW, probes(true, 100))).toBe(false);
    expect(isLockStale(ev({ pid: 1, starttime: 99 }), NOW, probes(true, null))).toBe(false);
  });
  it("another host's lock cannot be judged here", () => {
    expect(isLockStale(ev({ pid: 42, hostname: "there", mtimeMs: 0 }), NOW, probes(false))).toBe(false);
  });
  it("no pid evidence: stale only after the age limit", () => {
    expect(isLockStale(ev({ mtimeMs: NOW - LOCK_STALE_MS + 1000 }), NOW, probes(true))).toBe(false);
    expect(isLockStale(ev({ mtimeMs: NOW - LOCK_STALE_MS - 1 }), NOW, probes(true))).toBe(true);
  });
  it("the real probe sees this process as alive", () => {
    expect(defaultProbes.isAlive(process.pid)).toBe(true);
    expect(defaultProbes.isAlive(DEAD_PID)).toBe(false);
  });
  it("parses /proc/<pid>/stat field 22 even with spaces and parens in the command name", () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    expect(parseStarttime(`123 (a) b (c) ${fields.join(" ")}`)).toBe(22);
  });
});

describe("shellQuote", () => {
  it("survives single quotes, spaces and dollar signs", () => {
    expect(shellQuote("/a b/it's $HOME")).toBe(`'/a b/it'\\''s $HOME'`);
  });
});
