import {
  afterPass,
  type BackoffState,
  INITIAL_BACKOFF,
  type NextPass,
  nextDelay,
  type PassVerdict,
  type ScheduleConfig,
} from "./scheduler.js";

/**
 * The level-triggered loop: run a pass, ask the scheduler for the delay, sleep until the delay
 * passes, a wake-up arrives (the config changed) or shutdown is requested. Every pass re-reads
 * everything (config, plugins, disk) — the trigger only decides *when*, never *what* — so a lost
 * or coalesced event costs at most one interval, never correctness.
 *
 * Timers are plain setTimeout, so the whole loop runs under vitest fake timers.
 */

export type Trigger = "start" | "interval" | "backoff" | "config-change";

/**
 * The loop's verdict on one pass: the scheduler's PassVerdict, or "interrupted" (shutdown was
 * requested while the pass ran; the loop ends after it). Not the status record's PassOutcome
 * (model/status.ts: Converged, Applied, Failed, Interrupted), which the pass runner maps to this.
 */
export type LoopVerdict = PassVerdict | "interrupted";

export interface LoopDeps {
  /** One pass. `stop` aborts when shutdown is requested (passed on to the package manager). */
  readonly runPass: (
    pass: { readonly n: number; readonly trigger: Trigger },
    stop: AbortSignal,
  ) => Promise<LoopVerdict>;
  /** Called after every pass with what comes next (null: the loop ends). Awaited. */
  readonly afterPass?: (
    verdict: LoopVerdict,
    next: NextPass | null,
    backoff: BackoffState,
  ) => Promise<void> | void;
  readonly random: () => number;
}

export interface LoopResult {
  readonly passes: number;
  readonly last: LoopVerdict | null;
}

/** setTimeout takes at most 2^31-1 ms (~24.8 days); longer delays are slept in chunks. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A wake-up latch. `kick()` during a sleep ends it at once; `kick()` while a pass runs is
 * remembered, so the change that arrived mid-pass (which that pass may have missed) gets a pass
 * of its own right after.
 */
export class Wakeup {
  private pending = false;
  private wakeSleeper: (() => void) | null = null;

  kick(): void {
    this.pending = true;
    this.wakeSleeper?.();
  }

  /** Called as a pass starts: the pass reads the current state, which satisfies earlier kicks. */
  clear(): void {
    this.pending = false;
  }

  sleep(ms: number, stop: AbortSignal): Promise<"timer" | "kick" | "stop"> {
    if (stop.aborted) return Promise.resolve("stop");
    if (this.pending) return Promise.resolve("kick");
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      let remaining = Math.max(0, ms);
      const done = (why: "timer" | "kick" | "stop") => {
        if (timer !== undefined) clearTimeout(timer);
        stop.removeEventListener("abort", onStop);
        this.wakeSleeper = null;
        resolve(why);
      };
      const onStop = () => done("stop");
      const arm = () => {
        const chunk = Math.min(remaining, MAX_TIMER_MS);
        remaining -= chunk;
        timer = setTimeout(() => (remaining > 0 ? arm() : done("timer")), chunk);
      };
      stop.addEventListener("abort", onStop, { once: true });
      this.wakeSleeper = () => done("kick");
      arm();
    });
  }
}

export const runLoop = async (
  config: ScheduleConfig,
  deps: LoopDeps,
  stop: AbortSignal,
  wakeup: Wakeup,
  options: { readonly once?: boolean } = {},
): Promise<LoopResult> => {
  let backoff: BackoffState = INITIAL_BACKOFF;
  let passes = 0;
  let last: LoopVerdict | null = null;
  let trigger: Trigger = "start";
  while (!stop.aborted) {
    wakeup.clear();
    passes++;
    last = await deps.runPass({ n: passes, trigger }, stop);
    if (last === "interrupted" || stop.aborted || options.once === true) {
      await deps.afterPass?.(last, null, backoff);
      break;
    }
    backoff = afterPass(backoff, last);
    const next = nextDelay(config, backoff, deps.random);
    await deps.afterPass?.(last, next, backoff);
    const woke = await wakeup.sleep(next.delayMs, stop);
    if (woke === "stop") break;
    trigger = woke === "kick" ? "config-change" : next.reason;
  }
  return { passes, last };
};
