import * as semver from "semver";
import { memoizeString } from "../util/memo.js";

/**
 * Range algebra used by conflict resolution (SPEC §4.9). Pure; no registry access, so "one
 * version satisfies both" is decided on the ranges themselves: two ranges are compatible when
 * their intersection is non-empty.
 *
 * Everything here follows node-semver's default (non-`includePrerelease`) semantics, the ones npm
 * and pnpm use: a prerelease such as `1.2.3-beta.2` only satisfies a comparator set that names a
 * prerelease of the same `1.2.3` tuple.
 */

type ComparatorSet = readonly semver.Comparator[];

const setString = (set: ComparatorSet): string => {
  const comparators = set.map((c) => c.value).filter((v) => v !== "");
  return comparators.length === 0 ? "*" : comparators.join(" ");
};

const tuple = (v: semver.SemVer): string => `${v.major}.${v.minor}.${v.patch}`;

/** Tuples (`1.2.3`) whose prereleases a comparator set admits. */
const prereleaseTuples = (set: ComparatorSet): Set<string> =>
  new Set(set.filter((c) => c.value !== "" && c.semver.prerelease.length > 0).map((c) => tuple(c.semver)));

/**
 * Exact emptiness test for one comparator set. `semver.minVersion` is not enough: it returns null
 * for `>=1.0.0 <0.5.0 || >=2.0.0` (it tests only the smallest lower bound over all alternatives)
 * and for `>1.0.0 <=1.0.1-0` (whose only member is the prerelease `1.0.1-0`). The smallest
 * version a set admits, if any, is one of these candidates: 0.0.0, 0.0.0-0, each comparator's
 * version, its successor (`x.y.z+1`, or `pre.0` for a prerelease) and `x.y.z-0` for each tuple the
 * set admits prereleases of.
 */
const setSatisfiable = (set: ComparatorSet): boolean => {
  const candidates = ["0.0.0", "0.0.0-0"];
  for (const c of set) {
    if (c.value === "") continue;
    const v = c.semver;
    candidates.push(v.version, `${v.major}.${v.minor}.${v.patch + 1}`);
    if (v.prerelease.length > 0) candidates.push(`${v.version}.0`, `${tuple(v)}-0`);
  }
  const range = new semver.Range(setString(set));
  return candidates.some((candidate) => range.test(candidate));
};

/** Is there any version that satisfies the range? (False for an invalid range.) */
export const isSatisfiable = (range: string): boolean => isSatisfiableMemo(range);

const isSatisfiableMemo = memoizeString((range: string): boolean => {
  try {
    return new semver.Range(range).set.some(setSatisfiable);
  } catch {
    return false;
  }
});

/**
 * semver.subset, trusted only where it is sound. With prerelease comparators it is not: it takes
 * `2.2.1-beta <2.3.0-0` for an empty set (each comparator alone refuses the prerelease) and so
 * calls it a subset of `^2.3.0`. Ranges whose only prerelease comparators are the `<x.y.z-0`
 * upper bounds that `^`/`~`/`x` ranges expand to admit no prerelease at all, and there it holds.
 * Elsewhere this answers false, and the callers compute the intersection comparator by comparator.
 */
const subsetOf = (sub: string, dom: string): boolean =>
  isPlain(sub) && isPlain(dom) && semver.subset(sub, dom);

const isPlain = (range: string): boolean =>
  new semver.Range(range).set.every((set) =>
    set.every(
      (c) =>
        c.value === "" ||
        c.semver.prerelease.length === 0 ||
        (c.operator === "<" && c.semver.prerelease.length === 1 && c.semver.prerelease[0] === 0),
    ),
  );

/** `*` (also spelled `x`, `""`, `>=0.0.0`, `1 || *`): every release, no prerelease. */
const isAny = (range: string): boolean => {
  const { set } = new semver.Range(range);
  return set.length === 1 && set[0]?.length === 1 && set[0][0]?.value === "";
};

/** Does the range admit any prerelease version? */
const admitsPrereleases = (range: string): boolean =>
  new semver.Range(range).set.some((set) =>
    [...prereleaseTuples(set)].some((t) => isSatisfiable(`${setString(set)} >=${t}-0 <${t}`)),
  );

/**
 * The exact intersection of two comparator sets, as zero or more satisfiable alternatives.
 * Concatenating the comparators is exact for releases, but not for prereleases: the union of the
 * two sets' prerelease tuples would be admitted, so `^1.2.3-beta` ∩ `~1.2.0` would admit
 * `1.2.3-beta.2`, which `~1.2.0` refuses. The prereleases of every tuple only one side admits
 * (all within `[x.y.z-0, x.y.z)`) are cut out by splitting around that interval: below it
 * (`<x.y.z-0`) and above it (`>=x.y.z`, without the lower bounds that named an `x.y.z`
 * prerelease — they are implied, and keeping one would re-admit the tuple; `>=0.0.0` cannot do
 * the cutting itself because semver parses it as `*`).
 */
const intersectSets = (left: ComparatorSet, right: ComparatorSet): string[] => {
  const l = setString(left);
  const r = setString(right);
  if (subsetOf(r, l)) return isSatisfiable(r) ? [r] : [];
  if (subsetOf(l, r)) return isSatisfiable(l) ? [l] : [];
  const pl = prereleaseTuples(left);
  const pr = prereleaseTuples(right);
  const oneSided = [...new Set([...pl, ...pr])].filter((t) => !(pl.has(t) && pr.has(t))).sort();
  let alternatives: (readonly semver.Comparator[])[] = [[...left, ...right].filter((c) => c.value !== "")];
  for (const t of oneSided) {
    alternatives = alternatives.flatMap((alt) => {
      if (!isSatisfiable(`${setString(alt)} >=${t}-0 <${t}`)) return [alt];
      const namesTuple = (c: semver.Comparator) => c.semver.prerelease.length > 0 && tuple(c.semver) === t;
      const below = [...alt, new semver.Comparator(`<${t}-0`)];
      // An upper bound or exact version inside the tuple's prereleases leaves nothing above it.
      if (alt.some((c) => namesTuple(c) && !c.operator.startsWith(">"))) return [below];
      const above = [...alt.filter((c) => !namesTuple(c)), new semver.Comparator(`>=${t}`)];
      return [below, above];
    });
  }
  return alternatives.map(setString).filter(isSatisfiable);
};

/**
 * The intersection of two ranges as a range string, or null when no version satisfies both.
 * Prefers the narrower original spelling when one range contains the other (`^1.2.0` ∩ `^1.3.0`
 * is written `^1.3.0`, not a comparator soup), so plans stay readable.
 */
export const intersectRanges = (a: string, b: string): string | null => {
  if (a === b) return isSatisfiable(a) ? a : null;
  // semver.subset misses `subset("<1.0.0", "*")`, so `*` is handled first.
  if (isAny(a) && !admitsPrereleases(b)) return isSatisfiable(b) ? b : null;
  if (isAny(b) && !admitsPrereleases(a)) return isSatisfiable(a) ? a : null;
  if (subsetOf(a, b)) return isSatisfiable(a) ? a : null;
  if (subsetOf(b, a)) return isSatisfiable(b) ? b : null;
  const alternatives: string[] = [];
  for (const left of new semver.Range(a).set) {
    for (const right of new semver.Range(b).set) {
      for (const alt of intersectSets(left, right)) if (!alternatives.includes(alt)) alternatives.push(alt);
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
