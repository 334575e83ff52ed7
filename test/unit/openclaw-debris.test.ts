import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import {
  defaultProbes,
  findDebris,
  findUnmanaged,
  scanOpenclaw,
  shellQuote,
  type DebrisProbes,
} from "../../src/hosts/openclaw/debris.js";
import type { DebrisContext, HostInput } from "../../src/hosts/types.js";
import { parseStartTime } from "../../src/util/process-info.js";
import { unusedPid } from "../support/process.js";
import { tempDir } from "../support/temp.js";

const tmp = tempDir("openclaw-debris");

const DEAD_PID = unusedPid();
const NOW = Date.now();
const MIN = 60_000;

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
const lock = (root: string, owner: unknown, lockAgeMs = 0): string => {
  const dir = mk(root, ".openclaw-runtime-deps.lock");
  if (owner !== undefined)
    put(path.join(dir, "owner.json"), typeof owner === "string" ? owner : JSON.stringify(owner));
  age(path.join(dir, "owner.json"), lockAgeMs);
  age(dir, lockAgeMs);
  return dir;
};

// ---------------------------------------------------------------------------------------------
// The tree: a global prefix with the host package, a home with OpenClaw's state dir, a stage base.

const globalModules = mk(tmp, "prefix", "lib", "node_modules");
const packageRoot = mk(globalModules, "openclaw");
put(path.join(packageRoot, "package.json"), JSON.stringify({ name: "openclaw", version: "2026.4.29" }));
const ext = mk(packageRoot, "dist", "extensions");
const home = mk(tmp, "home");
const stateDir = mk(home, ".openclaw");
const stage = mk(stateDir, "plugin-runtime-deps");

// dist/extensions/slack: every extension debris kind OpenClaw's doctor removes
const slack = mk(ext, "slack");
put(path.join(slack, "package.json"), "{}");
put(path.join(slack, "openclaw.plugin.json"), '{"id":"slack"}');
mk(slack, "node_modules", "@slack", "web-api");
put(path.join(slack, ".openclaw-runtime-deps.json"), "{}");
put(path.join(slack, ".openclaw-runtime-deps-stamp.json"), "{}");
mk(slack, ".openclaw-runtime-deps-copy-1234");
mk(slack, ".openclaw-pnpm-store", "v3");
mk(slack, ".openclaw-install-stage-9f8e");
mk(slack, ".openclaw-install-backups");
// near misses: names OpenClaw's doctor does not remove
mk(slack, ".openclaw-install-stage"); // no dash: not `.openclaw-install-stage-*`
mk(slack, ".openclaw-runtime-deps.lock"); // a lock is reclaimed by OpenClaw when it takes it, never by its doctor
put(path.join(slack, ".openclaw-runtime-deps"), "");
put(path.join(slack, ".openclaw-install-backup"), "");
put(path.join(slack, "openclaw-runtime-deps.json"), "");

// dist/extensions/matrix: node_modules WITHOUT a marker is what the package shipped
const matrix = mk(ext, "matrix");
mk(matrix, "node_modules", "matrix-js-sdk");

// dist/extensions/copied: a `.openclaw-runtime-deps-*` temp dir is a marker too (OpenClaw 5.2)
const copied = mk(ext, "copied");
mk(copied, ".openclaw-runtime-deps-copy-aaaa");
mk(copied, "node_modules");

// a plugin directory that is a symlink is never entered (OpenClaw follows it; plugdeps never
// deletes through a link)
const elsewhere = mk(tmp, "elsewhere-plugin");
put(path.join(elsewhere, ".openclaw-runtime-deps.json"), "{}");
fs.symlinkSync(elsewhere, path.join(ext, "linked"));

// the state dir: a user-installed plugin with debris, and OpenClaw's old per-plugin cache dirs
const installed = mk(stateDir, "extensions", "lossless");
put(path.join(installed, ".openclaw-runtime-deps-stamp.json"), "{}");
mk(installed, "node_modules", "x");
mk(stateDir, "bundled-plugin-runtime-deps", "slack-0123");
mk(stateDir, ".local", "bundled-plugin-runtime-deps");
mk(packageRoot, ".local", "bundled-plugin-runtime-deps", "x");

