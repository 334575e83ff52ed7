/**
 * systemd unit-file syntax: quoting, time spans and the timer schedule. Pure.
 *
 * Every value a unit setting takes goes through specifier expansion (`%h`, `%n`, ...), so a `%`
 * in a path must be written `%%`. Lists (`ExecStart=` words, `ReadWritePaths=`, `Environment=`
 * assignments) are split on whitespace unless quoted, so a path with a space must be quoted or a
 * unit silently gets two half-paths (systemd only logs a warning for the bad half).
 */

const NEEDS_QUOTES = /[\s"'\\;]/;

/** One word of a whitespace-separated list (a path in `ReadWritePaths=`, an `Environment=` pair). */
export const unitWord = (value: string): string => {
  const specifiersEscaped = value.replace(/%/g, "%%");
  if (specifiersEscaped !== "" && !NEEDS_QUOTES.test(specifiersEscaped)) return specifiersEscaped;
  return `"${specifiersEscaped.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
};

/**
 * One word of a command line (`ExecStart=`, `ExecStartPre=`): like `unitWord`, and `$` becomes
 * `$$` because systemd substitutes `$VAR` / `${VAR}` in command lines.
 */
export const execWord = (value: string): string => unitWord(value.replace(/\$/g, "$$$$"));

/** A command line for `ExecStart=`: every word escaped. */
export const execLine = (argv: readonly string[]): string => argv.map(execWord).join(" ");

/** `Environment=NAME=value`, quoted as a whole when the value needs it (systemd's own rule). */
export const environmentLine = (name: string, value: string): string =>
  `Environment=${unitWord(`${name}=${value}`)}`;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

/** A systemd time span (`1h30min`, `90s` is written `1min30s`), whole seconds. */
export const timeSpan = (ms: number): string => {
  let rest = Math.max(0, Math.round(ms / SECOND));
  if (rest === 0) return "0";
  const parts: string[] = [];
  for (const [unit, size] of [
    ["d", DAY / SECOND],
    ["h", HOUR / SECOND],
    ["min", MINUTE / SECOND],
    ["s", 1],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return parts.join("");
};

/** The shortest interval a timer may have: anything shorter is a loop (`plugdeps reconcile`). */
export const MIN_TIMER_INTERVAL_MS = MINUTE;

/**
 * When the timer fires.
 *
 * - `monotonic`: `OnBootSec=` + `OnUnitActiveSec=`. Each host counts from its own boot and its
 *   own last run, so a fleet spreads out by itself. `Persistent=` does NOT apply to these (it
 *   only records the last trigger of `OnCalendar=` timers): a run missed while the machine was
 *   off is covered by `OnBootSec=` instead, so it is not written.
 * - `calendar`: `OnCalendar=` + `Persistent=true`, for intervals of an hour or more that the
 *   calendar can express exactly (1, 2, 3, 4, 6, 8, 12 hours; a day; a week). The monotonic clock
 *   stops during suspend, so on a machine that sleeps a lot a long monotonic interval may never
 *   elapse; wall-clock time with `Persistent=true` catches up on the next boot or resume. Every
 *   host would then fire at the same wall-clock instant, which `RandomizedDelaySec=` spreads.
 */
export type TimerSchedule =
  | { readonly kind: "monotonic"; readonly onBootMs: number; readonly everyMs: number }
  | { readonly kind: "calendar"; readonly onCalendar: string; readonly everyMs: number };

const HOURLY_DIVISORS = [1, 2, 3, 4, 6, 8, 12];

export const timerSchedule = (everyMs: number): TimerSchedule => {
  if (everyMs === WEEK) return { kind: "calendar", onCalendar: "Mon *-*-* 00:00:00", everyMs };
  if (everyMs === DAY) return { kind: "calendar", onCalendar: "*-*-* 00:00:00", everyMs };
  const hours = everyMs / HOUR;
  if (Number.isInteger(hours) && HOURLY_DIVISORS.includes(hours)) {
    return {
      kind: "calendar",
      onCalendar: hours === 1 ? "*-*-* *:00:00" : `*-*-* 00/${hours}:00:00`,
      everyMs,
    };
  }
  // The first run after boot: soon, but not in the boot rush, and never later than one interval.
  return { kind: "monotonic", onBootMs: Math.min(everyMs, 5 * MINUTE), everyMs };
};

/**
 * `RandomizedDelaySec=`: about a tenth of the interval (at least one second), so a fleet of hosts
 * on the same schedule does not hit the registry in the same second.
 */
export const randomizedDelayMs = (everyMs: number): number =>
  Math.max(SECOND, Math.round(everyMs / 10 / SECOND) * SECOND);
