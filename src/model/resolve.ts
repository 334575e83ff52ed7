import * as t from "io-ts";

/**
 * `plugdeps resolve --json` (and the library's `resolve()`): where one plugin's import lands at run
 * time, and why. The decision is the register hook's own (resolve/decide.ts); this codec is the
 * document's one definition: resolve/explain.ts builds values of its type, the JSON renderer emits
 * keys in its order, `decodeResolveJson` reads it.
 */

const nullable = <C extends t.Mixed>(codec: C) => t.union([codec, t.null]);

export const RESOLVE_FORMAT_VERSION = 1 as const;

/** The plugin whose import is explained: its id and the directory standing for the importing file. */
export const ResolvePlugin = t.type({ id: t.string, dir: t.string }, "ResolvePlugin");

/** The versioned root whose materialization record decided (the newest listing the plugin). */
export const ResolveRoot = t.type(
  {
    path: t.string,
    hostName: t.string,
    hostVersion: t.string,
    packageRoot: t.string,
    /** When the record was written (the apply that made the live generation). */
    updatedAt: t.string,
  },
  "ResolveRoot",
);

/** Something the decision passed over: `isolated set`, `shared set`, `read-only layer`, `root <path>`. */
export const ResolveSkip = t.type({ what: t.string, reason: t.string }, "ResolveSkip");

/** Where the import lands. */
export const Landing = t.type(
  {
    /** isolated / shared / external (a read-only layer), or node (Node's own resolution). */
    via: t.keyof({ isolated: null, shared: null, external: null, node: null }),
    /** The install set (`shared`, `plugin:<id>`), null when Node's resolution decides. */
    set: nullable(t.string),
    packageDir: t.string,
    /** The version found there, null when the directory holds no usable package. */
    version: nullable(t.string),
    /** Set when the directory holds no usable package (broken install). */
    problem: nullable(t.string),
  },
  "Landing",
);
export type Landing = t.TypeOf<typeof Landing>;

/** root: a set of the root (or a read-only layer) serves it; node: Node's own resolution; not-found: the import fails. */
export const ResolveOutcome = t.keyof({ root: null, node: null, "not-found": null }, "ResolveOutcome");
export type ResolveOutcome = t.TypeOf<typeof ResolveOutcome>;

export const ResolveDocument = t.type(
  {
    formatVersion: t.literal(RESOLVE_FORMAT_VERSION),
    plugin: ResolvePlugin,
    specifier: t.string,
    /** The package name of a bare specifier, else null. */
    package: nullable(t.string),
    /** `.` or `./sub/path` of a declared import, else null. */
    subpath: nullable(t.string),
    /** The spec the plugin declares, when it declares the package. */
    spec: nullable(t.string),
    root: nullable(ResolveRoot),
    /** True when plugdeps decides this import (a declared bare dependency), false when Node does. */
    handled: t.boolean,
    outcome: ResolveOutcome,
    lands: nullable(Landing),
    /** Why, in one sentence. */
    reason: t.string,
    skipped: t.array(ResolveSkip),
    /** The error the import would fail with (outcome not-found), else null. */
    error: nullable(t.string),
  },
  "ResolveDocument",
);
export type ResolveDocument = t.TypeOf<typeof ResolveDocument>;
