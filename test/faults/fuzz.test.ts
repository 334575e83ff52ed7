import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import type * as t from "io-ts";
import * as semver from "semver";
import { describe, expect, it } from "vitest";
import {
  ACTION_ORDER,
  legacyDebris,
  reconcileAll,
  runtimeDeps,
  staleRoots,
} from "../../reconcilers/index.js";
import type { PlanContext } from "../../reconcilers/reconciler.js";
import type { RuntimeDepsDesired } from "../../reconcilers/runtime-deps.js";
import {
  observeRuntimePackages,
  type PackageObservation,
  type RuntimeDepsObserved,
} from "../../src/observe/runtime-packages.js";
import type { StaleRootsObserved } from "../../reconcilers/stale-roots.js";
import { removeWithin } from "../../src/execute/safe-remove.js";
import { OpenClawPluginPackageJson } from "../../src/hosts/openclaw/discover.js";
import type { HostAdapter, PluginFacts } from "../../src/hosts/types.js";
import { decodeWith } from "../../src/model/decode.js";
import type { PlugdepsError } from "../../src/model/errors.js";
import { LockOwner } from "../../src/model/lock.js";
import { HostPackageJson, PluginPackageJson } from "../../src/model/manifest.js";
import { OpenClawConfig, OpenClawPluginManifest } from "../../src/hosts/openclaw/config-codec.js";
import type { Action, Debris, InstallSet, LockHolder } from "../../src/model/plan.js";
import { Settings } from "../../src/model/settings.js";
import { RootState } from "../../src/model/state.js";
import type { Installed } from "../../src/observe/installed-package.js";
import {
  FOREIGN_STALE_AFTER_MS,
  type LockFacts,
  OWNERLESS_STALE_AFTER_MS,
  assessLockOwner,
} from "../../src/observe/lock-holder.js";
import { PID_MAX_LIMIT } from "../../src/util/process-info.js";
import type { OwnedRoot } from "../../src/observe/versioned-roots.js";
import { checkPackageName, checkSpec } from "../../src/desired/dependency-spec.js";
import { computeDesired } from "../../src/desired/desired.js";
import { decodePlanJson } from "../../src/render/plan-json.js";
import { MAX_JSON_DEPTH, parseJson, parseJson5 } from "../../src/util/read-json.js";
import { REPO_ROOT, snapshotTree } from "../support/cli.js";
import { tempDir } from "../support/temp.js";

/**
 * Issue 4 item 7: fast-check fuzzing of everything that reads untrusted input or decides what to
 * delete. The existing model-based property of the runtime-deps diff alone lives in
 * test/unit/reconcile-runtime-deps.test.ts; here the three reconcilers are composed.
 *
 * FUZZ_SCALE=10 multiplies every numRuns (a longer soak); the default keeps the file near 20 s on
 * a loaded 2-core box.
 */

const SCALE = Number(process.env["FUZZ_SCALE"] ?? "1") || 1;
const runs = (n: number) => ({ numRuns: Math.max(1, Math.round(n * SCALE)) });

const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();

// ---------------------------------------------------------------------------------------------
// Arbitrary JSON with hostile keys. Objects are built with Object.fromEntries, so `__proto__` is an
// OWN key (exactly what JSON.parse produces), not a prototype change.

const HOSTILE_KEYS = [
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "valueOf",
  "enabled",
  "plugins",
  "entries",
  "dependencies",
  "a.b",
  "",
  " ",
  "[0]",
  "\u0000",
];
const keyArb = fc.oneof(fc.constantFrom(...HOSTILE_KEYS), fc.string({ maxLength: 6 }));

const { json: hostileJson } = fc.letrec<{ json: unknown }>((tie) => ({
  json: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.oneof(
      fc.boolean(),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.string(),
      fc.constant(null),
    ),
    fc.array(tie("json"), { maxLength: 4 }),
    fc
      .array(fc.tuple(keyArb, tie("json")), { maxLength: 5 })
      .map((entries) => Object.fromEntries(entries) as unknown),
  ),
}));

type Path = readonly (string | number)[];

/** Every path in a JSON value, the root included. */
const pathsOf = (v: unknown, prefix: Path = []): Path[] => {
  const out: Path[] = [prefix];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...pathsOf(x, [...prefix, i])));
  else if (v !== null && typeof v === "object")
    for (const [k, x] of Object.entries(v)) out.push(...pathsOf(x, [...prefix, k]));
  return out;
};

/** A copy of `v` with the value at `p` replaced (or, with `remove`, deleted). */
const mutateAt = (v: unknown, p: Path, replacement: unknown, remove: boolean): unknown => {
  if (p.length === 0) return replacement;
  const [head, ...rest] = p;
  if (Array.isArray(v)) {
    const copy = [...v];
    if (rest.length === 0 && remove) copy.splice(Number(head), 1);
    else copy[Number(head)] = mutateAt(copy[Number(head)], rest, replacement, remove);
    return copy;
  }
  const obj = { ...(v as Record<string, unknown>) };
  if (rest.length === 0 && remove) delete obj[String(head)];
  else obj[String(head)] = mutateAt(obj[String(head)], rest, replacement, remove);
  return obj;
};

