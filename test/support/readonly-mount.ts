import * as fs from "node:fs";
import * as path from "node:path";
import { execa } from "execa";
import { type ApplySandbox, runWrapped, testPath } from "./apply.js";
import { CLI, type RunResult } from "./cli.js";

/**
 * A REAL read-only mount (openclaw #70163: the permission bits said writable, the mount was
 * read-only): a command runs in a private mount namespace (`unshare -m`) where a directory is
 * bind-mounted read-only onto itself (`mount --bind -o ro`). The mount vanishes with the
 * namespace; outside it nothing changes. Needs Linux and root: tests ask
 * readOnlyMountUnavailable first and skip, saying why, where it cannot work.
 */

/** `unshare` arguments that run `command` (file and arguments) with `dir` mounted read-only. */
export const readOnlyMountArgs = (dir: string, command: readonly string[]): string[] => [
  "-m",
  "--propagation",
  "private",
  "sh",
  "-c",
  'dir="$1"; shift; mount --bind -o ro "$dir" "$dir" && exec "$@"',
  "sh",
  dir,
  ...command,
];

/** `unshare` arguments that run the built CLI (`node plugdeps.cjs ARGS`) with `dir` read-only. */
export const cliReadOnlyMountArgs = (dir: string, cliArgs: readonly string[]): string[] =>
  readOnlyMountArgs(dir, [process.execPath, CLI, ...cliArgs]);

/**
 * Whether a read-only bind mount works here: Linux, root, `unshare -m`, and a mount that really
 * refuses a write. Returns null when it does, else the reason.
 */
export const readOnlyMountUnavailable = async (probeDir: string): Promise<string | null> => {
  if (process.platform !== "linux") return "needs Linux mount namespaces";
  if (typeof process.getuid !== "function" || process.getuid() !== 0) return "not running as root";
  fs.mkdirSync(probeDir, { recursive: true });
  const r = await execa(
    "unshare",
    [
      "-m",
      "--propagation",
      "private",
      "sh",
      "-c",
      'mount --bind -o ro "$1" "$1" && ! touch "$1/probe" 2>/dev/null',
      "sh",
      probeDir,
    ],
    { reject: false, extendEnv: false, env: { PATH: testPath() }, all: true },
  );
  if (r.failed || r.exitCode !== 0) return `unshare -m + mount --bind -o ro did not work: ${r.all ?? ""}`;
  return fs.existsSync(path.join(probeDir, "probe")) ? "the read-only bind mount accepted a write" : null;
};

/** `plugdeps ARGS` with this sandbox's environment, `dir` mounted read-only. */
export const runCliReadOnly = (
  sb: ApplySandbox,
  dir: string,
  cliArgs: readonly string[],
): Promise<RunResult> => runWrapped(sb, "unshare", cliReadOnlyMountArgs(dir, cliArgs));

/**
 * Warns with the reason and skips the test when the fault cannot be made here (`unavailable` is
 * the reason, null when it can): never a silent pass. True when the test can run.
 */
export const runsHere = (
  ctx: { skip: (note?: string) => void },
  what: string,
  unavailable: string | null,
): boolean => {
  if (unavailable === null) return true;
  console.warn(`skipped ${what}: ${unavailable}`);
  ctx.skip(unavailable);
  return false;
};
