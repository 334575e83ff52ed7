import type { HostAdapter, HostRootSpec } from "../hosts/types.js";
import type { Debris, Desired } from "../model/plan.js";
import type { PlannedPlugin } from "../desired/plugin-plan.js";
import type { HostIdentity } from "./host-identity.js";
import type { LockFacts } from "./lock-holder.js";
import type { StageChoice } from "./stage-base.js";
import type { OwnedRoot, RootReading } from "./versioned-roots.js";

/** Everything decided or observed once per run and shared by all reconcilers. */
export interface PlanContext {
  readonly adapter: HostAdapter;
  readonly identity: HostIdentity;
  readonly planned: readonly PlannedPlugin[];
  readonly desired: Desired;
  readonly stage: StageChoice;
  /** The versioned root this run converges. */
  readonly current: RootReading;
  /** Owned roots of this host in the writable stage base, newest first, current excluded. */
  readonly previous: readonly OwnedRoot[];
  /** Roots found in read-only layer entries (used in place, never written). */
  readonly readOnlyRoots: readonly { readonly layer: string; readonly root: string }[];
  /** Legacy debris found by the host adapter (writable or not). */
  readonly debris: readonly Debris[];
  /** Directories never to count as satisfying (legacy debris about to be cleaned). */
  readonly excludedDirs: ReadonlySet<string>;
  /** How many previous roots to keep for rollback. */
  readonly retention: number;
  readonly lockFacts: LockFacts;
  /**
   * Where the host itself reads the materialization (HostAdapter.hostRoot), or null when the
   * register hook is the way in. When set, only what lies in the target root counts for the
   * host: its own node_modules and read-only layers satisfy nothing.
   */
  readonly hostRoot: HostRootSpec | null;
  /**
   * A root in a read-only layer that holds the whole shared set (an image-baked layer): the host
   * root links to it instead of to the target root, so a host that reads no layer still finds
   * it (measured with OpenClaw 2026.4.29: 0 package-manager starts). Null: the target root.
   */
  readonly hostRootSource: { readonly layer: string; readonly root: string } | null;
}
