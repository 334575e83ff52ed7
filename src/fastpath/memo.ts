import * as E from "fp-ts/lib/Either.js";
import type { Journal, Read } from "../model/reads.js";
import { compactObservations } from "./compact.js";
import { recordingEnv } from "./recording-env.js";
import { firstChanged, sameEnv, untrustworthy } from "./stamp.js";

/**
 * In-process reuse of a plan for a host that asks at every start (or on a timer) whether its
 * plugins' dependencies are converged: the library's `createPlan`. A result is kept with the
 * observations and environment reads that produced it, and returned again only while every
 * observation still holds (one stat each) and the environment reads the same; otherwise the
 * plan is computed afresh. Drift (a package deleted or replaced by hand) moves an observed
 * identity, so it is always seen.
 */

interface Entry<A> {
  readonly env: Readonly<Record<string, string | null>>;
  readonly observations: readonly Read[];
  readonly value: A;
}

const MAX_ENTRIES = 8;

export const makeMemo = <L, A>() => {
  const entries = new Map<string, Entry<A>>();
  return (
    key: string,
    env: Readonly<Record<string, string | undefined>>,
    /** Computes the value and returns what it read (its observation's `reads`). */
    compute: (
      env: Readonly<Record<string, string | undefined>>,
    ) => E.Either<L, { value: A; reads: Journal | null }>,
  ): E.Either<L, A> => {
    const hit = entries.get(key);
    if (hit !== undefined && sameEnv(hit.env, env) && firstChanged(hit.observations) === null)
      return E.right(hit.value);
    entries.delete(key);
    const rec = recordingEnv(env);
    const result = compute(rec.env);
    if (E.isLeft(result)) return result;
    const journal = result.right.reads;
    if (journal !== null && !rec.enumerated && untrustworthy(journal) === null) {
      if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
      entries.set(key, {
        env: rec.read,
        observations: compactObservations(journal.observations.values()),
        value: result.right.value,
      });
    }
    return E.right(result.right.value);
  };
};
