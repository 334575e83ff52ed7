import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { configParseError, noWritableStageBase } from "../../src/model/errors.js";
import type { Action, PlanDocument } from "../../src/model/plan.js";
import { type DoctorFacts, debrisFinding, findingFromError, findingsFrom } from "../../src/doctor/checks.js";
import { findingKey } from "../../src/model/doctor.js";
import { readStatusFacts, statusFactsFrom } from "../../src/doctor/status-facts.js";
import { statusStaleness } from "../../src/model/status.js";
import { legacyOnly, noChanges, rich } from "../golden/plans.js";
import { problemFacts } from "../golden/doctor-reports.js";
import { writeFile } from "../support/trees.js";
import { tempDir } from "../support/temp.js";

/** The doctor's checks as pure functions of one observation, and its reading of status.json. */

const NOW = Date.parse("2026-03-04T10:30:00.000Z");

const settled = (plan: PlanDocument, extra: Partial<DoctorFacts> = {}): DoctorFacts => ({
  plan,
  current: { state: "owned", recordFingerprint: plan.desired.fingerprint },
  rootPackages: 2,
  locks: [],
  status: null,
  host: "openclaw",
  now: NOW,
  ...extra,
});

const withActions = (plan: PlanDocument, actions: readonly Action[]): PlanDocument => ({ ...plan, actions });
const idsOf = (facts: DoctorFacts) => findingsFrom(facts).map((f) => f.id);

describe("materialization findings", () => {
  const pruneOnly = withActions(
    noChanges,
    rich.actions.filter((a) => a.type === "prune-package"),
  );

  it("a settled root is not a finding", () => {
    expect(idsOf(settled(noChanges))).toEqual(["note"]);
  });

  it("absent: an error only when the root must hold something", () => {
    expect(idsOf(settled(noChanges, { current: { state: "absent" } }))).toContain("materialization-missing");
    expect(idsOf(settled(noChanges, { current: { state: "absent" }, rootPackages: 0 }))).not.toContain(
      "materialization-missing",
    );
  });

  it("not owned, incomplete, extraneous, outdated record", () => {
    const notOwned = findingsFrom(
      settled(noChanges, { current: { state: "not-owned", reason: "no state record" } }),
    );
    expect(notOwned[0]).toMatchObject({ id: "materialization-not-owned", severity: "error", fixable: true });
    expect(notOwned[0]?.detail).toContain("no state record");

    const incomplete = findingsFrom(settled(withActions(noChanges, rich.actions)))[0];
    expect(incomplete).toMatchObject({ id: "materialization-incomplete", severity: "error" });
    expect(incomplete?.detail).toContain("@fixture/anthropic-sdk");

    expect(findingsFrom(settled(pruneOnly))[0]).toMatchObject({
      id: "materialization-extraneous",
      severity: "warning",
    });
    expect(
      findingsFrom(settled(noChanges, { current: { state: "owned", recordFingerprint: "sha256:old" } }))[0],
    ).toMatchObject({ id: "materialization-record-outdated", severity: "warning", fixable: true });
  });
});

describe("the other findings", () => {
  const findings = findingsFrom(problemFacts);

  it("come errors first, then warnings, then info", () => {
    const ranks = findings.map((f) => ["error", "warning", "info"].indexOf(f.severity));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
  });

  it("each has a unique key, so before and after --fix can be matched", () => {
    const keys = findings.map(findingKey);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("locks: stale is fixable, live and undecided are information", () => {
    const lock = problemFacts.locks[0]?.lock;
    if (lock === undefined) throw new Error("no lock in the fixture");
    const at = (state: "live" | "stale" | "unknown") =>
      findingsFrom(settled(noChanges, { locks: [{ root: "/s/r", lock: { ...lock, state } }] })).find(
        (f) => f.subject === lock.path,
      );
    expect(at("stale")).toMatchObject({ id: "stale-lock", severity: "warning", fixable: true });
    expect(at("live")).toMatchObject({ id: "lock-held", severity: "info", fixable: false });
    expect(at("unknown")).toMatchObject({ id: "lock-undecided", severity: "info", fixable: false });
  });

  it("debris: kinds by rule, read-only debris carries the outside-the-sandbox command", () => {
    const base = { path: "/g/node_modules/x", writable: true, fix: "rm -f -- '/g/node_modules/x'" };
    expect(debrisFinding({ ...base, rule: "dangling-global-symlink" })).toMatchObject({
      id: "dangling-global-symlink",
      fixable: true,
    });
    expect(debrisFinding({ ...base, rule: "stale-openclaw-lock" }).id).toBe("stale-legacy-lock");
    const readOnly = debrisFinding({ ...base, rule: "runtime-deps-marker", writable: false });
    expect(readOnly).toMatchObject({
      id: "legacy-debris",
      fixable: false,
      fix: "rm -f -- '/g/node_modules/x'",
    });
  });

  it("stale roots, invalid manifests, rejected specs and conflicts come from the plan", () => {
    const ids = findings.map((f) => f.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        "stale-root",
        "plugin-manifest-invalid",
        "dependency-spec-rejected",
        "conflict-isolated",
      ]),
    );
    expect(findingsFrom(settled(legacyOnly)).filter((f) => f.id === "dependency-spec-rejected")).toHaveLength(
      1,
    );
  });

  it("a stale status only after two intervals", () => {
    const status = {
      file: "/s/.plugdeps/status.json",
      finishedAtMs: NOW - 29 * 60_000,
      intervalMs: 15 * 60_000,
    };
    expect(idsOf(settled(noChanges, { status }))).not.toContain("reconcile-status-stale");
    const late = { ...status, finishedAtMs: NOW - 31 * 60_000 };
    const finding = findingsFrom(settled(noChanges, { status: late, host: "acme" })).find(
      (f) => f.id === "reconcile-status-stale",
    );
    expect(finding).toMatchObject({ severity: "warning", fixable: false, subject: status.file });
    expect(finding?.fix).toContain("plugdeps-acme.timer");
  });
});

