import * as fs from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { APPLY_TIMEOUT_MS } from "../support/apply.js";
import { describeRun, NO_CHANGES, runCli, type RunResult, targetArgs } from "../support/cli.js";
import { env, makeReconcileSandbox, type ReconcileSandbox, setPlugins } from "./reconcile-support.js";

/**
 * Issue 16 item 4: one voice in every output (docs/log-events.md), for EVERY command, through the
 * BUILT CLI against the local registry:
 *
 * (a) `--log-format json`: every line of stdout and stderr is a JSON object with string `event`,
 *     `level` and `time`; an installing apply emits `apply.step` events and `apply.complete`; a
 *     failing command emits `event: "error"` with its `tag`; with `--json` too, stdout is the
 *     document alone and progress is on stderr as JSON lines.
 * (b) `--quiet`: no progress and no informational lines; warnings, errors and the result remain
 *     (apply and rollback: exactly their one result line; a report: the report, whole).
 * (c) not a TTY: no ESC anywhere; FORCE_COLOR=1: color (SGR) only, never a cursor movement;
 *     NO_COLOR=1 or --no-color over FORCE_COLOR=1: none.
 */

const ESC = "\u001b";
const SGR = /\u001b\[[0-9;]*m/g; // eslint-disable-line no-control-regex -- the point of the test
const LEVELS = ["debug", "info", "warn", "error"];
/** No NO_COLOR (cliEnv sets NO_COLOR=1): a pipe must be plain on its own. */
const PLAIN = { NO_COLOR: "" };
const FORCE = { NO_COLOR: "", FORCE_COLOR: "1" };
const FORCE_BUT_NO_COLOR = { NO_COLOR: "1", FORCE_COLOR: "1" };

type Event = Record<string, unknown> & { readonly stream: "stdout" | "stderr" };

/** Every line of both streams as a JSON event (or stdout as one document with `document`). */
const jsonEvents = (r: RunResult, options: { readonly document?: boolean } = {}): Event[] => {
  const events: Event[] = [];
  for (const [stream, text] of [
    ["stdout", r.stdout],
    ["stderr", r.stderr],
  ] as const) {
    if (stream === "stdout" && options.document === true) {
      expect(() => JSON.parse(text) as unknown, describeRun(r)).not.toThrow();
      continue;
    }
    if (text === "") continue;
    expect(text.endsWith("\n"), describeRun(r)).toBe(true);
    for (const line of text.slice(0, -1).split("\n")) {
      let parsed: unknown;
      expect(
        () => (parsed = JSON.parse(line)),
        `${stream} line is not JSON: ${line}\n${describeRun(r)}`,
      ).not.toThrow();
      const e = parsed as Record<string, unknown>;
      expect(typeof e["event"], line).toBe("string");
      expect(typeof e["level"], line).toBe("string");
      expect(LEVELS, line).toContain(e["level"]);
      expect(typeof e["time"], line).toBe("string");
      expect(new Date(e["time"] as string).toISOString(), line).toBe(e["time"]);
      expect(typeof e["msg"], line).toBe("string");
      events.push({ ...e, stream });
    }
  }
  return events;
};

const named = (events: readonly Event[], name: string): Event[] => events.filter((e) => e["event"] === name);

const expectNoEscape = (r: RunResult): void => {
  expect(r.stdout, describeRun(r)).not.toContain(ESC);
  expect(r.stderr, describeRun(r)).not.toContain(ESC);
};

/** Color only: every ESC starts an SGR sequence, and no carriage return redraws a line. */
const expectColorOnly = (r: RunResult, colored: boolean): void => {
  const all = r.stdout + r.stderr;
  expect(all.replace(SGR, ""), describeRun(r)).not.toContain(ESC);
  expect(all, describeRun(r)).not.toContain("\r");
  if (colored) expect(all, describeRun(r)).toMatch(SGR);
};

let sb: ReconcileSandbox;
const target = () => targetArgs({ host: sb.host, config: sb.config, stage: sb.stage, pm: "pnpm" });
const cliIn = (box: ReconcileSandbox, args: readonly string[], extraEnv: Record<string, string> = {}) =>
  runCli(args, { home: box.home, env: { ...env(box), ...extraEnv }, timeoutMs: APPLY_TIMEOUT_MS });
const cli = (args: readonly string[], extraEnv: Record<string, string> = {}) => cliIn(sb, args, extraEnv);

/** Each command, as the runs below call it: host options for those that take them. */
const COMMANDS: Record<string, () => string[]> = {
  plan: () => ["plan", ...target()],
  apply: () => ["apply", ...target()],
  show: () => ["show", sb.at("saved.plan")],
  status: () => ["status", ...target()],
  doctor: () => ["doctor", ...target(), "--no-host-check"],
  resolve: () => ["resolve", "--plugin", "solo", "@fixture/retry", ...target()],
  rollback: () => ["rollback", ...target()],
  units: () => ["units", ...target()],
  reconcile: () => ["reconcile", "--once", ...target()],
  completion: () => ["completion", "bash"],
};
/** A failing run of each command (a usage error, a missing file, a host that is not there). */
const FAILING: Record<string, () => string[]> = {
  plan: () => ["plan", "--package-root", sb.at("nowhere")],
  apply: () => ["apply", "--package-root", sb.at("nowhere"), "--stage-dir", sb.stage],
  show: () => ["show", sb.at("no.plan")],
  status: () => ["status", "--package-root", sb.at("nowhere")],
  doctor: () => ["doctor", ...target(), "--lock-timeout", "soon"],
  resolve: () => ["resolve", "--plugin", "nobody", "x", "--stage-dir", sb.stage],
  rollback: () => ["rollback", "--package-root", sb.at("nowhere"), "--stage-dir", sb.stage],
  units: () => ["units", ...target(), "--every", "soon"],
  reconcile: () => ["reconcile", "--once", ...target(), "--every", "0s"],
  completion: () => ["completion", "fish"],
};

/** The runs, in order (each apply and rollback changes the sandbox): name -> result. */
const runs = new Map<string, RunResult>();
const ran = (name: string): RunResult => {
  const r = runs.get(name);
  if (r === undefined) throw new Error(`no run ${name}`);
  return r;
};

/** The four ways of printing, for a command that does not change anything. */
const readOnlyVariants = async (name: string): Promise<void> => {
  const args = COMMANDS[name]?.() ?? [];
  runs.set(`${name} text`, await cli(args, PLAIN));
  runs.set(`${name} quiet`, await cli([...args, "--quiet"], PLAIN));
  runs.set(`${name} json`, await cli([...args, "--log-format", "json"], FORCE));
  runs.set(`${name} force`, await cli(args, FORCE));
  runs.set(`${name} force+NO_COLOR`, await cli(args, FORCE_BUT_NO_COLOR));
  runs.set(`${name} force+--no-color`, await cli([...args, "--no-color"], FORCE));
};

beforeAll(async () => {
  sb = makeReconcileSandbox(); // the minimal host, `solo` on (it needs @fixture/retry)
  const apply = COMMANDS["apply"]?.() ?? [];
  const rollback = COMMANDS["rollback"]?.() ?? [];
  const reconcile = COMMANDS["reconcile"]?.() ?? [];

  // plan before anything is installed (it has changes), and saved for show
  await readOnlyVariants("plan");
  runs.set(
    "plan json --json",
    await cli([...(COMMANDS["plan"]?.() ?? []), "--json", "--log-format", "json"]),
  );
  runs.set("plan --out", await cli([...(COMMANDS["plan"]?.() ?? []), "--out", sb.at("saved.plan")]));
  await readOnlyVariants("show");

  // apply: installing, then converged (the second and third no-ops answered from the stamp)
  runs.set("apply json", await cli([...apply, "--log-format", "json"]));
  runs.set("apply json noop", await cli([...apply, "--log-format", "json"]));
  runs.set("apply json noop again", await cli([...apply, "--log-format", "json"]));
  runs.set("apply quiet noop", await cli([...apply, "--quiet"]));
  setPlugins(sb, ["solo", "extra"]);
  runs.set("apply quiet", await cli([...apply, "--quiet"], PLAIN));
  setPlugins(sb, ["solo", "extra", "third"]);
  runs.set("apply force", await cli(apply, FORCE));
  setPlugins(sb, ["solo"]);
  runs.set("apply json --json", await cli([...apply, "--json", "--log-format", "json"]));
  setPlugins(sb, ["solo", "extra"]);
  runs.set("apply text", await cli(apply, PLAIN));
  setPlugins(sb, ["solo"]);
  runs.set("apply force+NO_COLOR", await cli(apply, FORCE_BUT_NO_COLOR));

  // rollback, each time after an apply that built a new generation (a rollback is not undone by
  // another rollback): the previous one is retained
  const ways: [string, string[], Record<string, string>][] = [
    ["json", ["--log-format", "json"], {}],
    ["quiet", ["--quiet"], PLAIN],
    ["force", [], FORCE],
    ["text", [], PLAIN],
    ["force+--no-color", ["--no-color"], FORCE],
  ];
  for (const [i, [way, flags, wayEnv]] of ways.entries()) {
    if (i > 0) {
      setPlugins(sb, i % 2 === 0 ? ["solo"] : ["solo", "extra", "third"]);
      runs.set(`apply again ${i}`, await cli(apply, PLAIN));
    }
    runs.set(`rollback ${way}`, await cli([...rollback, ...flags], wayEnv));
  }

  // reconcile --once: the first pass converges what the rollbacks left
  runs.set("reconcile json", await cli([...reconcile, "--log-format", "json"]));
  runs.set("reconcile quiet", await cli([...reconcile, "--quiet"], PLAIN));
  runs.set("reconcile force", await cli(reconcile, FORCE));
  runs.set("reconcile force+NO_COLOR", await cli(reconcile, FORCE_BUT_NO_COLOR));

  for (const name of ["status", "doctor", "resolve", "units", "completion"]) await readOnlyVariants(name);

  // doctor --fix, each in a sandbox of its own where nothing is installed yet: it runs apply
  for (const [way, flags, wayEnv] of [
    ["json", ["--log-format", "json"], {}],
    ["quiet", ["--quiet"], PLAIN],
    ["force", [], FORCE],
  ] as const) {
    const box = makeReconcileSandbox();
    const fix = [
      "doctor",
      "--fix",
      "--no-host-check",
      ...targetArgs({ host: box.host, config: box.config, stage: box.stage, pm: "pnpm" }),
    ];
    runs.set(`doctor --fix ${way}`, await cliIn(box, [...fix, ...flags], wayEnv));
  }
  for (const [name, args] of Object.entries(FAILING)) {
    runs.set(`${name} fails json`, await cli([...args(), "--log-format", "json"]));
    runs.set(`${name} fails text`, await cli(args(), FORCE_BUT_NO_COLOR));
  }
}, APPLY_TIMEOUT_MS * 8);

describe("--log-format json: every line is an event", () => {
  it.each(Object.keys(COMMANDS))("%s", (name) => {
    const r = ran(`${name} json`);
    expect(jsonEvents(r).length, describeRun(r)).toBeGreaterThan(0);
    expectNoEscape(r); // the read-only ones ran with FORCE_COLOR: JSON lines never carry color
  });

  it.each(Object.keys(FAILING))("%s, failing: one error event with its tag", (name) => {
    const r = ran(`${name} fails json`);
    expect(r.exitCode, describeRun(r)).toBe(1);
    const errors = named(jsonEvents(r), "error");
    expect(errors, describeRun(r)).toHaveLength(1);
    expect(errors[0]).toMatchObject({ level: "error", stream: "stderr" });
    expect(typeof errors[0]?.["tag"]).toBe("string");
    expect(errors[0]?.["message"]).toBe(errors[0]?.["msg"]);
  });

  it("an installing apply: one apply.step per step (install among them), then apply.complete", () => {
    const events = jsonEvents(ran("apply json"));
    const steps = named(events, "apply.step");
    expect(steps.every((s) => s["level"] === "debug" && s["stream"] === "stdout")).toBe(true);
    expect(steps.find((s) => s["step"] === "install")).toMatchObject({
      packages: ["@fixture/retry@^2.0.0"],
      set: "shared",
      manager: "pnpm",
    });
    expect(steps.some((s) => s["step"] === "swap")).toBe(true);
    expect(events.filter((e) => e["stream"] === "stdout").at(-1)).toMatchObject({
      event: "apply.complete",
      level: "info",
      stream: "stdout",
      installed: 1,
      packageManagerRuns: 1,
    });
  });

  it("a converged apply: apply.noop, with this run's time when answered from the no-op stamp", () => {
    const first = jsonEvents(ran("apply json noop"));
    const again = jsonEvents(ran("apply json noop again"));
    expect(first.map((e) => e["event"])).toEqual(["apply.noop"]);
    expect(again.map((e) => e["event"])).toEqual(["apply.noop"]);
    expect(again[0]?.["msg"]).toBe(NO_CHANGES);
    expect(Date.parse(again[0]?.["time"] as string)).toBeGreaterThan(
      Date.parse(first[0]?.["time"] as string),
    );
  });

  it("with --json too: stdout is the document alone, progress is on stderr as JSON lines", () => {
    for (const key of ["apply json --json", "plan json --json"]) {
      const r = ran(key);
      expect(r.exitCode, describeRun(r)).toBe(0);
      jsonEvents(r, { document: true });
    }
    const steps = named(jsonEvents(ran("apply json --json"), { document: true }), "apply.step");
    expect(steps.some((s) => s["step"] === "prune-package" && s["stream"] === "stderr")).toBe(true);
    expect(ran("plan json --json").stderr).toBe("");
  });

  it("a report is one <command>.result line carrying the --json document", () => {
    for (const name of ["plan", "show", "status", "doctor", "resolve"]) {
      const events = jsonEvents(ran(`${name} json`));
      const results = named(events, `${name}.result`);
      expect(results, name).toHaveLength(1);
      expect(results[0]?.["stream"]).toBe("stdout");
      expect(typeof results[0]?.["document"], name).toBe("object");
    }
    const planDoc = named(jsonEvents(ran("plan json")), "plan.result")[0]?.["document"];
    expect(planDoc).toEqual(JSON.parse(ran("plan json --json").stdout));
    const units = named(jsonEvents(ran("units json")), "units.result")[0];
    expect(units?.["service"]).toMatch(/^ExecStart=.* reconcile --once .*--quiet/m);
    expect(named(jsonEvents(ran("units json")), "units.note")[0]).toMatchObject({ stream: "stderr" });
    expect(named(jsonEvents(ran("completion json")), "completion.result")[0]?.["script"]).toContain(
      "plugdeps",
    );
  });

  it("doctor --fix: its apply's steps as doctor.fix events, then doctor.result", () => {
    const events = jsonEvents(ran("doctor --fix json"));
    const steps = named(events, "doctor.fix");
    expect(steps.find((s) => s["step"] === "install")).toMatchObject({ level: "debug", stream: "stdout" });
    const result = named(events, "doctor.result")[0];
    expect(result).toMatchObject({ stream: "stdout", errors: 0 });
    expect(result?.["document"]).toMatchObject({ fix: { applied: { install: 1 } } });
  });

  it("rollback: rollback.step events, rollback.complete with its document", () => {
    const events = jsonEvents(ran("rollback json"));
    expect(named(events, "rollback.step").some((s) => s["step"] === "swap")).toBe(true);
    const done = named(events, "rollback.complete")[0];
    expect(done).toMatchObject({ stream: "stdout", document: { rolledBack: true } });
    expect(named(events, "rollback.note")[0]).toMatchObject({ level: "info", stream: "stderr" });
  });

  it("reconcile --once: the pass's apply.step events and one reconcile.pass line", () => {
    const events = jsonEvents(ran("reconcile json"));
    expect(named(events, "apply.step").length).toBeGreaterThan(0);
    expect(named(events, "apply.step").every((s) => s["pass"] === 1)).toBe(true);
    expect(named(events, "reconcile.pass")).toEqual([
      expect.objectContaining({ level: "info", stream: "stdout", pass: 1, outcome: "Applied" }),
    ]);
  });
});

describe("--quiet: no progress and no informational lines; warnings, errors and the result remain", () => {
  it("apply installing prints exactly its result line", () => {
    const r = ran("apply quiet");
    expect(r.exitCode, describeRun(r)).toBe(0);
    expect(r.stdout).toMatch(/^Apply complete! \d+ reused, 1 installed, 0 pruned, 0 legacy cleaned\.\n$/);
    expect(r.stderr).toBe("");
  });

  it("a converged apply prints exactly No changes.", () => {
    expect(ran("apply quiet noop").stdout).toBe(`${NO_CHANGES}\n`);
    expect(ran("apply quiet noop").stderr).toBe("");
  });

  it("rollback prints exactly its result line (no steps, no note)", () => {
    const r = ran("rollback quiet");
    expect(r.exitCode, describeRun(r)).toBe(0);
    expect(r.stdout).toMatch(/^Rollback complete! \S+ is \S+ again \(\d+ packages?, made \S+\)\.\n$/);
    expect(r.stderr).toBe("");
  });

  it("reconcile --once prints exactly its pass line", () => {
    const r = ran("reconcile quiet");
    expect(r.exitCode, describeRun(r)).toBe(0);
    expect(r.stdout).toMatch(/^\d{4}-\d\d-\d\dT\S+Z pass 1 \(start\): Converged in \S+; Ready=True\n$/);
    expect(r.stderr).toBe("");
  });

  it.each(["plan", "show", "status", "doctor", "resolve", "completion"])(
    "%s prints its report whole (it is the result), and nothing else",
    (name) => {
      const quiet = ran(`${name} quiet`);
      expect(quiet.stdout, describeRun(quiet)).toBe(ran(`${name} text`).stdout);
      expect(quiet.stdout.length).toBeGreaterThan(0);
      expect(quiet.stderr, describeRun(quiet)).toBe("");
    },
  );

  it("doctor --fix prints its report without the fix's progress (streamed, or as a fix log)", () => {
    const quiet = ran("doctor --fix quiet");
    expect(quiet.exitCode, describeRun(quiet)).toBe(0);
    expect(quiet.stdout).not.toMatch(/installing|Fix log/);
    expect(quiet.stdout).toMatch(/^Fixed \(\d+\):$/m);
    expect(quiet.stderr).toBe("");
    expect(ran("doctor --fix force").stdout).toMatch(/^ {2}\+ installing /m);
  });

  it("units prints the unit files without its notes", () => {
    expect(ran("units text").stderr).toMatch(/^note: /m);
    expect(ran("units quiet").stdout).toBe(ran("units text").stdout);
    // Warnings stay under --quiet (the sandbox is under /tmp: the PrivateTmp= warning); notes go.
    expect(ran("units quiet").stderr).not.toMatch(/^note: /m);
    for (const line of ran("units quiet")
      .stderr.split("\n")
      .filter((l) => l !== ""))
      expect(line).toMatch(/^warning: /);
  });

  it("without --quiet the same runs print their progress and notes (the rule is not vacuous)", () => {
    expect(ran("apply text").stdout).toMatch(/^ {2}[+~] (installing|reused) /m);
    expect(ran("apply text").stdout).toMatch(/\nApply complete! /);
    expect(ran("rollback text").stdout).toMatch(/^ {2}✓ live: /m);
    expect(ran("rollback text").stderr).toMatch(/^The desired state is unchanged/m);
  });
});

describe("escape codes: none in a pipe; FORCE_COLOR colors only; NO_COLOR and --no-color win", () => {
  const colored = new Set(["plan", "show", "status", "doctor", "resolve", "apply", "rollback"]);
  const names = [...Object.keys(COMMANDS)];

  it.each(names)("%s", (name) => {
    for (const [key, r] of runs) {
      if (!key.startsWith(`${name} `)) continue;
      if (key.includes("force+") || key.endsWith(" fails text")) expectNoEscape(r);
      else if (key.endsWith(" force")) expectColorOnly(r, colored.has(name));
      else if (!key.includes(" json")) expectNoEscape(r);
    }
  });

  it("FORCE_COLOR colors an installing apply's result, never with a cursor movement", () => {
    const r = ran("apply force");
    expect(r.exitCode, describeRun(r)).toBe(0);
    expect(r.stdout).toContain("\u001b[32mApply complete!\u001b[39m");
    expect(r.stdout).toMatch(/^ {2}\+ installing /m);
    expectColorOnly(r, true);
  });

  it("every command ran in each of the ways checked", () => {
    for (const name of names) {
      for (const way of ["force", "json", "fails json", "fails text"])
        expect(runs.has(`${name} ${way}`), `${name} ${way}`).toBe(true);
      expect(
        [...runs.keys()].some((k) => k.startsWith(`${name} `) && k.includes("+")),
        `${name}: NO_COLOR or --no-color over FORCE_COLOR`,
      ).toBe(true);
    }
    expect(fs.existsSync(sb.at("saved.plan"))).toBe(true);
  });
});
