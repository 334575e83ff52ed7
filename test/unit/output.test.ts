import { describe, expect, it } from "vitest";
import { retimed } from "../../src/fastpath/replay.js";
import type { LockHolder } from "../../src/model/plan.js";
import { makeOutput, type OutputOptions } from "../../src/render/output.js";
import { jsonLine, logFormatOf, processLine } from "../../src/util/json-line.js";

/**
 * The one output module every command prints through (src/render/output.ts, docs/log-events.md):
 * the line shape, the streams, --quiet, --json, color and the ticker.
 */

const NOW = new Date("2026-12-06T10:00:00.000Z");

const capture = (
  options: Partial<OutputOptions> & { readonly isTTY?: boolean; readonly env?: Record<string, string> } = {},
) => {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const out = makeOutput({
    format: "text",
    ...options,
    io: {
      stdout: (t) => stdout.push(t),
      stderr: (t) => stderr.push(t),
      isTTY: options.isTTY ?? false,
      env: options.env ?? {},
    },
    now: () => NOW,
  });
  return { out, stdout: () => stdout.join(""), stderr: () => stderr.join("") };
};

const lines = (text: string): Record<string, unknown>[] =>
  text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const HOLDER: LockHolder = {
  path: "/stage/openclaw-1-abc.lock",
  state: "live",
  detail: "pid 42 runs",
  owner: {
    pid: 42,
    hostname: "gw-01",
    starttime: 1,
    createdAt: Date.parse("2026-12-06T09:58:00.000Z"),
    command: "plugdeps reconcile",
  },
} as unknown as LockHolder;

describe("--log-format json", () => {
  it("writes one JSON object per line, time first, then level, event, msg and the fields", () => {
    const c = capture({ format: "json" });
    c.out.event("debug", "apply.step", "+ installing a@1", { step: "install", packages: ["a@1"] });
    c.out.event("info", "units.note", "a note");
    c.out.warn("careful", { path: "/x" });
    expect(c.stdout()).toBe(
      '{"time":"2026-12-06T10:00:00.000Z","level":"debug","event":"apply.step","msg":"+ installing a@1","step":"install","packages":["a@1"]}\n',
    );
    expect(lines(c.stderr())).toEqual([
      { time: NOW.toISOString(), level: "info", event: "units.note", msg: "a note" },
      { time: NOW.toISOString(), level: "warn", event: "warning", msg: "careful", path: "/x" },
    ]);
  });

  it("never lets a field replace time, level, event or msg", () => {
    const c = capture({ format: "json" });
    c.out.event("info", "x.y", "the sentence", {
      time: "then",
      level: "error",
      event: "other",
      msg: "no",
      n: 1,
    });
    expect(lines(c.stderr())).toEqual([
      { time: NOW.toISOString(), level: "info", event: "x.y", msg: "the sentence", n: 1 },
    ]);
  });

  it("an error is event error with tag and message (the shape errors always had), and exit code 1", () => {
    const c = capture({ format: "json" });
    expect(
      c.out.error({ _tag: "LockTimeout", path: "/stage/root.lock", message: "timed out\nFix: wait" }),
    ).toBe(1);
    expect(c.stdout()).toBe("");
    expect(lines(c.stderr())).toEqual([
      {
        time: NOW.toISOString(),
        level: "error",
        event: "error",
        msg: "timed out\nFix: wait",
        tag: "LockTimeout",
        message: "timed out\nFix: wait",
      },
    ]);
  });

  it("a report's result is one line carrying the --json document, parsed", () => {
    const c = capture({ format: "json" });
    c.out.result("plan.result", {
      msg: "No changes.",
      text: () => "the rendering\n",
      fields: { actions: 0 },
      document: '{\n  "formatVersion": 1,\n  "actions": []\n}\n',
    });
    expect(lines(c.stdout())).toEqual([
      {
        time: NOW.toISOString(),
        level: "info",
        event: "plan.result",
        msg: "No changes.",
        actions: 0,
        document: { formatVersion: 1, actions: [] },
      },
    ]);
  });

  it("embed: false leaves the document out (apply's counts are its result)", () => {
    const c = capture({ format: "json" });
    c.out.result("apply.complete", {
      msg: "Apply complete!",
      fields: { installed: 1 },
      document: "{}",
      embed: false,
    });
    expect(lines(c.stdout())).toEqual([
      {
        time: NOW.toISOString(),
        level: "info",
        event: "apply.complete",
        msg: "Apply complete!",
        installed: 1,
      },
    ]);
  });

  it("escapes what JSON.stringify leaves raw: DEL, C1 controls, separators and bidi controls", () => {
    const line = jsonLine({ msg: "a\u001b[31m\u007f\u009b\u2028\u202e\u2066b" });
    expect(line).not.toMatch(
      // eslint-disable-next-line no-control-regex -- the point of the test
      /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/,
    );
    expect(JSON.parse(line)).toEqual({ msg: "a\u001b[31m\u007f\u009b\u2028\u202e\u2066b" });
  });

  it("a lock wait names the holder in its fields", () => {
    const c = capture({ format: "json" });
    c.out.lockWait(HOLDER, { pass: 3 });
    const [wait] = lines(c.stderr());
    expect(wait).toMatchObject({
      level: "info",
      event: "lock.wait",
      pass: 3,
      path: HOLDER.path,
      state: "live",
      pid: 42,
      hostname: "gw-01",
      command: "plugdeps reconcile",
    });
    expect(wait?.["msg"]).toMatch(
      /^waiting for the install-root lock \/stage\/openclaw-1-abc\.lock: held by /,
    );
  });

  it("progress: the sentence without the text's indentation; a warning step is a warning", () => {
    const c = capture({ format: "json" });
    const step = c.out.progress("apply.step", { pass: 1 });
    step("  ~ reused a@1 from old", { step: "reuse", packages: ["a@1"] });
    step("could not release the lock", { step: "warning" });
    expect(lines(c.stdout())).toEqual([
      {
        time: NOW.toISOString(),
        level: "debug",
        event: "apply.step",
        msg: "~ reused a@1 from old",
        pass: 1,
        step: "reuse",
        packages: ["a@1"],
      },
    ]);
    expect(lines(c.stderr())).toEqual([
      {
        time: NOW.toISOString(),
        level: "warn",
        event: "warning",
        msg: "could not release the lock",
        pass: 1,
      },
    ]);
  });
});

