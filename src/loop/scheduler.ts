/**
 * The reconcile loop's timing, as pure functions: no clock, no timers, randomness injected. The
 * I/O shell (loop.ts) asks "how long until the next pass?" after every pass and sleeps that long.
 *
 * - After a success: the interval with uniform ±jitter, so a fleet of hosts started together
 *   drifts apart instead of hitting the registry in lockstep.
 * - After a failure: exponential backoff — start (5 s), doubling per consecutive failure, capped
 *   at the interval; reset by the first success. The backoff itself is not jittered: the cap is
 *   the interval, and the hosts' success phases are already spread by the interval jitter.
 *
 * A failed pass never retries faster than the backoff allows (openclaw #71420: a failed stage
 * must not loop), and never waits longer than one interval.
 */

export interface ScheduleConfig {
  readonly intervalMs: number;
  /** Percent of the interval, 0–100: the delay after a success is uniform in interval·(1 ± p/100). */
  readonly jitterPercent: number;
  readonly backoffStartMs: number;
}

export const DEFAULT_INTERVAL_MS = 15 * 60_000;
export const DEFAULT_JITTER_PERCENT = 10;
export const DEFAULT_BACKOFF_START_MS = 5_000;

/** Consecutive failed passes since the last success. */
export interface BackoffState {
  readonly failures: number;
}

export const INITIAL_BACKOFF: BackoffState = { failures: 0 };

export type PassVerdict = "success" | "failure";

export const afterPass = (state: BackoffState, verdict: PassVerdict): BackoffState =>
  verdict === "success" ? INITIAL_BACKOFF : { failures: state.failures + 1 };

/** The n-th consecutive failure (n ≥ 1) waits start·2^(n-1), at most one interval. */
export const backoffDelay = (config: ScheduleConfig, failures: number): number => {
  const exponent = Math.max(0, failures - 1);
  // 2 ** 1100 is Infinity, which Math.min turns into the cap: no overflow to guard.
  return Math.min(config.backoffStartMs * 2 ** exponent, config.intervalMs);
};

/** `random` returns [0, 1) like Math.random; the result is within interval·(1 ± jitter). */
export const jitteredInterval = (config: ScheduleConfig, random: () => number): number => {
  const spread = Math.min(Math.max(config.jitterPercent, 0), 100) / 100;
  const factor = 1 + spread * (2 * random() - 1);
  return Math.max(0, Math.round(config.intervalMs * factor));
};

export interface NextPass {
  readonly delayMs: number;
  readonly reason: "interval" | "backoff";
}

export const nextDelay = (config: ScheduleConfig, state: BackoffState, random: () => number): NextPass =>
  state.failures > 0
    ? { delayMs: backoffDelay(config, state.failures), reason: "backoff" }
    : { delayMs: jitteredInterval(config, random), reason: "interval" };
