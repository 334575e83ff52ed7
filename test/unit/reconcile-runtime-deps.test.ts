import * as path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { reconcileAll } from "../../reconcilers/index.js";
import type { PlanContext } from "../../reconcilers/reconciler.js";
import { runtimeDeps, type RuntimeDepsDesired } from "../../reconcilers/runtime-deps.js";
import {
  observeRuntimePackages,
  type PackageObservation,
  type ReuseCandidate,
  type RuntimeDepsObserved,
} from "../../src/observe/runtime-packages.js";
import type { HostAdapter } from "../../src/hosts/types.js";
import type { Action, Desired, InstallSet } from "../../src/model/plan.js";
import type { RootState } from "../../src/model/state.js";
import type { Installed } from "../../src/observe/installed-package.js";
import { realLockFacts } from "../../src/observe/lock-holder.js";
import { listOwnedRoots, readRoot } from "../../src/observe/versioned-roots.js";
import type { PlannedPlugin } from "../../src/desired/plugin-plan.js";
import { mkdirp, rootState, snapshot, writeOwnedRoot, writePackage } from "../support/trees.js";
import { tempDir } from "../support/temp.js";

// ---------------------------------------------------------------------------------------------
// Hand-built observations for the pure diff.

const STAGE = "/stage";
const ROOT = path.join(STAGE, "host-2.0.0-bbbbbbbbbbbb");
const PREV_A = path.join(STAGE, "host-1.9.0-aaaaaaaaaaaa");
const PREV_B = path.join(STAGE, "host-1.8.0-999999999999");
const ISO_P = path.join(ROOT, "isolated", "p");

const nm = (setDir: string, name: string): string => path.join(setDir, "node_modules", name);
const rel = (setDir: string, name: string): string => path.relative(ROOT, nm(setDir, name));

const set = (id: string, dir: string, pkgs: readonly [string, string, string[]?][]): InstallSet => ({
  id,
  kind: id === "shared" ? "shared" : "isolated",
  plugin: id === "shared" ? null : id.replace(/^plugin:/, ""),
  dir,
  packages: pkgs.map(([name, spec, wantedBy]) => ({ name, spec, wantedBy: wantedBy ?? ["slack"] })),
});

const desiredOf = (...sets: InstallSet[]): RuntimeDepsDesired => ({ targetRoot: ROOT, sets });

const presentAt = (dir: string, name: string, version: string): Installed => ({
  _tag: "Present",
  name,
  version,
  dir,
  dependencies: {},
  optionalDependencies: {},
});

/** One observed package; defaults: shared set, wanted by slack, nowhere at all. */
const obs = (
  name: string,
  spec: string,
  over: Partial<Omit<PackageObservation, "current">> & { current?: Installed | string | "broken" } = {},
): PackageObservation => {
  const setDir = over.setDir ?? ROOT;
  const dir = nm(setDir, name);
  const c = over.current;
  const current: Installed =
    c === undefined
      ? { _tag: "Missing", dir }
      : c === "broken"
        ? { _tag: "Broken", dir, reason: "entry file missing (index.js)" }
        : typeof c === "string"
          ? presentAt(dir, name, c)
          : c;
  return {
    set: "shared",
    setDir,
    name,
    spec,
    wantedBy: ["slack"],
    host: null,
    readOnly: null,
    reusable: [],
    notReusable: [],
    ...over,
    current,
  };
};

/** A reuse candidate in `root`: the package plus dependencies hoisted in the same set. */
const candidate = (
  root: string,
  setDir: string,
  name: string,
  version: string,
  deps: readonly [string, string][] = [],
): ReuseCandidate => ({
  root,
  version,
  closure: [
    { rel: rel(setDir, name), name, version },
    ...deps.map(([n, v]) => ({ rel: rel(setDir, n), name: n, version: v })),
  ],
});

const observed = (
  packages: PackageObservation[],
  state: RootState | null = null,
  inUse?: Record<string, string>,
): RuntimeDepsObserved =>
  inUse === undefined ? { packages, currentState: state } : { packages, currentState: state, inUse };

const stateWith = (sets: RootState["sets"]): RootState => rootState({ hostName: "host", sets });
const entry = (version: string) => ({ spec: version, version });

const types = (actions: readonly Action[]): string[] =>
  actions.map((a) => `${a.type} ${a.targets.join(",")}`);

