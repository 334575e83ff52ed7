import * as catalog from "./catalog.js";
import { resolveUserPath } from "./shared/paths.js";
import type { HostEntry } from "./types.js";

/**
 * The light questions about hosts, answered from catalog.ts without loading any adapter: the
 * no-op replay, the register hook, help texts and error messages ask them.
 */

/** Every catalogued host, by name. */
export const HOSTS: readonly HostEntry[] = (Object.values(catalog) as HostEntry[]).sort((a, b) =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
);

/**
 * The host assumed when nothing names one: no `--host`, no package root to detect it from.
 * Exactly one entry says `fallback` (host-seam.test.ts); no throw here for a catalog that breaks
 * that, since the register hook loads this file inside the host's own process.
 */
export const FALLBACK_HOST: HostEntry = HOSTS.find((h) => h.fallback === true) ?? firstEntry();

function firstEntry(): HostEntry {
  const first = HOSTS[0];
  if (first === undefined) throw new Error("catalog.ts lists no host");
  return first;
}

/** A catalogued host and the argument its `--host` value carried (`profile:FILE`: the file). */
export interface NamedHost {
  readonly entry: HostEntry;
  readonly argument: string | undefined;
}

/** The host a `--host` (or PLUGDEPS_HOST) value names, or undefined for none. */
export const findHost = (spec: string): NamedHost | undefined => {
  for (const entry of HOSTS) {
    if (entry.argument === undefined) {
      if (spec === entry.name) return { entry, argument: undefined };
    } else if (spec.startsWith(`${entry.name}:`)) {
      return { entry, argument: spec.slice(entry.name.length + 1) };
    }
  }
  return undefined;
};

/** The named host, or the fallback when `spec` is undefined; undefined for an unknown name. */
export const namedOrFallback = (spec: string | undefined): NamedHost | undefined =>
  spec === undefined ? { entry: FALLBACK_HOST, argument: undefined } : findHost(spec);

/** How `--host` names each host: `openclaw`, `profile:FILE`. */
export const hostUsages = (): string[] =>
  HOSTS.map((h) => (h.argument === undefined ? h.name : `${h.name}:${h.argument}`));

/** The host whose package.json `name` this is, if any catalogued host claims it. */
export const detectHost = (packageName: unknown): HostEntry | undefined =>
  HOSTS.find((h) => h.detect?.(packageName) === true);

/** Does `spec` name the fallback host (which needs no PLUGDEPS_HOST to be found)? */
export const isFallbackHost = (spec: string): boolean => findHost(spec)?.entry === FALLBACK_HOST;

/** The files a `--host` value names (`profile:FILE`: the profile), absolute. */
export const hostFiles = (spec: string, homedir: string): string[] => {
  const argument = findHost(spec)?.argument;
  return argument === undefined || argument === "" ? [] : [resolveUserPath(argument, homedir)];
};

/** A `--host` value that means the same from any working directory (units run from `/`). */
export const absoluteHostSpec = (spec: string, homedir: string): string => {
  const named = findHost(spec);
  return named?.argument === undefined
    ? spec
    : `${named.entry.name}:${resolveUserPath(named.argument, homedir)}`;
};
