import * as os from "node:os";
import * as E from "fp-ts/lib/Either.js";
import type { ManagerChoice } from "../execute/package-manager.js";
import { type PlugdepsError, usageError } from "../model/errors.js";
import type { ProbeMode, RunOptions } from "../model/options.js";
import type { LockHolder, PlanDocument } from "../model/plan.js";
import { parseDuration } from "../util/duration.js";

/**
 * The options of the library API (src/index.ts: plan, apply, status, doctor, resolve), one for
 * each CLI flag that changes what a command does, under the flag's camelCase name; the CLI builds
 * the same objects from its flags (src/cli/common-options.ts), so both run one code path. Flags
 * about how a command prints (`--json`, `--log-format`, `--quiet`, `--no-color`,
 * `--detailed-exitcode`) have no option: the library returns the document `--json` prints.
 */

/** `--host`, `--package-root`, `--config`, `--stage-dir`, `--settings`, `--override`: every command's. */
export interface CommonCommandOptions {
  /** `--host`: a catalogued host name, or `profile:FILE`; default: detected from the package root. */
  readonly host?: string | undefined;
  /** `--package-root`: the host's installed package; default: found from npm's global prefix. */
  readonly packageRoot?: string | undefined;
  /** `--config`: the host's config file; default: the adapter's config variable, then its state dir. */
  readonly config?: string | undefined;
  /** `--stage-dir`: the writable stage base; default: the adapter's variables, then its state dir. */
  readonly stageDir?: string | undefined;
  /** `--settings`: the plugdeps settings file (JSON5); default `$PLUGDEPS_SETTINGS` of `env`. */
  readonly settings?: string | undefined;
  /** `--override NAME=SPEC`, in order (the flag is repeatable). */
  readonly overrides?: readonly string[] | undefined;
  /** The environment the command reads (the host's variables, npm_config_*); default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  /** The home directory (the host's state dir is below it); default `os.homedir()`. */
  readonly homedir?: string | undefined;
}

/**
 * A duration as the CLI takes it (`"90s"`, `"5m"`, `"1h30m"`, `"250ms"`, a bare number of seconds
 * as a string), or a number of milliseconds.
 */
export type Duration = string | number;

/** `plugdeps plan`. */
export interface PlanCommandOptions extends CommonCommandOptions {
  /** `--out PLANFILE`: also save the plan document there, for `apply` (`planFile`). */
  readonly out?: string | undefined;
}

/** `plugdeps apply [PLANFILE]`. */
export interface ApplyCommandOptions extends CommonCommandOptions {
  /**
   * `PLANFILE`: a plan saved with `plan --out` (a path), or a plan document `plan()` returned;
   * refused as stale when the host, the desired state or the disk changed since.
   */
  readonly planFile?: string | PlanDocument | undefined;
  /** `--package-manager`: `auto` (default: pnpm when it runs, else npm), `pnpm` or `npm`. */
  readonly packageManager?: ManagerChoice | undefined;
  /** `--lock-timeout`: how long to wait for another writer's install-root lock (default 5m). */
  readonly lockTimeout?: Duration | undefined;
  /** `--install-timeout`: how long one package-manager run may take (default: settings' installTimeout, else 10m). */
  readonly installTimeout?: Duration | undefined;
  /** Each progress line the CLI prints (without `--quiet`), as it happens. */
  readonly onProgress?: ((line: string) => void) | undefined;
  /** Called when the lock is held by another writer and apply waits (the CLI's "waiting for ..." line). */
  readonly onLockWait?: ((holder: LockHolder) => void) | undefined;
  /**
   * Stops the apply as SIGTERM stops the CLI's: the package manager is stopped, its stage removed,
   * the lock released, the live root left as it was; the result is an `Aborted` error.
   */
  readonly signal?: AbortSignal | undefined;
}

/** `plugdeps status`. */
export interface StatusCommandOptions extends CommonCommandOptions {
  /** `--verify`: also check every package of the live root on disk (slower); the result says drift. */
  readonly verify?: boolean | undefined;
}

/** `plugdeps doctor [--fix]`. */
export interface DoctorCommandOptions extends CommonCommandOptions {
  /** `--fix`: repair what is safe (through apply, under its lock). Default false: read-only. */
  readonly fix?: boolean | undefined;
  /** `--no-host-check` is `hostCheck: false`: skip the host's own dependency check. Default true. */
  readonly hostCheck?: boolean | undefined;
  readonly packageManager?: ManagerChoice | undefined;
  readonly lockTimeout?: Duration | undefined;
  readonly installTimeout?: Duration | undefined;
  /** With `fix`: each line of the fix's progress, as it happens. */
  readonly onProgress?: ((line: string) => void) | undefined;
  /** With `fix`: stops its apply as SIGTERM stops the CLI's. */
  readonly signal?: AbortSignal | undefined;
}

/** `plugdeps resolve --plugin ID SPECIFIER`. */
export interface ResolveCommandOptions extends CommonCommandOptions {
  /** `--plugin`: the plugin whose import to explain. */
  readonly plugin: string;
  /** `SPECIFIER`: the import specifier, e.g. `@slack/web-api` or `lodash/fp`. */
  readonly specifier: string;
}

/** The RunOptions of one command: defaults filled in as the CLI fills them. */
export const runOptionsOf = (o: CommonCommandOptions, probe: ProbeMode): RunOptions => ({
  host: o.host,
  packageRoot: o.packageRoot,
  config: o.config,
  stageDir: o.stageDir,
  settings: o.settings,
  overrides: o.overrides ?? [],
  probe,
  env: o.env ?? process.env,
  homedir: o.homedir ?? os.homedir(),
});

export const DEFAULT_LOCK_TIMEOUT = "5m";

/**
 * A duration option in milliseconds (undefined when not given), or a usage error naming it as the
 * caller knows it (`--lock-timeout` in the CLI, `lockTimeout` in the library).
 */
export const durationOf = (
  name: string,
  value: Duration | undefined,
  rule: "non-negative" | "positive",
): E.Either<PlugdepsError, number | undefined> => {
  if (value === undefined) return E.right(undefined);
  const ms = typeof value === "number" ? value : parseDuration(value);
  const ok = ms !== null && Number.isFinite(ms) && (rule === "positive" ? ms > 0 : ms >= 0);
  return ok
    ? E.right(ms)
    : E.left(
        usageError(
          `${name} ${JSON.stringify(value)} is not a ${rule === "positive" ? "positive " : ""}duration (e.g. 90s, 10m, 1h${typeof value === "number" ? ", or a number of milliseconds" : ""})`,
        ),
      );
};
