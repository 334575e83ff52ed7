import { Command, Option } from "commander";
import { hostUsages } from "../hosts/lookup.js";
import type { RunOptions } from "../model/options.js";
import type { ProbeMode } from "../util/probe-writable.js";
import type { CliIO, LogFormat } from "./io.js";

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
    .addOption(
      new Option("--log-format <format>", "log and error format").choices(["text", "json"]).default("text"),
    )
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
    .option("--quiet", "print only errors and the result")
    .option("--no-color", "never color the output");

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
