import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type LoopVerdict, runLoop, type Trigger, Wakeup } from "../../src/loop/loop.js";
import {
  afterPass,
  backoffDelay,
  INITIAL_BACKOFF,
  jitteredInterval,
  nextDelay,
  type ScheduleConfig,
} from "../../src/loop/scheduler.js";

/**
 * The reconcile loop's timing: the pure scheduler, then the loop itself under vitest fake timers
 * (no real sleep anywhere: time only moves when the test advances it).
 */

const MINUTE = 60_000;
const config: ScheduleConfig = { intervalMs: 15 * MINUTE, jitterPercent: 10, backoffStartMs: 5_000 };

describe("scheduler (pure)", () => {
  it("after a success: the interval, jittered uniformly within ±jitter", () => {
    expect(jitteredInterval(config, () => 0)).toBe(13.5 * MINUTE);
    expect(jitteredInterval(config, () => 0.5)).toBe(15 * MINUTE);
    expect(jitteredInterval(config, () => 0.999999)).toBeLessThanOrEqual(16.5 * MINUTE);
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 0, max: 100 }),
        (r, jitter) => {
          const cfg = { ...config, jitterPercent: jitter };
          const d = jitteredInterval(cfg, () => r);
          const spread = (cfg.intervalMs * jitter) / 100;
          return (
            d >= Math.floor(cfg.intervalMs - spread) && d <= Math.ceil(cfg.intervalMs + spread) && d >= 0
          );
        },
      ),
    );
    expect(jitteredInterval({ ...config, jitterPercent: 0 }, () => 0.123)).toBe(15 * MINUTE);
  });

  it("after failures: 5s, 10s, 20s, ... doubling, capped at the interval", () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8, 50, 5000].map((n) => backoffDelay(config, n));
    expect(delays).toEqual([
      5_000,
      10_000,
      20_000,
      40_000,
      80_000,
      160_000,
      320_000,
      640_000,
      15 * MINUTE,
      15 * MINUTE,
    ]);
    // an interval shorter than the backoff start caps it at once
    expect(backoffDelay({ ...config, intervalMs: 2_000 }, 1)).toBe(2_000);
  });

  it("the backoff state counts consecutive failures and a success resets it", () => {
    let s = INITIAL_BACKOFF;
    s = afterPass(s, "failure");
    s = afterPass(s, "failure");
    expect(s.failures).toBe(2);
    expect(nextDelay(config, s, () => 0)).toEqual({ delayMs: 10_000, reason: "backoff" });
    s = afterPass(s, "success");
    expect(s).toEqual(INITIAL_BACKOFF);
    expect(nextDelay(config, s, () => 0.5)).toEqual({ delayMs: 15 * MINUTE, reason: "interval" });
    expect(nextDelay(config, afterPass(s, "failure"), () => 0.5)).toEqual({
      delayMs: 5_000,
      reason: "backoff",
    });
  });
});

/** A scripted pass function: returns the queued outcomes in order and records when it ran. */
const scripted = (outcomes: LoopVerdict[]) => {
  const runs: { at: number; trigger: Trigger; n: number }[] = [];
  const runPass = vi.fn(async (pass: { n: number; trigger: Trigger }) => {
    runs.push({ at: Date.now(), trigger: pass.trigger, n: pass.n });
    return outcomes.shift() ?? "success";
  });
  return { runs, runPass };
};

