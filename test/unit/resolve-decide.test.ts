import * as path from "node:path";
import { describe, expect, it } from "vitest";
import type { RootState } from "../../src/model/state.js";
import {
  type ResolutionDecision,
  decide,
  indexRecords,
  mayConcern,
  parseSpecifier,
  pickCandidate,
} from "../../src/resolve/decide.js";
import type { MaterializationRecord } from "../../src/resolve/records.js";

/**
 * decide.ts is pure: records in, a decision out. These tables pin the rules the hook and
 * `plugdeps resolve` share: what is never touched, which root applies, and the candidate order
 * (isolated set, then shared set, then a read-only layer, else Node).
 */

const HOST = "/usr/lib/node_modules/openclaw";
const EXT = `${HOST}/dist/extensions`;
const STAGE = "/var/lib/openclaw/plugin-runtime-deps";
const ROOT = `${STAGE}/openclaw-2026.5.2-0123456789ab`;
const OLD_ROOT = `${STAGE}/openclaw-2026.4.20-ba9876543210`;
const LAYER_ROOT = "/opt/layer/openclaw-2026.5.2-0123456789ab";

const state = (over: Partial<RootState> & Pick<RootState, "sets">): RootState => ({
  formatVersion: 1,
  tool: { name: "plugdeps", version: "0.1.0" },
  layoutVersion: 1,
  host: { name: "openclaw", version: "2026.5.2", packageRoot: HOST, identity: "0123456789ab" },
  planFingerprint: "f",
  createdAt: "2026-05-01T00:00:00.000Z",
  updatedAt: "2026-05-02T00:00:00.000Z",
  ...over,
});

const pkgs = (entries: Record<string, string>) =>
  Object.fromEntries(Object.entries(entries).map(([n, v]) => [n, { spec: `^${v}`, version: v }]));

/** The demo host's record: telegram's @fixture/markdown isolated, logger satisfied by the host. */
const current: MaterializationRecord = {
  root: ROOT,
  stageBase: STAGE,
  state: state({
    sets: [
      {
        id: "shared",
        dir: ".",
        packages: pkgs({
          "@fixture/slack-sdk": "2.2.0",
          "@fixture/markdown": "2.1.0",
          "@fixture/http-kit": "1.4.0",
        }),
      },
      { id: "plugin:telegram", dir: "isolated/telegram", packages: pkgs({ "@fixture/markdown": "1.2.0" }) },
    ],
    plugins: [
      {
        id: "slack",
        dir: `${EXT}/slack`,
        dependencies: ["@fixture/http-kit", "@fixture/logger", "@fixture/slack-sdk"],
      },
      { id: "telegram", dir: `${EXT}/telegram`, dependencies: ["@fixture/http-kit", "@fixture/markdown"] },
      { id: "discord", dir: `${EXT}/discord`, dependencies: ["@fixture/markdown", "@fixture/tokenizer"] },
    ],
    external: [
      { set: "shared", name: "@fixture/tokenizer", dir: `${LAYER_ROOT}/node_modules/@fixture/tokenizer` },
    ],
  }),
  specs: {
    [`${EXT}/slack`]: {
      "@fixture/slack-sdk": "^2.1.0",
      "@fixture/logger": "^1.0.0",
      "@fixture/http-kit": "^1.2.0",
    },
    [`${EXT}/telegram`]: { "@fixture/markdown": "^1.0.0", "@fixture/http-kit": "^1.3.0" },
    [`${EXT}/discord`]: { "@fixture/markdown": "^2.0.0", "@fixture/tokenizer": "^0.3.0" },
  },
};

/** An older host version's root listing the same plugin dirs (same install path, before an upgrade). */
const older: MaterializationRecord = {
  root: OLD_ROOT,
  stageBase: STAGE,
  state: state({
    host: { name: "openclaw", version: "2026.4.20", packageRoot: HOST, identity: "ba9876543210" },
    updatedAt: "2026-04-21T00:00:00.000Z",
    sets: [{ id: "shared", dir: ".", packages: pkgs({ "@fixture/slack-sdk": "2.0.0" }) }],
    plugins: [{ id: "slack", dir: `${EXT}/slack`, dependencies: ["@fixture/slack-sdk"] }],
  }),
  specs: {},
};

