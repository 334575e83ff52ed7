import * as t from "io-ts";

/**
 * Key order defined by an io-ts codec. The plan file promises a stable key order (SPEC §3), and
 * the order must not depend on how a value happened to be built (spread order, a reconciler that
 * adds keys late), so serialization walks the codec beside the value: object keys come out in the
 * order the codec declares them, record keys sorted, keys the codec does not know sorted after the
 * known ones.
 */

/** Codec-free JSON tree with explicit entry order (a JS object cannot hold `"10"` after `"9"`). */
export type JsonNode =
  | { readonly kind: "object"; readonly entries: readonly (readonly [string, JsonNode])[] }
  | { readonly kind: "array"; readonly items: readonly JsonNode[] }
  | { readonly kind: "scalar"; readonly value: string | number | boolean | null };

/** What a codec says about the value in front of it, after unwrapping refinements and unions. */
type Shape =
  | {
      readonly kind: "props";
      readonly props: ReadonlyMap<string, t.Mixed>;
      readonly rest: t.Mixed | undefined;
    }
  | { readonly kind: "record"; readonly codomain: t.Mixed }
  | { readonly kind: "array"; readonly item: (index: number) => t.Mixed | undefined }
  | { readonly kind: "none" };

const NONE: Shape = { kind: "none" };

/** Plain code-unit order: deterministic across locales and Node versions, unlike localeCompare. */
export const compareKeys = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const shapeOf = (codec: t.Mixed | undefined, value: unknown): Shape => {
  if (codec === undefined) return NONE;
  if (codec instanceof t.InterfaceType || codec instanceof t.PartialType || codec instanceof t.StrictType) {
    const props = codec.props as Record<string, t.Mixed>;
    return { kind: "props", props: new Map(Object.entries(props)), rest: undefined };
  }
  if (
    codec instanceof t.ExactType ||
    codec instanceof t.RefinementType ||
    codec instanceof t.ReadonlyType ||
    codec instanceof t.RecursiveType
  ) {
    return shapeOf(codec.type as t.Mixed, value);
  }
  if (codec instanceof t.DictionaryType) return { kind: "record", codomain: codec.codomain as t.Mixed };
  if (codec instanceof t.ArrayType || codec instanceof t.ReadonlyArrayType) {
    const item = codec.type as t.Mixed;
    return { kind: "array", item: () => item };
  }
  if (codec instanceof t.TupleType) {
    const types = codec.types as t.Mixed[];
    return { kind: "array", item: (i) => types[i] };
  }
  if (codec instanceof t.IntersectionType)
    return mergeShapes((codec.types as t.Mixed[]).map((c) => shapeOf(c, value)));
  if (codec instanceof t.UnionType) return shapeOf(pickMember(codec.types as t.Mixed[], value), value);
  return NONE;
};

/**
 * The union member that describes the value: the first that accepts it, else (the value does not
 * decode, e.g. a hand-edited plan) the first whose shape fits the value's JSON kind.
 */
const pickMember = (members: readonly t.Mixed[], value: unknown): t.Mixed | undefined =>
  members.find((m) => m.is(value)) ??
  members.find((m) => {
    const kind = shapeOf(m, value).kind;
    return Array.isArray(value)
      ? kind === "array"
      : isPlainObject(value) && (kind === "props" || kind === "record");
  });

/**
 * Intersection members contribute props in member order. A key declared by several members gets
 * the intersection of their codecs, so its own keys are ordered by all of them.
 */
const mergeShapes = (shapes: readonly Shape[]): Shape => {
  const byKey = new Map<string, t.Mixed[]>();
  let rest: t.Mixed | undefined;
  let sawProps = false;
  for (const shape of shapes) {
    if (shape.kind === "props") {
      sawProps = true;
      for (const [key, codec] of shape.props) byKey.set(key, [...(byKey.get(key) ?? []), codec]);
      rest ??= shape.rest;
    } else if (shape.kind === "record") {
      rest ??= shape.codomain;
    } else if (shape.kind === "array") {
      return shape;
    }
  }
  if (!sawProps) return rest === undefined ? NONE : { kind: "record", codomain: rest };
  const props = new Map<string, t.Mixed>();
  for (const [key, codecs] of byKey) {
    const [first, ...others] = codecs;
    if (first === undefined) continue;
    // Nested pairs are fine: shapeOf flattens intersections again.
    props.set(
      key,
      others.reduce<t.Mixed>((acc, codec) => t.intersection([acc, codec]), first),
    );
  }
  return { kind: "props", props, rest };
};

const scalar = (value: unknown): JsonNode => {
  if (value === null || typeof value === "string" || typeof value === "boolean")
    return { kind: "scalar", value };
  // JSON.stringify's rule: NaN and ±Infinity become null.
  if (typeof value === "number") return { kind: "scalar", value: Number.isFinite(value) ? value : null };
  throw new TypeError(`cannot serialize a ${typeof value} as JSON`);
};

