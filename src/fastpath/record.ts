import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import * as E from "fp-ts/lib/Either.js";
import { ensureOwnedDir, writeOwnedFile } from "../util/owned-fs.js";
import { ownPackageJson } from "../util/tool-version.js";
import type { CliIO } from "../model/cli-io.js";
import { currentIdentity, type Journal, type Read } from "../util/observed-fs.js";
import { compactObservations } from "./compact.js";
import { type RecordingEnv, recordingEnv } from "./recording-env.js";
import {
  firstChanged,
  RACY_WINDOW_MS,
  STAMP_DIR,
  STAMP_FORMAT,
  type Stamp,
  stampKey,
  stampKeyMaterial,
  stampPath,
  stampPlaceDoubt,
  untrustworthy,
} from "./stamp.js";

/**
 * The recording half of the no-op path: runs `plugdeps apply` the normal way with a journal open
 * (observe/observed-fs.ts), the environment read through a recorder, and the output captured.
 * When the apply was a no-op decided from observation alone, the stamp is written for the next
 * run to replay (fastpath/replay.ts). After an apply that changed things, the same command is
 * run once more, silently, so that the NEXT run already finds a stamp and a converged apply
 * never has to write one (a no-op writes nothing, SPEC §4.3; it only writes a stamp when an
 * existing one went stale, e.g. after an unrelated edit of a file the plan reads).
 *
 * A stamp is a cache: when it cannot be written (read-only stage base, a racy observation, a
 * run that depended on the clock or on a lock holder) nothing is lost but speed. The reason is
 * printed with PLUGDEPS_DEBUG_NOOP_STAMP=1.
 */

/**
 * The files of plugdeps itself: a new version or a rebuild must not replay an old run's output.
 * This module (rewritten by every build, bundled or not) and the package's package.json.
 */
const selfFiles = (): string[] => {
  const manifest = ownPackageJson();
  return [fileURLToPath(import.meta.url), ...(manifest === null ? [] : [manifest.file])];
};

export type CliRunner = (argv: readonly string[], io: CliIO) => Promise<number>;

/** Old stamps of other command lines are removed beyond this many. */
const KEEP_STAMPS = 16;

interface Recorded {
  readonly code: number;
  /** What the no-op's observation read (null: the run was no observed no-op). */
  readonly journal: Journal | null;
  readonly env: RecordingEnv;
  readonly out: { stdout: string; stderr: string };
  readonly converged: string | null;
  readonly applied: string | null;
}

const recordRun = async (
  run: CliRunner,
  argv: readonly string[],
  io: CliIO,
  echo: boolean,
): Promise<Recorded> => {
  const env = recordingEnv(io.env);
  const out = { stdout: "", stderr: "" };
  let converged: string | null = null;
  let journal: Journal | null = null;
  let applied: string | null = null;
  const recording: CliIO = {
    ...io,
    env: env.env,
    stdout: (t) => {
      out.stdout += t;
      if (echo) io.stdout(t);
    },
    stderr: (t) => {
      out.stderr += t;
      if (echo) io.stderr(t);
    },
    onReplayable: (stageBase, reads) => {
      converged = stageBase;
      journal = reads;
    },
    onApplied: (stageBase) => {
      applied = stageBase;
    },
  };
  const code = await run(argv, recording);
  return { code, journal, env, out, converged, applied };
};

/** Writes the stamp of a recorded no-op; returns why not when it cannot be trusted or written. */
const writeStamp = (
  r: Recorded,
  stageBase: string,
  key: { readonly name: string; readonly material: string },
): string | null => {
  if (r.env.enumerated) return "the run enumerated the environment";
  if (r.journal === null) return "the run recorded no reads";
  const doubt = untrustworthy(r.journal);
  if (doubt !== null) return doubt;
  const dir = path.join(stageBase, STAMP_DIR);
  // Never write or delete through a symlink: `.plugdeps` and its `noop` must be real directories
  // of ours (util/owned-fs.ts); and a stamp nobody would believe is not worth writing.
  const made = ensureOwnedDir(stageBase, dir);
  if (E.isLeft(made)) return made.left.message;
  const placeDoubt = stampPlaceDoubt(stageBase);
  if (placeDoubt !== null) return placeDoubt;
  const self: Read[] = selfFiles().map((p) => ({
    kind: "stat",
    path: p,
    seen: currentIdentity("stat", p),
  }));
  const observations = compactObservations([...r.journal.observations.values(), ...self]);
  // Creating the stamp directory may itself change something the plan looked at (the first
  // stamp creates `.plugdeps/` in the stage base): then this record is already out of date.
  const changed = firstChanged(observations);
  if (changed !== null) return `${changed.path} changed since it was observed`;
  const stamp: Stamp = {
    format: STAMP_FORMAT,
    key: key.material,
    createdAt: r.journal.startedAt,
    env: r.env.read,
    observations,
    output: { stdout: r.out.stdout, stderr: r.out.stderr, exitCode: r.code },
  };
  const file = stampPath(stageBase, key.name);
  // No fsync: a stamp lost in a crash only costs the next run its speed.
  const written = writeOwnedFile(file, JSON.stringify(stamp), { fsync: false });
  if (E.isLeft(written)) return written.left.message;
  pruneStamps(dir, path.basename(file));
  return null;
};

/** Keeps the newest KEEP_STAMPS stamps (one per distinct command line that converged). */
const pruneStamps = (dir: string, keep: string): void => {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => /^[0-9a-f]{32}\.json$/.test(n) && n !== keep);
  } catch {
    return;
  }
  if (names.length < KEEP_STAMPS) return;
  const byAge = names
    .map((n) => ({ n, t: fs.lstatSync(path.join(dir, n), { throwIfNoEntry: false })?.mtimeMs ?? 0 }))
    .sort((a, b) => b.t - a.t);
  for (const { n } of byAge.slice(KEEP_STAMPS - 1)) fs.rmSync(path.join(dir, n), { force: true });
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface StampRunInput {
  readonly argv: readonly string[];
  readonly io: CliIO;
  readonly cwd: string;
  readonly debug: (line: string) => void;
}

/** Runs the CLI; for `apply`, records and stamps as described above. Returns the exit code. */
export const runAndStamp = async (run: CliRunner, input: StampRunInput): Promise<number> => {
  const { argv, io, debug } = input;
  if (argv[0] !== "apply") return run(argv, io);
  const keyInput = { argv, cwd: input.cwd, isTTY: io.isTTY };
  const key = { name: stampKey(keyInput), material: stampKeyMaterial(keyInput) };
  const first = await recordRun(run, argv, io, true);
  if (first.code !== 0) return first.code;
  if (first.converged !== null) {
    const not = writeStamp(first, first.converged, key);
    debug(not === null ? `stamp written in ${first.converged}` : `no stamp: ${not}`);
    return first.code;
  }
  if (first.applied !== null) {
    // Let the clock move past what the apply just wrote (see RACY_WINDOW_MS), create the stamp
    // directory first (its creation changes the stage base), then observe the converged root.
    // Read-only, gone or not ours: recordRun below cannot stamp either, and says why.
    ensureOwnedDir(first.applied, path.join(first.applied, STAMP_DIR));
    await sleep(RACY_WINDOW_MS + 5);
    const again = await recordRun(run, argv, io, false);
    const not =
      again.code !== 0 || again.converged === null
        ? `the run after the apply was not an observed no-op (exit ${again.code})`
        : writeStamp(again, again.converged, key);
    debug(not === null ? `stamp written in ${first.applied}` : `no stamp after the apply: ${not}`);
  }
  return first.code;
};
