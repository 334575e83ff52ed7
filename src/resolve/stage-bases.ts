import * as fs from "node:fs";
import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { hostUsages, namedOrFallback } from "../hosts/lookup.js";
import { nonEmpty, resolveUserPath } from "../hosts/shared/paths.js";
import { splitList } from "../hosts/shared/stage-list.js";
import type { HostFacts, HostInput } from "../hosts/types.js";
import { type PlugdepsError, usageError } from "../model/errors.js";

/**
 * Which host's records to read and where: the light first step of records.ts, kept apart so
 * `plugdeps/register` can tell from a readdir that there is nothing to read before it loads the
 * state codecs (io-ts and friends cost a host process ~0.1-0.2 s to load on a slow disk).
 */

export interface RecordsInput {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly homedir: string;
  /** `--host`: wins over PLUGDEPS_HOST. */
  readonly host?: string | undefined;
  /** `--stage-dir`: wins over PLUGDEPS_STAGE_DIR and the adapter's variables. */
  readonly stageDir?: string | undefined;
}

/** Which host's roots to read: its root-name slug, the host name its records carry, its stage bases. */
export interface HostChoice {
  readonly label: string;
  readonly slug: string;
  readonly hostName: string;
  readonly bases: readonly { readonly path: string; readonly source: string }[];
}

/**
 * Stage bases, in order: `--stage-dir`; else `PLUGDEPS_STAGE_DIR` (a path.delimiter list; every
 * entry is searched); else the adapter's own candidates from the environment. Unlike apply, which
 * takes the FIRST writable target, resolution searches every candidate, layers included: a
 * record is usable wherever it is, and reading needs no write access.
 */
export const chooseHost = (input: RecordsInput): E.Either<PlugdepsError, HostChoice> => {
  const hostInput: HostInput = { env: input.env, homedir: input.homedir, flags: {} };
  const explicit = nonEmpty(input.stageDir);
  const fromEnv = splitList(input.env["PLUGDEPS_STAGE_DIR"], path.delimiter).map((entry, i) => ({
    path: resolveUserPath(entry, input.homedir),
    source: `PLUGDEPS_STAGE_DIR[${i}]`,
  }));
  const override =
    explicit !== undefined
      ? [{ path: resolveUserPath(explicit, input.homedir), source: "--stage-dir" }]
      : fromEnv.length > 0
        ? fromEnv
        : null;

  const spec = nonEmpty(input.host) ?? nonEmpty(input.env["PLUGDEPS_HOST"]);
  const named = namedOrFallback(spec);
  if (named === undefined) {
    return E.left(
      usageError(
        `unknown host ${JSON.stringify(spec)} (--host / PLUGDEPS_HOST): use ${hostUsages().join(" or ")}`,
      ),
    );
  }
  // The host's light entry: its stage candidates without loading its adapter (a host process
  // loading plugdeps/register must not pay for plugin discovery, fast-glob and friends).
  return E.map((facts: HostFacts): HostChoice => ({
    label: facts.label,
    slug: facts.slug,
    hostName: facts.packageName,
    bases: override ?? facts.stageCandidates(hostInput).map((c) => ({ path: c.path, source: c.source })),
  }))(named.entry.facts(named.argument, hostInput));
};

/**
 * Cheap pre-check: does any stage base hold an entry that looks like one of this host's roots
 * (`<slug>-...-<12 hex>`)? One readdir per base; false means records.ts would find nothing.
 */
export const mayHoldRoots = (choice: HostChoice): boolean =>
  choice.bases.some((base) => {
    try {
      return fs
        .readdirSync(base.path)
        .some((name) => name.startsWith(`${choice.slug}-`) && /-[0-9a-f]{12}$/.test(name));
    } catch {
      return false;
    }
  });
