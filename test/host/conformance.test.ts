import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OPENCLAW_VERSIONS, versionDir } from "../../scripts/fetch-openclaw.mjs";
import { execa } from "execa";
import { CLI, REPO_ROOT, cliEnv } from "../support/cli.js";
import { findNode22 } from "../support/node22.js";
import { CASES, type HostCase } from "./cases.js";
import { DELIBERATE_DIFFERENCES, type DeliberateDifference } from "./deliberate-differences.js";

/**
 * `npm run test:host`: plugdeps' plugin selection held against OpenClaw's OWN selection code.
 *
 * For every pinned OpenClaw version (scripts/fetch-openclaw.mjs) and every case (cases.ts), the
 * built CLI plans (`plugdeps plan --json --host openclaw --package-root <real package>`) and the
 * oracle (oracle/select.mjs, one Node 22 process per version) calls OpenClaw's selection function.
 * The unit compared is a map plugin -> sorted `name@spec` list, restricted to plugins with at least
 * one dependency (a plugin without dependencies is invisible to the oracle):
 * - oracle: deps[].pluginIds and conflicts[].pluginIdsByVersion of the doctor / `plugins deps`
 *   selection, united with the gateway startup's selection where the oracle can run it;
 * - plugdeps: plan.plugins[] with active: true and their `dependencies`, keyed by their directory
 *   under dist/extensions (OpenClaw's key: kimi-coding's manifest id is kimi), else by id
 *   (`openclaw-core`, the mirrored root dependencies).
 * A version without bundled staging (>= 2026.5.2, no oracle) must get a plan that desires nothing
 * and warns. Deliberate differences: deliberate-differences.ts (plugdeps-extra only).
 */

const CLI_CONCURRENCY = 3;
/** The CLI under test: the build of this tree, or another build (e.g. an older commit's, for a before/after table). */
const PLUGDEPS_CLI = process.env["PLUGDEPS_HOST_CLI"] ? path.resolve(process.env["PLUGDEPS_HOST_CLI"]) : CLI;
const REPORT = path.join(REPO_ROOT, ".cache", "host-report.json");
const ORACLE = path.join(REPO_ROOT, "test", "host", "oracle", "select.mjs");

// ---------------------------------------------------------------------------------------------
// Shapes

interface OracleDep {
  readonly name: string;
  readonly version: string;
  readonly pluginIds: readonly string[];
}
interface OracleConflict {
  readonly name: string;
  readonly versions: readonly string[];
  readonly pluginIdsByVersion: Readonly<Record<string, readonly string[]>>;
}
interface OracleResult {
  readonly deps: readonly OracleDep[];
  readonly conflicts: readonly OracleConflict[];
  readonly error?: string;
}
interface OracleCase {
  readonly name: string;
  readonly doctor: OracleResult | null;
  readonly gateway?: OracleResult | null;
}
interface OracleOutput {
  readonly version: string;
  readonly node: string;
  readonly oracles: Readonly<Record<string, unknown>>;
  readonly results: readonly OracleCase[];
}

interface PlanPlugin {
  readonly id: string;
  readonly dir: string;
  readonly active: boolean;
  readonly reason: string;
  readonly dependencies: Readonly<Record<string, string>>;
}
interface PlanJson {
  readonly host: { readonly packageRoot: string; readonly version: string };
  readonly warnings?: readonly unknown[];
  readonly plugins: readonly PlanPlugin[];
  readonly desired: {
    readonly sets: readonly { readonly id: string; readonly packages: readonly unknown[] }[];
  };
}

type Selection = Map<string, string[]>;
type Direction = "plugdeps-missing" | "plugdeps-extra";

interface Disagreement {
  readonly version: string;
  readonly case: string;
  readonly plugin: string;
  readonly direction: Direction;
  readonly oracle: readonly string[] | null;
  readonly plugdeps: readonly string[] | null;
  readonly plugdepsReason: string | null;
  readonly excusedBy: DeliberateDifference | null;
}

interface CaseOutcome {
  readonly version: string;
  readonly case: string;
  /** Problems that are not plugin disagreements: a failed plan, an oracle error, a 5.2 violation. */
  readonly failures: readonly string[];
  readonly disagreements: readonly Disagreement[];
}

// ---------------------------------------------------------------------------------------------
// Selections

const addSpec = (selection: Selection, plugin: string, spec: string): void => {
  const specs = selection.get(plugin) ?? [];
  if (!specs.includes(spec)) specs.push(spec);
  selection.set(plugin, specs);
};

const sortSelection = (selection: Selection): Selection =>
  new Map([...selection.entries()].map(([plugin, specs]) => [plugin, [...specs].sort()] as const));

