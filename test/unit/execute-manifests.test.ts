import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { needsRecord, rootPackages, writeManifests } from "../../src/execute/materialization.js";
import type { InstallSet, PlanDocument } from "../../src/model/plan.js";
import type { RootReading } from "../../src/observe/versioned-roots.js";
import { mkdirp, writeFile, writePackage } from "../support/trees.js";
import { tempDir } from "../support/temp.js";

/**
 * The generated manifest of a set (execute/materialization.ts): full union, pins for packages a
 * build brings along, and the previous manifest's spelling kept where the lockfile was resolved
 * from it (pnpm re-resolves every dependency whose specifier changed).
 */
const tmp = tempDir("execute-manifests");

let n = 0;
const planFor = (targetRoot: string, packages: Record<string, string>): PlanDocument => {
  const set: InstallSet = {
    id: "shared",
    kind: "shared",
    plugin: null,
    dir: targetRoot,
    packages: Object.entries(packages).map(([name, spec]) => ({ name, spec, wantedBy: ["p"] })),
  };
  // writeManifests reads only these parts of a plan.
  return {
    host: { name: "host", version: "1.0.0" },
    desired: { targetRoot, sets: [set], overrides: {} },
    observed: { layers: [] },
  } as unknown as PlanDocument;
};

/** A fresh stage holding these installed packages and, if given, a previous manifest's dependencies. */
const stageWith = (installed: Record<string, string>, previous?: Record<string, string>): string => {
  const stage = mkdirp(tmp, `case-${++n}`);
  for (const [name, version] of Object.entries(installed))
    writePackage(path.join(stage, "node_modules"), { name, version });
  if (previous !== undefined)
    writeFile(path.join(stage, "package.json"), JSON.stringify({ dependencies: previous }));
  return stage;
};

/** writeManifests for a one-set plan wanting these specs; returns what it wrote. */
const writeFor = (stage: string, wanted: Record<string, string>): Record<string, string> => {
  const plan = planFor(stage, wanted);
  writeManifests(stage, plan, rootPackages(plan));
  return written(stage);
};

const written = (stage: string): Record<string, string> =>
  (
    JSON.parse(fs.readFileSync(path.join(stage, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    }
  ).dependencies;

describe("writeManifests", () => {
  it("writes specs for what is missing, and an empty dependencies object for nothing", () => {
    const stage = mkdirp(tmp, `case-${++n}`);
    const plan = planFor(stage, { a: "^1.0.0" });
    writeManifests(stage, plan, rootPackages(plan));
    expect(written(stage)).toEqual({ a: "^1.0.0" });
    const empty = planFor(stage, {});
    writeManifests(stage, empty, rootPackages(empty));
    expect(written(stage)).toEqual({});
  });

  it("pins a package the stage already has that the previous manifest did not list (reused)", () => {
    const stage = stageWith({ reused: "1.3.2" });
    expect(writeFor(stage, { reused: "^1.3.0", fresh: "^2.0.0" })).toEqual({
      reused: "1.3.2",
      fresh: "^2.0.0",
    });
  });

  it("keeps the previous manifest's spec for a kept package, and keeps an earlier pin pinned", () => {
    const stage = stageWith({ kept: "1.4.0", pinned: "2.1.0" }, { kept: "^1.3.0", pinned: "2.1.0" });
    expect(writeFor(stage, { kept: "^1.3.0", pinned: "^2.0.0", added: "~3.0.0" })).toEqual({
      kept: "^1.3.0",
      pinned: "2.1.0",
      added: "~3.0.0",
    });
  });

  it("a spec that changed is pinned to the satisfying copy; one the copy does not satisfy is written as is", () => {
    const stage = stageWith({ narrowed: "1.6.0", bumped: "1.6.0" }, { narrowed: "^1.0.0", bumped: "^1.0.0" });
    expect(writeFor(stage, { narrowed: "^1.5.0", bumped: "^2.0.0" })).toEqual({
      narrowed: "1.6.0",
      bumped: "^2.0.0",
    });
  });

  it("an unreadable or hostile previous manifest is ignored, never trusted", () => {
    const stage = mkdirp(tmp, `case-${++n}`);
    writePackage(path.join(stage, "node_modules"), { name: "kept", version: "1.4.0" });
    for (const text of [
      "{ not json",
      '{"dependencies": ["^1.3.0"]}',
      '{"dependencies": {"kept": 13}}',
      "null",
    ]) {
      writeFile(path.join(stage, "package.json"), text);
      const plan = planFor(stage, { kept: "^1.3.0" });
      writeManifests(stage, plan, rootPackages(plan));
      expect(written(stage), text).toEqual({ kept: "1.4.0" });
    }
  });
});

/**
 * needsRecord is THE convergence rule on the record (apply's isConverged, status' "in sync",
 * reconcile's readiness): a root whose packages are right still needs a new generation when its
 * record is missing or names another plan, or when a root that is not ours is in the way.
 */
describe("needsRecord", () => {
  const owned = (fingerprint: string): RootReading =>
    ({
      _tag: "Owned",
      root: { path: "/r", lock: null, state: { planFingerprint: fingerprint } },
    }) as unknown as RootReading;
  const plan = (packages: Record<string, string>, fingerprint = "sha256:now"): PlanDocument =>
    ({
      ...planFor("/r", packages),
      desired: { ...planFor("/r", packages).desired, fingerprint },
    }) as PlanDocument;

  it("an owned root: only when its record names another plan, whatever it holds", () => {
    expect(needsRecord(owned("sha256:now"), plan({ a: "^1.0.0" }))).toBe(false);
    expect(needsRecord(owned("sha256:old"), plan({ a: "^1.0.0" }))).toBe(true);
    expect(needsRecord(owned("sha256:old"), plan({}))).toBe(true);
  });

  it("no root: only when something must live there", () => {
    expect(needsRecord({ _tag: "Absent" }, plan({ a: "^1.0.0" }))).toBe(true);
    expect(needsRecord({ _tag: "Absent" }, plan({}))).toBe(false);
  });

  it("a root that is not ours is always in the way", () => {
    expect(needsRecord({ _tag: "NotOwned", reason: "no state record" } as RootReading, plan({}))).toBe(true);
  });
});
