import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decideUnknownRoots,
  stageRootKind,
  UNKNOWN_ROOT_MIN_AGE_MS,
  UNKNOWN_ROOTS_TO_KEEP,
  type UnknownRoot,
} from "../../src/hosts/openclaw/roots.js";
import type { LockVerdict } from "../../src/hosts/openclaw/openclaw-lock.js";
import {
  extensionEntryRule,
  isRuntimeDepsMarker,
  legacyDirectories,
} from "../../src/hosts/openclaw/legacy-paths.js";

const NOW = 1_800_000_000_000;
const MIN = 60_000;
const LIVE: LockVerdict = { stale: false, why: "held by running pid 7" };
const STALE: LockVerdict = { stale: true, why: "pid 7 is not running" };

describe("stageRootKind: OpenClaw's root names", () => {
  it.each([
    ["openclaw-unknown-5d41402abc4b", "openclaw-unknown-root"],
    ["openclaw-unknown-", "openclaw-unknown-root"], // OpenClaw's startsWith counts it too
    ["openclaw-unknownx", "unknown-name"],
    ["openclaw-2026.4.22-0a1b2c3d4e5f", "openclaw-root"],
    ["openclaw-2026.4.30-beta.1-0a1b2c3d4e5f", "openclaw-root"],
    ["openclaw-2026.4.23-0A1B2C3D4E5F", "unknown-name"], // uppercase hex is no hash
    ["openclaw-2026.4.20-0a1b2c3d4e5", "unknown-name"],
    ["openclaw-2026.4.24-mine", "unknown-name"],
    ["openclaw-2026.4.24-backup", "unknown-name"],
    ["openclaw-2026.4.18-1713900000", "unknown-name"],
    ["openclaw-2026.4.20", "unknown-name"],
  ] as const)("%s → %s", (name, kind) => {
    expect(stageRootKind(name)).toBe(kind);
  });
});

describe("decideUnknownRoots: OpenClaw's pruneUnknownBundledRuntimeDepsRoots", () => {
  const root = (name: string, ageMs: number): UnknownRoot => ({ name, mtimeMs: NOW - ageMs });
  const pruned = (roots: UnknownRoot[], lockOf: (n: string) => LockVerdict | null = () => null): string[] =>
    decideUnknownRoots(roots, NOW, lockOf)
      .filter((d) => d.prune)
      .map((d) => d.name)
      .sort();

  it("keeps the young among the newest 20, prunes the old and the young beyond 20", () => {
    const young = Array.from({ length: 22 }, (_, i) =>
      root(`y${String(i).padStart(2, "0")}`, (i + 1) * 10_000),
    );
    const old = [root("old-a", 11 * MIN), root("old-b", 24 * 60 * MIN)];
    expect(pruned([...old, ...young])).toEqual(["old-a", "old-b", "y20", "y21"]);
  });
  it("an old root among the newest 20 is pruned: both conditions keep, not either", () => {
    expect(pruned([root("a", 10 * MIN), root("b", 10 * MIN - 1)])).toEqual(["a"]);
  });
  it("a live lock saves a root past the keep rule; a stale one does not", () => {
    const roots = [root("live", 60 * MIN), root("stale", 60 * MIN + 1), root("none", 60 * MIN + 2)];
    const lockOf = (n: string): LockVerdict | null => (n === "live" ? LIVE : n === "stale" ? STALE : null);
    expect(pruned(roots, lockOf)).toEqual(["none", "stale"]);
    const live = decideUnknownRoots(roots, NOW, lockOf).find((d) => d.name === "live");
    expect(live).toMatchObject({ prune: false, untilLater: true });
    expect(live?.why).toMatch(/lock is live \(held by running pid 7\)/);
  });
  it("asks for locks only past the keep rule, as OpenClaw looks only at those", () => {
    const asked: string[] = [];
    decideUnknownRoots([root("young", MIN), root("old", 60 * MIN)], NOW, (n) => (asked.push(n), null));
    expect(asked).toEqual(["old"]);
  });

  it("property: exactly the roots OpenClaw's rule prunes (rank by mtime, newest first)", () => {
    const roots = fc.uniqueArray(
      fc.record({
        name: fc.string({ minLength: 1, maxLength: 6 }),
        ageMs: fc.integer({ min: -MIN, max: 30 * MIN }),
      }),
      { selector: (r) => r.name, maxLength: 40 },
    );
    fc.assert(
      fc.property(roots, fc.func(fc.constantFrom(null, LIVE, STALE)), (rs, lockFn) => {
        const input = rs.map((r) => root(r.name, r.ageMs));
        const lockOf = (n: string): LockVerdict | null => lockFn(n);
        const decisions = decideUnknownRoots(input, NOW, lockOf);
        expect(decisions.map((d) => d.name).sort()).toEqual(input.map((r) => r.name).sort());
        for (const d of decisions) {
          const r = input.find((x) => x.name === d.name);
          if (r === undefined) throw new Error("lost a root");
          const newer = input.filter(
            (x) => x.mtimeMs > r.mtimeMs || (x.mtimeMs === r.mtimeMs && x.name < r.name),
          ).length;
          const kept = newer < UNKNOWN_ROOTS_TO_KEEP && NOW - r.mtimeMs < UNKNOWN_ROOT_MIN_AGE_MS;
          const lock = kept ? null : lockOf(r.name);
          expect(d.prune).toBe(!kept && (lock === null || lock.stale));
        }
      }),
    );
  });
});

