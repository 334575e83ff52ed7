import { EventEmitter } from "node:events";
import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { makeLogger } from "../../src/loop/log.js";
import { runReconcile, type ReconcileRunOptions } from "../../src/loop/run.js";
import { tempDir } from "../support/temp.js";

/**
 * The I/O shell's exit codes and signal handling, in-process, with a host that does not exist
 * (every pass fails fast, before any package manager) and an EventEmitter standing in for
 * `process`. Nothing sleeps: the loop's backoff sleep is ended by the signal.
 */

const setup = (once: boolean) => {
  const dir = tempDir("run");
  const out: string[] = [];
  const signals = new EventEmitter();
  const exits: number[] = [];
  const opts: ReconcileRunOptions = {
    apply: {
      packageRoot: path.join(dir, "no-such-host"),
      stageDir: path.join(dir, "stage"),
      env: {},
      homedir: dir,
      lockTimeoutMs: 1_000,
      packageManager: "pnpm",
      command: "plugdeps reconcile",
    },
    schedule: { intervalMs: 60_000, jitterPercent: 0, backoffStartMs: 5_000 },
    once,
    metrics: null,
    log: makeLogger({ format: "json", quiet: false, stdout: (t) => out.push(t), stderr: (t) => out.push(t) }),
    signals: signals as unknown as ReconcileRunOptions["signals"],
    forceExit: (code) => exits.push(code),
  };
  const events = () =>
    out.flatMap((t) => t.trim().split("\n")).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { opts, signals, exits, events };
};

const until = async (what: string, check: () => boolean): Promise<void> => {
  for (let i = 0; i < 500; i++) {
    if (check()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`never happened: ${what}`);
};

describe("runReconcile", () => {
  it("--once: a failed pass exits 1 and says why", async () => {
    const { opts, events } = setup(true);
    const result = await runReconcile(opts);
    expect(result).toEqual(E.right(1));
    const pass = events().find((e) => e["outcome"] === "Failed");
    expect(pass).toMatchObject({
      level: "warn",
      pass: 1,
      trigger: "start",
      reason: "PackageRootNotFound",
      ready: "Unknown",
    });
    // nowhere to write the record: said, with why
    expect(
      events().some((e) =>
        String(e["msg"]).includes(
          "the status record cannot be written this pass: the host could not be located (PackageRootNotFound)",
        ),
      ),
    ).toBe(true);
  });

  it("loop: SIGTERM during the backoff sleep stops at once with exit 0; handlers are removed", async () => {
    const { opts, signals, exits, events } = setup(false);
    const done = runReconcile(opts);
    await until("the first pass", () => events().some((e) => e["outcome"] === "Failed"));
    expect(events().find((e) => e["outcome"] === "Failed")).toMatchObject({ nextPassInSeconds: 5 });
    expect(signals.listenerCount("SIGTERM")).toBe(1);
    signals.emit("SIGTERM", "SIGTERM");
    await expect(done).resolves.toEqual(E.right(0));
    expect(exits).toEqual([]);
    expect(events().at(-1)).toMatchObject({ msg: "stopped" });
    expect(signals.listenerCount("SIGTERM")).toBe(0);
    expect(signals.listenerCount("SIGINT")).toBe(0);
  });

  it("a second signal exits at once", async () => {
    const { opts, signals, exits, events } = setup(false);
    const done = runReconcile(opts);
    await until("the first pass", () => events().some((e) => e["outcome"] === "Failed"));
    // both signals arrive before the loop gets to run again
    signals.emit("SIGINT", "SIGINT");
    signals.emit("SIGTERM", "SIGTERM");
    expect(exits).toEqual([1]);
    await done;
  });
});