const oracleSelection = (results: readonly OracleResult[]): Selection => {
  const selection: Selection = new Map();
  for (const result of results) {
    for (const dep of result.deps) {
      for (const plugin of dep.pluginIds) addSpec(selection, plugin, `${dep.name}@${dep.version}`);
    }
    for (const conflict of result.conflicts) {
      for (const [version, plugins] of Object.entries(conflict.pluginIdsByVersion)) {
        for (const plugin of plugins) addSpec(selection, plugin, `${conflict.name}@${version}`);
      }
    }
  }
  return sortSelection(selection);
};

/** The plugin's key as OpenClaw names it: its directory under dist/extensions, else its id. */
const pluginKey = (plan: PlanJson, plugin: PlanPlugin): string => {
  const extensions = path.join(plan.host.packageRoot, "dist", "extensions");
  const relative = path.relative(extensions, plugin.dir);
  if (
    plugin.dir &&
    relative &&
    !relative.startsWith("..") &&
    !path.isAbsolute(relative) &&
    !relative.includes(path.sep)
  ) {
    return relative;
  }
  return plugin.id;
};

const plugdepsSelection = (plan: PlanJson): { selection: Selection; reasons: Map<string, string> } => {
  const selection: Selection = new Map();
  const reasons = new Map<string, string>();
  for (const plugin of plan.plugins) {
    const key = pluginKey(plan, plugin);
    reasons.set(key, `${plugin.active ? "active" : "inactive"}: ${plugin.reason}`);
    if (!plugin.active) continue;
    for (const [name, spec] of Object.entries(plugin.dependencies))
      addSpec(selection, key, `${name}@${spec}`);
  }
  return { selection: sortSelection(selection), reasons };
};

const excuse = (version: string, caseName: string, plugin: string, direction: Direction) =>
  direction === "plugdeps-extra"
    ? (DELIBERATE_DIFFERENCES.find(
        (d) => d.version === version && (d.case === caseName || d.case === "*") && d.plugin === plugin,
      ) ?? null)
    : null;

const compare = (
  version: string,
  caseName: string,
  oracle: Selection,
  plugdeps: Selection,
  reasons: Map<string, string>,
): Disagreement[] => {
  const out: Disagreement[] = [];
  const plugins = [...new Set([...oracle.keys(), ...plugdeps.keys()])].sort();
  for (const plugin of plugins) {
    const o = oracle.get(plugin) ?? null;
    const p = plugdeps.get(plugin) ?? null;
    if (o && p && o.join("\n") === p.join("\n")) continue;
    // plugdeps lacks a spec (or the whole plugin) OpenClaw selects: missing. Otherwise plugdeps
    // selects a strict superset of what OpenClaw does: extra.
    const missing = o !== null && (p === null || o.some((spec) => !p.includes(spec)));
    const direction: Direction = missing ? "plugdeps-missing" : "plugdeps-extra";
    out.push({
      version,
      case: caseName,
      plugin,
      direction,
      oracle: o,
      plugdeps: p,
      plugdepsReason: reasons.get(plugin) ?? null,
      excusedBy: excuse(version, caseName, plugin, direction),
    });
  }
  return out;
};

// ---------------------------------------------------------------------------------------------
// Running things

const scratch = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "plugdeps-host-")));

const runOracle = (node: string, version: string, cases: readonly HostCase[]): Promise<OracleOutput> => {
  const casesFile = path.join(scratch, `oracle-cases-${version}.json`);
  fs.writeFileSync(casesFile, JSON.stringify(cases.map(({ name, config }) => ({ name, config }))));
  const home = fs.mkdtempSync(path.join(scratch, "oracle-home-"));
  return new Promise((resolve, reject) => {
    const child = spawn(node, [ORACLE, versionDir(version), casesFile], {
      cwd: scratch,
      // PATH holds only Node 22's own bin dir (no npm, no pnpm): whatever path OpenClaw's code takes,
      // the oracle can never start a package manager of its own (OpenClaw's loader does, on a miss).
      env: { PATH: path.dirname(node), HOME: home, NO_COLOR: "1", LANG: "C.UTF-8" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    // Generous: on a loaded 2-core machine the oracle of 4.30-beta.1 took more than 180 s once.
    const timer = setTimeout(() => child.kill("SIGKILL"), 360_000);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) {
        reject(new Error(`oracle for ${version} failed (exit ${code ?? signal}):\n${stderr}${stdout}`));
        return;
      }
      try {
        resolve(JSON.parse(stdout) as OracleOutput);
      } catch (error) {
        reject(new Error(`oracle for ${version} printed no JSON (${String(error)}):\n${stderr}${stdout}`));
      }
    });
  });
};

interface PlanRun {
  readonly plan: PlanJson | null;
  readonly failure: string | null;
}

