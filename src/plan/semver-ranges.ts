import * as semver from "semver";

/**
 * Range algebra used by conflict resolution (SPEC §4.9). Pure; no registry access, so "one
 * version satisfies both" is decided on the ranges themselves: two ranges are compatible when
 * their intersection is non-empty.
 */

/** Is there any version that satisfies the range? */
export const isSatisfiable = (range: string): boolean => {
  try {
    return semver.minVersion(range) !== null;
  } catch {
    return false;
  }
};

/**
 * The intersection of two ranges as a range string, or null when no version satisfies both.
 * Prefers the narrower original spelling when one range contains the other (`^1.2.0` ∩ `^1.3.0`
 * is written `^1.3.0`, not a comparator soup), so plans stay readable.
 */
export const intersectRanges = (a: string, b: string): string | null => {
  if (a === b) return isSatisfiable(a) ? a : null;
  if (semver.subset(a, b)) return isSatisfiable(a) ? a : null;
  if (semver.subset(b, a)) return isSatisfiable(b) ? b : null;
  const alternatives: string[] = [];
  for (const left of new semver.Range(a).set) {
    for (const right of new semver.Range(b).set) {
      const comparators = [...left, ...right].map((c) => c.value).filter((v) => v !== "");
      const candidate = comparators.length === 0 ? "*" : comparators.join(" ");
      if (isSatisfiable(candidate)) alternatives.push(candidate);
    }
  }
  return alternatives.length === 0 ? null : alternatives.join(" || ");
};

/** Sort key preferring ranges that admit newer versions (used only to break ties). */
export const compareByMinVersionDesc = (a: string, b: string): number => {
  const va = semver.minVersion(a);
  const vb = semver.minVersion(b);
  if (va && vb) return semver.rcompare(va, vb);
  return 0;
};
