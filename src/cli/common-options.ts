import { Command, Option } from "commander";
import { hostUsages } from "../hosts/lookup.js";
import { type PlugdepsError, usageError } from "../model/errors.js";
import type { RunOptions } from "../model/options.js";
import { parseDuration } from "../util/duration.js";
import type { ProbeMode } from "../util/probe-writable.js";
import type { CliIO, LogFormat } from "./io.js";
import type { CommonCommandOptions } from "../api/options.js";

/** The options every command accepts (SPEC §2 "Common options"). */
export interface CommonFlags {
  readonly host?: string;
  readonly packageRoot?: string;
  readonly config?: string;
  readonly stageDir?: string;
  readonly packageManager: "auto" | "pnpm" | "npm";
  readonly logFormat: LogFormat;
  readonly quiet?: boolean;
  readonly color: boolean;
  readonly settings?: string;
  readonly override: string[];
}

/**
 * The printing options (docs/log-events.md), which every command takes: the common options
 * above, and `show` and `completion`, which take no host options.
 */
export const logFormatOption = (): Option =>
  new Option(
    "--log-format <format>",
    "text, or json: every line printed is one JSON object with an event name (docs/log-events.md)",
  )
    .choices(["text", "json"])
    .default("text");
export const quietOption = (): Option =>
  new Option(
    "--quiet",
    "no progress and no informational lines: only warnings, errors and the result (the one-line outcome, or the report)",
  );
export const noColorOption = (): Option =>
  new Option("--no-color", "never color the output (NO_COLOR too; FORCE_COLOR colors a pipe)");

export const withCommonOptions = (cmd: Command): Command =>
  cmd
    .option(
      "--host <host>",
      `host adapter: ${hostUsages().join(" | ")} (default: detected from the package root)`,
    )
    .option("--package-root <dir>", "the host's installed package (default: found from npm's global prefix)")
    .option(
      "--config <file>",
      "host config file (default: the adapter's config variable, then its state dir)",
    )
    .option("--stage-dir <dir>", "writable stage base (default: the adapter's variables, then its state dir)")
    .addOption(
      new Option("--package-manager <pm>", "package manager for installs")
        .choices(["auto", "pnpm", "npm"])
        .default("auto"),
    )
    .addOption(logFormatOption())
    .option(
      "--settings <file>",
      "plugdeps settings file (JSON5: overrides, retention); default $PLUGDEPS_SETTINGS",
    )
    .option(
      "--override <name=spec>",
      "force a version range for a (transitive) dependency; repeatable",
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .addOption(quietOption())
    .addOption(noColorOption());

export const runOptionsFrom = (flags: CommonFlags, io: CliIO, probe: ProbeMode): RunOptions => ({
  host: flags.host,
  packageRoot: flags.packageRoot,
  config: flags.config,
  stageDir: flags.stageDir,
  settings: flags.settings,
  overrides: flags.override,
  probe,
  env: io.env,
  homedir: io.homedir,
});

/** The library's options (src/api/options.ts) of these flags: the CLI and the library run one code path. */
export const commandOptionsFrom = (flags: CommonFlags, io: CliIO): CommonCommandOptions => ({
  host: flags.host,
  packageRoot: flags.packageRoot,
  config: flags.config,
  stageDir: flags.stageDir,
  settings: flags.settings,
  overrides: flags.override,
  env: io.env,
  homedir: io.homedir,
});

/** How the CLI names the duration options in its errors. */
export const DURATION_FLAGS = { lockTimeout: "--lock-timeout", installTimeout: "--install-timeout" } as const;

/**
 * `--install-timeout <duration>` for the commands that may run a package manager (apply,
 * reconcile, doctor --fix, and units, which pins it in the unit). No commander default: unset,
 * the settings file's `installTimeout` applies, else 10 min (model/options.ts).
 */
export const installTimeoutOption = (what = "how long one package-manager run may take"): Option =>
  new Option(
    "--install-timeout <duration>",
    `${what} before it is stopped with its process group (e.g. 90s, 10m; default: installTimeout in the settings file, else 10m)`,
  );

/** The flag in milliseconds (undefined when not given), or a usage error. */
export const installTimeoutFrom = (flags: {
  readonly installTimeout?: string;
}): { readonly ms: number | undefined } | { readonly error: PlugdepsError } => {
  if (flags.installTimeout === undefined) return { ms: undefined };
  const ms = parseDuration(flags.installTimeout);
  return ms === null || ms <= 0
    ? {
        error: usageError(
          `--install-timeout ${JSON.stringify(flags.installTimeout)} is not a positive duration (e.g. 90s, 10m, 1h)`,
        ),
      }
    : { ms };
};
