import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { staleRoots } from "../../reconcilers/stale-roots.js";
import type { LockHolder } from "../../src/model/plan.js";
import type { OwnedRoot } from "../../src/observe/versioned-roots.js";
import { rootState } from "../support/trees.js";

const PACKAGE_ROOT = "/usr/lib/node_modules/host";

const lock = (state: LockHolder["state"]): LockHolder => ({
  path: "/x.lock",
  owner: null,
  state,
  detail: `lock is ${state}`,
});

/** Newest first, like listOwnedRoots returns them. */
const roots = (...locks: (LockHolder["state"] | null)[]): OwnedRoot[] =>
  locks.map((l, i) => ({
    path: `/stage/openclaw-1.${9 - i}.0-00000000000${i}`,
    state: rootState({
      hostName: "openclaw",
      hostVersion: `1.${9 - i}.0`,
      updatedAt: `2026-0${9 - i}-01T00:00:00.000Z`,
    }),
    lock: l === null ? null : lock(l),
  }));

const pruned = (retention: number, previous: OwnedRoot[]): string[] =>
  staleRoots.diff({ retention, packageRoot: PACKAGE_ROOT }, { previous }).map((a) => a.targets[0] ?? "");

describe("staleRoots.diff", () => {
  it("retention 1 keeps the newest previous root and prunes the older ones", () => {
    const prev = roots(null, null, null);
    const actions = staleRoots.diff({ retention: 1, packageRoot: PACKAGE_ROOT }, { previous: prev });
    expect(actions).toEqual([
      {
        type: "prune-root",
        set: null,
        targets: [prev[1]?.path],
        packages: [],
        from: null,
        reason: `previous root openclaw-1.8.0-000000000001 (host 1.8.0, updated 2026-08-01T00:00:00.000Z) is beyond the retention of 1 previous root`,
      },
      {
        type: "prune-root",
        set: null,
        targets: [prev[2]?.path],
        packages: [],
        from: null,
        reason: `previous root openclaw-1.7.0-000000000002 (host 1.7.0, updated 2026-07-01T00:00:00.000Z) is beyond the retention of 1 previous root`,
      },
    ]);
  });

  it("retention 0 prunes every previous root; the reason says 'retention of 0 previous roots'", () => {
    const prev = roots(null, null);
    const actions = staleRoots.diff({ retention: 0, packageRoot: PACKAGE_ROOT }, { previous: prev });
    expect(actions.map((a) => a.targets[0])).toEqual(prev.map((r) => r.path));
    for (const a of actions) expect(a.reason).toMatch(/beyond the retention of 0 previous roots$/);
  });

  it("a negative retention acts as 0; a retention above the count prunes nothing", () => {
    expect(pruned(-3, roots(null, null))).toHaveLength(2);
    expect(pruned(5, roots(null, null))).toEqual([]);
    expect(pruned(1, [])).toEqual([]);
  });

  it("a live or undecidable lock keeps a root beyond retention; a stale lock does not", () => {
    const prev = roots(null, "live", "unknown", "stale", null);
    expect(pruned(1, prev)).toEqual([prev[3]?.path, prev[4]?.path]);
  });

  it("the roots kept by retention are the newest, whatever their lock says", () => {
    const prev = roots("stale", null);
    expect(pruned(1, prev)).toEqual([prev[1]?.path]);
  });

  it("desired and observe project the context", () => {
    const previous = roots(null);
    const ctx = { retention: 2, previous, identity: { packageRoot: PACKAGE_ROOT } } as unknown as Parameters<
      typeof staleRoots.desired
    >[0];
    expect(staleRoots.desired(ctx)).toEqual({ retention: 2, packageRoot: PACKAGE_ROOT });
    expect(staleRoots.observe(ctx)).toEqual({ previous });
  });

  it("fast-check: never prunes within retention, never a locked root, only listed roots; idempotent", () => {
    const lockState = fc.constantFrom<LockHolder["state"] | null>(null, "live", "stale", "unknown");
    fc.assert(
      fc.property(
        fc.array(lockState, { maxLength: 8 }),
        fc.integer({ min: 0, max: 4 }),
        (locks, retention) => {
          const prev = roots(...locks);
          const actions = staleRoots.diff({ retention, packageRoot: PACKAGE_ROOT }, { previous: prev });
          const targets = actions.map((a) => a.targets[0]);
          for (const [i, r] of prev.entries()) {
            const shouldPrune = i >= retention && (r.lock === null || r.lock.state === "stale");
            expect(targets.includes(r.path), `${i} ${r.lock?.state ?? "none"}`).toBe(shouldPrune);
          }
          for (const a of actions) {
            expect(a.type).toBe("prune-root");
            expect(a.targets).toHaveLength(1);
          }
          // After pruning, the remaining roots produce no further action.
          const left = prev.filter((r) => !targets.includes(r.path));
          expect(staleRoots.diff({ retention, packageRoot: PACKAGE_ROOT }, { previous: left })).toEqual([]);
        },
      ),
    );
  });
});

describe("staleRoots.diff across installs", () => {
  it("never prunes a root recorded for another package root sharing the stage base", () => {
    const other = roots(null, null, null).map((r) => ({
      ...r,
      state: {
        ...r.state,
        host: { ...r.state.host, packageRoot: "/home/op/.npm-global/lib/node_modules/host" },
      },
    }));
    expect(staleRoots.diff({ retention: 0, packageRoot: PACKAGE_ROOT }, { previous: other })).toEqual([]);
  });
});