describe("runtimeDeps.diff: one decision per branch", () => {
  const d = desiredOf(set("shared", ROOT, [["a", "^1.0.0"]]));

  it("satisfied by the host layer: no action (never written)", () => {
    const o = obs("a", "^1.0.0", { host: { version: "1.2.0", at: "/host/node_modules/a" } });
    expect(runtimeDeps.diff(d, observed([o]))).toEqual([]);
  });

  it("satisfied by a read-only layer: no action", () => {
    const o = obs("a", "^1.0.0", { readOnly: { layer: "/ro", version: "1.0.1", at: "/ro/node_modules/a" } });
    expect(runtimeDeps.diff(d, observed([o]))).toEqual([]);
  });

  it("present and satisfying in the current root: no action", () => {
    expect(runtimeDeps.diff(d, observed([obs("a", "^1.0.0", { current: "1.4.0" })]))).toEqual([]);
  });

  it("a satisfying layer wins even over a broken current copy (the copy is not touched)", () => {
    const o = obs("a", "^1.0.0", { current: "broken", host: { version: "1.0.0", at: "/h" } });
    expect(runtimeDeps.diff(d, observed([o]))).toEqual([]);
  });

  it("missing everywhere: install", () => {
    expect(runtimeDeps.diff(d, observed([obs("a", "^1.0.0")]))).toEqual([
      {
        type: "install",
        set: "shared",
        targets: [nm(ROOT, "a")],
        packages: [{ name: "a", spec: "^1.0.0", version: null }],
        from: null,
        reason: "wanted by slack; no layer has a satisfying version",
      },
    ]);
  });

  it("wrong version in the current root: install, and the reason says it does not satisfy", () => {
    const [a] = runtimeDeps.diff(d, observed([obs("a", "^1.0.0", { current: "0.9.0" })]));
    expect(a?.type).toBe("install");
    expect(a?.reason).toBe("wanted by slack; installed 0.9.0 does not satisfy ^1.0.0");
  });

  it("broken in the current root: install, and the reason carries the broken reason", () => {
    const [a] = runtimeDeps.diff(d, observed([obs("a", "^1.0.0", { current: "broken" })]));
    expect(a?.type).toBe("install");
    expect(a?.reason).toBe(
      "wanted by slack; the copy in the current root is unusable: entry file missing (index.js)",
    );
  });

  it("why previous roots were not reusable is in the install reason", () => {
    const o = obs("a", "^1.0.0", {
      notReusable: [`${PREV_A} has 0.5.0, which does not satisfy ^1.0.0`, `${PREV_B} lacks x (needed by a)`],
    });
    const [a] = runtimeDeps.diff(d, observed([o]));
    expect(a?.reason).toBe(
      `wanted by slack; no layer has a satisfying version; not reusable: ${PREV_A} has 0.5.0, which does not satisfy ^1.0.0; ${PREV_B} lacks x (needed by a)`,
    );
  });

  it("reusable in a previous root: reuse with its closure", () => {
    const o = obs("a", "^1.0.0", {
      wantedBy: ["slack", "discord"],
      reusable: [candidate(PREV_A, ROOT, "a", "1.3.0", [["x", "2.0.0"]])],
    });
    expect(runtimeDeps.diff(d, observed([o]))).toEqual([
      {
        type: "reuse",
        set: "shared",
        targets: [nm(ROOT, "a"), nm(ROOT, "x")],
        packages: [
          { name: "a", spec: "^1.0.0", version: "1.3.0" },
          { name: "x", spec: null, version: "2.0.0" },
        ],
        from: PREV_A,
        reason:
          "wanted by slack, discord; not in the target root; a@1.3.0 in host-1.9.0-aaaaaaaaaaaa satisfies ^1.0.0 (with 1 dependency it loads)",
      },
    ]);
  });

  it("reuse replaces a wrong version and says so", () => {
    const o = obs("a", "^1.0.0", { current: "0.1.0", reusable: [candidate(PREV_A, ROOT, "a", "1.0.0")] });
    const [a] = runtimeDeps.diff(d, observed([o]));
    expect(a?.type).toBe("reuse");
    expect(a?.reason).toBe(
      "wanted by slack; installed 0.1.0 does not satisfy ^1.0.0; a@1.0.0 in host-1.9.0-aaaaaaaaaaaa satisfies ^1.0.0",
    );
  });

  it("the newest reusable root is used first", () => {
    const o = obs("a", "^1.0.0", {
      reusable: [candidate(PREV_A, ROOT, "a", "1.1.0"), candidate(PREV_B, ROOT, "a", "1.0.0")],
    });
    expect(runtimeDeps.diff(d, observed([o]))[0]?.from).toBe(PREV_A);
  });

  it("a closure that would put another version where one is already claimed falls back to the next candidate", () => {
    const dd = desiredOf(
      set("shared", ROOT, [
        ["a", "^1.0.0"],
        ["b", "^1.0.0"],
      ]),
    );
    const a = obs("a", "^1.0.0", { reusable: [candidate(PREV_A, ROOT, "a", "1.0.0", [["x", "1.0.0"]])] });
    const b = obs("b", "^1.0.0", {
      reusable: [
        candidate(PREV_B, ROOT, "b", "1.5.0", [["x", "2.0.0"]]), // x@2 where a's x@1 goes
        candidate(PREV_A, ROOT, "b", "1.0.0", [["x", "1.0.0"]]),
      ],
    });
    const actions = runtimeDeps.diff(dd, observed([a, b]));
    expect(actions.map((x) => [x.type, x.from, x.packages.map((p) => `${p.name}@${p.version}`)])).toEqual([
      ["reuse", PREV_A, ["a@1.0.0", "x@1.0.0"]],
      ["reuse", PREV_A, ["b@1.0.0"]], // x is already brought by a's reuse: copied once
    ]);
  });

  it("a collision with every candidate: install, and the reason names the collision", () => {
    const dd = desiredOf(
      set("shared", ROOT, [
        ["a", "^1.0.0"],
        ["b", "^1.0.0"],
      ]),
    );
    const a = obs("a", "^1.0.0", { current: "1.0.0" });
    const b = obs("b", "^1.0.0", { reusable: [candidate(PREV_B, ROOT, "b", "1.5.0", [["a", "2.0.0"]])] });
    const actions = runtimeDeps.diff(dd, observed([a, b]));
    expect(types(actions)).toEqual([`install ${nm(ROOT, "b")}`]);
    expect(actions[0]?.reason).toBe(
      "wanted by slack; no layer has a satisfying version; not reusable: host-1.8.0-999999999999 would put a@2.0.0 at node_modules/a, where a@1.0.0 is kept",
    );
  });

  it("a closure must not overwrite what a kept package of the current root loads", () => {
    const o = obs("a", "^1.0.0", {
      reusable: [
        candidate(PREV_A, ROOT, "a", "1.0.0", [["x", "1.0.0"]]),
        candidate(PREV_B, ROOT, "a", "1.0.0", [["x", "3.0.0"]]),
      ],
    });
    const actions = runtimeDeps.diff(
      d,
      observed([o], null, { "node_modules/k": "1.0.0", "node_modules/x": "3.0.0" }),
    );
    expect(actions.map((x) => [x.type, x.from, x.packages.map((p) => p.name)])).toEqual([
      ["reuse", PREV_B, ["a"]],
    ]);
  });

  it("two packages sharing a dependency: the dependency is reused once", () => {
    const dd = desiredOf(
      set("shared", ROOT, [
        ["a", "1.0.0"],
        ["b", "1.0.0"],
      ]),
    );
    const shared: [string, string][] = [
      ["x", "1.0.0"],
      ["y", "1.0.0"],
    ];
    const actions = runtimeDeps.diff(
      dd,
      observed([
        obs("a", "1.0.0", { reusable: [candidate(PREV_A, ROOT, "a", "1.0.0", shared)] }),
        obs("b", "1.0.0", { reusable: [candidate(PREV_A, ROOT, "b", "1.0.0", shared)] }),
      ]),
    );
    expect(actions.map((a) => a.packages.map((p) => p.name))).toEqual([["a", "x", "y"], ["b"]]);
    expect(actions[1]?.reason).not.toMatch(/dependenc/);
  });

  it("a package another reuse already brings at the same version needs no action of its own", () => {
    const dd = desiredOf(
      set("shared", ROOT, [
        ["a", "1.0.0"],
        ["x", "^1.0.0"],
      ]),
    );
    const actions = runtimeDeps.diff(
      dd,
      observed([
        obs("a", "1.0.0", { reusable: [candidate(PREV_A, ROOT, "a", "1.0.0", [["x", "1.2.0"]])] }),
        obs("x", "^1.0.0", { reusable: [candidate(PREV_A, ROOT, "x", "1.2.0")] }),
      ]),
    );
    expect(types(actions)).toEqual([`reuse ${nm(ROOT, "a")},${nm(ROOT, "x")}`]);
  });

  it("a plugin-isolated package targets its own set directory", () => {
    const dd = desiredOf(set("shared", ROOT, []), set("plugin:p", ISO_P, [["a", "^2.0.0", ["p"]]]));
    const o = obs("a", "^2.0.0", { set: "plugin:p", setDir: ISO_P, wantedBy: ["p"] });
    expect(runtimeDeps.diff(dd, observed([o]))).toEqual([
      {
        type: "install",
        set: "plugin:p",
        targets: [nm(ISO_P, "a")],
        packages: [{ name: "a", spec: "^2.0.0", version: null }],
        from: null,
        reason: "wanted by p; no layer has a satisfying version",
      },
    ]);
  });

  it("order: every reuse, then every install, then every prune", () => {
    const dd = desiredOf(
      set("shared", ROOT, [
        ["a", "1.0.0"],
        ["b", "1.0.0"],
        ["c", "1.0.0"],
      ]),
    );
    const actions = runtimeDeps.diff(
      dd,
      observed(
        [
          obs("a", "1.0.0"),
          obs("b", "1.0.0", { reusable: [candidate(PREV_A, ROOT, "b", "1.0.0")] }),
          obs("c", "1.0.0"),
        ],
        stateWith([{ id: "shared", dir: "", packages: { old: entry("1.0.0") } }]),
      ),
    );
    expect(actions.map((a) => `${a.type} ${path.basename(a.targets[0] ?? "")}`)).toEqual([
      "reuse b",
      "install a",
      "install c",
      "prune-package old",
    ]);
  });
});

