import type { LockVerdict } from "./openclaw-lock.js";

/**
 * Roots that OpenClaw made in a stage base, and which of them may go (SPEC §4.8, issue 12 point 4:
 * never harm what the host made).
 *
 * OpenClaw 2026.4.22 – 4.30 names its external roots `openclaw-<version>-<12 hex>`
 * (`resolveExternalBundledRuntimeDepsInstallRoot(s)`: the version sanitized, `unknown` when its
 * package.json has none). Of those it ever removes only the `openclaw-unknown-*` ones, in
 * `pruneUnknownBundledRuntimeDepsRoots` (2026.4.29+: at gateway start, in `plugins deps --prune`,
 * and from 4.30 in `doctor --fix`). Per stage base, the real directories named
 * `openclaw-unknown-*` are ranked newest first by mtime; each one both among the newest 20 and
 * younger than 10 minutes is kept (DEFAULT_UNKNOWN_RUNTIME_DEPS_ROOTS_TO_KEEP,
 * DEFAULT_UNKNOWN_RUNTIME_DEPS_MIN_AGE_MS); every other one is removed unless its own
 * `.openclaw-runtime-deps.lock` exists and is not stale (openclaw-lock.ts). plugdeps prunes exactly
 * those, and nothing else that OpenClaw made:
 * - hashed roots (`openclaw-<version>-<12 hex>` without plugdeps' `.plugdeps/state.json`) are
 *   OpenClaw's live or retained roots (OpenClaw's own `pruneUnknownBundledRuntimeDepsRoots` never
 *   touches them);
 * - any other name is one OpenClaw never produces (an operator's `openclaw-2026.4.24-backup`).
 * Both are reported as left alone, never removed.
 *
 * Deliberate differences from OpenClaw 2026.4.30-beta.1, whose `pruneUnknownBundledRuntimeDepsRoots`
 * also removes `openclaw-<yyyy.m.d>[-tag]-<name starting with a letter>` directories
 * (LEGACY_VERSIONED_RUNTIME_DEPS_ROOT_RE, e.g. `openclaw-2026.4.24-mine`) and any non-dot directory
 * not named `openclaw-*` holding `node_modules` or a runtime-deps marker
 * (`isLegacyDirectBundledRuntimeDepsRoot`): OpenClaw never produced such names in a published
 * version, so they may be an operator's copies; plugdeps leaves them and says so. (4.30-beta.1's
 * `pruneSiblingExternalBundledRuntimeDepsRoots`, run when it repairs its own root, removes every
 * other hashed real directory of the stage base; plugdeps' own roots are symlinks, which it skips.)
 */

export const UNKNOWN_ROOT_PREFIX = "openclaw-unknown-";
/** DEFAULT_UNKNOWN_RUNTIME_DEPS_ROOTS_TO_KEEP */
export const UNKNOWN_ROOTS_TO_KEEP = 20;
/** DEFAULT_UNKNOWN_RUNTIME_DEPS_MIN_AGE_MS */
export const UNKNOWN_ROOT_MIN_AGE_MS = 10 * 60_000;

/** `openclaw-<version>-<12 lowercase hex>`: the shape of OpenClaw's (and plugdeps') hashed roots. */
const HASHED_ROOT = /^openclaw-.+-[0-9a-f]{12}$/;

export type StageRootKind =
  /** `openclaw-unknown-*`: OpenClaw's, pruned by OpenClaw's own rule. */
  | "openclaw-unknown-root"
  /** `openclaw-<version>-<12 hex>`: OpenClaw's root of some version and install; never pruned. */
  | "openclaw-root"
  /** Anything else: not a name OpenClaw produces; never pruned. */
  | "unknown-name";

/** Pure: what a stage-base entry name is, as far as OpenClaw's naming goes. */
export const stageRootKind = (name: string): StageRootKind =>
  name.startsWith(UNKNOWN_ROOT_PREFIX)
    ? "openclaw-unknown-root"
    : HASHED_ROOT.test(name)
      ? "openclaw-root"
      : "unknown-name";

export interface UnknownRoot {
  readonly name: string;
  readonly mtimeMs: number;
}

export type UnknownRootDecision =
  | { readonly name: string; readonly prune: true; readonly why: string }
  | {
      readonly name: string;
      readonly prune: false;
      readonly why: string;
      /** Kept for a reason that expires by itself (youth, a live lock): the decision is clock-dependent. */
      readonly untilLater: boolean;
    };

const minutes = (ms: number): string => `${Math.floor(ms / 60_000)} min`;

/**
 * Pure: OpenClaw's decision for the `openclaw-unknown-*` real directories of ONE stage base.
 * `lockOf` is asked only for roots past the keep rule, as OpenClaw looks only at those: null when
 * the root has no OpenClaw lock. Ties in mtime are ranked by name (OpenClaw keeps the directory
 * listing's order, which the filesystem decides); the keep rule can only differ at the 20th place.
 */
export const decideUnknownRoots = (
  roots: readonly UnknownRoot[],
  now: number,
  lockOf: (name: string) => LockVerdict | null,
  keep = UNKNOWN_ROOTS_TO_KEEP,
  minAgeMs = UNKNOWN_ROOT_MIN_AGE_MS,
): UnknownRootDecision[] =>
  [...roots]
    .sort((a, b) => b.mtimeMs - a.mtimeMs || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((root, index): UnknownRootDecision => {
      const age = now - root.mtimeMs;
      if (index < keep && age < minAgeMs) {
        return {
          name: root.name,
          prune: false,
          untilLater: true,
          why: `an openclaw-unknown-* root OpenClaw still keeps: among the newest ${keep} and younger than ${minutes(minAgeMs)} (${minutes(Math.max(0, age))} old)`,
        };
      }
      const position = index < keep ? `older than ${minutes(minAgeMs)}` : `not among the newest ${keep}`;
      const lock = lockOf(root.name);
      if (lock !== null && !lock.stale) {
        return {
          name: root.name,
          prune: false,
          untilLater: true,
          why: `an openclaw-unknown-* root ${position}, but its OpenClaw lock is live (${lock.why}); OpenClaw skips it too`,
        };
      }
      return {
        name: root.name,
        prune: true,
        why:
          lock === null
            ? `openclaw-unknown-* root ${position}, unlocked: OpenClaw prunes it too`
            : `openclaw-unknown-* root ${position}, its OpenClaw lock stale (${lock.why}): OpenClaw prunes it too`,
      };
    });
