import { Command } from "commander";
import * as E from "fp-ts/lib/Either.js";
import { renderResolveJson } from "../../render/documents.js";
import { resolveDocument } from "../../api/resolve.js";
import { renderResolveHuman } from "../../resolve/render.js";
import { commandOptionsFrom, type CommonFlags, withCommonOptions } from "../common-options.js";
import { type CliIO, EXIT_ERROR, EXIT_OK, outputFor } from "../io.js";
import { reportResult } from "../output.js";

interface ResolveFlags extends CommonFlags {
  readonly plugin: string;
  readonly json?: boolean;
}

/**
 * `plugdeps resolve --plugin ID SPECIFIER`: where that plugin's import lands and why. It reads the
 * materialization records exactly as `plugdeps/register` does (records.ts; `--stage-dir` and
 * `--host` stand in for PLUGDEPS_STAGE_DIR / PLUGDEPS_HOST) and runs the hook's own decision, so
 * the explanation cannot drift from what the hook does. Read-only: no lock, no write.
 * Exit 0 when the import resolves, 1 when it would fail or no record lists the plugin.
 */
export const resolveCommand = (io: CliIO, setExit: (code: number) => void): Command =>
  withCommonOptions(new Command("resolve"))
    .description("explain where a plugin's import resolves at run time, and why (writes nothing)")
    .requiredOption("--plugin <id>", "the plugin whose import to explain")
    .argument("<specifier>", "the import specifier, e.g. @slack/web-api or lodash/fp")
    .option("--json", "print the explanation as JSON")
    .action((specifier: string, flags: ResolveFlags) => {
      const out = outputFor(io, flags);
      const explained = resolveDocument({
        ...commandOptionsFrom(flags, io),
        plugin: flags.plugin,
        specifier,
      });
      if (E.isLeft(explained)) return setExit(out.error(explained.left));
      const x = explained.right;
      reportResult(out, "resolve", {
        document: renderResolveJson(x),
        render: (style) => renderResolveHuman(x, style),
        msg: `${x.specifier} imported by plugin ${x.plugin.id}: ${x.outcome}`,
        fields: { outcome: x.outcome },
      });
      setExit(x.outcome === "not-found" ? EXIT_ERROR : EXIT_OK);
    });