// stage base: OpenClaw's roots
const unknownOld = mk(stage, "openclaw-unknown-5d41402abc4b");
age(unknownOld, 60 * MIN);
const unknownYoung = mk(stage, "openclaw-unknown-0a0a0a0a0a0a");
age(unknownYoung, 2 * MIN);
const unknownLocked = mk(stage, "openclaw-unknown-1b1b1b1b1b1b");
lock(unknownLocked, { pid: process.pid, createdAtMs: NOW - 60 * MIN }, 60 * MIN);
age(unknownLocked, 60 * MIN);
const unknownDeadLock = mk(stage, "openclaw-unknown-2c2c2c2c2c2c");
lock(unknownDeadLock, { pid: DEAD_PID, createdAtMs: NOW }, 0);
age(unknownDeadLock, 60 * MIN);
mk(stage, "openclaw-2026.4.22-0a1b2c3d4e5f", "node_modules");
mk(stage, "openclaw-2026.4.24-mine");
const owned = mk(stage, "openclaw-2026.4.20-abcdefabcdef");
put(path.join(owned, ".plugdeps", "state.json"), "{}");
const ownedUnknown = mk(stage, "openclaw-unknown-ownedbyplugdeps");
put(path.join(ownedUnknown, ".plugdeps", "state.json"), "{}");
age(ownedUnknown, 60 * MIN);
mk(stage, "openclaw-2026.4.29-0a1b2c3d4e5f.lock"); // plugdeps' own sibling
mk(stage, "openclaw-2026.4.29-0a1b2c3d4e5f.gen-0abc123def456");
mk(stage, "acme-0.9.0-aaaaaaaaaaaa"); // not OpenClaw's namespace: not looked at
mk(stage, ".openclaw-runtime-deps.lock");
// a read-only layer with an old unknown root
const layer = mk(tmp, "layer");
const layerUnknown = mk(layer, "openclaw-unknown-9e9e9e9e9e9e");
age(layerUnknown, 60 * MIN);

// global node_modules symlinks
const liveTarget = mk(stage, "openclaw-2026.4.20-abcdefabcdef", "node_modules", "alive");
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
    "home",
    ".openclaw",
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

