import { Command } from "commander";
import * as E from "fp-ts/lib/Either.js";
import { statusDocument } from "../../api/status.js";
import { renderStatusJson } from "../../render/documents.js";
import { renderStatusHuman } from "../../render/status-human.js";
import { commandOptionsFrom, type CommonFlags, withCommonOptions } from "../common-options.js";
import { type CliIO, EXIT_ERROR, EXIT_OK, outputFor } from "../io.js";
import { reportResult } from "../output.js";

interface StatusFlags extends CommonFlags {
  readonly json?: boolean;
  readonly verify?: boolean;
}

/**
 * `plugdeps status [--verify]`: read-only, takes no lock, reports the lock holder if there is one,
 * and the disk use of the roots and their generations. `--verify` checks every package of the live
 * root on disk (observe/verify.ts) and exits 1 on drift, naming each package and what is wrong.
 */
export const statusCommand = (io: CliIO, setExit: (code: number) => void): Command =>
  withCommonOptions(new Command("status"))
    .description(
      "show the materialized state: stage base, roots, lock holder, debris, disk use, in sync or not",
    )
    .option("--json", "print the status as JSON")
    .option(
      "--verify",
      "also check every package of the live root on disk (entry file, version, owner); exit 1 on drift (slower)",
    )
    .action((flags: StatusFlags) => {
      const out = outputFor(io, flags);
      const built = statusDocument({ ...commandOptionsFrom(flags, io), verify: flags.verify === true });
      if (E.isLeft(built)) return setExit(out.error(built.left));
      const view = built.right;
      reportResult(out, "status", {
        document: renderStatusJson(view),
        render: (style) => renderStatusHuman(view, style),
        fields: { inSync: view.inSync },
      });
      setExit(view.verify !== undefined && !view.verify.ok ? EXIT_ERROR : EXIT_OK);
    });
