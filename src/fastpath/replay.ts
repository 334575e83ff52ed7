import * as path from "node:path";
import { namedOrFallback } from "../hosts/lookup.js";
import { nonEmpty, resolveUserPath } from "../hosts/shared/paths.js";
import {
  firstChanged,
  readStamp,
  sameEnv,
  type Stamp,
  stampKey,
  stampKeyMaterial,
  stampPath,
  stampPlaceDoubt,
} from "./stamp.js";

/**
 * The no-op path of `plugdeps apply`, taken before the CLI loads anything else: find the stamp
 * the last converged run with the same command line left (fastpath/stamp.ts), check that the
 * environment variables it read are unchanged and that every observation still holds, and
 * replay its output. Any doubt (no stamp, a changed file, another env value, a malformed stamp)
 * returns null and the run takes the normal path, which plans from scratch.
 */

export interface ReplayInput {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly homedir: string;
  readonly cwd: string;
  readonly isTTY: boolean;
}

export type ReplayOutcome =
  | { readonly _tag: "Replayed"; readonly output: Stamp["output"]; readonly stamp: string }
  | {
      readonly _tag: "NotReplayed";
      readonly why: string;
      /** Records someone else could have written, ignored: said on stderr (docs/security.md). */
      readonly warnings?: readonly string[];
    };

/** `--name value` or `--name=value` (the last one wins, as with commander). */
const flagValue = (argv: readonly string[], name: string): string | undefined => {
  let value: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? "";
    if (a === "--") break;
    if (a === name) value = argv[i + 1];
    else if (a.startsWith(`${name}=`)) value = a.slice(name.length + 1);
  }
  return value;
};

/**
 * Where a stamp may be: the stage base a converged run used. Which one is decided by the host
 * adapter, which is too heavy to load here; `--stage-dir`, or the stage candidates of the host's
 * light entry (hosts/lookup.ts) cover the common cases, and any other case simply misses (a stamp
 * found under the wrong base still has to match the recorded environment, so the search order
 * cannot make a replay wrong). A host named with a file (`--host profile:FILE`) would need that
 * file read first: without `--stage-dir` its runs take the normal path.
 */
const candidateBases = (input: ReplayInput): string[] => {
  const stageDir = nonEmpty(flagValue(input.argv, "--stage-dir"));
  if (stageDir !== undefined) return [resolveUserPath(stageDir, input.homedir)];
  const named = namedOrFallback(
    nonEmpty(flagValue(input.argv, "--host")) ?? nonEmpty(input.env["PLUGDEPS_HOST"]),
  );
  if (named === undefined || named.argument !== undefined) return [];
  const hostInput = { env: input.env, homedir: input.homedir, flags: {} };
  const facts = named.entry.facts(undefined, hostInput);
  return facts._tag === "Left" ? [] : facts.right.stageCandidates(hostInput).map((c) => c.path);
};

/**
 * Only `apply`. A `plan` would be as replayable, but it must never write (SPEC §2), and a stamp
 * is a write: it would have to come from somewhere else.
 */
export const replayable = (argv: readonly string[]): boolean => argv[0] === "apply";

/**
 * A JSON log line (`--log-format json`) says when it was printed: the replayed lines get this
 * run's time. Every such line starts with its `time` (render/output.ts); text lines carry none.
 */
const LEADING_TIME = /^\{"time":"[^"]*"/gm;
export const retimed = (output: Stamp["output"], iso: string): Stamp["output"] => {
  const renew = (text: string) => text.replace(LEADING_TIME, `{"time":"${iso}"`);
  return { ...output, stdout: renew(output.stdout), stderr: renew(output.stderr) };
};

export const replayNoop = (input: ReplayInput): ReplayOutcome => {
  if (!replayable(input.argv)) return { _tag: "NotReplayed", why: "not an apply" };
  const key = stampKey(input);
  const material = stampKeyMaterial(input);
  const why: string[] = [];
  const warnings: string[] = [];
  for (const base of candidateBases(input)) {
    const file = stampPath(base, key);
    const doubt = stampPlaceDoubt(base);
    if (doubt !== null) {
      if (doubt.startsWith("FOREIGN: ")) {
        warnings.push(`ignoring the no-op records under ${base}: ${doubt.slice(9)}`);
      }
      why.push(doubt.replace(/^FOREIGN: /, ""));
      continue;
    }
    const stamp = readStamp(file);
    if (stamp === null) {
      why.push(`${file}: none`);
      continue;
    }
    if (stamp.key !== material) {
      why.push(`${file}: a stamp of another command line`);
      continue;
    }
    if (!sameEnv(stamp.env, input.env)) {
      why.push(`${file}: the environment differs`);
      continue;
    }
    // A record that did not look at its own stage base is partial: it cannot know the root is
    // still there (issue "hostile stage base", item 5).
    if (!stamp.observations.some((o) => o.path.startsWith(`${base}${path.sep}`))) {
      why.push(`${file}: it observed nothing under ${base}`);
      continue;
    }
    const changed = firstChanged(stamp.observations);
    if (changed !== null) {
      why.push(`${file}: ${changed.path} changed (${changed.kind})`);
      continue;
    }
    return { _tag: "Replayed", output: retimed(stamp.output, new Date().toISOString()), stamp: file };
  }
  return {
    _tag: "NotReplayed",
    why: why.length > 0 ? why.join("; ") : "no stage base to look in",
    warnings,
  };
};