describe("--log-format text", () => {
  it("prints the sentence escaped, warnings and errors with their prefix, progress as it was", () => {
    const c = capture();
    c.out.progress("apply.step")("  + installing evil\u001b[31m", { step: "install" });
    c.out.warn("under a read-only path");
    c.out.error({ _tag: "UsageError", message: "bad\nFix: good" });
    expect(c.stdout()).toBe("  + installing evil\\u001b[31m\n");
    expect(c.stderr()).toBe("warning: under a read-only path\nError: bad\nFix: good\n");
  });

  it("an event's own line replaces the default; the loop's lines start with their time", () => {
    const c = capture({ timestamps: true });
    c.out.event("warn", "apply.skipped", "skipped: x", {}, "skipped: x");
    c.out.result("reconcile.pass", { msg: "pass 1 (start): Converged in 0.1s" });
    expect(c.stderr()).toBe("2026-12-06T10:00:00.000Z skipped: x\n");
    expect(c.stdout()).toBe("2026-12-06T10:00:00.000Z pass 1 (start): Converged in 0.1s\n");
  });

  it("a failed result (warn) goes to stderr with the other problems", () => {
    const c = capture({ timestamps: true });
    c.out.result("reconcile.pass", { level: "warn", msg: "pass 1 (start): Failed" });
    expect(c.stdout()).toBe("");
    expect(c.stderr()).toBe("2026-12-06T10:00:00.000Z warning: pass 1 (start): Failed\n");
  });
});

describe("--quiet", () => {
  for (const format of ["text", "json"] as const) {
    it(`drops debug and info events, keeps warnings, errors and the result (${format})`, () => {
      const c = capture({ format, quiet: true });
      c.out.progress("apply.step")("  + installing a", { step: "install" });
      c.out.event("info", "units.note", "a note");
      c.out.lockWait(HOLDER);
      c.out.warn("a warning");
      c.out.error({ _tag: "UsageError", message: "an error" });
      c.out.result("apply.complete", {
        msg: "Apply complete! 1 installed.",
        text: () => "\nApply complete! 1 installed.\n",
      });
      const all =
        format === "json" ? [...lines(c.stdout()), ...lines(c.stderr())].map((l) => l["event"]) : null;
      if (all !== null) expect(all).toEqual(["apply.complete", "warning", "error"]);
      else {
        // the result alone on stdout: no blank line separating it from progress that was not printed
        expect(c.stdout()).toBe("Apply complete! 1 installed.\n");
        expect(c.stderr()).toBe("warning: a warning\nError: an error\n");
      }
    });
  }
});