const index = indexRecords([older, current]);
const from = (plugin: string, file = "index.js") => path.join(EXT, plugin, file);

const declared = (d: ResolutionDecision) => {
  if (d._tag !== "Declared") throw new Error(`expected Declared, got Untouched: ${d.reason}`);
  return d;
};

describe("parseSpecifier", () => {
  it.each([
    ["@fixture/slack-sdk", "@fixture/slack-sdk", "."],
    ["@fixture/slack-sdk/web/client.js", "@fixture/slack-sdk", "./web/client.js"],
    ["lodash", "lodash", "."],
    ["lodash/fp", "lodash", "./fp"],
    ["punycode/", "punycode", "./"],
  ])("%s is bare: %s + %s", (specifier, name, subpath) => {
    expect(parseSpecifier(specifier)).toEqual({ _tag: "Bare", name, subpath });
  });

  it.each([
    ["./local.js", /relative/],
    ["../up.js", /relative/],
    [".", /relative/],
    ["/abs/file.js", /absolute/],
    ["node:fs", /URL/],
    ["file:///x.js", /URL/],
    ["data:text/javascript,1", /URL/],
    ["fs", /builtin/],
    ["fs/promises", /builtin/],
    ["#internal", /package import/],
    ["@scope", /not a valid/],
    ["@scope/", /not a valid/],
    [".hidden", /relative|not a valid/],
    ["", /empty/],
  ])("%s is not bare (%s)", (specifier, reason) => {
    const parsed = parseSpecifier(specifier);
    expect(parsed._tag).toBe("NotBare");
    if (parsed._tag === "NotBare") expect(parsed.reason).toMatch(reason);
  });
});

describe("decide: what is never touched", () => {
  it.each([
    ["relative", from("slack"), "./util.js", /relative/],
    ["absolute", from("slack"), "/etc/x.js", /absolute/],
    ["node: URL", from("slack"), "node:path", /URL/],
    ["builtin", from("slack"), "path", /builtin/],
    ["undeclared", from("slack"), "lodash", /slack does not declare lodash/],
    ["declared by another plugin only", from("slack"), "@fixture/markdown", /does not declare/],
    ["outside any plugin dir", `${HOST}/dist/index.js`, "@fixture/slack-sdk", /not inside a recorded plugin/],
    ["a sibling dir sharing a name prefix", `${EXT}/slack-old/index.js`, "@fixture/slack-sdk", /not inside/],
    [
      "the plugin's own node_modules",
      from("slack", "node_modules/x/index.js"),
      "@fixture/slack-sdk",
      /own node_modules/,
    ],
  ])("%s", (_, file, specifier, reason) => {
    const d = decide(index, file, specifier);
    expect(d._tag).toBe("Untouched");
    if (d._tag === "Untouched") expect(d.reason).toMatch(reason);
  });

  it("the fast path: one prefix check rules out files outside every plugin dir", () => {
    expect(index.prefix).toBe(`${EXT}/`);
    expect(mayConcern(index, `${HOST}/dist/index.js`)).toBe(false);
    expect(mayConcern(index, "/srv/app/server.js")).toBe(false);
    expect(mayConcern(index, from("telegram"))).toBe(true);
    expect(indexRecords([]).prefix).toBeNull();
  });
});