const input: HostInput = { env: {}, homedir: home, flags: {} };
const ctx: DebrisContext = {
  packageRoot,
  plugins: [],
  stageBases: [
    { path: stage, writable: true },
    { path: layer, writable: false },
    { path: path.join(tmp, "no-such-base"), writable: true },
  ],
  now: NOW,
  input,
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

const rel = (p: string): string => path.relative(tmp, p);

describe("findDebris", () => {
  const before = snapshot(tmp);
  const debris = findDebris(ctx);

  it("finds exactly what OpenClaw itself removes, sorted by path", () => {
    expect(debris.map((d) => [rel(d.path), d.rule])).toEqual([
      ["home/.openclaw/.local/bundled-plugin-runtime-deps", "bundled-plugin-runtime-deps"],
      ["home/.openclaw/bundled-plugin-runtime-deps", "bundled-plugin-runtime-deps"],
      ["home/.openclaw/extensions/lossless/.openclaw-runtime-deps-stamp.json", "runtime-deps-marker"],
      ["home/.openclaw/extensions/lossless/node_modules", "extension-node_modules-with-marker"],
      ["home/.openclaw/plugin-runtime-deps/openclaw-unknown-2c2c2c2c2c2c", "unknown-version-root"],
      ["home/.openclaw/plugin-runtime-deps/openclaw-unknown-5d41402abc4b", "unknown-version-root"],
      ["layer/openclaw-unknown-9e9e9e9e9e9e", "unknown-version-root"],
      ["prefix/lib/node_modules/openclaw/.local/bundled-plugin-runtime-deps", "bundled-plugin-runtime-deps"],
      [
        "prefix/lib/node_modules/openclaw/dist/extensions/copied/.openclaw-runtime-deps-copy-aaaa",
        "runtime-deps-temp",
      ],
      [
        "prefix/lib/node_modules/openclaw/dist/extensions/copied/node_modules",
        "extension-node_modules-with-marker",
      ],
      ["prefix/lib/node_modules/openclaw/dist/extensions/slack/.openclaw-install-backups", "install-backups"],
      [
        "prefix/lib/node_modules/openclaw/dist/extensions/slack/.openclaw-install-stage-9f8e",
        "install-stage",
      ],
      ["prefix/lib/node_modules/openclaw/dist/extensions/slack/.openclaw-pnpm-store", "pnpm-store"],
      [
        "prefix/lib/node_modules/openclaw/dist/extensions/slack/.openclaw-runtime-deps-copy-1234",
        "runtime-deps-temp",
      ],
      [
        "prefix/lib/node_modules/openclaw/dist/extensions/slack/.openclaw-runtime-deps-stamp.json",
        "runtime-deps-marker",
      ],
      [
        "prefix/lib/node_modules/openclaw/dist/extensions/slack/.openclaw-runtime-deps.json",
        "runtime-deps-marker",
      ],
      [
        "prefix/lib/node_modules/openclaw/dist/extensions/slack/node_modules",
        "extension-node_modules-with-marker",
      ],
    ]);
  });

  it("2026.3.22 – 4.21 stage inside their package: its plugin directories hold live state, not debris", () => {
    // The real 2026.4.20 tarball ships dist/extensions/*/.openclaw-runtime-deps-stamp.json (issue
    // 14: an apply deleted 15 of them). The state and config dirs are cleaned as before.
    const inPackage = findDebris({ ...ctx, version: "2026.4.20" }).map((d) => rel(d.path));
    const pkgExtensions = rel(path.join(packageRoot, "dist", "extensions"));
    expect(debris.some((d) => rel(d.path).startsWith(pkgExtensions))).toBe(true);
    expect(inPackage.filter((p) => p.startsWith(pkgExtensions))).toEqual([]);
    expect(inPackage).toContain("home/.openclaw/extensions/lossless/.openclaw-runtime-deps-stamp.json");
    expect(inPackage).toContain("prefix/lib/node_modules/openclaw/.local/bundled-plugin-runtime-deps");
    expect(findDebris({ ...ctx, version: "2026.4.29" }).map((d) => d.path)).toEqual(
      debris.map((d) => d.path),
    );
  });

  it("writes nothing", () => {
    expect(snapshot(tmp)).toEqual(before);
  });

  it("leaves every near miss alone", () => {
    const paths = debris.map((d) => rel(d.path));
    for (const miss of [
      "matrix/node_modules",
      "slack/.openclaw-install-stage",
      "slack/.openclaw-runtime-deps.lock",
      "slack/.openclaw-runtime-deps",
      "slack/.openclaw-install-backup",
      "slack/openclaw-runtime-deps.json",
      "slack/package.json",
      "linked/.openclaw-runtime-deps.json",
      "elsewhere-plugin/.openclaw-runtime-deps.json",
      "openclaw-unknown-0a0a0a0a0a0a",
      "openclaw-unknown-1b1b1b1b1b1b",
      "openclaw-unknown-ownedbyplugdeps",
      "openclaw-2026.4.22-0a1b2c3d4e5f",
      "openclaw-2026.4.24-mine",
      "openclaw-2026.4.20-abcdefabcdef",
      "plugin-runtime-deps/.openclaw-runtime-deps.lock",
      "acme-0.9.0-aaaaaaaaaaaa",
      "node_modules/gone",
      "node_modules/alive",
    ]) {
      expect(
        paths.filter((p) => p.endsWith(miss)),
        miss,
      ).toEqual([]);
    }
  });

  it("debris in a read-only layer is never writable, whatever the probe says, and carries the command", () => {
    const d = debris.find((x) => x.path === layerUnknown);
    expect(d).toMatchObject({ writable: false, fix: `rm -rf -- '${layerUnknown}'` });
    for (const x of debris.filter((x) => x.path !== layerUnknown)) {
      expect(x.writable).toBe(true);
      expect(x.fix).toBe("plugdeps doctor --fix");
    }
  });

  it("read-only debris carries the exact shell command, rm -rf for directories, rm -f otherwise", () => {
    const readOnly: DebrisProbes = { ...defaultProbes, isWritable: () => false };
    const byRel = new Map(findDebris(ctx, readOnly).map((d) => [rel(d.path), d]));
    const nm = byRel.get("prefix/lib/node_modules/openclaw/dist/extensions/slack/node_modules");
    expect(nm?.writable).toBe(false);
    expect(nm?.fix).toBe(`rm -rf -- '${path.join(slack, "node_modules")}'`);
    expect(
      byRel.get("prefix/lib/node_modules/openclaw/dist/extensions/slack/.openclaw-runtime-deps.json")?.fix,
    ).toBe(`rm -f -- '${path.join(slack, ".openclaw-runtime-deps.json")}'`);
  });

  it("probes each parent directory once, not the debris itself", () => {
    const asked: string[] = [];
    findDebris(ctx, { ...defaultProbes, isWritable: (dir) => (asked.push(dir), true) });
    expect(asked).toContain(slack);
    expect(asked).toContain(stage);
    expect(asked).not.toContain(layer);
    expect(new Set(asked).size).toBe(asked.length);
  });

  it("without the host input only the package root's legacy paths are looked for", () => {
    const { input: _, ...rest } = ctx;
    const found = findDebris({ ...rest, stageBases: [] }).map((d) => rel(d.path));
    expect(found.every((p) => p.startsWith("prefix/lib/node_modules/openclaw/"))).toBe(true);
    expect(found).toContain("prefix/lib/node_modules/openclaw/dist/extensions/slack/node_modules");
  });

  it("follows OPENCLAW_STATE_DIR and the directory of OPENCLAW_CONFIG_PATH", () => {
    const other = mk(tmp, "other-state");
    mk(other, "bundled-plugin-runtime-deps");
    const cfgDir = mk(tmp, "cfg");
    mk(cfgDir, ".local", "bundled-plugin-runtime-deps");
    const onlyLegacy = (env: Record<string, string>): string[] =>
      findDebris({ ...ctx, stageBases: [], input: { ...input, env } })
        .map((d) => rel(d.path))
        .filter((p) => !p.startsWith("prefix/"));
    expect(onlyLegacy({ OPENCLAW_STATE_DIR: other })).toEqual(["other-state/bundled-plugin-runtime-deps"]);
    expect(onlyLegacy({ OPENCLAW_CONFIG_PATH: path.join(cfgDir, "openclaw.json") })).toEqual([
      "cfg/.local/bundled-plugin-runtime-deps",
      "home/.openclaw/.local/bundled-plugin-runtime-deps",
      "home/.openclaw/bundled-plugin-runtime-deps",
      "home/.openclaw/extensions/lossless/.openclaw-runtime-deps-stamp.json",
      "home/.openclaw/extensions/lossless/node_modules",
    ]);
  });

  it("never reaches a legacy path through a symlinked directory", () => {
    const linkedState = mk(tmp, "linked-state");
    const realLocal = mk(tmp, "real-local");
    mk(realLocal, "bundled-plugin-runtime-deps");
    fs.symlinkSync(realLocal, path.join(linkedState, ".local"));
    const found = findDebris({
      ...ctx,
      stageBases: [],
      input: { ...input, env: { OPENCLAW_STATE_DIR: linkedState } },
    });
    expect(
      found.map((d) => rel(d.path)).filter((p) => p.includes("real-local") || p.includes("linked-state")),
    ).toEqual([]);
  });
});

describe("findUnmanaged", () => {
  const unmanaged = findUnmanaged(ctx);

  it("reports OpenClaw's roots and look-alikes it leaves alone, and dangling global symlinks", () => {
    expect(unmanaged.map((u) => [rel(u.path), u.kind])).toEqual([
      ["home/.openclaw/plugin-runtime-deps/openclaw-2026.4.22-0a1b2c3d4e5f", "openclaw-root"],
      ["home/.openclaw/plugin-runtime-deps/openclaw-2026.4.24-mine", "unknown-name"],
      ["home/.openclaw/plugin-runtime-deps/openclaw-unknown-0a0a0a0a0a0a", "openclaw-unknown-root"],
      ["home/.openclaw/plugin-runtime-deps/openclaw-unknown-1b1b1b1b1b1b", "openclaw-unknown-root"],
      ["prefix/lib/node_modules/@scope/pkg", "dangling-global-symlink"],
      ["prefix/lib/node_modules/gone", "dangling-global-symlink"],
    ]);
  });

  it("says why each stays, and gives a command only where one is worth running", () => {
    const why = new Map(unmanaged.map((u) => [path.basename(u.path), u]));
    expect(why.get("openclaw-unknown-0a0a0a0a0a0a")?.why).toMatch(
      /among the newest 20 and younger than 10 min/,
    );
    expect(why.get("openclaw-unknown-1b1b1b1b1b1b")?.why).toMatch(/lock is live \(held by running pid \d+\)/);
    expect(why.get("openclaw-2026.4.22-0a1b2c3d4e5f")?.why).toMatch(/OpenClaw never prunes it/);
    expect(why.get("openclaw-2026.4.24-mine")?.why).toMatch(/not a root name OpenClaw produces/);
    expect(why.get("gone")?.fix).toBe(`rm -f -- '${path.join(globalModules, "gone")}'`);
    for (const u of unmanaged.filter((x) => x.kind !== "dangling-global-symlink")) expect(u.fix).toBeNull();
  });

  it("scans once per context", () => {
    expect(scanOpenclaw(ctx)).toBe(scanOpenclaw(ctx));
    expect(findUnmanaged(ctx)).toBe(unmanaged);
  });

  it("scans global node_modules only when the package root sits in one", () => {
    const notModules = mk(tmp, "not-modules", "openclaw");
    expect(findUnmanaged({ ...ctx, packageRoot: notModules, stageBases: [] })).toEqual([]);
  });
});

describe("parseStartTime / shellQuote", () => {
  it("parses /proc/<pid>/stat field 22 even with spaces and parens in the command name", () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    expect(parseStartTime(`123 (a) b (c) ${fields.join(" ")}`)).toBe(22);
  });
  it("the real probe sees this process as alive and a free pid as dead", () => {
    expect(defaultProbes.isAlive(process.pid)).toBe(true);
    expect(defaultProbes.isAlive(DEAD_PID)).toBe(false);
  });
  it("quotes survive single quotes, spaces and dollar signs", () => {
    expect(shellQuote("/a b/it's $HOME")).toBe(`'/a b/it'\\''s $HOME'`);
  });
});
