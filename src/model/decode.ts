import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { decodeError, type PlugdepsError } from "./errors.js";

/** Renders an io-ts validation error as `a.b[2]: expected string, got 42`. */
export const formatValidationError = (error: t.ValidationError): string => {
  let path = "";
  for (const entry of error.context.slice(1)) {
    if (entry.key === "") continue;
    // io-ts intersections and unions repeat numeric keys for their members; array indexes and
    // record keys are what a reader wants, so only keep keys whose parent is an array or object.
    const parentType = error.context[error.context.indexOf(entry) - 1]?.type;
    if (parentType && isCombinator(parentType)) continue;
    path += /^\d+$/.test(entry.key) ? `[${entry.key}]` : path === "" ? entry.key : `.${entry.key}`;
  }
  const expected = error.context[error.context.length - 1]?.type.name ?? "value";
  return `${path === "" ? "(root)" : path}: expected ${expected}, got ${describe(error.value)}`;
};

const isCombinator = (type: t.Decoder<unknown, unknown>): boolean =>
  type instanceof t.IntersectionType || type instanceof t.UnionType || type instanceof t.ExactType;

const describe = (value: unknown): string => {
  if (value === undefined) return "nothing";
  try {
    const s = JSON.stringify(value);
    return s.length > 60 ? `${s.slice(0, 57)}...` : s;
  } catch {
    return typeof value;
  }
};

/** Decodes with a codec and turns failures into a DecodeError naming every bad key path. */
export const decodeWith =
  <A, O>(codec: t.Type<A, O, unknown>, what: string, file: string) =>
  (input: unknown): E.Either<PlugdepsError, A> => {
    const result = codec.decode(input);
    if (E.isRight(result)) return E.right(result.right);
    const problems = [...new Set(result.left.map(formatValidationError))].slice(0, 20);
    return E.left(decodeError(file, what, problems));
  };