/** A valid document with one node replaced by hostile JSON, or removed. */
const mutationOf = (sample: unknown) =>
  fc.record({
    path: fc.constantFrom(...pathsOf(sample)),
    value: hostileJson,
    remove: fc.boolean(),
  });

const PROBLEM_LINE = /^ {2}- (.+?): expected (.+), got (.+)$/;

/** A decode failure is a DecodeError whose every problem names a key path. Returns the paths. */
const problemPaths = (err: PlugdepsError): string[] => {
  expect(err._tag).toBe("DecodeError");
  const problems = err.message.split("\n").filter((l) => l.startsWith("  - "));
  expect(problems.length, err.message).toBeGreaterThan(0);
  return problems.map((p) => {
    const m = PROBLEM_LINE.exec(p);
    expect(m, `${p}\nin\n${err.message}`).not.toBeNull();
    return m?.[1] ?? "";
  });
};

/** How decode.ts renders the first key of a path. */
const firstSegment = (key: string | number): string =>
  typeof key === "number" ? `[${key}]` : /^[A-Za-z0-9_$-]+$/.test(key) ? key : `[${JSON.stringify(key)}]`;

const startsWithSegment = (problemPath: string, seg: string): boolean =>
  problemPath === seg || problemPath.startsWith(`${seg}.`) || problemPath.startsWith(`${seg}[`);

const validRootState = {
  formatVersion: 1 as const,
  tool: { name: "plugdeps", version: "0.1.0" },
  layoutVersion: 1,
  host: {
    name: "openclaw",
    version: "2026.5.2",
    packageRoot: "/usr/lib/node_modules/openclaw",
    identity: "0123456789ab",
  },
  planFingerprint: "sha256:0",
  sets: [{ id: "shared", dir: ".", packages: { a: { spec: "^1.0.0", version: "1.2.0" } } }],
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:00.000Z",
  overrides: { b: "^2.0.0" },
  plugins: [{ id: "slack", dir: "/x/slack", dependencies: ["a"] }],
  external: [{ set: "shared", name: "c", dir: "/ro/c" }],
};

const DECODERS: readonly { readonly name: string; readonly codec: t.Mixed; readonly sample: unknown }[] = [
  {
    name: "OpenClawConfig",
    codec: OpenClawConfig,
    sample: {
      plugins: { enabled: true, allow: ["a"], deny: ["b"], entries: { a: { enabled: true } } },
      channels: { slack: { enabled: true, botToken: "x" } },
      models: { providers: { openai: {} } },
      agents: { defaults: { model: { primary: "openai/gpt-5" } } },
    },
  },
  {
    name: "OpenClawPluginManifest",
    codec: OpenClawPluginManifest,
    sample: {
      id: "slack",
      channels: ["slack"],
      providers: ["p"],
      enabledByDefault: true,
      legacyPluginIds: ["s"],
    },
  },
  {
    name: "PluginPackageJson",
    codec: PluginPackageJson,
    sample: {
      name: "@openclaw/slack",
      version: "1.0.0",
      dependencies: { a: "^1.0.0" },
      optionalDependencies: { b: "2.0.0" },
    },
  },
  {
    name: "OpenClawPluginPackageJson",
    codec: OpenClawPluginPackageJson,
    sample: {
      name: "@openclaw/slack",
      dependencies: { a: "^1.0.0" },
      openclaw: { bundle: { stageRuntimeDependencies: true }, channel: { id: "slack" } },
    },
  },
  { name: "HostPackageJson", codec: HostPackageJson, sample: { name: "openclaw", version: "2026.5.2" } },
  { name: "RootState", codec: RootState, sample: validRootState },
  {
    name: "LockOwner",
    codec: LockOwner,
    sample: { pid: 123, hostname: "h", starttime: 456, createdAt: 0, command: "plugdeps apply" },
  },
  { name: "Settings", codec: Settings, sample: { overrides: { a: "^1.0.0" }, retention: 2 } },
];

