import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import type { RunOptions } from "../model/options.js";
import { locateHost } from "../observe/host.js";
import { hostFiles } from "../hosts/lookup.js";
import { nonEmpty, resolveUserPath } from "../hosts/shared/paths.js";
import type { PlugdepsError } from "../model/errors.js";
import type { StatusHost } from "../model/status.js";
import { versionedRootName } from "../observe/host-identity.js";
import { chooseStageBase } from "../observe/stage-base.js";

/**
 * Where one reconcile pass works, found WITHOUT reading the config or the plugins: the host, the
 * versioned root, the stage base (access(2) probe, so this writes nothing), and the files whose
 * change should trigger a pass. Re-run at the start of every pass, so a config path that moves
 * (an environment change is not possible in-process, but a `--config` symlink can be repointed,
 * or the directory can appear later) is followed, and the status record can still be written when
 * the config itself is broken.
 */
export interface Located {
  readonly host: StatusHost;
  /** The versioned root this host converges, or null when no stage base is writable. */
  readonly root: string | null;
  /** The writable stage base by the access(2) probe, or null with why not. */
  readonly stageBase: string | null;
  readonly stageError: PlugdepsError | null;
  /** Config, settings and host (profile) files: a change to any of them is worth a pass at once. */
  readonly watchFiles: readonly string[];
}

export const locate = (opts: RunOptions): E.Either<PlugdepsError, Located> => {
  return pipe(
    locateHost(opts),
    E.map(({ input, adapter, identity }) => {
      const stage = chooseStageBase(adapter.stageCandidates(input), "access", adapter.stageVariables);
      const stageBase = E.isRight(stage) ? stage.right.target.path : null;
      const settings = nonEmpty(opts.settings) ?? nonEmpty(opts.env["PLUGDEPS_SETTINGS"]);
      const host = nonEmpty(opts.host);
      const watchFiles = [
        adapter.locateConfig(input).path,
        ...(settings === undefined ? [] : [resolveUserPath(settings, opts.homedir)]),
        // The file `--host` names, if any (a profile).
        ...(host === undefined ? [] : hostFiles(host, opts.homedir)),
      ];
      return {
        host: {
          name: identity.name,
          version: identity.version,
          packageRoot: identity.packageRoot,
          adapter: adapter.name,
        },
        root: stageBase === null ? null : path.join(stageBase, versionedRootName(adapter.slug, identity)),
        stageBase,
        stageError: E.isLeft(stage) ? stage.left : null,
        watchFiles,
      };
    }),
  );
};
