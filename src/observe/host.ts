import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import { selectAdapter } from "../hosts/registry.js";
import type { HostAdapter, HostInput } from "../hosts/types.js";
import type { PlugdepsError } from "../model/errors.js";
import { type HostIdentity, readHostIdentity } from "./host-identity.js";
import type { RunOptions } from "../model/options.js";

/** The adapter's view of a run's options. */
export const hostInputFrom = (
  opts: Pick<RunOptions, "env" | "homedir" | "packageRoot" | "config" | "stageDir">,
): HostInput => ({
  env: opts.env,
  homedir: opts.homedir,
  flags: { packageRoot: opts.packageRoot, config: opts.config, stageDir: opts.stageDir },
});

export interface LocatedHost {
  readonly input: HostInput;
  readonly adapter: HostAdapter;
  readonly identity: HostIdentity;
}

/** Which host, where it is installed, and who it is: the first three steps of every command. */
export const locateHost = (opts: RunOptions): E.Either<PlugdepsError, LocatedHost> => {
  const input = hostInputFrom(opts);
  return pipe(
    selectAdapter(opts.host, input),
    E.chain((adapter) =>
      pipe(
        adapter.findPackageRoot(input),
        E.chain(readHostIdentity),
        E.map((identity) => ({ input, adapter, identity })),
      ),
    ),
  );
};
