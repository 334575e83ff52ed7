import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { hostUnknown, type PlugdepsError, usageError } from "../model/errors.js";
import type * as catalog from "./catalog.js";
import { detectHost, FALLBACK_HOST, findHost, hostUsages } from "./lookup.js";
import { openclawAdapterFor } from "./openclaw/index.js";
import { profileAdapterFor } from "./profile/index.js";
import { nonEmpty, resolveUserPath } from "./shared/paths.js";
import type { AdapterFactory, HostAdapter, HostEntry, HostInput } from "./types.js";
import { readTextFile } from "../util/read-json.js";

/** The catalogued entries that do not carry their adapter: each needs a line below. */
type Catalogued = (typeof catalog)[keyof typeof catalog];
type WithoutAdapter = Exclude<Catalogued, { readonly adapter: AdapterFactory }>["name"];

/**
 * The adapters too heavy to sit in their host's light entry (catalog.ts): loaded here, where
 * plan, apply, status and doctor start, never by the fast paths. tsc lists a catalogued host
 * missing here.
 */
const ADAPTERS: { readonly [Name in WithoutAdapter]: AdapterFactory } = {
  openclaw: openclawAdapterFor,
  profile: profileAdapterFor,
};

const adapterOf = (entry: HostEntry): AdapterFactory => {
  const factory = entry.adapter ?? (ADAPTERS as Readonly<Record<string, AdapterFactory>>)[entry.name];
  // tsc guarantees one or the other; a catalog changed without compiling is a programmer error.
  if (factory === undefined) throw new Error(`host ${entry.name} has no adapter (catalog.ts, registry.ts)`);
  return factory;
};

/** `openclaw or profile:FILE`, for messages. */
const choices = (): string => hostUsages().join(" or ");

/**
 * `--host NAME` (or `NAME:FILE`) picks a catalogued host; without it the host is detected from
 * `--package-root`'s package.json name, and the fallback host is assumed when no package root
 * is given either.
 */
export const selectAdapter = (
  host: string | undefined,
  input: HostInput,
): E.Either<PlugdepsError, HostAdapter> => {
  const spec = nonEmpty(host);
  if (spec !== undefined) {
    const named = findHost(spec);
    return named === undefined
      ? E.left(usageError(`unknown --host ${JSON.stringify(spec)}: use ${choices()}`))
      : adapterOf(named.entry)(named.argument, input);
  }

  const fallback = (): E.Either<PlugdepsError, HostAdapter> => adapterOf(FALLBACK_HOST)(undefined, input);
  const root = nonEmpty(input.flags.packageRoot);
  if (root === undefined) return fallback();
  const manifest = path.join(resolveUserPath(root, input.homedir), "package.json");
  let name: unknown;
  try {
    // readTextFile: a FIFO (or a device) as package.json must not block the read forever.
    const text = readTextFile(manifest);
    if (E.isLeft(text)) return fallback();
    name = (JSON.parse(text.right) as { name?: unknown }).name;
  } catch {
    // The adapter's own package-root check reports a missing or broken package.json precisely.
    return fallback();
  }
  const detected = detectHost(name);
  if (detected !== undefined) return adapterOf(detected)(undefined, input);
  return E.left(
    hostUnknown(
      path.dirname(manifest),
      `its package.json names ${JSON.stringify(name)}, not a built-in host`,
      hostUsages().join(" or --host "),
    ),
  );
};