describe("--json", () => {
  it("stdout is the document alone; progress goes to stderr as JSON lines with --log-format json", () => {
    const c = capture({ format: "json", json: true });
    c.out.progress("apply.step")("  + installing a", { step: "install" });
    c.out.result("apply.complete", { msg: "done", text: () => "done\n", document: '{"a":1}\n' });
    expect(c.stdout()).toBe('{"a":1}\n');
    expect(lines(c.stderr()).map((l) => l["event"])).toEqual(["apply.step"]);
  });

  it("in text, progress goes nowhere; notes and warnings still go to stderr", () => {
    const c = capture({ json: true });
    c.out.progress("apply.step")("  + installing a", { step: "install" });
    c.out.lockWait(HOLDER);
    c.out.warn("a warning");
    c.out.result("apply.complete", { msg: "done", text: () => "done\n", document: '{"a":1}\n' });
    expect(c.stdout()).toBe('{"a":1}\n');
    expect(c.stderr()).toMatch(/^waiting for the install-root lock .*\nwarning: a warning\n$/);
  });

  it("a result that is not the document (reconcile's pass line) is a log line on stderr", () => {
    for (const format of ["text", "json"] as const) {
      const c = capture({ format, json: true });
      c.out.result("reconcile.pass", { msg: "pass 1: Applied", fields: { pass: 1 } });
      expect(c.stdout()).toBe("");
      expect(c.stderr()).toContain("pass 1: Applied");
    }
  });
});

describe("color and cursor codes", () => {
  const colored = (o: Parameters<typeof capture>[0]) => capture(o).out.style.color;

  it("on a TTY; in a pipe only with FORCE_COLOR; NO_COLOR and --no-color always win; never in JSON", () => {
    expect(colored({ isTTY: true })).toBe(true);
    expect(colored({ isTTY: false })).toBe(false);
    expect(colored({ isTTY: false, env: { FORCE_COLOR: "1" } })).toBe(true);
    expect(colored({ isTTY: false, env: { FORCE_COLOR: "0" } })).toBe(false);
    expect(colored({ isTTY: true, env: { NO_COLOR: "1" } })).toBe(false);
    expect(colored({ isTTY: false, env: { FORCE_COLOR: "1", NO_COLOR: "1" } })).toBe(false);
    expect(colored({ isTTY: true, color: false, env: { FORCE_COLOR: "1" } })).toBe(false);
    expect(colored({ isTTY: true, format: "json", env: { FORCE_COLOR: "1" } })).toBe(false);
  });

  it("the ticker only on a TTY in text without --quiet or --json (FORCE_COLOR is not a TTY)", () => {
    expect(capture({ isTTY: true }).out.ticker).not.toBeNull();
    expect(capture({ isTTY: false, env: { FORCE_COLOR: "1" } }).out.ticker).toBeNull();
    expect(capture({ isTTY: true, format: "json" }).out.ticker).toBeNull();
    expect(capture({ isTTY: true, quiet: true }).out.ticker).toBeNull();
    expect(capture({ isTTY: true, json: true }).out.ticker).toBeNull();
  });

  it("any line after a tick first clears the ticker's line", () => {
    const c = capture({ isTTY: true });
    c.out.ticker?.tick("    3s  resolving");
    c.out.warn("late");
    c.out.progress("apply.step")("  ✓ validated 1 package in the stage", { step: "validate" });
    c.out.ticker?.clear();
    expect(c.stdout()).toBe("\r\u001b[2K    3s  resolving\r\u001b[2K  ✓ validated 1 package in the stage\n");
    expect(c.stderr()).toBe("warning: late\n");
  });
});

describe("before and around a command", () => {
  it("logFormatOf reads --log-format as commander will (the last wins, nothing after --)", () => {
    expect(logFormatOf(["plan"])).toBe("text");
    expect(logFormatOf(["plan", "--log-format", "json"])).toBe("json");
    expect(logFormatOf(["plan", "--log-format=json", "--log-format", "text"])).toBe("text");
    expect(logFormatOf(["plan", "--", "--log-format", "json"])).toBe("text");
  });

  it("processLine: text as before, or an event line", () => {
    expect(processLine("text", "warn", "warning", "ignoring x")).toBe("plugdeps: warning: ignoring x\n");
    expect(JSON.parse(processLine("json", "error", "internal-error", "boom", NOW))).toEqual({
      time: NOW.toISOString(),
      level: "error",
      event: "internal-error",
      msg: "boom",
    });
  });

  it("a replayed no-op's JSON lines get this run's time; text lines are kept as they are", () => {
    const then =
      '{"time":"2026-01-01T00:00:00.000Z","level":"info","event":"apply.noop","msg":"No changes."}\n';
    const replayed = retimed(
      { stdout: then, stderr: 'No changes. {"time":"x"}\n', exitCode: 0 },
      NOW.toISOString(),
    );
    expect(JSON.parse(replayed.stdout)).toMatchObject({ time: NOW.toISOString(), event: "apply.noop" });
    expect(replayed.stderr).toBe('No changes. {"time":"x"}\n');
  });
});
