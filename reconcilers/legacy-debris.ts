import type { Action, Debris } from "../src/model/plan.js";
import type { Reconciler } from "./reconciler.js";

/**
 * Leftovers of the host's older dependency staging (for OpenClaw: the SPEC §5 list), matched by
 * exact names only by the host adapter. Debris on a writable path becomes a `clean-legacy`
 * action; debris under a read-only path cannot be cleaned from here, so it is not an action (it
 * would never converge and `apply` would never be idempotent) but a warning carrying the command
 * that clears it from outside the sandbox.
 */

export interface LegacyDebrisObserved {
  readonly debris: readonly Debris[];
}

export const legacyDebris: Reconciler<null, LegacyDebrisObserved> = {
  kind: "legacy-debris",

  // Desired state for debris is "none": nothing to compute.
  desired: () => null,

  // The adapter's scan ran once for the whole run (runtime-deps needs it too, to ignore debris
  // directories as layers); this reconciler only projects it.
  observe: (ctx) => ({ debris: ctx.debris }),

  diff: (_desired, observed) =>
    observed.debris
      .filter((d) => d.writable)
      .map((d): Action => ({
        type: "clean-legacy",
        set: null,
        targets: [d.path],
        packages: [],
        from: null,
        reason: `legacy debris (${d.rule}) left by the host's older dependency staging`,
      })),
};
