import * as fs from "node:fs";
import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { STATE_DIR, STATE_FILE } from "../../src/model/layout.js";
import type { RootState } from "../../src/model/state.js";
import { type FoundRecords, findRecords } from "../../src/resolve/records.js";
import { chooseHost, mayHoldRoots } from "../../src/resolve/stage-bases.js";
import { mkdirp, rootState, snapshot, writeFile } from "../support/trees.js";
import { tempDir } from "../support/temp.js";

/**
 * records.ts: where the hook and `plugdeps resolve` look for materialization records, and what
 * they accept — read-only, one readdir per stage base and one state file per root.
 */

const tmp = tempDir("resolve-records");

const KEY = "0123456789ab";

/** A root in the generation layout: `<base>/<name>` -> `<name>.gen-g1/` holding the state. */
const writeRoot = (base: string, name: string, state: Partial<RootState> = {}): string => {
  const gen = mkdirp(base, `${name}.gen-g1`);
  writeFile(
    path.join(gen, STATE_DIR, STATE_FILE),
    JSON.stringify({ ...rootState({ hostName: "openclaw" }), ...state }, null, 2),
  );
  fs.symlinkSync(`${name}.gen-g1`, path.join(base, name));
  return path.join(base, name);
};

const ok = (r: E.Either<unknown, FoundRecords>): FoundRecords => {
  if (E.isLeft(r)) throw new Error(`expected records, got ${JSON.stringify(r.left)}`);
  return r.right;
};

const home = mkdirp(tmp, "home");

describe("findRecords", () => {
  const base = mkdirp(tmp, "stage");
  const pluginDir = mkdirp(tmp, "host", "dist", "extensions", "slack");
  writeFile(
    path.join(pluginDir, "package.json"),
    JSON.stringify({
      dependencies: { a: "^1.0.0", b: "^2.0.0" },
      optionalDependencies: { b: "^2.1.0" },
    }),
  );
  const root = writeRoot(base, `openclaw-2026.5.2-${KEY}`, {
    plugins: [{ id: "slack", dir: pluginDir, dependencies: ["a", "b"] }],
  });
  // Things that are not roots, or not ours: never read as records.
  writeRoot(base, `acme-1.0.0-${KEY}`, { host: { ...rootState({ hostName: "acme" }).host } });
  mkdirp(base, `openclaw-2026.5.2-${KEY}.lock`);
  mkdirp(base, `openclaw-2026.5.2-${KEY}.aside-abc`);
  mkdirp(base, `openclaw-2026.4.1-${KEY.replace("0", "f")}`); // no state record
  writeFile(path.join(base, "README"), "not a root");

  it("reads owned roots through their generation link, with each plugin's declared specs", () => {
    const found = ok(findRecords({ env: { PLUGDEPS_STAGE_DIR: base }, homedir: home }));
    expect(found.records.map((r) => r.root)).toEqual([root]);
    const [record] = found.records;
    expect(record?.stageBase).toBe(base);
    expect(record?.state.plugins).toEqual([{ id: "slack", dir: pluginDir, dependencies: ["a", "b"] }]);
    // optionalDependencies override dependencies, as the adapters merge them.
    expect(record?.specs).toEqual({ [pluginDir]: { a: "^1.0.0", b: "^2.1.0" } });
    expect(found.searched).toEqual([
      {
        path: base,
        source: "PLUGDEPS_STAGE_DIR[0]",
        roots: 1,
        notes: [expect.stringContaining(`openclaw-2026.4.1-f123456789ab: not owned`)],
      },
    ]);
  });

  it("writes nothing", () => {
    const before = snapshot(tmp);
    findRecords({ env: { PLUGDEPS_STAGE_DIR: base }, homedir: home });
    expect(snapshot(tmp)).toEqual(before);
  });

  it("PLUGDEPS_STAGE_DIR is a path.delimiter list; missing entries are no error", () => {
    const other = mkdirp(tmp, "other-stage");
    const older = writeRoot(other, `openclaw-2026.4.20-${KEY}`, { updatedAt: "2026-04-21T00:00:00.000Z" });
    const found = ok(
      findRecords({
        env: { PLUGDEPS_STAGE_DIR: [path.join(tmp, "absent"), other, base].join(path.delimiter) },
        homedir: home,
      }),
    );
    expect(found.records.map((r) => r.root)).toEqual([older, root]);
    expect(found.searched.map((s) => [s.source, s.roots])).toEqual([
      ["PLUGDEPS_STAGE_DIR[0]", 0],
      ["PLUGDEPS_STAGE_DIR[1]", 1],
      ["PLUGDEPS_STAGE_DIR[2]", 1],
    ]);
  });

  it("--stage-dir wins over PLUGDEPS_STAGE_DIR", () => {
    const found = ok(
      findRecords({ env: { PLUGDEPS_STAGE_DIR: path.join(tmp, "absent") }, homedir: home, stageDir: base }),
    );
    expect(found.searched.map((s) => s.source)).toEqual(["--stage-dir"]);
    expect(found.records).toHaveLength(1);
  });
});

