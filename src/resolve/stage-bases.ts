import * as fs from "node:fs";
import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { stageCandidates as openclawStageCandidates } from "../hosts/openclaw/stage-dirs.js";
import { type HostProfile, loadProfile } from "../hosts/profile/profile.js";
import { nonEmpty, resolveUserPath } from "../hosts/shared/paths.js";
import { layeredStageCandidates, splitList } from "../hosts/shared/stage-list.js";
import type { HostInput } from "../hosts/types.js";
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

  const host = nonEmpty(input.host) ?? nonEmpty(input.env["PLUGDEPS_HOST"]) ?? "openclaw";
  if (host === "openclaw") {
    return E.right({
      label: "openclaw",
      slug: "openclaw",
      hostName: "openclaw",
      bases: override ?? openclawStageCandidates(hostInput).map((c) => ({ path: c.path, source: c.source })),
    });
  }
  if (host.startsWith("profile:")) {
    return E.map((profile: HostProfile): HostChoice => ({
      label: `profile:${profile.name}`,
      slug: profile.name,
      hostName: profile.packageName,
      bases: override ?? profileStageBases(profile, input),
    }))(loadProfile(resolveUserPath(host.slice("profile:".length), input.homedir)));
  }
  return E.left(
    usageError(`unknown host ${JSON.stringify(host)} (--host / PLUGDEPS_HOST): use openclaw or profile:FILE`),
  );
};

/**
 * The profile adapter's stage candidates without `--stage-dir` (profileAdapter.stageCandidates:
 * the profile's env var as a layered list, else its default dir). Mirrored here rather than
 * imported so a host process loading plugdeps/register does not also load the adapter's plugin
 * discovery (fast-glob and friends) just to read two fields.
 */
const profileStageBases = (profile: HostProfile, input: RecordsInput): { path: string; source: string }[] => {
  const envVar = profile.stage.envVar;
  const layered =
    envVar === undefined ? [] : layeredStageCandidates(input.env[envVar], envVar, input.homedir);
  if (layered.length > 0) return layered.map((c) => ({ path: c.path, source: c.source }));
  return [{ path: resolveUserPath(profile.stage.defaultDir, input.homedir), source: "profile default" }];
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
