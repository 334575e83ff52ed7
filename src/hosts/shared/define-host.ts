import type * as E from "fp-ts/lib/Either.js";
import type { HostEntry } from "../types.js";

/**
 * A host's light entry (see HostEntry), with its literal type kept: registry.ts asks tsc for an
 * adapter line for every catalogued entry that has no `adapter` of its own.
 */
export const defineHost = <const Entry extends HostEntry>(entry: Entry): Entry => entry;

/**
 * Either values without loading fp-ts: the light entries are read by the fast paths (the no-op
 * replay bundle has no fp-ts in it). The shapes are fp-ts' own, so callers use E.isLeft as usual.
 */
export const right = <A>(right: A): E.Either<never, A> => ({ _tag: "Right", right });
export const left = <L>(left: L): E.Either<L, never> => ({ _tag: "Left", left });
