/**
 * Waiting for something a child process or the event loop will do: poll `check` until it returns a
 * value (anything but undefined or false), or throw after the deadline, saying what was awaited
 * and, with `describe`, what was seen. Tests wait with a generous deadline and never assert on how
 * long anything took.
 */

export interface WaitOptions {
  /** Give up after this long (default 30 s: a loaded 2-core box is slow). */
  readonly timeoutMs?: number;
  /** Poll this often (default 10 ms). */
  readonly intervalMs?: number;
  /** What to show when the deadline passes (a child's output so far). */
  readonly describe?: () => string;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export const waitFor = async <T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  options: WaitOptions = {},
): Promise<T> => {
  const { timeoutMs = 30_000, intervalMs = 10, describe } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      const seen = describe?.() ?? "";
      throw new Error(`timed out waiting for ${what}${seen === "" ? "" : `\n${seen}`}`);
    }
    await sleep(intervalMs);
  }
};