describe("decide: candidates in order", () => {
  it("a shared dependency: the shared set, with the isolated set skipped and why", () => {
    const d = declared(decide(index, from("slack", "lib/deep/file.js"), "@fixture/slack-sdk"));
    expect(d.root.path).toBe(ROOT);
    expect(d.name).toBe("@fixture/slack-sdk");
    expect(d.subpath).toBe(".");
    expect(d.spec).toBe("^2.1.0");
    expect(d.candidates).toEqual([
      {
        via: "shared",
        set: "shared",
        packageDir: `${ROOT}/node_modules/@fixture/slack-sdk`,
        from: ROOT,
        version: "2.2.0",
      },
    ]);
    expect(d.skipped).toContainEqual({ what: "isolated set", reason: "slack has none" });
  });

  it("subpaths and scoped names: the package name decides, the subpath is kept", () => {
    const d = declared(decide(index, from("slack"), "@fixture/slack-sdk/web/client.js"));
    expect(d.name).toBe("@fixture/slack-sdk");
    expect(d.subpath).toBe("./web/client.js");
    expect(d.candidates[0]?.packageDir).toBe(`${ROOT}/node_modules/@fixture/slack-sdk`);
  });

  it("an isolated conflict: the isolated set only, never the shared set's other version", () => {
    const d = declared(decide(index, from("telegram"), "@fixture/markdown"));
    expect(d.candidates.map((c) => [c.via, c.packageDir, c.version])).toEqual([
      ["isolated", `${ROOT}/isolated/telegram/node_modules/@fixture/markdown`, "1.2.0"],
    ]);
    // ...while discord, the other side of the conflict, gets the shared set.
    const other = declared(decide(index, from("discord"), "@fixture/markdown"));
    expect(other.candidates.map((c) => [c.via, c.version])).toEqual([["shared", "2.1.0"]]);
    expect(other.skipped).toContainEqual({ what: "isolated set", reason: "discord has none" });
  });

  it("a plugin with an isolated set gets shared packages its isolated set does not list", () => {
    const d = declared(decide(index, from("telegram"), "@fixture/http-kit"));
    expect(d.candidates.map((c) => c.via)).toEqual(["shared"]);
    expect(d.skipped).toContainEqual({ what: "isolated set for telegram", reason: "does not list it" });
  });

  it("a read-only layer recorded for the package comes after the sets", () => {
    const d = declared(decide(index, from("discord"), "@fixture/tokenizer"));
    expect(d.candidates).toEqual([
      {
        via: "external",
        set: "shared",
        packageDir: `${LAYER_ROOT}/node_modules/@fixture/tokenizer`,
        from: LAYER_ROOT,
        version: null,
      },
    ]);
    expect(d.skipped).toContainEqual({ what: "shared set", reason: "does not list it" });
  });

  it("declared but in no set (satisfied by the host): no candidate, Node's own resolution decides", () => {
    const d = declared(decide(index, from("slack"), "@fixture/logger"));
    expect(d.candidates).toEqual([]);
    expect(d.skipped.map((s) => s.what)).toEqual([
      `root ${OLD_ROOT}`,
      "isolated set",
      "shared set",
      "read-only layers",
    ]);
  });

  it("isolated before shared before external when all three hold it", () => {
    const all: MaterializationRecord = {
      ...current,
      state: {
        ...current.state,
        sets: [
          { id: "shared", dir: ".", packages: pkgs({ x: "1.0.0" }) },
          { id: "plugin:p", dir: "isolated/p", packages: pkgs({ x: "1.0.0" }) },
        ],
        plugins: [{ id: "p", dir: `${EXT}/p`, dependencies: ["x"] }],
        external: [{ set: "shared", name: "x", dir: `${LAYER_ROOT}/node_modules/x` }],
      },
      specs: {},
    };
    const d = declared(decide(indexRecords([all]), from("p"), "x"));
    expect(d.candidates.map((c) => c.via)).toEqual(["isolated"]);
    // Without the isolated copy: shared, then the layer.
    const noIso = {
      ...all,
      state: { ...all.state, sets: all.state.sets.filter((s) => s.id === "shared") },
    };
    const e = declared(decide(indexRecords([noIso]), from("p"), "x"));
    expect(e.candidates.map((c) => c.via)).toEqual(["shared", "external"]);
    // A layer recorded for the isolated set beats the shared set.
    const isoLayer = {
      ...noIso,
      state: {
        ...noIso.state,
        sets: [...noIso.state.sets, { id: "plugin:p", dir: "isolated/p", packages: {} }],
        external: [{ set: "plugin:p", name: "x", dir: `${LAYER_ROOT}/isolated/p/node_modules/x` }],
      },
    };
    const f = declared(decide(indexRecords([isoLayer]), from("p"), "x"));
    expect(f.candidates.map((c) => [c.via, c.set, c.from])).toEqual([
      ["external", "plugin:p", `${LAYER_ROOT}/isolated/p`],
    ]);
  });

  it("a shared copy that does not satisfy the plugin's own spec is skipped (its copy is elsewhere)", () => {
    // telegram's isolated side of the conflict is satisfied by the host, so its isolated set is
    // empty: the shared 2.x must not stand in for its ^1.0.0.
    const hostSatisfied: MaterializationRecord = {
      ...current,
      state: {
        ...current.state,
        sets: current.state.sets.map((s) => (s.id === "plugin:telegram" ? { ...s, packages: {} } : s)),
      },
    };
    const d = declared(decide(indexRecords([hostSatisfied]), from("telegram"), "@fixture/markdown"));
    expect(d.candidates).toEqual([]);
    expect(d.skipped).toContainEqual({
      what: "shared set",
      reason: "holds @fixture/markdown 2.1.0, which does not satisfy telegram's ^1.0.0",
    });
    // An operator override of that package disables the check.
    const overridden = {
      ...hostSatisfied,
      state: { ...hostSatisfied.state, overrides: { "@fixture/markdown": "2.1.0" } },
    };
    expect(
      declared(decide(indexRecords([overridden]), from("telegram"), "@fixture/markdown")).candidates,
    ).toHaveLength(1);
  });

  it("a recorded set dir escaping the root is never used", () => {
    const evil = {
      ...current,
      state: {
        ...current.state,
        sets: [{ id: "shared", dir: "../../etc", packages: pkgs({ "@fixture/slack-sdk": "2.2.0" }) }],
      },
    };
    const d = declared(decide(indexRecords([evil]), from("slack"), "@fixture/slack-sdk"));
    expect(d.candidates).toEqual([]);
    expect(d.skipped).toContainEqual({
      what: "shared set",
      reason: "recorded set dir ../../etc is outside the root",
    });
  });
});

