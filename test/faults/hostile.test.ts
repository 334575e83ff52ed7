import * as fs from "node:fs";
import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import type * as t from "io-ts";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { OpenClawPluginPackageJson } from "../../src/hosts/openclaw/discover.js";
import { decodeWith } from "../../src/model/decode.js";
import { OpenClawConfig, OpenClawPluginManifest } from "../../src/hosts/openclaw/config-codec.js";
import { Settings } from "../../src/model/settings.js";
import {
  activationOf,
  type CaseOutcome,
  HOSTILE_DIR,
  STACK_TRACE,
  changedPaths,
  describeOutcome,
  forbiddenChanges,
  isWritingRun,
  loadCases,
  ownedGlobs,
  patternOf,
  pool,
  rootProblems,
  runCase,
} from "./hostile-support.js";
import { parseJson, parseJson5 } from "../../src/util/read-json.js";

/**
 * Issue 4 item 7 / SPEC §4.12: the hostile-input corpus under fixtures/hostile/, every case run
 * through the BUILT CLI in a fresh sandbox. Every case asserts:
 *
 * - each run's exit code, and a clear message (its patterns) on stdout/stderr;
 * - no stack trace and no "internal error" anywhere in the output;
 * - no write outside owned paths: read-only commands change nothing at all in the sandbox; writing
 *   runs change only the target root's own paths (root, generations, lock, moved-aside copy, the
 *   stage's `.plugdeps`, build leftovers) plus what the case names in `mayChange` (the debris it
 *   must clean, the root it must prune);
 * - the bait directory OUTSIDE the sandbox (symlink targets, forged records) is byte-identical;
 * - no partial root: every live root in the stage base holds a decodable record whose packages are
 *   all installed at the recorded versions;
 * - `gone` / `present` paths afterwards.
 *
 * Cases run in a small pool (3 at a time) in beforeAll; the `it`s check the outcomes.
 */

const POOL = 3;
// HOSTILE_ONLY=regex runs a subset (while working on the corpus); HOSTILE_SUBPROCESS=1 runs the
// read-only commands as subprocesses too (they run in-process by default, see runCase).
const only = process.env["HOSTILE_ONLY"];
const cases = loadCases().filter((c) => only === undefined || new RegExp(only).test(c.id));
const outcomes = new Map<string, CaseOutcome>();
const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();

beforeAll(async () => {
  const npmrc = inject("registry").npmrc;
  const results = await pool(cases, POOL, (c) => runCase(c, npmrc));
  for (const r of results) outcomes.set(r.case.id, r);
}, 300_000);

const outcomeOf = (id: string): CaseOutcome => {
  const o = outcomes.get(id);
  if (o === undefined) throw new Error(`no outcome for ${id}`);
  return o;
};

const asList = (p: string | readonly string[] | undefined): readonly string[] =>
  p === undefined ? [] : typeof p === "string" ? [p] : p;

describe("hostile corpus: shape", () => {
  it("has at least 50 cases, each with a title, an expectation and at least one run", () => {
    if (only === undefined) expect(cases.length).toBeGreaterThanOrEqual(50);
    for (const c of cases) {
      expect(c.title.length, c.id).toBeGreaterThan(0);
      expect(c.expect.length, c.id).toBeGreaterThan(0);
      expect(c.runs.length, c.id).toBeGreaterThan(0);
    }
  });
});

const categories = [...new Set(cases.map((c) => c.category))];

