import * as path from "node:path";
import type { Action } from "../src/model/plan.js";
import type { OwnedRoot } from "../src/observe/versioned-roots.js";
import type { Reconciler } from "./reconciler.js";

/**
 * Previous versioned roots of this host. One root per host version grew to 4.5 GB (openclaw
 * #75301), so roots beyond the retention count are pruned; the newest previous ones are kept for
 * rollback. Only owned roots of this host are ever listed here (state record checked), never the
 * stage base itself, never a root another process holds the lock of.
 */

export interface StaleRootsDesired {
  readonly retention: number;
  /** Realpath of this host's package root: only roots recorded for it are ever pruned. */
  readonly packageRoot: string;
}

export interface StaleRootsObserved {
  /** Newest first; the current root is not among them. */
  readonly previous: readonly OwnedRoot[];
}

export const staleRoots: Reconciler<StaleRootsDesired, StaleRootsObserved> = {
  kind: "stale-roots",

  desired: (ctx) => ({ retention: ctx.retention, packageRoot: ctx.identity.packageRoot }),

  observe: (ctx) => ({ previous: ctx.previous }),

  diff: (desired, observed) =>
    // Roots recorded for another install of the same host (another package root sharing this
    // stage base) may be that install's live root: they are reusable, never pruned from here.
    observed.previous
      .filter((root) => root.state.host.packageRoot === desired.packageRoot)
      .slice(Math.max(0, desired.retention))
      .flatMap((root): Action[] => {
        // A live (or undecidable) lock means another process may be using this root right now:
        // keep it; a later pass prunes it once the lock is gone.
        if (root.lock !== null && root.lock.state !== "stale") return [];
        return [
          {
            type: "prune-root",
            set: null,
            targets: [root.path],
            packages: [],
            from: null,
            reason:
              `previous root ${path.basename(root.path)} (host ${root.state.host.version}, updated ${root.state.updatedAt}) ` +
              `is beyond the retention of ${desired.retention} previous root${desired.retention === 1 ? "" : "s"}`,
          },
        ];
      }),
};
