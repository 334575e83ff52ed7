import * as path from "node:path";
import type * as E from "fp-ts/lib/Either.js";
import type { PlugdepsError } from "../../model/errors.js";
import { readRegularFile } from "../../util/bounded-read.js";
import { defineHost, left, right } from "../shared/define-host.js";
import { nonEmpty, resolveUserPath } from "../shared/paths.js";
import { layeredStageCandidates } from "../shared/stage-list.js";
import type { HostFacts, HostInput, StageCandidateSpec } from "../types.js";

/** A profile's `name`: the slug of its versioned roots, so a directory name. */
export const PROFILE_SLUG = /^[a-z0-9][a-z0-9-]{0,40}$/;
export const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const profileInvalid = (file: string, detail: string): PlugdepsError => ({
  _tag: "ProfileInvalid",
  path: file,
  message: `host profile ${file} is invalid: ${detail}. Fix the profile (see fixtures/profiles/ for an example).`,
});

/** A profile's `stage` block: the host's stage variable, if it has one, and its default dir. */
export interface ProfileStage {
  readonly envVar?: string | undefined;
  readonly defaultDir: string;
}

/**
 * The profile adapter's stage candidates: `--stage-dir`, else the profile's variable as a layered
 * list, else its default dir. The adapter (index.ts) and the light facts below share it.
 */
export const profileStageCandidates = (stage: ProfileStage, input: HostInput): StageCandidateSpec[] => {
  const flag = nonEmpty(input.flags.stageDir);
  if (flag !== undefined)
    return [{ path: resolveUserPath(flag, input.homedir), source: "--stage-dir", role: "target" }];
  const envVar = stage.envVar;
  const layered =
    envVar === undefined ? [] : layeredStageCandidates(input.env[envVar], envVar, input.homedir);
  if (layered.length > 0) return layered;
  return [
    { path: resolveUserPath(stage.defaultDir, input.homedir), source: "profile default", role: "target" },
  ];
};

/** A profile is a few hundred bytes; anything this large is not one. */
const MAX_PROFILE_BYTES = 1024 * 1024;

/**
 * The few fields of a profile the fast paths need (name, packageName, stage), read without its
 * codec: the register hook must not load io-ts to find a host's roots. The adapter
 * (profile.ts loadProfile) decodes and checks the whole profile; host-seam.test.ts checks that
 * both read the same facts.
 */
export const readProfileFacts = (file: string): E.Either<PlugdepsError, HostFacts> => {
  const abs = path.resolve(file);
  // Read in plugdeps/register at a host's start too: opened without blocking and read only when
  // it is a regular file of a sane size, so a FIFO or a device there never blocks (issue 15).
  // A link is followed: an operator may link a profile from elsewhere.
  const read = readRegularFile(abs, { maxBytes: MAX_PROFILE_BYTES, followLinks: true });
  if (read._tag === "Missing") return left(profileInvalid(abs, "file not found"));
  if (read._tag === "Failed") return left(profileInvalid(abs, `cannot read it (${read.code})`));
  if (read._tag === "Refused") return left(profileInvalid(abs, `refused: ${read.reason}`));
  const text = read.text;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return left(profileInvalid(abs, "not valid JSON"));
  }
  const name = field(raw, "name");
  const packageName = field(raw, "packageName");
  const stage = field(raw, "stage");
  const defaultDir = field(stage, "defaultDir");
  const envVar = field(stage, "envVar");
  if (typeof name !== "string" || !PROFILE_SLUG.test(name) || name === "plugdeps")
    return left(profileInvalid(abs, `name must match ${PROFILE_SLUG.source} (and not be "plugdeps")`));
  if (typeof packageName !== "string") return left(profileInvalid(abs, "packageName must be a string"));
  if (typeof defaultDir !== "string") return left(profileInvalid(abs, "stage.defaultDir must be a string"));
  if (envVar !== undefined && (typeof envVar !== "string" || !ENV_VAR_NAME.test(envVar)))
    return left(profileInvalid(abs, "stage.envVar must be an environment variable name"));
  const profileStage: ProfileStage = { envVar, defaultDir };
  return right({
    label: `profile:${name}`,
    slug: name,
    packageName,
    stageCandidates: (input) => profileStageCandidates(profileStage, input),
  });
};

/** An own property of a JSON object, or undefined. */
const field = (value: unknown, key: string): unknown =>
  value !== null && typeof value === "object" && !Array.isArray(value) && Object.hasOwn(value, key)
    ? (value as Record<string, unknown>)[key]
    : undefined;

/**
 * The generic host, described by a JSON profile (fixtures/profiles/acme.json): `--host
 * profile:FILE`. Never detected (any package could be described by some profile), never the
 * fallback. Its adapter (index.ts: fast-glob, the profile codec) is registered in registry.ts.
 */
export const profileHost = defineHost({
  name: "profile",
  argument: "FILE",
  envPrefixes: [],
  facts: (file, input) => readProfileFacts(resolveUserPath(file ?? "", input.homedir)),
});
