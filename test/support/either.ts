import * as E from "fp-ts/lib/Either.js";

/** The failure of an Either the test expects to fail (throws, showing the value, when it did not). */
export const leftOf = <L, A>(r: E.Either<L, A>): L => {
  if (E.isRight(r)) throw new Error(`expected a failure, got ${JSON.stringify(r.right)}`);
  return r.left;
};

/** The value of an Either the test expects to succeed (throws with the error's message when it did not). */
export const rightOf = <L extends { readonly message: string }, A>(r: E.Either<L, A>): A => {
  if (E.isLeft(r)) throw new Error(r.left.message);
  return r.right;
};