describe("stage bases from the environment (chooseHost)", () => {
  const bases = (env: Record<string, string>, extra: { host?: string } = {}) => {
    const choice = chooseHost({ env, homedir: home, ...extra });
    if (E.isLeft(choice)) throw new Error(choice.left.message);
    return choice.right.bases.map((b) => [b.path, b.source]);
  };

  it("OpenClaw: every OPENCLAW_PLUGIN_STAGE_DIR entry is searched, read-only layers included", () => {
    expect(bases({ OPENCLAW_PLUGIN_STAGE_DIR: ["/ro/layer", "/var/stage"].join(path.delimiter) })).toEqual([
      ["/ro/layer", "OPENCLAW_PLUGIN_STAGE_DIR[0]"],
      ["/var/stage", "OPENCLAW_PLUGIN_STAGE_DIR[1]"],
    ]);
  });

  it("OpenClaw defaults: STATE_DIRECTORY, OPENCLAW_STATE_DIR or ~/.openclaw, then /var/lib/openclaw", () => {
    expect(bases({ STATE_DIRECTORY: "/var/lib/oc:/other" })).toEqual([
      ["/var/lib/oc/plugin-runtime-deps", "STATE_DIRECTORY"],
      [path.join(home, ".openclaw", "plugin-runtime-deps"), "~/.openclaw"],
      ["/var/lib/openclaw/plugin-runtime-deps", "default"],
    ]);
  });

  it("PLUGDEPS_STAGE_DIR replaces the adapter's candidates", () => {
    expect(bases({ PLUGDEPS_STAGE_DIR: "/s", OPENCLAW_PLUGIN_STAGE_DIR: "/o" })).toEqual([
      ["/s", "PLUGDEPS_STAGE_DIR[0]"],
    ]);
  });

  it("PLUGDEPS_HOST=profile:FILE: the profile's slug, package name and stage variable", () => {
    const profile = writeFile(
      path.join(tmp, "acme.json"),
      JSON.stringify({
        name: "acme",
        packageName: "acme-host",
        plugins: { glob: "plugins/*/package.json" },
        config: {},
        stage: { envVar: "ACME_PLUGIN_STAGE_DIR", defaultDir: "/var/lib/acme/deps" },
      }),
    );
    const choice = chooseHost({ env: { PLUGDEPS_HOST: `profile:${profile}` }, homedir: home });
    expect(E.isRight(choice) && choice.right).toMatchObject({
      label: "profile:acme",
      slug: "acme",
      hostName: "acme-host",
      bases: [{ path: "/var/lib/acme/deps", source: "profile default" }],
    });
    expect(
      bases({
        PLUGDEPS_HOST: `profile:${profile}`,
        ACME_PLUGIN_STAGE_DIR: ["/a", "/b"].join(path.delimiter),
      }),
    ).toEqual([
      ["/a", "ACME_PLUGIN_STAGE_DIR[0]"],
      ["/b", "ACME_PLUGIN_STAGE_DIR[1]"],
    ]);
    // --host wins over PLUGDEPS_HOST.
    expect(bases({ PLUGDEPS_HOST: `profile:${profile}` }, { host: "openclaw" })[0]?.[1]).toBe("~/.openclaw");
  });

  it("an unknown host or a broken profile is an error, not a guess", () => {
    expect(E.isLeft(chooseHost({ env: { PLUGDEPS_HOST: "nginx" }, homedir: home }))).toBe(true);
    const missing = chooseHost({ env: { PLUGDEPS_HOST: `profile:${tmp}/nope.json` }, homedir: home });
    expect(E.isLeft(missing) && missing.left._tag).toBe("ProfileInvalid");
  });

  it("mayHoldRoots: one readdir tells whether there is anything to read", () => {
    const empty = mkdirp(tmp, "empty-stage");
    const choice = (p: string) => ({
      label: "openclaw",
      slug: "openclaw",
      hostName: "openclaw",
      bases: [{ path: p, source: "x" }],
    });
    expect(mayHoldRoots(choice(empty))).toBe(false);
    expect(mayHoldRoots(choice(path.join(tmp, "absent")))).toBe(false);
    expect(mayHoldRoots(choice(path.join(tmp, "stage")))).toBe(true);
  });
});
