import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { ReconcileStatus } from "../../src/model/status.js";
import { DoctorReport, type Finding } from "../../src/model/doctor.js";
import { configFixture, describeRun, snapshotTree } from "../support/cli.js";
import {
  type ApplySandbox,
  commonArgs,
  makeApplySandbox,
  planJson,
  run,
  spawnLines,
} from "../support/apply.js";
import { writeOwnedRoot } from "../support/trees.js";
import { readOwnKernelScope } from "../../src/util/process-info.js";
import { readOnlyMountUnavailable, runCliReadOnly, runsHere } from "../support/readonly-mount.js";

/**
 * `plugdeps doctor [--fix]` end to end on a copy of the demo host and stage, with one of every
 * finding kind built in: the demo's legacy debris, invalid manifests, rejected specs and conflict,
 * plus a missing root, a root beyond retention, stale locks (beside the root being converged and
 * beside a retained previous root), a stale reconcile status and dangling global symlinks.
 * `--fix` runs a real apply against the local registry.
 */

const CONFIG = configFixture("demo.json5");
const HOURS = 3_600_000;

/** A pid that belonged to a process that has exited (a lock holder that died). */
const deadPid = (): number => {
  const child = spawnSync(process.execPath, ["-e", ""]);
  if (child.pid === undefined) throw new Error("could not spawn a child for a dead pid");
  return child.pid;
};

const writeStaleLock = (root: string): string => {
  const lock = `${root}.lock`;
  fs.mkdirSync(lock, { recursive: true });
  const owner = {
    pid: deadPid(),
    hostname: os.hostname(),
    starttime: 12345,
    createdAt: Date.now() - HOURS,
    command: "plugdeps apply",
    // this boot and PID namespace: the dead pid is judged here (stale at once)
    ...readOwnKernelScope(),
  };
  fs.writeFileSync(path.join(lock, "owner.json"), `${JSON.stringify(owner)}\n`);
  return lock;
};

interface Situation {
  readonly sb: ApplySandbox;
  readonly targetRoot: string;
  readonly staleRoot: string;
  readonly retainedRoot: string;
  readonly locks: readonly string[];
  readonly symlinks: readonly string[];
  readonly status: string;
}

const buildSituation = async (): Promise<Situation> => {
  const sb = makeApplySandbox("pnpm", { stage: "demo" });
  const plan = await planJson(sb, CONFIG);
  const packageRoot = fs.realpathSync(sb.host);
  // Two earlier roots of THIS install: with the default retention of 1 the newer is kept for
  // rollback and the older is beyond retention.
  const retainedRoot = writeOwnedRoot(sb.stage, "openclaw-2026.4.10-aaaaaaaaaaaa", {
    hostName: "openclaw",
    hostVersion: "2026.4.10",
    packageRoot,
    updatedAt: "2026-04-10T00:00:00.000Z",
  });
  const staleRoot = writeOwnedRoot(sb.stage, "openclaw-2026.4.1-bbbbbbbbbbbb", {
    hostName: "openclaw",
    hostVersion: "2026.4.1",
    packageRoot,
    updatedAt: "2026-04-01T00:00:00.000Z",
  });
  const locks = [writeStaleLock(plan.desired.targetRoot), writeStaleLock(retainedRoot)];
  // The reconcile loop's record (src/model/status.ts): last pass three hours ago, every 15 minutes.
  const status = path.join(sb.stage, ".plugdeps", "status.json");
  const finishedAt = new Date(Date.now() - 3 * HOURS).toISOString();
  const record: ReconcileStatus = {
    formatVersion: 1,
    host: { name: "openclaw", version: "2026.4.29", packageRoot, adapter: "openclaw" },
    root: plan.desired.targetRoot,
    updatedAt: finishedAt,
    lastPass: {
      startedAt: finishedAt,
      finishedAt,
      outcome: "Converged",
      actions: { reuse: 0, install: 0, prune: 0, cleanLegacy: 0 },
    },
    interval: 900,
    conditions: [],
  };
  expect(ReconcileStatus.is(record)).toBe(true);
  fs.mkdirSync(path.dirname(status), { recursive: true });
  fs.writeFileSync(status, `${JSON.stringify(record, null, 2)}\n`);
  // Global symlinks into stage trees that no longer exist (openclaw #76466), top level and scoped.
  const globalModules = path.dirname(sb.host);
  const gone = sb.at("old", "plugin-runtime-deps", "openclaw-2026.3.1-cccccccccccc", "node_modules");
  fs.mkdirSync(path.join(globalModules, "@fixture"), { recursive: true });
  const symlinks = [path.join(globalModules, "ghost-top"), path.join(globalModules, "@fixture", "ghost")];
  fs.symlinkSync(path.join(gone, "ghost-top"), symlinks[0] ?? "");
  fs.symlinkSync(path.join(gone, "@fixture", "ghost"), symlinks[1] ?? "");
  return { sb, targetRoot: plan.desired.targetRoot, staleRoot, retainedRoot, locks, symlinks, status };
};

