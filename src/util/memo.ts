/**
 * Memoizes a pure function of one string. The plan asks the same questions thousands of times
 * (does `1.4.2` satisfy `^1.4.0`? is `^1.4.0` a valid, satisfiable range? is this a package
 * name?), and semver answers each by parsing the range again: on a 6,120-package root those
 * parses were a fifth of `plan`. Only for pure functions (same input, same answer, no I/O), so a
 * cached answer can never be stale. Bounded: past `max` entries the cache starts over.
 */
export const memoizeString = <A>(fn: (key: string) => A, max = 20_000): ((key: string) => A) => {
  const cache = new Map<string, A>();
  return (key) => {
    const hit = cache.get(key);
    if (hit !== undefined || cache.has(key)) return hit as A;
    if (cache.size >= max) cache.clear();
    const value = fn(key);
    cache.set(key, value);
    return value;
  };
};