describe("runtimeDeps.diff: pruning against the whole plan", () => {
  it("a package in the state record that no set wants any more: prune", () => {
    const d = desiredOf(set("shared", ROOT, [["a", "1.0.0"]]));
    const state = stateWith([
      { id: "shared", dir: "", packages: { a: entry("1.0.0"), gone: entry("3.1.0") } },
    ]);
    expect(runtimeDeps.diff(d, observed([obs("a", "1.0.0", { current: "1.0.0" })], state))).toEqual([
      {
        type: "prune-package",
        set: "shared",
        targets: [nm(ROOT, "gone")],
        packages: [{ name: "gone", spec: null, version: "3.1.0" }],
        from: null,
        reason: "installed by plugdeps for an earlier plan; no active plugin wants it now",
      },
    ]);
  });

  it("a whole isolated set no longer desired: one prune of the set directory", () => {
    const d = desiredOf(set("shared", ROOT, []));
    const state = stateWith([
      { id: "shared", dir: "", packages: {} },
      { id: "plugin:p", dir: "isolated/p", packages: { b: entry("2.0.0"), a: entry("1.0.0") } },
    ]);
    expect(runtimeDeps.diff(d, observed([], state))).toEqual([
      {
        type: "prune-package",
        set: "plugin:p",
        targets: [ISO_P],
        packages: [
          { name: "a", spec: null, version: "1.0.0" },
          { name: "b", spec: null, version: "2.0.0" },
        ],
        from: null,
        reason: "install set plugin:p is no longer needed (its conflict is gone or its plugin is inactive)",
      },
    ]);
  });

  it("a package still wanted by any plugin is never pruned (openclaw #75109), only the leftovers", () => {
    // slack and discord both wanted x; discord is now inactive. slack still wants x: x stays.
    // discord alone wanted y and z: those go. The plan as a whole decides, not one plugin.
    const d = desiredOf(set("shared", ROOT, [["x", "^1.0.0", ["slack"]]]));
    const state = stateWith([
      { id: "shared", dir: "", packages: { x: entry("1.0.0"), y: entry("1.0.0"), z: entry("1.0.0") } },
    ]);
    const actions = runtimeDeps.diff(d, observed([obs("x", "^1.0.0", { current: "1.0.0" })], state));
    expect(types(actions)).toEqual([`prune-package ${nm(ROOT, "y")}`, `prune-package ${nm(ROOT, "z")}`]);
  });

  it("a package wanted in the shared set survives the prune of an isolated set holding it too", () => {
    const d = desiredOf(set("shared", ROOT, [["x", "^1.0.0", ["slack", "p"]]]));
    const state = stateWith([
      { id: "shared", dir: "", packages: { x: entry("1.0.0") } },
      { id: "plugin:p", dir: "isolated/p", packages: { x: entry("2.0.0") } },
    ]);
    const actions = runtimeDeps.diff(d, observed([obs("x", "^1.0.0", { current: "1.0.0" })], state));
    expect(types(actions)).toEqual([`prune-package ${ISO_P}`]);
  });

  it("a package the state records but a kept package still loads is not pruned", () => {
    const d = desiredOf(set("shared", ROOT, [["a", "1.0.0"]]));
    const state = stateWith([{ id: "shared", dir: "", packages: { a: entry("1.0.0"), x: entry("1.0.0") } }]);
    const o = observed([obs("a", "1.0.0", { current: "1.0.0" })], state, {
      "node_modules/a": "1.0.0",
      "node_modules/x": "1.0.0",
    });
    expect(runtimeDeps.diff(d, o)).toEqual([]);
  });

  it("a package a reuse in the same plan brings is not pruned", () => {
    const d = desiredOf(set("shared", ROOT, [["a", "1.0.0"]]));
    const state = stateWith([{ id: "shared", dir: "", packages: { x: entry("1.0.0") } }]);
    const o = observed(
      [obs("a", "1.0.0", { reusable: [candidate(PREV_A, ROOT, "a", "1.0.0", [["x", "1.0.0"]])] })],
      state,
    );
    expect(types(runtimeDeps.diff(d, o))).toEqual([`reuse ${nm(ROOT, "a")},${nm(ROOT, "x")}`]);
  });

  it("a state record that leads out of the root never yields a target outside it, nor the root itself", () => {
    const d = desiredOf(set("shared", ROOT, []));
    const state = stateWith([
      {
        id: "shared",
        dir: "",
        packages: { "../../../etc": entry("1.0.0"), "@x/../../y": entry("1.0.0"), ok: entry("1.0.0") },
      },
      { id: "plugin:evil", dir: "../../home", packages: { a: entry("1.0.0") } },
      { id: "plugin:abs", dir: "/etc", packages: { a: entry("1.0.0") } },
      { id: "plugin:root", dir: "", packages: { r: entry("1.0.0") } },
      { id: "plugin:dot", dir: "isolated/..", packages: { s: entry("1.0.0") } },
    ]);
    const actions = runtimeDeps.diff(d, observed([], state));
    expect(types(actions)).toEqual([
      `prune-package ${nm(ROOT, "ok")}`,
      `prune-package ${nm(ROOT, "r")}`,
      `prune-package ${nm(ROOT, "s")}`,
    ]);
    for (const a of actions) for (const t of a.targets) expect(t.startsWith(ROOT + path.sep)).toBe(true);
  });

  it("no owned current root: nothing to prune", () => {
    expect(runtimeDeps.diff(desiredOf(set("shared", ROOT, [])), observed([], null))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// observe() against a real tree.

describe("observeRuntimePackages (runtime-deps' part of the observe step) on a real tree", () => {
  const tmp = tempDir("reconcile-runtime");

  const packageRoot = mkdirp(tmp, "host");
  const ext = mkdirp(packageRoot, "dist", "extensions");
  const slack = mkdirp(ext, "slack");
  const discord = mkdirp(ext, "discord");
  const matrix = mkdirp(ext, "matrix");
  const stage = mkdirp(tmp, "stage");
  const layer = mkdirp(tmp, "ro-layer");
  const targetRoot = path.join(stage, "host-2.0.0-bbbbbbbbbbbb");
  const prevRoot = path.join(stage, "host-1.0.0-aaaaaaaaaaaa");
  const isoDiscord = path.join(targetRoot, "isolated", "discord");

  // Host layer: the host's own node_modules, and a plugin's own nested copy.
  writePackage(path.join(packageRoot, "node_modules"), { name: "hostdep", version: "1.4.0" });
  writePackage(path.join(discord, "node_modules"), { name: "nested", version: "1.0.0" });
  // Legacy debris: slack/node_modules generated by older staging (excluded from satisfying).
  const debrisDir = path.join(slack, "node_modules");
  writePackage(debrisDir, { name: "leg", version: "1.0.0" });
  // Read-only layer with a node_modules of its own.
  writePackage(path.join(layer, "node_modules"), { name: "rolayer", version: "3.0.0" });
  // Previous root: `reused` with its dependency; an isolated `conf` whose dependency lives only
  // in the previous root's shared node_modules.
  writeOwnedRoot(stage, path.basename(prevRoot), { hostName: "host", hostVersion: "1.0.0" });
  writePackage(path.join(prevRoot, "node_modules"), {
    name: "reused",
    version: "2.1.0",
    dependencies: { dep: "^1.0.0" },
  });
  writePackage(path.join(prevRoot, "node_modules"), { name: "dep", version: "1.0.0" });
  writePackage(path.join(prevRoot, "node_modules"), { name: "cdep", version: "1.0.0" });
  writePackage(path.join(prevRoot, "isolated", "discord", "node_modules"), {
    name: "conf",
    version: "2.0.0",
    dependencies: { cdep: "^1.0.0" },
  });
  writePackage(path.join(prevRoot, "node_modules"), { name: "wrongver", version: "0.1.0" });
  // Current root: `kept` satisfies and loads `kdep`; `old` is no longer wanted; `kdep` was
  // once wanted directly (in the record) but `kept` still needs it.
  writeOwnedRoot(stage, path.basename(targetRoot), {
    hostName: "host",
    hostVersion: "2.0.0",
    updatedAt: "2026-05-01T00:00:00.000Z",
    sets: [
      {
        id: "shared",
        dir: "",
        packages: { kept: entry("1.0.0"), old: entry("1.0.0"), kdep: entry("1.0.0") },
      },
      { id: "plugin:gone", dir: "isolated/gone", packages: { g: entry("1.0.0") } },
    ],
  });
  writePackage(path.join(targetRoot, "node_modules"), {
    name: "kept",
    version: "1.0.0",
    dependencies: { kdep: "1" },
  });
  writePackage(path.join(targetRoot, "node_modules"), { name: "kdep", version: "1.0.0" });
  writePackage(path.join(targetRoot, "node_modules"), { name: "old", version: "1.0.0" });
  writePackage(path.join(targetRoot, "isolated", "gone", "node_modules"), { name: "g", version: "1.0.0" });

  const plugin = (id: string, dir: string, dependencies: Record<string, string>): PlannedPlugin => ({
    _tag: "Valid",
    facts: {
      id,
      dir,
      dependencies,
      staged: true,
      channels: [],
      providers: [],
      enabledByDefault: false,
      legacyIds: [],
    },
    decision: { active: true, reason: `channels.${id}.enabled=true` },
  });

  const sets: InstallSet[] = [
    {
      id: "shared",
      kind: "shared",
      plugin: null,
      dir: targetRoot,
      packages: [
        { name: "hostdep", spec: "^1.0.0", wantedBy: ["discord", "slack"] },
        { name: "kept", spec: "^1.0.0", wantedBy: ["slack"] },
        { name: "leg", spec: "^1.0.0", wantedBy: ["slack"] },
        { name: "nested", spec: "^1.0.0", wantedBy: ["discord", "matrix"] },
        { name: "reused", spec: "^2.0.0", wantedBy: ["matrix"] },
        { name: "rolayer", spec: "^3.0.0", wantedBy: ["slack"] },
        { name: "wrongver", spec: "^1.0.0", wantedBy: ["slack"] },
      ],
    },
    {
      id: "plugin:discord",
      kind: "isolated",
      plugin: "discord",
      dir: isoDiscord,
      packages: [{ name: "conf", spec: "^2.0.0", wantedBy: ["discord"] }],
    },
  ];
  const desired: Desired = {
    stageBase: stage,
    targetRoot,
    layoutVersion: 1,
    fingerprint: "sha256:test",
    sets,
    conflicts: [],
    rejected: [],
    overrides: {},
  };
  const facts = realLockFacts();
  const current = readRoot(targetRoot, "host", facts);
  const ctx: PlanContext = {
    adapter: { name: "fake", slug: "host", stageVariables: "X" } as unknown as HostAdapter,
    identity: { name: "host", version: "2.0.0", packageRoot, key: "bbbbbbbbbbbb" },
    hostRoot: null,
    hostRootSource: null,
    planned: [plugin("discord", discord, {}), plugin("matrix", matrix, {}), plugin("slack", slack, {})],
    desired,
    stage: {
      target: { path: stage, source: "test", role: "target", writable: true, detail: "test" },
      layers: [{ path: layer, source: "test", role: "layer", writable: false, detail: "test" }],
      all: [],
    },
    current,
    previous: listOwnedRoots(stage, "host", "host", targetRoot, facts).roots,
    readOnlyRoots: [{ layer, root: layer }],
    debris: [{ path: debrisDir, rule: "node_modules beside a marker", writable: true, fix: "rm" }],
    excludedDirs: new Set([debrisDir]),
    retention: 1,
    lockFacts: facts,
  };

  const before = snapshot(tmp);
  const o = observeRuntimePackages(ctx);
  const by = (name: string): PackageObservation => {
    const p = o.packages.find((x) => x.name === name);
    if (p === undefined) throw new Error(`no observation for ${name}`);
    return p;
  };

  it("the fixture is what the test thinks it is", () => {
    expect(current._tag).toBe("Owned");
    expect(ctx.previous.map((r) => r.path)).toEqual([prevRoot]);
  });

  it("observe writes nothing", () => {
    observeRuntimePackages(ctx);
    expect(snapshot(tmp)).toEqual(before);
  });

  it("host satisfaction: Node finds it from every wanting plugin", () => {
    expect(by("hostdep").host).toEqual({
      version: "1.4.0",
      at: path.join(packageRoot, "node_modules", "hostdep"),
    });
  });

  it("host satisfaction needs every wanting plugin: discord has it, matrix does not", () => {
    expect(by("nested").host).toBeNull();
    expect(by("nested").current._tag).toBe("Missing");
  });

  it("excluded debris directories never count as satisfying", () => {
    expect(by("leg").host).toBeNull();
  });

  it("a read-only layer satisfies in place", () => {
    expect(by("rolayer").readOnly).toEqual({
      layer,
      version: "3.0.0",
      at: path.join(layer, "node_modules", "rolayer"),
    });
  });

  it("a previous root with a complete closure is a reuse candidate", () => {
    expect(by("reused").reusable).toEqual([
      {
        root: prevRoot,
        version: "2.1.0",
        closure: [
          { rel: "node_modules/dep", name: "dep", version: "1.0.0" },
          { rel: "node_modules/reused", name: "reused", version: "2.1.0" },
        ],
      },
    ]);
  });

  it("a previous root whose copy does not satisfy is explained", () => {
    expect(by("wrongver").reusable).toEqual([]);
    expect(by("wrongver").notReusable).toEqual([`${prevRoot} has 0.1.0, which does not satisfy ^1.0.0`]);
  });

  it("an isolated package whose closure leans on the previous root's shared set is not reusable", () => {
    expect(by("conf").reusable).toEqual([]);
    expect(by("conf").notReusable).toEqual([`${prevRoot} lacks cdep (needed by conf)`]);
  });

  it("the current root: satisfying packages and what they load", () => {
    expect(by("kept").current).toMatchObject({ _tag: "Present", version: "1.0.0" });
    expect(by("kept").reusable).toEqual([]);
    expect(o.inUse).toEqual({ "node_modules/kdep": "1.0.0", "node_modules/kept": "1.0.0" });
    expect(o.currentState?.sets.map((s) => s.id)).toEqual(["shared", "plugin:gone"]);
  });

  it("diff of the real observation", () => {
    const actions = runtimeDeps.diff(runtimeDeps.desired(ctx), o);
    expect(actions.map((a) => `${a.type} ${path.relative(tmp, a.targets[0] ?? "")}`)).toEqual([
      "reuse stage/host-2.0.0-bbbbbbbbbbbb/node_modules/reused",
      "install stage/host-2.0.0-bbbbbbbbbbbb/node_modules/leg",
      "install stage/host-2.0.0-bbbbbbbbbbbb/node_modules/nested",
      "install stage/host-2.0.0-bbbbbbbbbbbb/node_modules/wrongver",
      "install stage/host-2.0.0-bbbbbbbbbbbb/isolated/discord/node_modules/conf",
      "prune-package stage/host-2.0.0-bbbbbbbbbbbb/node_modules/old",
      "prune-package stage/host-2.0.0-bbbbbbbbbbbb/isolated/gone",
    ]);
    const reuse = actions[0];
    // The desired package first, then what it loads.
    expect(reuse?.packages).toEqual([
      { name: "reused", spec: "^2.0.0", version: "2.1.0" },
      { name: "dep", spec: null, version: "1.0.0" },
    ]);
  });

  it("reconcileAll merges runtime, stale-roots and debris actions in execution order", () => {
    const actions = reconcileAll({ ...ctx, runtime: observeRuntimePackages(ctx) });
    expect(actions.map((a) => a.type)).toEqual([
      "reuse",
      "install",
      "install",
      "install",
      "install",
      "prune-package",
      "prune-package",
      "clean-legacy",
    ]);
  });

  it("no owned current root: every package is Missing there and nothing is pruned", () => {
    const o2 = observeRuntimePackages({ ...ctx, current: { _tag: "Absent" } });
    expect(o2.currentState).toBeNull();
    expect(o2.inUse).toEqual({});
    expect(o2.packages.find((p) => p.name === "kept")?.current).toEqual({
      _tag: "Missing",
      dir: path.join(targetRoot, "node_modules", "kept"),
    });
    const actions = runtimeDeps.diff(runtimeDeps.desired(ctx), o2);
    expect(actions.filter((a) => a.type === "prune-package")).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Model-based property test: random desired sets and observations, an in-memory executor.

/** Packages the plugins ask for, and the dependencies they load (hoisted in the same set). */
const POOL = ["a", "b", "c", "@s/d"] as const;
const DEPS: Readonly<Record<string, readonly string[]>> = { a: ["x"], b: ["x", "y"], c: [], "@s/d": ["y"] };
const ALL_NAMES = [...POOL, "x", "y"];
const VERSIONS = ["1.0.0", "2.0.0"] as const;
const BROKEN = "broken";
const SET_DIRS: Readonly<Record<string, string>> = {
  shared: ROOT,
  "plugin:p": ISO_P,
  "plugin:q": path.join(ROOT, "isolated", "q"),
};
const stateDir = (setId: string): string => path.relative(ROOT, SET_DIRS[setId] ?? ROOT);

/** root-relative path -> version or BROKEN */
type World = Map<string, string>;

interface Wanted {
  readonly set: string;
  readonly name: string;
  readonly spec: string;
  readonly host: boolean;
  readonly readOnly: boolean;
}

interface Scenario {
  readonly wanted: readonly Wanted[];
  readonly sets: readonly string[];
  readonly owned: boolean;
  readonly current: World;
  readonly prev: readonly World[];
  readonly state: RootState | null;
}

const PREV_ROOTS = [PREV_A, PREV_B];

/** Every (set, name) slot is filled two times in three, so matches and collisions are common. */
const SLOTS = Object.keys(SET_DIRS).flatMap((s) => ALL_NAMES.map((n) => rel(SET_DIRS[s] ?? ROOT, n)));
const worldArb = (): fc.Arbitrary<World> =>
  fc
    .array(fc.option(fc.constantFrom<string>(...VERSIONS, ...VERSIONS, BROKEN), { freq: 3 }), {
      minLength: SLOTS.length,
      maxLength: SLOTS.length,
    })
    .map((values) => {
      const world: World = new Map();
      values.forEach((v, i) => {
        const slot = SLOTS[i];
        if (v !== null && slot !== undefined) world.set(slot, v);
      });
      return world;
    });

/**
 * A previous root: random, but most wanted packages sit there at their wanted version with their
 * dependencies (at random versions), so reuse, fallback and closure collisions are common.
 */
const prevWorldArb = (wanted: readonly Wanted[]): fc.Arbitrary<World> =>
  fc
    .tuple(
      worldArb(),
      fc.array(fc.constantFrom(true, true, true, false), {
        minLength: wanted.length,
        maxLength: wanted.length,
      }),
      fc.array(fc.constantFrom(...VERSIONS), { minLength: SLOTS.length, maxLength: SLOTS.length }),
    )
    .map(([random, keep, depVersions]) => {
      const world: World = new Map(random);
      wanted.forEach((w, i) => {
        if (keep[i] !== true) return;
        const setDir = SET_DIRS[w.set] ?? ROOT;
        world.set(rel(setDir, w.name), w.spec);
        for (const dep of DEPS[w.name] ?? []) {
          const r = rel(setDir, dep);
          const v = world.get(r);
          if (v === undefined || v === BROKEN) world.set(r, depVersions[SLOTS.indexOf(r)] ?? "1.0.0");
        }
      });
      return world;
    });

const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    isolated: fc.boolean(),
    wanted: fc.array(
      fc.record({
        isolated: fc.boolean(),
        name: fc.constantFrom(...POOL),
        spec: fc.constantFrom(...VERSIONS),
        // Mostly unsatisfied by the layers, so the interesting branches run.
        host: fc.constantFrom(false, false, false, true),
        readOnly: fc.constantFrom(false, false, false, true),
      }),
      { maxLength: 6 },
    ),
    owned: fc.boolean(),
    current: worldArb(),
    stateSets: fc.array(
      fc.tuple(
        fc.constantFrom(...Object.keys(SET_DIRS)),
        fc.uniqueArray(fc.tuple(fc.constantFrom(...ALL_NAMES), fc.constantFrom(...VERSIONS)), {
          selector: ([n]) => n,
          maxLength: 4,
        }),
      ),
      { maxLength: 3 },
    ),
  })
  .map(({ isolated, wanted, owned, current, stateSets }): Omit<Scenario, "prev"> => {
    const sets = isolated ? ["shared", "plugin:p"] : ["shared"];
    const seen = new Set<string>();
    const w: Wanted[] = [];
    for (const x of wanted) {
      const s = x.isolated && isolated ? "plugin:p" : "shared";
      if (seen.has(`${s} ${x.name}`)) continue;
      seen.add(`${s} ${x.name}`);
      w.push({ set: s, name: x.name, spec: x.spec, host: x.host, readOnly: x.readOnly });
    }
    const bySet = new Map<string, Record<string, { spec: string; version: string }>>();
    for (const [s, pkgs] of stateSets) {
      const rec = bySet.get(s) ?? {};
      for (const [n, v] of pkgs) rec[n] = { spec: v, version: v };
      bySet.set(s, rec);
    }
    const state = owned
      ? stateWith([...bySet].map(([id, packages]) => ({ id, dir: stateDir(id), packages })))
      : null;
    return { wanted: w, sets, owned, current: owned ? current : new Map(), state };
  })
  .chain((base) =>
    fc.array(prevWorldArb(base.wanted), { maxLength: 2 }).map((prev): Scenario => ({ ...base, prev })),
  );

const desiredFor = (sc: Scenario): RuntimeDepsDesired =>
  desiredOf(
    ...sc.sets.map((id) =>
      set(
        id,
        SET_DIRS[id] ?? ROOT,
        sc.wanted
          .filter((w) => w.set === id)
          .map((w) => [w.name, w.spec, ["p1"]] as [string, string, string[]]),
      ),
    ),
  );

/** What runtimeDeps.observe would report for this world (its documented contract). */
const observeModel = (
  sc: Scenario,
  current: World,
  state: RootState | null,
  owned: boolean,
): RuntimeDepsObserved => {
  const inUse: Record<string, string> = {};
  const packages = sc.wanted.map((w): PackageObservation => {
    const setDir = SET_DIRS[w.set] ?? ROOT;
    const r = rel(setDir, w.name);
    const v = owned ? current.get(r) : undefined;
    const cur: Installed | string | undefined = v === BROKEN ? "broken" : v;
    const satisfied = v === w.spec;
    if (satisfied) {
      const deps = (DEPS[w.name] ?? []).map((n) => [rel(setDir, n), current.get(rel(setDir, n))] as const);
      if (deps.every(([, dv]) => dv !== undefined && dv !== BROKEN)) {
        inUse[r] = w.spec;
        for (const [dr, dv] of deps) inUse[dr] = dv ?? "";
      }
    }
    const reusable: ReuseCandidate[] = [];
    const notReusable: string[] = [];
    if (!w.host && !w.readOnly && !satisfied) {
      sc.prev.forEach((world, i) => {
        const root = PREV_ROOTS[i] ?? PREV_A;
        const pv = world.get(r);
        if (pv === undefined) return;
        if (pv !== w.spec) {
          notReusable.push(`${root} has ${pv}`);
          return;
        }
        const deps = (DEPS[w.name] ?? []).map((n) => [n, world.get(rel(setDir, n))] as const);
        if (deps.some(([, dv]) => dv === undefined || dv === BROKEN)) {
          notReusable.push(`${root} lacks a dependency`);
          return;
        }
        reusable.push(
          candidate(
            root,
            setDir,
            w.name,
            pv,
            deps.map(([n, dv]) => [n, dv ?? ""]),
          ),
        );
      });
    }
    return obs(w.name, w.spec, {
      set: w.set,
      setDir,
      wantedBy: ["p1"],
      host: w.host ? { version: w.spec, at: "/host" } : null,
      readOnly: w.readOnly ? { layer: "/ro", version: w.spec, at: "/ro" } : null,
      ...(cur === undefined ? {} : { current: cur }),
      reusable,
      notReusable,
    });
  });
  return { packages, currentState: owned ? state : null, inUse };
};

/** An in-memory executor: reuse copies the closure, install puts the wanted version, prune removes. */
const applyModel = (
  sc: Scenario,
  actions: readonly Action[],
): { world: World; state: RootState | null; owned: boolean; installed: Set<string> } => {
  const world: World = new Map(sc.current);
  const installed = new Set<string>();
  const sets = new Map((sc.state?.sets ?? []).map((s) => [s.id, { ...s, packages: { ...s.packages } }]));
  const record = (setId: string, name: string, spec: string, version: string): void => {
    const s = sets.get(setId) ?? { id: setId, dir: stateDir(setId), packages: {} };
    s.packages[name] = { spec, version };
    sets.set(setId, s);
  };
  for (const a of actions) {
    const setId = a.set ?? "shared";
    const setDir = SET_DIRS[setId] ?? ROOT;
    if (a.type === "reuse") {
      const source = sc.prev[PREV_ROOTS.indexOf(a.from ?? "")];
      expect(source, `reuse from an unknown root ${a.from ?? "null"}`).toBeDefined();
      for (const p of a.packages) {
        // What is copied is exactly what the source root holds.
        expect(source?.get(rel(setDir, p.name))).toBe(p.version);
        world.set(rel(setDir, p.name), p.version ?? "");
        if (p.spec !== null) record(setId, p.name, p.spec, p.version ?? "");
      }
    } else if (a.type === "install") {
      for (const p of a.packages) {
        world.set(rel(setDir, p.name), p.spec ?? "");
        installed.add(rel(setDir, p.name));
        record(setId, p.name, p.spec ?? "", p.spec ?? "");
      }
    } else if (a.type === "prune-package") {
      const target = path.relative(ROOT, a.targets[0] ?? "");
      expect(target === "" || target.startsWith("..")).toBe(false);
      for (const k of [...world.keys()]) if (k === target || k.startsWith(target + path.sep)) world.delete(k);
      if (a.targets[0] === setDir) sets.delete(setId);
      else for (const p of a.packages) delete sets.get(setId)?.packages[p.name];
    }
  }
  const owned = sc.owned || actions.some((a) => a.type === "reuse" || a.type === "install");
  const state = owned ? stateWith([...sets.values()]) : null;
  return { world, state, owned, installed };
};

describe("runtimeDeps.diff: model-based (fast-check)", () => {
  it("minimal, complete, idempotent, and never prunes what is wanted or loaded", () => {
    fc.assert(
      fc.property(scenarioArb, (sc) => {
        const desired = desiredFor(sc);
        const before = observeModel(sc, sc.current, sc.state, sc.owned);
        const actions = runtimeDeps.diff(desired, before);

        // Deterministic (level-triggered): the same input gives the same actions.
        expect(runtimeDeps.diff(desired, before)).toEqual(actions);
        for (const a of actions) expect(a.reason.length).toBeGreaterThan(0);

        // (a) minimality: nothing satisfied by host, read-only layer or current root is touched.
        for (const p of before.packages) {
          const satisfied =
            p.host !== null ||
            p.readOnly !== null ||
            (p.current._tag === "Present" && p.current.version === p.spec);
          const acted = actions.some(
            (a) => (a.type === "reuse" || a.type === "install") && a.targets.includes(p.current.dir),
          );
          if (satisfied) expect(acted, `${p.set} ${p.name} is satisfied`).toBe(false);
          else expect(acted, `${p.set} ${p.name} is not satisfied`).toBe(true);
        }

        // (c) nothing desired in a set is pruned from it; a whole set only when no longer desired.
        for (const a of actions.filter((x) => x.type === "prune-package")) {
          const setId = a.set ?? "shared";
          if (a.targets[0] === SET_DIRS[setId]) expect(sc.sets.includes(setId)).toBe(false);
          for (const p of a.packages) {
            expect(
              sc.wanted.some((w) => w.set === setId && w.name === p.name),
              `${setId} ${p.name} pruned`,
            ).toBe(false);
          }
        }

        const after = applyModel(sc, actions);

        // (b) completeness: every desired package is satisfied somewhere...
        for (const w of sc.wanted) {
          const r = rel(SET_DIRS[w.set] ?? ROOT, w.name);
          expect(w.host || w.readOnly || after.world.get(r) === w.spec, `${w.set} ${w.name}`).toBe(true);
        }
        // (d) ...and what a kept or reused package loads is still there, at the same version.
        for (const w of sc.wanted) {
          const setDir = SET_DIRS[w.set] ?? ROOT;
          const r = rel(setDir, w.name);
          if (after.installed.has(r) || after.world.get(r) !== w.spec) continue;
          const wasKept = before.inUse?.[r] === w.spec;
          const reused = actions.find((a) => a.type === "reuse" && a.targets[0] === nm(setDir, w.name));
          if (!wasKept && reused === undefined) continue;
          for (const dep of DEPS[w.name] ?? []) {
            const dr = rel(setDir, dep);
            const was = wasKept
              ? before.inUse?.[dr]
              : sc.prev[PREV_ROOTS.indexOf(reused?.from ?? "")]?.get(dr);
            expect(after.world.get(dr), `${w.name} loads ${dep}`).toBe(was);
          }
        }

        // ...and diff again on the converged world plans nothing (idempotence).
        const again = observeModel(sc, after.world, after.state, after.owned);
        expect(runtimeDeps.diff(desired, again)).toEqual([]);
      }),
      { numRuns: 1000 },
    );
  });
});