const decodeReport = (text: string): DoctorReport => {
  const decoded = DoctorReport.decode(JSON.parse(text));
  if (E.isLeft(decoded)) throw new Error(`doctor --json does not decode:\n${text}`);
  return decoded.right;
};

const ids = (findings: readonly Finding[]): string[] => [...new Set(findings.map((f) => f.id))].sort();
const subjects = (findings: readonly Finding[], id: string): string[] =>
  findings
    .filter((f) => f.id === id)
    .map((f) => f.subject ?? "")
    .sort();

const doctor = (sb: ApplySandbox, ...extra: string[]) =>
  run(sb, ["doctor", ...commonArgs(sb, CONFIG), ...extra]);

describe("doctor finds each kind of problem and writes nothing", () => {
  it("reports every finding kind, read-only, with exit 1 for the missing root", async () => {
    const s = await buildSituation();
    const before = snapshotTree(s.sb.root);

    const json = await doctor(s.sb, "--json");
    expect(json.exitCode, describeRun(json)).toBe(1);
    const report = decodeReport(json.stdout);
    expect(ids(report.findings)).toEqual([
      "conflict-isolated",
      "dangling-global-symlink",
      "dependency-spec-rejected",
      // OpenClaw 2026.4.29 reads only its own root name, not there yet
      "host-root-not-in-place",
      "legacy-debris",
      "materialization-missing",
      "plugin-manifest-invalid",
      "reconcile-status-stale",
      "stale-lock",
      "stale-root",
      "unmanaged",
    ]);
    expect(report.findings[0]).toMatchObject({
      id: "materialization-missing",
      severity: "error",
      fixable: true,
    });
    expect(subjects(report.findings, "stale-root")).toEqual([s.staleRoot]);
    expect(subjects(report.findings, "stale-lock")).toEqual([...s.locks].sort());
    expect(subjects(report.findings, "dangling-global-symlink")).toEqual([...s.symlinks].sort());
    expect(subjects(report.findings, "reconcile-status-stale")).toEqual([s.status]);
    expect(subjects(report.findings, "legacy-debris")).toHaveLength(5);
    // a name OpenClaw never produces: reported, left alone
    expect(subjects(report.findings, "unmanaged")).toEqual([
      path.join(s.sb.stage, "openclaw-2026.4.18-1713900000"),
    ]);
    expect(subjects(report.findings, "plugin-manifest-invalid").map((d) => path.basename(d))).toEqual([
      "broken",
      "legacy-json",
    ]);
    expect(subjects(report.findings, "dependency-spec-rejected")).toEqual([
      "irc:../../escape",
      "irc:irc-fixture-client",
    ]);
    expect(report.findings.find((f) => f.id === "conflict-isolated")).toMatchObject({
      severity: "info",
      subject: "@fixture/markdown",
    });
    expect(report.findings.find((f) => f.id === "host-root-not-in-place")).toMatchObject({
      severity: "error",
      fixable: true,
      title: "the root the host reads is not in place: it does not exist yet",
    });
    expect(report.fix).toBeNull();
    expect(report.summary.errors).toBe(2);

    const human = await doctor(s.sb);
    expect(human.exitCode).toBe(1);
    expect(human.stdout).toMatch(
      /^✗ error {2}the dependency root openclaw-2026\.4\.29-\w+ does not exist {2}\[materialization-missing\]$/m,
    );
    expect(human.stdout).toMatch(
      /^Doctor: 2 errors, \d+ warnings, 2 info\. \d+ fixable with `plugdeps doctor --fix`\.$/m,
    );

    // Read-only: no write, no lock, no package manager (openclaw #71743).
    expect(snapshotTree(s.sb.root)).toEqual(before);
    expect(spawnLines(s.sb)).toEqual([]);
  });

  it("no writable stage base is an error finding, and --fix says it cannot help", async () => {
    const sb = makeApplySandbox("pnpm");
    const file = sb.at("a-file");
    fs.writeFileSync(file, "");
    const args = [
      "doctor",
      "--package-root",
      sb.host,
      "--config",
      CONFIG,
      "--stage-dir",
      path.join(file, "deps"),
    ];
    const r = await run(sb, [...args, "--json"]);
    expect(r.exitCode, describeRun(r)).toBe(1);
    const report = decodeReport(r.stdout);
    expect(report.findings.map((f) => [f.id, f.severity, f.fixable])).toEqual([
      ["no-writable-stage-base", "error", false],
    ]);
    expect(report.findings[0]?.detail).toContain("a-file is not a directory");
    expect(report.findings[0]?.fix).toContain("--stage-dir");
    expect(report.host).toBeNull();

    const fixed = await run(sb, [...args, "--fix"]);
    expect(fixed.exitCode).toBe(1);
    expect(fixed.stdout).toContain("nothing can be fixed before plugdeps can observe the host");
    expect(fixed.stdout).toMatch(/^Not fixed \(1; see the fixes above\):/m);
    expect(fixed.stderr).toBe("");
  });
});

