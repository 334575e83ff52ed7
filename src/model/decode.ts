import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { decodeError, type PlugdepsError } from "./errors.js";

/** One io-ts failure, reduced to what an operator needs: where, what was wanted, what was there. */
interface Problem {
  readonly path: string;
  readonly expected: string;
  readonly got: string;
}

/**
 * Renders an io-ts validation error as `a.b[2]: expected string, got 42`.
 *
 * Path rules: array (and tuple) members render as `[i]`; object and record members as `.key`
 * (a record key that is all digits is still a key, `plugins.entries.0`, not an index); keys that
 * would be ambiguous in a dotted path (dots, spaces, brackets, empty) render as `["a.b"]`.
 * Intersection and union members repeat numeric keys for their branches: those are not part of the
 * document's shape and are skipped.
 */
export const formatValidationError = (error: t.ValidationError): string => renderProblem(toProblem(error));

const toProblem = (error: t.ValidationError): Problem => {
  let path = "";
  for (let i = 1; i < error.context.length; i++) {
    const entry = error.context[i];
    const parentType = error.context[i - 1]?.type;
    if (entry === undefined || parentType === undefined || isCombinator(parentType)) continue;
    path += isIndexed(parentType) ? `[${entry.key}]` : propertySegment(entry.key, path === "");
  }
  const last = error.context[error.context.length - 1]?.type;
  return { path, expected: last ? expectedName(last) : "value", got: describe(error.value) };
};

const renderProblem = (p: Problem): string =>
  `${p.path === "" ? "(root)" : p.path}: expected ${p.expected}, got ${p.got}`;

const propertySegment = (key: string, first: boolean): string =>
  /^[A-Za-z0-9_$-]+$/.test(key) ? (first ? key : `.${key}`) : `[${JSON.stringify(key)}]`;

const isCombinator = (type: t.Decoder<unknown, unknown>): boolean =>
  type instanceof t.IntersectionType || type instanceof t.UnionType || type instanceof t.ExactType;

const isIndexed = (type: t.Decoder<unknown, unknown>): boolean =>
  type instanceof t.ArrayType || type instanceof t.ReadonlyArrayType || type instanceof t.TupleType;

/**
 * Object and array codecs are named after their TypeScript shape (`{ [K in string]: unknown }`,
 * `Partial<{ primary: string }>`) or an internal codec name; an operator editing a JSON file wants
 * "object" / "array". Scalars, literals, keyofs and branded types keep their own names.
 */
const expectedName = (type: t.Decoder<unknown, unknown>): string => {
  if (
    type instanceof t.InterfaceType ||
    type instanceof t.PartialType ||
    type instanceof t.StrictType ||
    type instanceof t.DictionaryType
  ) {
    return "object";
  }
  if (type instanceof t.ArrayType || type instanceof t.ReadonlyArrayType) return "array";
  return type.name;
};

const describe = (value: unknown): string => {
  if (value === undefined) return "nothing";
  try {
    const s = JSON.stringify(value);
    return s.length > 60 ? `${s.slice(0, 57)}...` : s;
  } catch {
    return typeof value;
  }
};

/**
 * A union reports one error per branch at the same path (`model: expected string, got 5` and
 * `model: expected object, got 5`); merge those into `model: expected string or object, got 5`.
 */
const mergeProblems = (problems: readonly Problem[]): string[] => {
  const groups = new Map<string, { path: string; got: string; expected: string[] }>();
  for (const p of problems) {
    const key = `${p.path}\u0000${p.got}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { path: p.path, got: p.got, expected: [p.expected] });
    else if (!group.expected.includes(p.expected)) group.expected.push(p.expected);
  }
  return [...groups.values()].map((g) =>
    renderProblem({ path: g.path, got: g.got, expected: g.expected.join(" or ") }),
  );
};

/** Decodes with a codec and turns failures into a DecodeError naming every bad key path. */
export const decodeWith =
  <A, O>(codec: t.Type<A, O, unknown>, what: string, file: string) =>
  (input: unknown): E.Either<PlugdepsError, A> => {
    // `is` checks without building a result (decode rebuilds every object it walks): a state
    // record of 6,120 packages decoded in ~10 ms, checked in ~2. Equivalent here because no codec
    // in model/ transforms its input (no exact/strict types, no *FromString codecs): what `is`
    // accepts, decode returns unchanged. Only a failure pays for decode, for its error paths.
    if (codec.is(input)) return E.right(input);
    const result = codec.decode(input);
    if (E.isRight(result)) return E.right(result.right);
    const problems = mergeProblems(result.left.map(toProblem)).slice(0, 20);
    return E.left(decodeError(file, what, problems));
  };