describe("the loop under fake timers", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const noJitter: ScheduleConfig = { intervalMs: 60_000, jitterPercent: 0, backoffStartMs: 5_000 };

  it("runs a pass at start, then one per interval, not earlier", async () => {
    const stop = new AbortController();
    const { runs, runPass } = scripted([]);
    const done = runLoop(noJitter, { runPass, random: () => 0.5 }, stop.signal, new Wakeup());
    await vi.advanceTimersByTimeAsync(0);
    expect(runs.map((r) => r.at)).toEqual([0]);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(runs).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs.map((r) => [r.at, r.trigger])).toEqual([
      [0, "start"],
      [60_000, "interval"],
    ]);
    stop.abort();
    await expect(done).resolves.toEqual({ passes: 2, last: "success" });
  });

  it("with jitter, each delay stays within interval·(1 ± jitter)", async () => {
    const stop = new AbortController();
    const { runs, runPass } = scripted([]);
    const randoms = [0, 0.999, 0.25, 0.75];
    const cfg = { ...noJitter, jitterPercent: 10 };
    void runLoop(cfg, { runPass, random: () => randoms.shift() ?? 0.5 }, stop.signal, new Wakeup());
    await vi.advanceTimersByTimeAsync(5 * 66_000);
    stop.abort();
    const gaps = runs.slice(1).map((r, i) => r.at - (runs[i]?.at ?? 0));
    expect(gaps.slice(0, 4)).toEqual([54_000, 65_988, 57_000, 63_000]);
    for (const g of gaps) {
      expect(g).toBeGreaterThanOrEqual(54_000);
      expect(g).toBeLessThanOrEqual(66_000);
    }
  });

  it("backs off 5s → 10s → 20s → 40s → cap (the interval) on failures, and resets after a success", async () => {
    const stop = new AbortController();
    const outcomes: LoopVerdict[] = [
      "failure",
      "failure",
      "failure",
      "failure",
      "failure",
      "failure",
      "success",
      "failure",
      "failure",
    ];
    const { runs, runPass } = scripted(outcomes);
    const seen: (string | null)[] = [];
    void runLoop(
      noJitter,
      {
        runPass,
        random: () => 0.5,
        afterPass: (_o, next) => {
          seen.push(next ? `${next.reason}:${next.delayMs}` : null);
        },
      },
      stop.signal,
      new Wakeup(),
    );
    await vi.advanceTimersByTimeAsync(600_000);
    stop.abort();
    const gaps = runs.slice(1).map((r, i) => r.at - (runs[i]?.at ?? 0));
    // failures 1..6: 5, 10, 20, 40, then the 60s cap twice; success: the interval; failures again from 5s
    expect(gaps.slice(0, 9)).toEqual([5_000, 10_000, 20_000, 40_000, 60_000, 60_000, 60_000, 5_000, 10_000]);
    expect(seen.slice(0, 8)).toEqual([
      "backoff:5000",
      "backoff:10000",
      "backoff:20000",
      "backoff:40000",
      "backoff:60000",
      "backoff:60000",
      "interval:60000",
      "backoff:5000",
    ]);
    expect(runs[1]?.trigger).toBe("backoff");
    expect(runs[7]?.trigger).toBe("interval");
  });

  it("a wake-up (config change) during the sleep runs a pass at once", async () => {
    const stop = new AbortController();
    const wakeup = new Wakeup();
    const { runs, runPass } = scripted([]);
    void runLoop(noJitter, { runPass, random: () => 0.5 }, stop.signal, wakeup);
    await vi.advanceTimersByTimeAsync(10_000);
    wakeup.kick();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs.map((r) => [r.at, r.trigger])).toEqual([
      [0, "start"],
      [10_000, "config-change"],
    ]);
    // and the interval restarts from that pass
    await vi.advanceTimersByTimeAsync(60_000);
    expect(runs.map((r) => r.at)).toEqual([0, 10_000, 70_000]);
    stop.abort();
  });

  it("a wake-up that arrives while a pass runs gets a pass of its own right after", async () => {
    const stop = new AbortController();
    const wakeup = new Wakeup();
    const runs: number[] = [];
    let release: (() => void) | null = null;
    const runPass = async () => {
      runs.push(Date.now());
      if (runs.length === 1) await new Promise<void>((r) => (release = r));
      return "success" as const;
    };
    void runLoop(noJitter, { runPass, random: () => 0.5 }, stop.signal, wakeup);
    await vi.advanceTimersByTimeAsync(1_000);
    wakeup.kick(); // mid-pass
    await vi.advanceTimersByTimeAsync(1_000);
    (release as (() => void) | null)?.();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toEqual([0, 2_000]);
    stop.abort();
  });

  it("stop during the sleep ends the loop at once, without another pass", async () => {
    const stop = new AbortController();
    const { runs, runPass } = scripted([]);
    const done = runLoop(noJitter, { runPass, random: () => 0.5 }, stop.signal, new Wakeup());
    await vi.advanceTimersByTimeAsync(30_000);
    stop.abort();
    await expect(done).resolves.toEqual({ passes: 1, last: "success" });
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(runs).toHaveLength(1);
  });

  it("stop during a pass: the pass sees the aborted signal, the loop ends after it with no next pass", async () => {
    const stop = new AbortController();
    const nexts: unknown[] = [];
    const runPass = async (_p: unknown, signal: AbortSignal) => {
      await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
      return "interrupted" as const;
    };
    const done = runLoop(
      noJitter,
      { runPass, random: () => 0.5, afterPass: (o, next) => void nexts.push([o, next]) },
      stop.signal,
      new Wakeup(),
    );
    await vi.advanceTimersByTimeAsync(5_000);
    stop.abort();
    await expect(done).resolves.toEqual({ passes: 1, last: "interrupted" });
    expect(nexts).toEqual([["interrupted", null]]);
  });

  it("--once runs exactly one pass and schedules nothing", async () => {
    const stop = new AbortController();
    const { runs, runPass } = scripted(["failure"]);
    const nexts: unknown[] = [];
    const done = runLoop(
      noJitter,
      { runPass, random: () => 0.5, afterPass: (_o, next) => void nexts.push(next) },
      stop.signal,
      new Wakeup(),
      {
        once: true,
      },
    );
    await expect(done).resolves.toEqual({ passes: 1, last: "failure" });
    expect(runs).toHaveLength(1);
    expect(nexts).toEqual([null]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("sleeps longer than setTimeout's 24.8-day limit in chunks instead of firing at once", async () => {
    const stop = new AbortController();
    const { runs, runPass } = scripted([]);
    const day = 86_400_000;
    void runLoop(
      { intervalMs: 30 * day, jitterPercent: 0, backoffStartMs: 5_000 },
      { runPass, random: () => 0.5 },
      stop.signal,
      new Wakeup(),
    );
    await vi.advanceTimersByTimeAsync(29 * day);
    expect(runs).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(day);
    expect(runs).toHaveLength(2);
    stop.abort();
  });
});