describe("doctor --fix", () => {
  it("fixes what is safe through apply and the lock, reports what it cannot, then exits 0", async () => {
    const s = await buildSituation();
    const r = await doctor(s.sb, "--fix", "--json");
    expect(r.exitCode, describeRun(r)).toBe(0);
    const report = decodeReport(r.stdout);
    const fix = report.fix;
    if (fix === null) throw new Error("no fix outcome");
    expect(ids(fix.fixed)).toEqual([
      "host-root-not-in-place",
      "legacy-debris",
      "materialization-missing",
      "stale-lock",
      "stale-root",
    ]);
    // what is left is what doctor cannot fix from here, or leaves alone on purpose: dangling global
    // symlinks (no OpenClaw doctor removes them; the finding carries the command)
    expect(ids(fix.notFixed)).toEqual([
      "dangling-global-symlink",
      "dependency-spec-rejected",
      "plugin-manifest-invalid",
      "reconcile-status-stale",
    ]);
    expect(fix.notFixed.every((f) => !f.fixable)).toBe(true);
    expect(fix.applied).toMatchObject({ cleanLegacy: 5, prune: 1 });
    expect(fix.messages.join("\n")).toMatch(
      /reclaimed the stale lock .*openclaw-2026\.4\.10-aaaaaaaaaaaa\.lock/,
    );

    // on disk
    expect(fs.existsSync(path.join(fs.realpathSync(s.targetRoot), ".plugdeps", "state.json"))).toBe(true);
    expect(fs.existsSync(s.staleRoot)).toBe(false);
    expect(fs.existsSync(s.retainedRoot)).toBe(true);
    for (const lock of s.locks) expect(fs.existsSync(lock), lock).toBe(false);
    for (const link of s.symlinks) expect(isLink(link), link).toBe(true);
    expect(fs.existsSync(path.join(s.sb.stage, "acme-0.9.0-aaaaaaaaaaaa")), "another host's root").toBe(true);

    // and a second doctor agrees: nothing fixable left
    const again = await doctor(s.sb, "--json");
    expect(again.exitCode, describeRun(again)).toBe(0);
    expect(decodeReport(again.stdout).summary).toMatchObject({ errors: 0, fixable: 0 });
  });

  it("with the host on a read-only mount: host debris is reported with the command, the rest is fixed", async (ctx) => {
    const s = await buildSituation();
    if (!runsHere(ctx, "the read-only host doctor test", await readOnlyMountUnavailable(s.sb.at("ro-probe"))))
      return;
    const hostBefore = snapshotTree(s.sb.host);
    const r = await runCliReadOnly(s.sb, s.sb.host, [
      "doctor",
      ...commonArgs(s.sb, CONFIG),
      "--fix",
      "--json",
    ]);
    expect(r.exitCode, describeRun(r)).toBe(0);
    const fix = decodeReport(r.stdout).fix;
    if (fix === null) throw new Error("no fix outcome");
    const readOnlyDebris = fix.notFixed.filter((f) => f.id === "legacy-debris");
    expect(readOnlyDebris.map((f) => path.relative(s.sb.host, f.subject ?? "")).sort()).toEqual([
      "dist/extensions/matrix/.openclaw-install-stage-1714000000",
      "dist/extensions/matrix/.openclaw-runtime-deps.json",
      "dist/extensions/matrix/node_modules",
      "dist/extensions/telegram/.openclaw-runtime-deps-stamp.json",
    ]);
    for (const f of readOnlyDebris) {
      expect(f.fixable).toBe(false);
      expect(f.fix).toMatch(/^rm -(rf|f) -- '/);
    }
    // the stage's debris, the stale root and locks, the materialization: fixed
    expect(ids(fix.fixed)).toEqual(
      expect.arrayContaining(["legacy-debris", "materialization-missing", "stale-lock", "stale-root"]),
    );
    expect(snapshotTree(s.sb.host)).toEqual(hostBefore);
  });
});

const isLink = (p: string): boolean => {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
};
