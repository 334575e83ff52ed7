import * as E from "fp-ts/lib/Either.js";
import { type PlugdepsError, pluginNotRecorded } from "../model/errors.js";
import { choosePlugin, explain, type ResolveExplanation } from "../resolve/explain.js";
import { findRecords } from "../resolve/records.js";
import { type ResolveCommandOptions, runOptionsOf } from "./options.js";

/**
 * `plugdeps resolve --plugin ID SPECIFIER`: where that plugin's import lands and why. It reads the
 * materialization records exactly as `plugdeps/register` does (records.ts; `stageDir` and `host`
 * stand in for PLUGDEPS_STAGE_DIR / PLUGDEPS_HOST) and runs the hook's own decision, so the
 * explanation cannot drift from what the hook does. Read-only: no lock, no write. An import that
 * would fail is an explanation (`outcome: "not-found"`), not an error; no record listing the
 * plugin is one.
 */
export const resolveDocument = (opts: ResolveCommandOptions): E.Either<PlugdepsError, ResolveExplanation> => {
  const run = runOptionsOf(opts, "access");
  const found = findRecords({ env: run.env, homedir: run.homedir, host: opts.host, stageDir: opts.stageDir });
  if (E.isLeft(found)) return found;
  const choice = choosePlugin(found.right.records, opts.plugin, opts.packageRoot ?? null);
  if (choice === null) {
    return E.left(
      pluginNotRecorded(
        opts.plugin,
        found.right.searched.map((s) => `${s.path} (${s.source}): ${s.roots} root(s)`),
      ),
    );
  }
  return E.right(explain(found.right.records, choice.plugin, opts.specifier));
};