const runPlan = async (version: string, index: number, hostCase: HostCase): Promise<PlanRun> => {
  const dir = path.join(scratch, version, String(index));
  fs.mkdirSync(path.join(dir, "home"), { recursive: true });
  fs.mkdirSync(path.join(dir, "stage"), { recursive: true });
  const config = path.join(dir, "openclaw.json");
  fs.writeFileSync(config, `${JSON.stringify(hostCase.config, null, 2)}\n`);
  const packageRoot = path.join(versionDir(version), "package");
  const args = ["plan", "--json", "--host", "openclaw", "--package-root", packageRoot];
  const run = await execa(
    process.execPath,
    [PLUGDEPS_CLI, ...args, "--config", config, "--stage-dir", path.join(dir, "stage")],
    // The environment is built from scratch (test/support/cli.ts): HOME a temp dir, no OPENCLAW_*,
    // STATE_DIRECTORY or npm_config_* from the developer's shell.
    {
      reject: false,
      extendEnv: false,
      env: cliEnv(path.join(dir, "home")),
      cwd: dir,
      stdin: "ignore",
      timeout: 120_000,
    },
  );
  if (run.timedOut) return { plan: null, failure: "plugdeps plan timed out" };
  // plan exits 0 (or 2 with --detailed-exitcode, not used here); anything else is a failed plan.
  if (run.exitCode !== 0)
    return { plan: null, failure: `plugdeps plan exited ${run.exitCode}: ${run.stderr.trim()}` };
  try {
    return { plan: JSON.parse(run.stdout) as PlanJson, failure: null };
  } catch (error) {
    return {
      plan: null,
      failure: `plugdeps plan printed no JSON (${String(error)}): ${run.stdout.slice(0, 500)}`,
    };
  }
};

const mapLimit = async <T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>) => {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
};

// ---------------------------------------------------------------------------------------------
// Judging one case

const judge = (version: string, hostCase: HostCase, run: PlanRun, oracle: OracleCase | null): CaseOutcome => {
  const failures: string[] = [];
  if (!run.plan)
    return { version, case: hostCase.name, failures: [run.failure ?? "no plan"], disagreements: [] };
  const plan = run.plan;
  if (plan.host.version !== version) failures.push(`plan says host version ${plan.host.version}`);
  const { selection, reasons } = plugdepsSelection(plan);

  if (!oracle)
    return { version, case: hostCase.name, failures: ["the oracle returned no result"], disagreements: [] };
  if (oracle.doctor === null) {
    // No bundled staging in this version (>= 2026.5.2): desire nothing, and say so.
    for (const [plugin, specs] of selection)
      failures.push(`active plugin with dependencies: ${plugin} (${specs.join(", ")})`);
    for (const set of plan.desired.sets) {
      if (set.packages.length > 0) failures.push(`desired set ${set.id} has ${set.packages.length} packages`);
    }
    if (plan.warnings !== undefined && plan.warnings.length === 0)
      failures.push("the plan carries no warning");
    return { version, case: hostCase.name, failures, disagreements: [] };
  }

  const results = [oracle.doctor, ...(oracle.gateway ? [oracle.gateway] : [])];
  for (const [label, result] of [
    ["doctor", oracle.doctor],
    ["gateway", oracle.gateway ?? null],
  ] as const) {
    if (result?.error) failures.push(`oracle (${label}) threw: ${result.error}`);
  }
  const disagreements = compare(version, hostCase.name, oracleSelection(results), selection, reasons);
  return { version, case: hostCase.name, failures, disagreements };
};

const describeOutcome = (outcome: CaseOutcome): string => {
  const lines = [`${outcome.version} / ${outcome.case}`];
  for (const failure of outcome.failures) lines.push(`  ! ${failure}`);
  for (const d of outcome.disagreements.filter((x) => !x.excusedBy)) {
    lines.push(`  ${d.direction === "plugdeps-missing" ? "-" : "+"} ${d.plugin} (${d.direction})`);
    lines.push(`      openclaw: ${d.oracle ? d.oracle.join(", ") : "not selected"}`);
    lines.push(`      plugdeps: ${d.plugdeps ? d.plugdeps.join(", ") : "not selected"}`);
    if (d.plugdepsReason) lines.push(`      plugdeps reason: ${d.plugdepsReason}`);
  }
  return lines.join("\n");
};

// ---------------------------------------------------------------------------------------------
// The suite

const outcomes = new Map<string, CaseOutcome[]>();
const oracleInfo = new Map<string, OracleOutput>();