describe("fuzz: decoders never throw and name a key path", () => {
  it.each(DECODERS)("$name", ({ name, codec, sample }) => {
    expect(E.isRight(codec.decode(sample)), `${name} sample must decode`).toBe(true);
    const decode = decodeWith(codec, name, "f.json");
    fc.assert(
      fc.property(fc.oneof(hostileJson, fc.jsonValue(), fc.anything()), (value) => {
        const result = decode(value);
        if (E.isLeft(result)) problemPaths(result.left);
      }),
      runs(500),
    );
    fc.assert(
      fc.property(mutationOf(sample), ({ path: p, value, remove }) => {
        const result = decode(mutateAt(sample, p, value, remove));
        if (E.isRight(result)) return;
        const paths = problemPaths(result.left);
        // The failure is reported where the document was changed (or above it, for a union).
        const head = p[0];
        if (head !== undefined && !remove)
          expect(
            paths.some((q) => startsWithSegment(q, firstSegment(head))),
            `${paths.join("; ")} vs ${p.join(".")}`,
          ).toBe(true);
      }),
      runs(500),
    );
  });

  it("PlanDocument via decodePlanJson: text in, DecodeError with key paths or PlanFileInvalid out", () => {
    const sample = JSON.parse(
      fs.readFileSync(path.join(REPO_ROOT, "test", "golden", "rich.json"), "utf8"),
    ) as unknown;
    expect(E.isRight(decodePlanJson(JSON.stringify(sample), "plan.json"))).toBe(true);
    const check = (text: string) => {
      const result = decodePlanJson(text, "plan.json");
      if (E.isRight(result)) return;
      expect(["DecodeError", "PlanFileInvalid"]).toContain(result.left._tag);
      if (result.left._tag === "DecodeError") problemPaths(result.left);
      else expect(result.left.message).toMatch(/^plan file plan\.json is not a plugdeps plan: .+\. Fix: /s);
    };
    fc.assert(
      fc.property(mutationOf(sample), ({ path: p, value, remove }) => {
        check(JSON.stringify(mutateAt(sample, p, value, remove)));
      }),
      runs(300),
    );
    fc.assert(
      fc.property(fc.oneof(hostileJson, fc.jsonValue()), (v) => check(JSON.stringify(v) ?? "null")),
      runs(300),
    );
    fc.assert(
      fc.property(fc.string(), (s) => check(s)),
      runs(300),
    );
  });

  it("JSON text with __proto__/constructor/prototype keys: parsed without them, decoded without pollution", () => {
    const codecs = DECODERS.map((d) => decodeWith(d.codec, d.name, "f"));
    const hasForbiddenKey = (v: unknown): boolean => {
      if (Array.isArray(v)) return v.some(hasForbiddenKey);
      if (v === null || typeof v !== "object") return false;
      if (Object.getPrototypeOf(v) !== Object.prototype) return true;
      return Object.keys(v).some((k) => k === "__proto__" || k === "constructor" || k === "prototype")
        ? true
        : Object.values(v).some(hasForbiddenKey);
    };
    fc.assert(
      fc.property(hostileJson, (value) => {
        const text = JSON.stringify(value) ?? "null";
        for (const parsed of [parseJson("f.json", text), parseJson5("f.json5", text)]) {
          expect(E.isRight(parsed), text).toBe(true);
          if (E.isLeft(parsed)) continue;
          expect(hasForbiddenKey(parsed.right), text).toBe(false);
          for (const decode of codecs) {
            const r = decode(parsed.right);
            if (E.isRight(r)) expect(hasForbiddenKey(r.right), text).toBe(false);
          }
        }
        expect(({} as Record<string, unknown>)["enabled"]).toBeUndefined();
      }),
      runs(500),
    );
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
  });
});

// ---------------------------------------------------------------------------------------------
// Parsers

const lineCount = (text: string) => text.split("\n").length;

const checkParse = (result: E.Either<PlugdepsError, unknown>, text: string, file: string): void => {
  if (E.isRight(result)) return;
  const err = result.left;
  expect(err._tag).toBe("ConfigParseError");
  if (err._tag !== "ConfigParseError") return;
  expect(err.line, err.message).toBeGreaterThanOrEqual(1);
  expect(err.column, err.message).toBeGreaterThanOrEqual(1);
  expect(err.line, err.message).toBeLessThanOrEqual(lineCount(text));
  expect(err.message.startsWith(`${file}:${err.line}:${err.column}: not valid JSON`), err.message).toBe(true);
};

/** Strings that are mostly JSON: a serialized value with a few characters inserted or dropped. */
const jsonish = fc
  .tuple(
    fc.jsonValue(),
    fc.array(
      fc.tuple(
        fc.nat(),
        fc.constantFrom(
          "",
          "{",
          "}",
          "[",
          "]",
          '"',
          "'",
          ",",
          ":",
          "/*",
          "//",
          "\n",
          "\\",
          "\u0000",
          "\ufeff",
        ),
      ),
      { maxLength: 4 },
    ),
  )
  .map(([v, edits]) => {
    let s = JSON.stringify(v, null, 1) ?? "null";
    for (const [at, ins] of edits) {
      const i = at % (s.length + 1);
      s = ins === "" ? s.slice(0, i) + s.slice(i + 1) : s.slice(0, i) + ins + s.slice(i);
    }
    return s;
  });

const syntaxSoup = fc.string({
  unit: fc.constantFrom(..."{}[]\"':,/*\\\n \t0123456789abcdefnultrue-+.eExX_$\u00a0\u2028".split("")),
  maxLength: 40,
});

