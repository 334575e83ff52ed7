// Seeded pseudo-random numbers for the workload generators (mulberry32): the same seed gives the
// same packages, files and bytes on every machine, so a generated workload is reproducible.

/** @param {number} seed @returns {() => number} uniform in [0, 1) */
export const makeRng = (seed) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

/** An integer in [lo, hi]. */
export const int = (rng, lo, hi) => lo + Math.floor(rng() * (hi - lo + 1));

export const pick = (rng, items) => items[Math.floor(rng() * items.length)];

/** A new array with the items in random order (Fisher-Yates). */
export const shuffled = (rng, items) => {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
};

const SYLLABLES = "ka lo mi nu pe ra si to vu xe ba do fi gu he jo ke lu ma ne".split(" ");

/** A pronounceable word of 2-4 syllables. */
export const word = (rng) => Array.from({ length: int(rng, 2, 4) }, () => pick(rng, SYLLABLES)).join("");