afterAll(() => {
  const perVersion = OPENCLAW_VERSIONS.filter((v) => outcomes.has(v)).map((version) => {
    const list = outcomes.get(version) ?? [];
    const live = (o: CaseOutcome) => o.failures.length === 0 && o.disagreements.every((d) => d.excusedBy);
    const all = list.flatMap((o) => o.disagreements);
    return {
      version,
      oracle: oracleInfo.get(version)?.oracles ?? null,
      cases: list.length,
      agreeing: list.filter(live).length,
      failedCases: list.filter((o) => o.failures.length > 0).length,
      pluginCaseMissing: all.filter((d) => d.direction === "plugdeps-missing").length,
      pluginCaseExtra: all.filter((d) => d.direction === "plugdeps-extra" && !d.excusedBy).length,
      pluginCaseExcused: all.filter((d) => d.excusedBy).length,
      outcomes: list.filter((o) => !live(o) || o.disagreements.length > 0),
    };
  });
  const used = new Set(
    perVersion.flatMap((v) => v.outcomes.flatMap((o) => o.disagreements.map((d) => d.excusedBy))),
  );
  const stale = DELIBERATE_DIFFERENCES.filter((d) => outcomes.has(d.version) && !used.has(d));
  fs.mkdirSync(path.dirname(REPORT), { recursive: true });
  fs.writeFileSync(
    REPORT,
    `${JSON.stringify({ generatedAt: new Date().toISOString(), versions: perVersion, staleDeliberateDifferences: stale }, null, 2)}\n`,
  );
  const rows = perVersion.map(
    (v) =>
      `| ${v.version.padEnd(17)}| ${`${v.agreeing}/${v.cases}`.padEnd(9)}| ${String(v.failedCases).padEnd(7)}| ${String(v.pluginCaseMissing).padEnd(9)}| ${String(v.pluginCaseExtra).padEnd(7)}| ${String(v.pluginCaseExcused).padEnd(8)}|`,
  );
  console.log(
    [
      "OpenClaw conformance (plugin x case disagreements):",
      "| version          | agree    | failed | missing  | extra  | excused |",
      "|------------------|----------|--------|----------|--------|---------|",
      ...rows,
      `report: ${path.relative(REPO_ROOT, REPORT)}`,
    ].join("\n"),
  );
  fs.rmSync(scratch, { recursive: true, force: true });
});

describe("deliberate differences", () => {
  it("lists only plugdeps-extra entries for known versions and cases", () => {
    const names = new Set(CASES.map((c) => c.name));
    for (const d of DELIBERATE_DIFFERENCES) {
      expect(d.direction, JSON.stringify(d)).toBe("plugdeps-extra");
      expect(OPENCLAW_VERSIONS, JSON.stringify(d)).toContain(d.version);
      if (d.case !== "*") expect(names.has(d.case), `unknown case in ${JSON.stringify(d)}`).toBe(true);
      expect(d.reason.trim().length, `no reason in ${JSON.stringify(d)}`).toBeGreaterThan(10);
    }
  });

  it("has unique case names", () => {
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
    expect(CASES.length).toBeGreaterThanOrEqual(60);
  });
});

describe.each(OPENCLAW_VERSIONS.map((v) => [v]))("openclaw@%s", (version) => {
  beforeAll(async () => {
    const marker = path.join(versionDir(version), ".complete");
    if (!fs.existsSync(marker)) {
      throw new Error(
        `openclaw@${version} is not fetched (${marker}): run \`node scripts/fetch-openclaw.mjs\``,
      );
    }
    const node22 = findNode22();
    if (!("node" in node22)) throw new Error(`the oracle needs Node 22: ${node22.missing}`);
    const [oracle, runs] = await Promise.all([
      runOracle(node22.node, version, CASES),
      mapLimit(CASES, CLI_CONCURRENCY, (hostCase, i) => runPlan(version, i, hostCase)),
    ]);
    oracleInfo.set(version, oracle);
    if (oracle.version !== version) throw new Error(`the oracle loaded openclaw@${oracle.version}`);
    const byName = new Map(oracle.results.map((r) => [r.name, r] as const));
    outcomes.set(
      version,
      CASES.map((hostCase, i) =>
        judge(version, hostCase, runs[i] as PlanRun, byName.get(hostCase.name) ?? null),
      ),
    );
  }, 600_000);

  it("no deliberate difference for this version is stale", () => {
    const list = outcomes.get(version) ?? [];
    const used = new Set(list.flatMap((o) => o.disagreements.map((d) => d.excusedBy)));
    const stale = DELIBERATE_DIFFERENCES.filter((d) => d.version === version && !used.has(d));
    expect(stale, "deliberate differences that no longer occur: remove them").toEqual([]);
  });

  it.each(CASES.map((c) => [c.name]))("%s", (name) => {
    const outcome = (outcomes.get(version) ?? []).find((o) => o.case === name);
    expect(outcome, "no outcome: the beforeAll failed").toBeDefined();
    if (!outcome) return;
    const unexcused = outcome.failures.length + outcome.disagreements.filter((d) => !d.excusedBy).length;
    expect(unexcused, describeOutcome(outcome)).toBe(0);
  });
});