describe("decide: which root applies", () => {
  it("two versions list the plugin dir: the newest record wins, the older is reported skipped", () => {
    const d = declared(decide(index, from("slack"), "@fixture/slack-sdk"));
    expect(d.root.path).toBe(ROOT);
    expect(d.skipped[0]).toEqual({
      what: `root ${OLD_ROOT}`,
      reason: "also lists slack, but its record is older (updated 2026-04-21T00:00:00.000Z, host 2026.4.20)",
    });
  });

  it("the root whose host package root contains the file wins over a newer one that does not", () => {
    // A newer record from another install whose recorded package root is elsewhere (the plugin
    // dir path is the same, e.g. a bind mount): the record of this install applies.
    const elsewhere: MaterializationRecord = {
      ...current,
      root: `${STAGE}/openclaw-2026.6.0-aaaaaaaaaaaa`,
      state: {
        ...current.state,
        host: { ...current.state.host, version: "2026.6.0", packageRoot: "/opt/openclaw" },
        updatedAt: "2026-06-01T00:00:00.000Z",
      },
    };
    const d = declared(decide(indexRecords([elsewhere, older]), from("slack"), "@fixture/slack-sdk"));
    expect(d.root.path).toBe(OLD_ROOT);
    expect(d.skipped[0]?.reason).toMatch(/records host package root \/opt\/openclaw/);
  });

  it("an undeclared import in an older root's plugin is still untouched", () => {
    const d = decide(indexRecords([older]), from("slack"), "@fixture/logger");
    expect(d._tag).toBe("Untouched");
  });
});

describe("pickCandidate", () => {
  it("takes the first candidate whose directory exists and reports the missing ones", () => {
    const d = declared(decide(index, from("telegram"), "@fixture/markdown"));
    expect(pickCandidate(d, () => true).chosen?.via).toBe("isolated");
    const none = pickCandidate(d, () => false);
    expect(none.chosen).toBeNull();
    expect(none.missing).toEqual([
      {
        what: "isolated set",
        reason: `recorded as holding it, but ${ROOT}/isolated/telegram/node_modules/@fixture/markdown is missing (deleted after apply?)`,
      },
    ]);
  });

  it("an untouched decision has nothing to pick", () => {
    expect(pickCandidate(decide(index, from("slack"), "./x.js"), () => true)).toEqual({
      chosen: null,
      missing: [],
    });
  });
});