describe("findingFromError", () => {
  it("splits the error's message into title, detail and fix", () => {
    const f = findingFromError(
      noWritableStageBase(
        [{ path: "/ro/deps", source: "--stage-dir", error: "EROFS: /ro is read-only" }],
        "VAR",
      ),
    );
    expect(f).toMatchObject({
      id: "no-writable-stage-base",
      severity: "error",
      title: "no writable stage base; every candidate failed",
      fixable: false,
    });
    expect(f.detail).toBe("- /ro/deps (--stage-dir): EROFS: /ro is read-only");
    expect(f.fix).toMatch(/^pass --stage-dir DIR or set VAR/);
    const parse = findingFromError(configParseError("/etc/o.json", 3, 7, "unexpected }"));
    expect(parse).toMatchObject({ id: "config-parse-error", subject: "/etc/o.json" });
    expect(parse.fix).toBe("fix the syntax at that position.");
    expect(parse.title).toBe("/etc/o.json:3:7: not valid JSON5: unexpected }.");
  });
});

describe("status.json, read defensively", () => {
  const facts = (value: unknown) =>
    statusFactsFrom("/s.json", typeof value === "string" ? value : JSON.stringify(value));

  it("reads finishedAt (ISO or epoch ms) and interval (seconds, or a duration text)", () => {
    expect(facts({ lastPass: { finishedAt: "2026-03-04T10:00:00.000Z" }, interval: "15m" })).toEqual({
      file: "/s.json",
      finishedAtMs: Date.parse("2026-03-04T10:00:00.000Z"),
      intervalMs: 900_000,
    });
    expect(facts({ lastPass: { finishedAt: 1772618400000 }, interval: 900 })?.intervalMs).toBe(900_000);
    expect(facts({ lastPass: { finishedAt: 1772618400000 }, intervalMs: 5000 })?.intervalMs).toBe(5000);
  });

  it("anything else is no status at all", () => {
    for (const bad of [
      "{not json",
      "[]",
      "null",
      {},
      { lastPass: null, interval: "15m" },
      { lastPass: { finishedAt: "yesterday" }, interval: "15m" },
      { lastPass: { finishedAt: "2026-03-04T10:00:00Z" } },
      { lastPass: { finishedAt: "2026-03-04T10:00:00Z" }, interval: "often" },
      { lastPass: { finishedAt: "2026-03-04T10:00:00Z" }, interval: 0 },
      { lastPass: { finishedAt: -5 }, interval: 1000 },
    ]) {
      expect(facts(bad), JSON.stringify(bad)).toBeNull();
    }
  });

  it("from disk: absent, a symlink, or a directory yield null", () => {
    const base = tempDir("status");
    expect(readStatusFacts(base)).toBeNull();
    const real = writeFile(
      path.join(base, "elsewhere.json"),
      JSON.stringify({ lastPass: { finishedAt: 1 }, interval: 1 }),
    );
    fs.mkdirSync(path.join(base, ".plugdeps"));
    fs.symlinkSync(real, path.join(base, ".plugdeps", "status.json"));
    expect(readStatusFacts(base)).toBeNull();
    fs.unlinkSync(path.join(base, ".plugdeps", "status.json"));
    writeFile(
      path.join(base, ".plugdeps", "status.json"),
      JSON.stringify({ lastPass: { finishedAt: 1000 }, interval: 10 }),
    );
    expect(readStatusFacts(base)).toMatchObject({ finishedAtMs: 1000, intervalMs: 10_000 });
    expect(statusStaleness(1000, 10, 1021).stale).toBe(true);
    expect(statusStaleness(1000, 10, 1020).stale).toBe(false);
  });
});
