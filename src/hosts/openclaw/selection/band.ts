/**
 * Which of OpenClaw's staging behaviours a host version has (SPEC §5 "Version bands", read from
 * the published tarballs). Pure.
 *
 * Bands are chosen by the calendar part of the version (`YYYY.M.D`); a prerelease of a day
 * (`2026.4.30-beta.1`) belongs to that day's band, as the code it ships is that day's code.
 */

export type BandId = "2026.3.22" | "2026.4.22" | "2026.4.29" | "2026.5.2";

export interface Band {
  readonly id: BandId;
  /** For plan text: `2026.4.29 – 2026.4.30`. */
  readonly range: string;
  /** Where the host stages and whose rules decide, in OpenClaw's own function names. */
  readonly rules: string;
  /** False from 2026.5.2: bundled plugins are npm packages installed by `openclaw plugins install`. */
  readonly stages: boolean;
}

export const BANDS: readonly Band[] = [
  {
    id: "2026.3.22",
    range: "2026.3.22 – 2026.4.21",
    rules: "isBundledPluginConfiguredForRuntimeDeps (loader); deps inside the package",
    stages: true,
  },
  {
    id: "2026.4.22",
    range: "2026.4.22 – 2026.4.28",
    rules: "scanBundledPluginRuntimeDeps (doctor, plugins deps); external roots",
    stages: true,
  },
  {
    id: "2026.4.29",
    range: "2026.4.29 – 2026.4.30",
    rules: "isBundledPluginConfiguredForRuntimeDeps (bundled-runtime-deps); external roots",
    stages: true,
  },
  {
    id: "2026.5.2",
    range: "2026.5.2 and later",
    rules: "none: OpenClaw no longer stages bundled plugin dependencies",
    stages: false,
  },
];

const FIRST_KNOWN = [2026, 3, 22] as const;

/** `2026.4.29`, `2026.4.30-beta.1`, `v2026.5.2` → [2026, 4, 29]; anything else → undefined. */
export const calendarOf = (version: string): readonly [number, number, number] | undefined => {
  const m = /^v?(\d{4})\.(\d{1,2})\.(\d{1,2})(?:[-+].*)?$/.exec(version.trim());
  if (m === null) return undefined;
  return [Number(m[1]), Number(m[2]), Number(m[3])];
};

const compare = (a: readonly number[], b: readonly number[]): number => {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
};

const bandById = (id: BandId): Band => BANDS.find((b) => b.id === id) as Band;

export interface BandChoice {
  readonly band: Band;
  /** Set when the version is outside every known band: the nearest band was taken. */
  readonly warning: string | undefined;
}

/**
 * The band of a host version. A version before 2026.3.22 gets the oldest staging band and a
 * version that is not `YYYY.M.D` gets the last staging band (2026.4.29 – 4.30), each with a
 * warning in the plan: the host's rules for it were never read, so the plan says which it used.
 */
export const bandOf = (version: string): BandChoice => {
  const at = calendarOf(version);
  if (at === undefined) {
    const band = bandById("2026.4.29");
    return {
      band,
      warning:
        `host version "${version}" is not an OpenClaw calendar version (YYYY.M.D); ` +
        `plugdeps applies the rules of OpenClaw ${band.range}, the last versions that stage bundled plugin dependencies`,
    };
  }
  if (compare(at, FIRST_KNOWN) < 0) {
    const band = bandById("2026.3.22");
    return {
      band,
      warning:
        `OpenClaw ${version} is older than any version plugdeps has read (${FIRST_KNOWN.join(".")}); ` +
        `plugdeps applies the rules of the nearest, OpenClaw ${band.range}`,
    };
  }
  const band = [...BANDS].reverse().find((b) => compare(at, calendarOf(b.id) ?? FIRST_KNOWN) >= 0);
  return { band: band ?? bandById("2026.3.22"), warning: undefined };
};

/** 2026.4.30 and later mirror the host's own root dependencies even when no plugin is selected. */
export const mirrorsAlways = (version: string): boolean => {
  const at = calendarOf(version);
  return at !== undefined && compare(at, [2026, 4, 30]) >= 0;
};