describe("legacy paths: OpenClaw's doctor names", () => {
  it.each([
    ["node_modules", true, "extension-node_modules-with-marker"],
    ["node_modules", false, undefined],
    [".openclaw-runtime-deps.json", false, "runtime-deps-marker"],
    [".openclaw-runtime-deps-stamp.json", false, "runtime-deps-marker"],
    [".openclaw-runtime-deps-copy-x", false, "runtime-deps-temp"],
    [".openclaw-runtime-deps", false, undefined],
    [".openclaw-runtime-deps.lock", false, undefined],
    [".openclaw-pnpm-store", false, "pnpm-store"],
    [".openclaw-pnpm-store2", false, undefined],
    [".openclaw-install-stage-9f8e", false, "install-stage"],
    [".openclaw-install-stage", false, undefined],
    [".openclaw-install-stage.old", false, undefined],
    [".openclaw-install-backups", false, "install-backups"],
    [".openclaw-install-backup", false, undefined],
    ["dist", true, undefined],
  ] as const)("extension entry %s (marker %s) → %s", (name, marker, rule) => {
    expect(extensionEntryRule(name, marker)).toBe(rule);
  });

  it("markers are the two record files and any `.openclaw-runtime-deps-*`", () => {
    expect(isRuntimeDepsMarker(".openclaw-runtime-deps.json")).toBe(true);
    expect(isRuntimeDepsMarker(".openclaw-runtime-deps-copy-1")).toBe(true);
    expect(isRuntimeDepsMarker(".openclaw-runtime-deps.lock")).toBe(false);
    expect(isRuntimeDepsMarker(".openclaw-pnpm-store")).toBe(false);
  });

  it("legacy directories: state dir, config dir, package root", () => {
    const flags = {};
    expect(
      legacyDirectories("/usr/lib/node_modules/openclaw", { env: {}, homedir: "/home/u", flags }),
    ).toEqual(["/home/u/.openclaw", "/usr/lib/node_modules/openclaw"]);
    expect(
      legacyDirectories("/pkg", {
        env: { OPENCLAW_CONFIG_PATH: "~/cfg/openclaw.json5" },
        homedir: "/home/u",
        flags,
      }),
    ).toEqual(["/home/u/.openclaw", "/home/u/cfg", "/pkg"]);
    expect(
      legacyDirectories("/pkg", {
        env: { OPENCLAW_STATE_DIR: "/srv/oc", OPENCLAW_CONFIG_PATH: "/etc/oc/openclaw.json" },
        homedir: "/home/u",
        flags,
      }),
    ).toEqual(["/pkg", "/srv/oc"]);
    expect(legacyDirectories("/pkg", undefined)).toEqual(["/pkg"]);
  });
});