describe("fuzz: parsers never throw", () => {
  it("parseJson and parseJson5 on arbitrary and near-JSON strings: a value, or a syntax error at a real line:col", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary" }), jsonish, syntaxSoup), (text) => {
        checkParse(parseJson("f.json", text), text, "f.json");
        checkParse(parseJson5("f.json5", text), text, "f.json5");
      }),
      runs(3000),
    );
  });

  it(`nesting deeper than ${MAX_JSON_DEPTH} levels is refused with its position, anything shallower parses`, () => {
    fc.assert(
      fc.property(
        fc.integer({ min: MAX_JSON_DEPTH - 3, max: MAX_JSON_DEPTH + 3 }),
        fc.constantFrom("[", '{"k":'),
        (depth, open) => {
          const close = open === "[" ? "]" : "}";
          const text = `${open.repeat(depth)}${open === "[" ? "" : "1"}${close.repeat(depth)}`;
          for (const parsed of [parseJson("f.json", text), parseJson5("f.json5", text)]) {
            if (depth <= MAX_JSON_DEPTH) expect(E.isRight(parsed)).toBe(true);
            else {
              expect(E.isLeft(parsed)).toBe(true);
              if (E.isLeft(parsed))
                expect(parsed.left.message).toContain(`:1:${MAX_JSON_DEPTH * open.length + 1}: `);
            }
          }
        },
      ),
      runs(20),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Dependency names and specs, through computeDesired: nothing escapes node_modules, nothing is
// silently lost.

const NAME_PARTS = [
  "..",
  ".",
  "",
  "@",
  "@s",
  "a",
  "b-c",
  "node_modules",
  "%2e%2e",
  "\u0000",
  "．．",
  "\u2215",
  "\u202e",
  " ",
  "~",
  "C:",
  "x".repeat(100),
];
const hostileName = fc.oneof(
  fc
    .array(fc.oneof(fc.constantFrom(...NAME_PARTS), fc.constantFrom("/", "\\")), { maxLength: 7 })
    .map((a) => a.join("")),
  fc.string({ maxLength: 12 }),
  fc.constantFrom("a", "@s/a", "b-c", "@s/b.c"),
);
const hostileSpec = fc.oneof(
  fc.constantFrom(
    "1.0.0",
    "^1.2.0",
    "~2.0.0",
    ">=1 <3",
    "1.x || 2.x",
    "*",
    " ^1.0.0 ",
    "",
    "latest",
    ">=3 <2",
    "file:../../x",
    "link:/etc",
    "git+ssh://git@h/x.git",
    "github:a/b",
    "a/b",
    "npm:x@1",
    "http://h/x.tgz",
    "https://h/x.tgz",
    "workspace:*",
    "C:\\x",
    "../x",
    "/abs",
  ),
  fc.string({ maxLength: 10 }),
);

describe("fuzz: names and specs", () => {
  it("every desired package stays inside its set's node_modules; every declared entry is installed, rejected or skipped", () => {
    const plugin = (id: string, deps: Record<string, string>): PluginFacts => ({
      id,
      dir: `/host/dist/extensions/${id}`,
      dependencies: deps,
      staged: true,
      channels: [],
      providers: [],
      enabledByDefault: true,
      legacyIds: [],
    });
    const depsArb = fc
      .array(fc.tuple(hostileName, hostileSpec), { maxLength: 8 })
      .map((e) => Object.fromEntries(e));
    fc.assert(
      fc.property(fc.tuple(depsArb, depsArb, depsArb), (maps) => {
        const plugins = maps.map((deps, i) => plugin(["p0", "p1", "p2"][i] ?? "p", deps));
        const targetRoot = "/stage/openclaw-1.0.0-aaaaaaaaaaaa";
        const { desired, problems } = computeDesired(plugins, { stageBase: "/stage", targetRoot });
        for (const set of desired.sets) {
          const nm = path.join(set.dir, "node_modules");
          expect(set.dir === targetRoot || set.dir.startsWith(`${targetRoot}/isolated/`)).toBe(true);
          for (const p of set.packages) {
            expect(checkPackageName(p.name)).toBeNull();
            const at = path.join(nm, p.name);
            expect(at.startsWith(`${nm}/`), `${p.name} -> ${at}`).toBe(true);
            expect(path.relative(nm, at).split(path.sep)).not.toContain("..");
            expect(p.name.includes("\\") || p.name.includes("\u0000"), p.name).toBe(false);
            const verdict = checkSpec(p.spec);
            expect(verdict._tag, `${p.name}@${p.spec}`).toBe("Accepted");
            expect(semver.validRange(p.spec)).not.toBeNull();
            expect(p.spec).not.toMatch(/[:/\\]/);
          }
        }
        // Nothing declared disappears without a trace.
        for (const pl of plugins) {
          for (const [name, spec] of Object.entries(pl.dependencies)) {
            const installed = desired.sets.some((s) =>
              s.packages.some((p) => p.name === name && (p.wantedBy.includes(pl.id) || s.plugin === pl.id)),
            );
            const rejected = desired.rejected.some(
              (r) => r.plugin === pl.id && r.name === name && r.spec === spec,
            );
            const skipped = (problems.get(pl.id) ?? []).some((m) =>
              m.startsWith(`dependency ${name}@${spec} skipped: `),
            );
            expect(
              [installed, rejected, skipped].filter(Boolean).length,
              `${pl.id}: ${JSON.stringify(name)}@${JSON.stringify(spec)}`,
            ).toBe(1);
          }
        }
      }),
      runs(1000),
    );
  });

  it("checkSpec accepts only plain semver ranges: no protocol, no path, never a throw", () => {
    fc.assert(
      fc.property(fc.oneof(hostileSpec, fc.string({ unit: "binary", maxLength: 20 })), (spec) => {
        const verdict = checkSpec(spec);
        if (verdict._tag !== "Accepted") {
          expect(verdict.reason.length).toBeGreaterThan(0);
          return;
        }
        expect(verdict.range).not.toMatch(/[:/\\]/);
        expect(semver.validRange(verdict.range)).not.toBeNull();
      }),
      runs(2000),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Lock owners: never kill(0|negative|huge), never expire a live holder by age.

describe("fuzz: lock owner assessment", () => {
  it("only plausible pids reach the liveness probe; a live holder with its start time is never stale", () => {
    const HOST = "this-host";
    const NS = 4026531836;
    const BOOT = "this-boot";
    const ownerArb = fc.option(
      fc.record({
        pid: fc.oneof(
          fc.integer({ min: -5, max: 5 }),
          fc.integer(),
          fc.constantFrom(PID_MAX_LIMIT, PID_MAX_LIMIT + 1, 2 ** 31, 2 ** 53 - 1),
        ),
        hostname: fc.constantFrom(HOST, "other-host"),
        starttime: fc.option(fc.nat(), { nil: null }),
        createdAt: fc.nat(),
        command: fc.constant("plugdeps apply"),
        pidNamespace: fc.option(fc.constantFrom(NS, NS + 1), { nil: null }),
        bootId: fc.option(fc.constantFrom(BOOT, "other-boot"), { nil: null }),
      }),
      { nil: null },
    );
    fc.assert(
      fc.property(
        ownerArb,
        fc.nat({ max: 10 * OWNERLESS_STALE_AFTER_MS }),
        fc.boolean(),
        fc.option(fc.nat(), { nil: null }),
        (owner, ageMs, alive, runningStart) => {
          const probed: number[] = [];
          const now = 1_000_000_000;
          const facts: LockFacts = {
            hostname: HOST,
            pidNamespace: NS,
            bootId: BOOT,
            now,
            isAlive: (pid) => {
              probed.push(pid);
              return alive;
            },
            startTime: () => runningStart,
          };
          const verdict = assessLockOwner(owner as LockOwner | null, now - ageMs, facts);
          for (const pid of probed) {
            expect(pid).toBeGreaterThan(0);
            expect(pid).toBeLessThanOrEqual(PID_MAX_LIMIT);
          }
          const plausible =
            owner !== null && owner.hostname === HOST && owner.pid > 0 && owner.pid <= PID_MAX_LIMIT;
          if (!plausible) {
            // No evidence: age alone decides.
            expect(verdict.state).toBe(ageMs > OWNERLESS_STALE_AFTER_MS ? "stale" : "unknown");
          }
          // The pid names a process in our table only in our boot and PID namespace (issue 15).
          const ours = plausible && owner.bootId === BOOT && owner.pidNamespace === NS;
          if (plausible && !ours) {
            // Another (or an unknown) boot or PID namespace: never probed, live while refreshed.
            expect(probed).toEqual([]);
            const limit = owner.bootId === "other-boot" ? OWNERLESS_STALE_AFTER_MS : FOREIGN_STALE_AFTER_MS;
            expect(verdict.state).toBe(ageMs > limit ? "stale" : "live");
          }
          if (ours && alive && owner.starttime !== null && runningStart === owner.starttime) {
            expect(verdict.state).toBe("live");
          }
          if (verdict.state === "live") expect(plausible && (alive || !ours)).toBe(true);
        },
      ),
      runs(2000),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// removeWithin: whatever the target string, nothing outside the allowed root changes.

describe("fuzz: removeWithin", () => {
  it("never removes or changes anything outside its allowed root, nor the root itself", () => {
    const top = tempDir("fuzz-rm");
    let n = 0;
    const SEGMENTS = [
      "a",
      "f",
      "link",
      "linkdir",
      "up",
      "file-link",
      "..",
      ".",
      "",
      "missing",
      "outside",
      "base",
    ];
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...SEGMENTS), { minLength: 1, maxLength: 5 }),
        fc.constantFrom("abs", "rel-to-base", "raw"),
        (segments, anchor) => {
          const dir = path.join(top, `r${n++}`);
          const base = path.join(dir, "base");
          const outside = path.join(dir, "outside");
          fs.mkdirSync(path.join(base, "a"), { recursive: true });
          fs.mkdirSync(path.join(outside, "dir"), { recursive: true });
          fs.writeFileSync(path.join(base, "a", "f"), "in\n");
          fs.writeFileSync(path.join(outside, "dir", "g"), "out\n");
          fs.writeFileSync(path.join(outside, "h"), "out\n");
          fs.symlinkSync(outside, path.join(base, "link"));
          fs.symlinkSync(path.join(outside, "dir"), path.join(base, "linkdir"));
          fs.symlinkSync("../..", path.join(base, "a", "up"));
          fs.symlinkSync(path.join(outside, "h"), path.join(base, "file-link"));
          const before = snapshotTree(outside);
          const rel = segments.join("/");
          const target =
            anchor === "abs"
              ? path.join(base, rel)
              : anchor === "rel-to-base"
                ? `${base}/${rel}`
                : `${dir}/${rel}`;
          const result = removeWithin(target, [base], "fuzz target");
          expect(snapshotTree(outside), `${target} -> ${JSON.stringify(result)}`).toEqual(before);
          expect(fs.lstatSync(base).isDirectory(), target).toBe(true);
          fs.rmSync(dir, { recursive: true, force: true });
        },
      ),
      runs(300),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The composed reconcilers (runtime-deps + stale-roots + legacy-debris) on random observations:
// minimal, ordered, and applying them in an in-memory model converges (diff again -> []).

const STAGE = "/nonexistent-plugdeps-fuzz/stage";
const TARGET = `${STAGE}/openclaw-2.0.0-bbbbbbbbbbbb`;
const OUR_PACKAGE_ROOT = "/nonexistent-plugdeps-fuzz/host";
const SETS: Readonly<Record<string, string>> = { shared: TARGET, "plugin:p": `${TARGET}/isolated/p` };
const NAMES = ["@plugdeps-fuzz/a", "@plugdeps-fuzz/b", "@plugdeps-fuzz/c"];
const VERSIONS = ["1.0.0", "2.0.0"];

interface PrevRoot {
  readonly path: string;
  readonly packageRoot: string;
  readonly updatedAt: string;
  readonly lock: LockHolder["state"] | null;
  /** set id + "\0" + name -> version */
  readonly packages: ReadonlyMap<string, string>;
}

interface World {
  /** Wanted: set id -> name -> spec (exact version), and whether the host already satisfies it. */
  readonly wanted: readonly {
    readonly set: string;
    readonly name: string;
    readonly spec: string;
    readonly host: boolean;
  }[];
  readonly retention: number;
  readonly owned: boolean;
  /** The current root: set + "\0" + name -> version. */
  readonly current: ReadonlyMap<string, string>;
  /** The current root's record: set id -> name -> version. */
  readonly recorded: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** Newest first. */
  readonly previous: readonly PrevRoot[];
  readonly debris: readonly Debris[];
}

const key = (set: string, name: string) => `${set}\u0000${name}`;
const nmPath = (set: string, name: string) => path.join(SETS[set] ?? TARGET, "node_modules", name);

const worldArb: fc.Arbitrary<World> = fc
  .record({
    wanted: fc.uniqueArray(
      fc.record({
        set: fc.constantFrom("shared", "shared", "plugin:p"),
        name: fc.constantFrom(...NAMES),
        spec: fc.constantFrom(...VERSIONS),
        host: fc.constantFrom(false, false, false, true),
      }),
      { selector: (w) => key(w.set, w.name), maxLength: 5 },
    ),
    retention: fc.nat(2),
    owned: fc.boolean(),
    current: fc.array(
      fc.tuple(
        fc.constantFrom(...Object.keys(SETS)),
        fc.constantFrom(...NAMES),
        fc.constantFrom(...VERSIONS),
      ),
      { maxLength: 5 },
    ),
    recordedExtra: fc.array(
      fc.tuple(fc.constantFrom(...Object.keys(SETS)), fc.constantFrom(...NAMES, "@plugdeps-fuzz/old")),
      { maxLength: 3 },
    ),
    previous: fc.array(
      fc.record({
        ours: fc.constantFrom(true, true, true, false),
        lock: fc.constantFrom<LockHolder["state"] | null>(null, null, null, "stale", "live", "unknown"),
        packages: fc.array(
          fc.tuple(
            fc.constantFrom(...Object.keys(SETS)),
            fc.constantFrom(...NAMES),
            fc.constantFrom(...VERSIONS),
          ),
          { maxLength: 4 },
        ),
      }),
      { maxLength: 4 },
    ),
    debris: fc.array(fc.boolean(), { maxLength: 3 }),
  })
  .map((r): World => {
    const current = new Map(r.current.map(([s, n, v]) => [key(s, n), v]));
    const recorded = new Map<string, Map<string, string>>();
    if (r.owned) {
      for (const [k, v] of current) {
        const [s = "shared", n = ""] = k.split("\u0000");
        recorded.set(s, (recorded.get(s) ?? new Map<string, string>()).set(n, v));
      }
      for (const [s, n] of r.recordedExtra)
        recorded.set(s, (recorded.get(s) ?? new Map<string, string>()).set(n, "1.0.0"));
    }
    return {
      wanted: r.wanted,
      retention: r.retention,
      owned: r.owned,
      current: r.owned ? current : new Map(),
      recorded,
      previous: r.previous.map((p, i) => ({
        path: `${STAGE}/openclaw-1.${9 - i}.0-aaaaaaaaaaa${i}`,
        packageRoot: p.ours ? OUR_PACKAGE_ROOT : "/nonexistent-plugdeps-fuzz/other-host",
        updatedAt: `2026-01-0${9 - i}T00:00:00.000Z`,
        lock: p.lock,
        packages: new Map(p.packages.map(([s, n, v]) => [key(s, n), v])),
      })),
      debris: r.debris.map((writable, i) => ({
        path: `${STAGE}/openclaw-unknown-${i}`,
        rule: "unknown-version-root",
        writable,
        fix: writable ? "plugdeps doctor --fix" : "rm -rf -- x",
      })),
    };
  });

const setsOf = (w: World): InstallSet[] =>
  Object.entries(SETS)
    .filter(([id]) => id === "shared" || w.wanted.some((x) => x.set === id))
    .map(([id, dir]) => ({
      id,
      kind: id === "shared" ? "shared" : "isolated",
      plugin: id === "shared" ? null : "p",
      dir,
      packages: w.wanted
        .filter((x) => x.set === id)
        .map((x) => ({ name: x.name, spec: x.spec, wantedBy: ["p"] })),
    }));

/** The record without operator overrides (they would ask for a re-resolution the model does not do). */
const { overrides: _overrides, ...stateBase } = validRootState;

const stateOf = (
  w: World,
  packageRoot = OUR_PACKAGE_ROOT,
  updatedAt = "2026-01-10T00:00:00.000Z",
): RootState => ({
  ...stateBase,
  host: { ...stateBase.host, packageRoot },
  sets: [...w.recorded].map(([id, pkgs]) => ({
    id,
    dir: path.relative(TARGET, SETS[id] ?? TARGET) || ".",
    packages: Object.fromEntries([...pkgs].map(([n, v]) => [n, { spec: v, version: v }])),
  })),
  updatedAt,
});

const ownedRootOf = (p: PrevRoot): OwnedRoot => ({
  path: p.path,
  state: {
    ...validRootState,
    host: { ...validRootState.host, packageRoot: p.packageRoot },
    updatedAt: p.updatedAt,
    sets: [],
  },
  lock: p.lock === null ? null : { path: `${p.path}.lock`, owner: null, state: p.lock, detail: "fuzz" },
});

const present = (dir: string, name: string, version: string): Installed => ({
  _tag: "Present",
  name,
  version,
  dir,
  dependencies: {},
  optionalDependencies: {},
});

/** What runtimeDeps.observe reports for a world (its documented contract, packages without dependencies). */
const observeRuntime = (w: World): RuntimeDepsObserved => {
  const inUse: Record<string, string> = {};
  // In the order observe walks them: set by set, as the desired materialization lists them.
  const ordered = setsOf(w).flatMap((set) => w.wanted.filter((x) => x.set === set.id));
  const packages = ordered.map((x): PackageObservation => {
    const dir = nmPath(x.set, x.name);
    const v = w.current.get(key(x.set, x.name));
    const satisfied = v === x.spec;
    if (satisfied) inUse[path.relative(TARGET, dir)] = x.spec;
    const reusable =
      x.host || satisfied
        ? []
        : w.previous.flatMap((p) =>
            p.packages.get(key(x.set, x.name)) === x.spec
              ? [
                  {
                    root: p.path,
                    version: x.spec,
                    closure: [{ rel: path.relative(TARGET, dir), name: x.name, version: x.spec }],
                  },
                ]
              : [],
          );
    return {
      set: x.set,
      setDir: SETS[x.set] ?? TARGET,
      name: x.name,
      spec: x.spec,
      wantedBy: ["p"],
      host: x.host ? { version: x.spec, at: "/host/node_modules" } : null,
      readOnly: null,
      current: v === undefined ? { _tag: "Missing", dir } : present(dir, x.name, v),
      reusable,
      notReusable: [],
    };
  });
  return { packages, currentState: w.owned ? stateOf(w) : null, inUse };
};

/** reconcileAll's composition, over hand-made observations. */
const compose = (w: World): Action[] => {
  const rank = (a: Action) => ACTION_ORDER.indexOf(a.type);
  const desired: RuntimeDepsDesired = { targetRoot: TARGET, sets: setsOf(w) };
  const stale: StaleRootsObserved = { previous: w.previous.map(ownedRootOf) };
  return [
    ...runtimeDeps.diff(desired, observeRuntime(w)),
    ...staleRoots.diff({ retention: w.retention, packageRoot: OUR_PACKAGE_ROOT }, stale),
    ...legacyDebris.diff(null, { debris: w.debris }),
  ].sort((a, b) => rank(a) - rank(b));
};

/** The in-memory executor: actions in order, each checked against the world it acts on. */
const execute = (w: World, actions: readonly Action[]): World => {
  const current = new Map(w.current);
  const recorded = new Map([...w.recorded].map(([s, m]) => [s, new Map(m)]));
  let previous = [...w.previous];
  let debris = [...w.debris];
  const record = (set: string, name: string, version: string) =>
    recorded.set(set, (recorded.get(set) ?? new Map<string, string>()).set(name, version));
  for (const a of actions) {
    if (a.type === "reuse") {
      // Reuse runs before prune: its source root must still be there when it is copied from.
      const source = previous.find((p) => p.path === a.from);
      expect(source, `reuse from ${a.from ?? "null"}, already pruned or unknown`).toBeDefined();
      for (const p of a.packages) {
        expect(source?.packages.get(key(a.set ?? "", p.name))).toBe(p.version);
        current.set(key(a.set ?? "", p.name), p.version ?? "");
        record(a.set ?? "", p.name, p.version ?? "");
      }
    } else if (a.type === "install") {
      for (const p of a.packages) {
        current.set(key(a.set ?? "", p.name), p.spec ?? "");
        record(a.set ?? "", p.name, p.spec ?? "");
      }
    } else if (a.type === "prune-package") {
      const target = a.targets[0] ?? "";
      expect(target.startsWith(`${TARGET}/`), target).toBe(true);
      if (target === SETS[a.set]) {
        for (const k of [...current.keys()]) if (k.startsWith(`${a.set}\u0000`)) current.delete(k);
        recorded.delete(a.set);
      } else
        for (const p of a.packages) {
          current.delete(key(a.set, p.name));
          recorded.get(a.set)?.delete(p.name);
        }
    } else if (a.type === "prune-root") {
      const root = previous.find((p) => p.path === a.targets[0]);
      expect(root, `prune of ${a.targets[0] ?? "?"}: not a previous root`).toBeDefined();
      expect(root?.packageRoot).toBe(OUR_PACKAGE_ROOT);
      expect(root?.lock === null || root?.lock === "stale").toBe(true);
      previous = previous.filter((p) => p !== root);
    } else {
      const d = debris.find((x) => x.path === a.targets[0]);
      expect(d?.writable, `clean-legacy of ${a.targets[0] ?? "?"}`).toBe(true);
      debris = debris.filter((x) => x !== d);
    }
  }
  const built = actions.some((a) => a.type === "reuse" || a.type === "install");
  return { ...w, current, recorded, previous, debris, owned: w.owned || built };
};

describe("fuzz: composed reconcilers (runtime-deps + stale-roots + legacy-debris)", () => {
  it("ordered, minimal, and applying the actions in a model converges: diff again -> []", () => {
    fc.assert(
      fc.property(worldArb, (w) => {
        const actions = compose(w);
        expect(compose(w)).toEqual(actions); // level-triggered: same input, same actions
        // Order: every reuse, then install, then prune, then clean-legacy.
        const ranks = actions.map((a) => ACTION_ORDER.indexOf(a.type));
        expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
        // No action twice on one target.
        const targets = actions.flatMap((a) => a.targets.map((x) => `${a.type} ${x}`));
        expect(new Set(targets).size).toBe(targets.length);
        for (const a of actions) expect(a.reason.length).toBeGreaterThan(0);

        // Minimal: stale roots beyond retention only (the newest `retention` of ours always stay),
        // writable debris only, nothing satisfied touched.
        const ours = w.previous.filter((p) => p.packageRoot === OUR_PACKAGE_ROOT);
        const pruned = actions.filter((a) => a.type === "prune-root").map((a) => a.targets[0]);
        for (const kept of ours.slice(0, w.retention)) expect(pruned).not.toContain(kept.path);
        const prunable = ours.slice(w.retention).filter((p) => p.lock === null || p.lock === "stale");
        expect(pruned.sort()).toEqual(prunable.map((p) => p.path).sort());
        const cleaned = actions.filter((a) => a.type === "clean-legacy").map((a) => a.targets[0]);
        expect(cleaned.sort()).toEqual(
          w.debris
            .filter((d) => d.writable)
            .map((d) => d.path)
            .sort(),
        );
        for (const x of w.wanted) {
          const satisfied = x.host || w.current.get(key(x.set, x.name)) === x.spec;
          const touched = actions.some(
            (a) => (a.type === "reuse" || a.type === "install") && a.targets.includes(nmPath(x.set, x.name)),
          );
          expect(touched, `${x.set} ${x.name}`).toBe(!satisfied);
        }

        // Converges, and the converged world plans nothing.
        const after = execute(w, actions);
        for (const x of w.wanted)
          expect(x.host || after.current.get(key(x.set, x.name)) === x.spec).toBe(true);
        expect(compose(after)).toEqual([]);
      }),
      runs(3000),
    );
  });

  it("reconcileAll composes exactly like the model (on a context whose packages are all missing)", () => {
    fc.assert(
      fc.property(worldArb, (w0) => {
        // With nothing on disk (the paths do not exist), runtimeDeps.observe sees every package
        // Missing and no reuse candidate: the model with an empty current root and no previous
        // packages is the same world.
        const w: World = {
          ...w0,
          owned: false,
          current: new Map(),
          recorded: new Map(),
          previous: w0.previous.map((p) => ({ ...p, packages: new Map() })),
        };
        const sets = setsOf(w).map((s) => ({ ...s, packages: s.packages }));
        const noHost: World = { ...w, wanted: w.wanted.map((x) => ({ ...x, host: false })) };
        const ctx = {
          adapter: { slug: "openclaw" } as unknown as HostAdapter,
          identity: {
            name: "openclaw",
            version: "2.0.0",
            packageRoot: OUR_PACKAGE_ROOT,
            key: "bbbbbbbbbbbb",
          },
          planned: [],
          desired: {
            stageBase: STAGE,
            targetRoot: TARGET,
            layoutVersion: 1,
            fingerprint: "sha256:0",
            sets,
            conflicts: [],
            rejected: [],
            overrides: {},
          },
          stage: { target: { path: STAGE }, layers: [], all: [] },
          current: { _tag: "Absent" },
          previous: w.previous.map(ownedRootOf),
          readOnlyRoots: [],
          debris: w.debris,
          excludedDirs: new Set(w.debris.map((d) => d.path)),
          retention: w.retention,
          lockFacts: { hostname: "h", now: 0, isAlive: () => false, startTime: () => null },
        } as unknown as PlanContext;
        expect(reconcileAll({ ...ctx, runtime: observeRuntimePackages(ctx) })).toEqual(compose(noHost));
      }),
      runs(300),
    );
  });
});
