import { Command } from "commander";
import * as E from "fp-ts/lib/Either.js";
import { statusDocument } from "../../api/status.js";
import { renderStatusHuman } from "../../render/status-human.js";
import { makeStyle, wantsColor } from "../../render/style.js";
import { commandOptionsFrom, type CommonFlags, withCommonOptions } from "../common-options.js";
import { type CliIO, EXIT_OK, reportError } from "../io.js";

interface StatusFlags extends CommonFlags {
  readonly json?: boolean;
}

/** `plugdeps status`: read-only, takes no lock, reports the lock holder if there is one. */
export const statusCommand = (io: CliIO, setExit: (code: number) => void): Command =>
  withCommonOptions(new Command("status"))
    .description("show the materialized state: stage base, roots, lock holder, debris, in sync or not")
    .option("--json", "print the status as JSON")
    .action((flags: StatusFlags) => {
      const built = statusDocument(commandOptionsFrom(flags, io));
      if (E.isLeft(built)) return setExit(reportError(io, flags.logFormat, built.left));
      const view = built.right;
      if (flags.json) io.stdout(`${JSON.stringify(view, null, 2)}\n`);
      else
        io.stdout(
          renderStatusHuman(
            view,
            makeStyle({ color: wantsColor({ isTTY: io.isTTY, noColorFlag: !flags.color, env: io.env }) }),
          ),
        );
      setExit(EXIT_OK);
    });
