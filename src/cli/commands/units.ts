import * as path from "node:path";
import { Command } from "commander";
import * as E from "fp-ts/lib/Either.js";
import { usageError } from "../../model/errors.js";
import { defaultInstallDir, renderNextSteps, renderUnits, renderUnitsText } from "../../units/units.js";
import { installedPaths, unitsSpec } from "../../units/spec.js";
import { writeUnitFiles } from "../../units/write.js";
import {
  type CommonFlags,
  installTimeoutFrom,
  installTimeoutOption,
  withCommonOptions,
} from "../common-options.js";
import { parseDuration } from "../../util/duration.js";
import { type CliIO, EXIT_OK, outputFor } from "../io.js";
import { escapeLinesForTerminal } from "../../util/escape.js";
import { passwdLookup } from "../../units/passwd.js";

interface UnitsFlags extends CommonFlags {
  readonly every: string;
  readonly user?: boolean;
  readonly out?: string;
  readonly force?: boolean;
  readonly installTimeout?: string;
  readonly userName?: string;
  readonly group?: string;
  readonly hostUnit?: string;
}

/**
 * `plugdeps units`: a hardened systemd `.service` (a oneshot `reconcile --once`: apply plus the
 * status record) and `.timer`, plus the drop-in for the host's own unit. Prints them; `--out DIR`
 * writes the three files there (the only write: the drop-in as `<host unit>.d/plugdeps.conf`, so
 * the recipe needs no interactive `systemctl edit`) and prints the commands that remain.
 */
export const unitsCommand = (io: CliIO, setExit: (code: number) => void): Command =>
  withCommonOptions(new Command("units"))
    .description(
      "print (or write with --out) a hardened systemd .service + .timer that run `plugdeps reconcile --once`, and the host unit's drop-in",
    )
    .option("--every <duration>", "how often the timer runs apply (e.g. 15m, 1h, 1d)", "15m")
    .option("--user", "user units (systemctl --user) instead of system units")
    .option(
      "--out <dir>",
      "write the .service, the .timer and the host unit's drop-in (<host unit>.d/plugdeps.conf) into this directory (e.g. /etc/systemd/system)",
    )
    .option("--force", "with --out: replace unit files that differ from what would be written")
    .option(
      "--user-name <name>",
      "system units: the user the service runs as, the host's own service user (default: the host's slug, as in plugdeps-<host>.service)",
    )
    .option("--group <name>", "system units: the service's group (default: the user's primary group)")
    .option("--host-unit <name>", "the host's own unit, which gets the drop-in (default: <host>.service)")
    .addOption(installTimeoutOption("pinned in the unit: how long one package-manager run may take"))
    .action((flags: UnitsFlags) => {
      const out = outputFor(io, flags);
      const everyMs = parseDuration(flags.every);
      if (everyMs === null) {
        return setExit(
          out.error(
            usageError(`--every ${JSON.stringify(flags.every)} is not a duration (e.g. 15m, 1h, 1d)`),
          ),
        );
      }
      const installTimeout = installTimeoutFrom(flags);
      if ("error" in installTimeout) return setExit(out.error(installTimeout.error));
      const scope = flags.user ? "user" : "system";
      const planned = unitsSpec(
        {
          host: flags.host,
          packageRoot: flags.packageRoot,
          config: flags.config,
          stageDir: flags.stageDir,
          settings: flags.settings,
          overrides: flags.override,
          packageManager: flags.packageManager,
          installTimeoutMs: installTimeout.ms,
          everyMs,
          scope,
          env: io.env,
          homedir: io.homedir,
          userName: flags.userName,
          group: flags.group,
          hostUnit: flags.hostUnit,
          lookupUser: passwdLookup(),
        },
        { node: process.execPath, ...installedPaths() },
      );
      if (E.isLeft(planned)) return setExit(out.error(planned.left));
      const { spec, notes, warnings } = planned.right;
      const outDir = flags.out === undefined ? undefined : path.resolve(flags.out);
      const units = renderUnits(spec, outDir ?? defaultInstallDir(scope, io.homedir, io.env));
      for (const warning of warnings) out.warn(warning);
      for (const note of notes)
        out.event("info", "units.note", note, {}, `note: ${escapeLinesForTerminal(note)}`);
      const files = {
        serviceName: units.serviceName,
        timerName: units.timerName,
        installDir: units.installDir,
      };
      const nextSteps = { hostDropIn: units.hostDropIn, installCommands: units.installCommands };
      if (outDir === undefined) {
        out.result("units.result", {
          msg: `${units.serviceName} and ${units.timerName} for ${units.installDir} (not written: --out DIR writes them)`,
          text: () => renderUnitsText(units),
          fields: { ...files, service: units.service, timer: units.timer, ...nextSteps },
        });
        return setExit(EXIT_OK);
      }
      const written = writeUnitFiles(
        outDir,
        [
          { name: units.serviceName, text: units.service },
          { name: units.timerName, text: units.timer },
          { name: units.hostDropInName, text: units.hostDropIn },
        ],
        flags.force === true,
      );
      if (E.isLeft(written)) return setExit(out.error(written.left));
      out.result("units.result", {
        msg: written.right.map((w) => `${w.outcome}: ${w.path}`).join("; "),
        text: () => written.right.map((w) => `${w.outcome}: ${escapeLinesForTerminal(w.path)}\n`).join(""),
        fields: { ...files, written: written.right.map((w) => ({ path: w.path, outcome: w.outcome })) },
      });
      out.event(
        "info",
        "units.next",
        "then reload systemd, enable the timer and restart the host's unit",
        nextSteps,
        `\n${renderNextSteps(units)}`.trimEnd(),
      );
      setExit(EXIT_OK);
    });