/** Values JSON.stringify drops from objects (and writes as null in arrays). */
const isOmitted = (value: unknown): boolean =>
  value === undefined || typeof value === "function" || typeof value === "symbol";

/** Builds the ordered tree for `value` as described by `codec` (undefined: no codec, keys sorted). */
export const toJsonNode = (codec: t.Mixed | undefined, value: unknown): JsonNode => {
  if (Array.isArray(value)) {
    const shape = shapeOf(codec, value);
    const itemCodec = shape.kind === "array" ? shape.item : () => undefined;
    return {
      kind: "array",
      items: value.map((item: unknown, i) =>
        isOmitted(item) ? scalar(null) : toJsonNode(itemCodec(i), item),
      ),
    };
  }
  if (!isPlainObject(value)) return scalar(value);
  const shape = shapeOf(codec, value);
  const present = new Set(Object.keys(value).filter((k) => !isOmitted(value[k])));
  const entries: (readonly [string, JsonNode])[] = [];
  const known = shape.kind === "props" ? shape.props : new Map<string, t.Mixed>();
  for (const [key, keyCodec] of known) {
    if (present.has(key)) entries.push([key, toJsonNode(keyCodec, value[key])]);
  }
  const restCodec =
    shape.kind === "record" ? shape.codomain : shape.kind === "props" ? shape.rest : undefined;
  for (const key of [...present].filter((k) => !known.has(k)).sort(compareKeys)) {
    entries.push([key, toJsonNode(restCodec, value[key])]);
  }
  return { kind: "object", entries };
};

/** Prints a tree exactly like `JSON.stringify(value, null, indent)` would, in the tree's order. */
export const printJsonNode = (node: JsonNode, indent = 2, depth = 0): string => {
  if (node.kind === "scalar") return JSON.stringify(node.value);
  const inner = " ".repeat(indent * (depth + 1));
  const outer = " ".repeat(indent * depth);
  if (node.kind === "array") {
    if (node.items.length === 0) return "[]";
    const items = node.items.map((item) => inner + printJsonNode(item, indent, depth + 1));
    return `[\n${items.join(",\n")}\n${outer}]`;
  }
  if (node.entries.length === 0) return "{}";
  const entries = node.entries.map(
    ([key, child]) => `${inner}${JSON.stringify(key)}: ${printJsonNode(child, indent, depth + 1)}`,
  );
  return `{\n${entries.join(",\n")}\n${outer}}`;
};

/** JSON text of `value` with keys in the order `codec` declares (see the module comment). */
export const stringifyByCodec = (codec: t.Mixed, value: unknown, indent = 2): string =>
  printJsonNode(toJsonNode(codec, value), indent);

/**
 * A copy of `value` whose object keys are in codec order. Convenient for callers that hand objects
 * on; note that JS itself puts integer-like keys (`"10"`) first, which only `stringifyByCodec` avoids.
 */
export const orderByCodec = (codec: t.Mixed, value: unknown): unknown =>
  fromJsonNode(toJsonNode(codec, value));

const fromJsonNode = (node: JsonNode): unknown => {
  if (node.kind === "scalar") return node.value;
  if (node.kind === "array") return node.items.map(fromJsonNode);
  // fromEntries defines own properties, so a `__proto__` key stays data and never sets a prototype.
  return Object.fromEntries(node.entries.map(([key, child]) => [key, fromJsonNode(child)]));
};

/**
 * The key paths of `value` its codec does not declare (`a.b[2].c`), walking the codec as
 * serialization does: a union by the member that accepts the value, an intersection by all its
 * members, a record's keys all declared. Decoding accepts such keys (a reader must take the
 * optional keys a newer plugdeps adds, docs/json.md); this is the stricter check that what
 * plugdeps itself prints is all documented by its codec.
 */
export const undeclaredKeys = (codec: t.Mixed | undefined, value: unknown, at = ""): string[] => {
  // A codec that takes anything declares whatever is there.
  if (
    codec instanceof t.UnknownType ||
    codec instanceof t.AnyType ||
    codec instanceof t.AnyDictionaryType ||
    codec instanceof t.AnyArrayType
  )
    return [];
  const shape = shapeOf(codec, value);
  if (Array.isArray(value)) {
    const item = shape.kind === "array" ? shape.item : () => undefined;
    return value.flatMap((v: unknown, i) => undeclaredKeys(item(i), v, `${at}[${i}]`));
  }
  if (!isPlainObject(value)) return [];
  return Object.keys(value)
    .filter((key) => !isOmitted(value[key]))
    .flatMap((key) => {
      const where = at === "" ? key : `${at}.${key}`;
      const keyCodec =
        shape.kind === "props"
          ? (shape.props.get(key) ?? shape.rest)
          : shape.kind === "record"
            ? shape.codomain
            : undefined;
      return keyCodec === undefined ? [where] : undeclaredKeys(keyCodec, value[key], where);
    });
};