describe.each(categories)("hostile corpus: %s", (category) => {
  it.each(cases.filter((c) => c.category === category).map((c) => [c.id.split("/")[1] ?? c.id, c.id]))(
    "%s",
    (_name, id) => {
      const o = outcomeOf(id);
      const c = o.case;
      const vars = o.sandbox.vars;
      const where = describeOutcome(o);
      expect(o.error, where).toBeUndefined();
      expect(o.runs.length, where).toBe(c.runs.length);

      c.runs.forEach((spec, i) => {
        const r = o.runs[i];
        if (r === undefined) return;
        const label = `${where}\n=== run ${i + 1}: ${r.command}`;
        expect(r.exitCode, label).toBe(spec.exit);
        for (const p of asList(spec.stdout)) expect(r.stdout, label).toMatch(patternOf(p, vars));
        for (const p of asList(spec.stderr)) expect(r.stderr, label).toMatch(patternOf(p, vars));
        for (const p of spec.not ?? [])
          expect(`${r.stdout}\n${r.stderr}`, label).not.toMatch(patternOf(p, vars));
        // A message, never a crash.
        expect(r.stdout, label).not.toMatch(STACK_TRACE);
        expect(r.stderr, label).not.toMatch(STACK_TRACE);
        // A failure says what failed (doctor prints its findings on stdout).
        if (spec.exit !== 0)
          expect(
            `${r.stdout}${r.stderr}`.trim().length,
            `${label}\nan error says what failed`,
          ).toBeGreaterThan(0);
      });

      // Nothing outside the sandbox (the bait) changes, ever.
      expect(
        changedPaths(o.baitBefore, o.baitAfter),
        `${where}\n=== bait outside the sandbox changed`,
      ).toEqual([]);

      // Inside the sandbox: only owned paths and what the case names, and only by writing runs.
      const writes = c.runs.some(isWritingRun);
      const allowed = [
        ...(writes ? ownedGlobs(vars) : []),
        ...(c.mayChange ?? []).map((g) => g.replace(/\{\{(\w+)\}\}/g, (w, n: string) => vars[n] ?? w)),
      ];
      const changed = changedPaths(o.before, o.after);
      expect(
        forbiddenChanges(changed, allowed, o.before, o.after),
        `${where}\n=== writes outside owned paths (all changes: ${changed.join(", ")})`,
      ).toEqual([]);

      // No partial root.
      expect(rootProblems(o.sandbox.stage), `${where}\n=== partial root`).toEqual([]);

      const sub = (p: string) =>
        path.join(
          o.sandbox.root,
          p.replace(/\{\{(\w+)\}\}/g, (w, n: string) => vars[n] ?? w),
        );
      const exists = (p: string) => {
        try {
          fs.lstatSync(sub(p));
          return true;
        } catch {
          return false;
        }
      };
      for (const p of c.gone ?? []) expect(exists(p), `${where}\n=== must be gone: ${p}`).toBe(false);
      for (const p of c.present ?? []) expect(exists(p), `${where}\n=== must be present: ${p}`).toBe(true);
    },
  );
});

describe("hostile corpus: in-process", () => {
  it("parsing and decoding every corpus data file pollutes no prototype", () => {
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.isFile() && /\.(json5?|tmpl)$/.test(e.name) && e.name !== "case.json") files.push(p);
      }
    };
    walk(HOSTILE_DIR);
    expect(files.length).toBeGreaterThan(20);
    const codecs: t.Mixed[] = [OpenClawConfig, OpenClawPluginManifest, OpenClawPluginPackageJson, Settings];
    for (const file of files) {
      const text = fs.readFileSync(file, "utf8");
      for (const parsed of [parseJson5(file, text), parseJson(file, text)]) {
        if (E.isLeft(parsed)) continue;
        for (const codec of codecs) decodeWith(codec, "x", file)(parsed.right);
        // What plugdeps does with decoded config afterwards: activation over a plugin named after
        // Object.prototype members.
        activationOf(parsed.right);
      }
    }
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
    expect(({} as Record<string, unknown>)["enabled"]).toBeUndefined();
    expect(({} as Record<string, unknown>)["stageRuntimeDependencies"]).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
  });

  it("a `__proto__` key never becomes an object's prototype after decoding (the JSON5 and JSON scrub)", () => {
    const text =
      '{ "__proto__": { "enabled": false, "polluted": 1 }, "plugins": { "__proto__": { "enabled": false } } }';
    for (const parsed of [parseJson5("c.json5", text), parseJson("c.json", text)]) {
      expect(E.isRight(parsed)).toBe(true);
      if (E.isLeft(parsed)) continue;
      const decoded = decodeWith(OpenClawConfig, "OpenClaw config", "c.json5")(parsed.right);
      expect(E.isRight(decoded)).toBe(true);
      if (E.isLeft(decoded)) continue;
      const config = decoded.right as Record<string, unknown> & OpenClawConfig;
      expect(Object.getPrototypeOf(config)).toBe(Object.prototype);
      expect(config["polluted"]).toBeUndefined();
      expect(config.plugins?.enabled).toBeUndefined();
      expect(Object.hasOwn(config, "__proto__")).toBe(false);
    }
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  });
});

describe("hostile corpus: figures", () => {
  it("reports per-category counts and timings (for RELIABILITY.md)", () => {
    const rows = categories.map((cat) => {
      const mine = [...outcomes.values()].filter((o) => o.case.category === cat);
      return {
        category: cat,
        cases: mine.length,
        runs: mine.reduce((n, o) => n + o.runs.length, 0),
        writing: mine.filter((o) => o.case.runs.some(isWritingRun)).length,
        slowestMs: Math.round(Math.max(...mine.map((o) => o.durationMs))),
      };
    });
    console.log(
      `hostile corpus: ${cases.length} cases, ${rows.reduce((n, r) => n + r.runs, 0)} CLI runs\n` +
        rows
          .map(
            (r) =>
              `  ${r.category.padEnd(10)} ${String(r.cases).padStart(3)} cases ${String(r.runs).padStart(4)} runs ${String(r.writing).padStart(3)} writing  slowest ${r.slowestMs} ms`,
          )
          .join("\n"),
    );
    expect(rows.reduce((n, r) => n + r.cases, 0)).toBe(cases.length);
  });
});
