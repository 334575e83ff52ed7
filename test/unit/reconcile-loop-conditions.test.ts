import { describe, expect, it } from "vitest";
import { type Condition, type ReconcileStatus, recordStaleness } from "../../src/model/status.js";
import {
  conditionsAfterPass,
  conditionsWhileApplying,
  findCondition,
  observeMaterialization,
  type PassFacts,
  setCondition,
} from "../../src/loop/conditions.js";
import { noChanges, rich } from "../golden/plans.js";

/** Kubernetes condition semantics of the reconcile status record, and stale-record detection. */

const T0 = "2026-05-02T10:00:00.000Z";
const T1 = "2026-05-02T10:15:00.000Z";
const T2 = "2026-05-02T10:30:00.000Z";
const T3 = "2026-05-02T10:45:00.000Z";

const converged: PassFacts = {
  outcome: "Converged",
  error: null,
  fingerprint: "sha256:aaa",
  materialization: { _tag: "Matches" },
  executed: { reuse: 0, install: 0, prune: 0, cleanLegacy: 0 },
  next: { delayMs: 900_000, reason: "interval" },
};

const failed: PassFacts = {
  outcome: "Failed",
  error: {
    reason: "PackageManagerFailed",
    message: "pnpm install exited with code 1\nLast lines of ...\n  | ECONNREFUSED",
  },
  fingerprint: "sha256:bbb",
  materialization: { _tag: "Differs", pending: { reuse: 0, install: 1, prune: 0, cleanLegacy: 0 } },
  executed: { reuse: 0, install: 0, prune: 0, cleanLegacy: 0 },
  next: { delayMs: 5_000, reason: "backoff" },
};

const byType = (conditions: readonly Condition[]) =>
  Object.fromEntries(conditions.map((c) => [c.type, [c.status, c.reason, c.lastTransitionTime]]));

describe("setCondition", () => {
  const ready: Omit<Condition, "lastTransitionTime"> = {
    type: "Ready",
    status: "True",
    reason: "Converged",
    message: "ok",
    observedFingerprint: "sha256:aaa",
  };

  it("keeps lastTransitionTime while the status stays, even when reason, message and fingerprint change", () => {
    const first = setCondition([], ready, T0);
    const second = setCondition(
      first,
      { ...ready, reason: "Other", message: "new text", observedFingerprint: "sha256:ccc" },
      T1,
    );
    expect(second).toEqual([
      {
        ...ready,
        reason: "Other",
        message: "new text",
        observedFingerprint: "sha256:ccc",
        lastTransitionTime: T0,
      },
    ]);
  });

  it("moves lastTransitionTime when the status changes, and only for that condition", () => {
    const start = setCondition(
      setCondition([], ready, T0),
      { ...ready, type: "Degraded", status: "False", reason: "PassSucceeded" },
      T0,
    );
    const next = setCondition(start, { ...ready, status: "False", reason: "PackageManagerFailed" }, T1);
    expect(findCondition(next, "Ready")?.lastTransitionTime).toBe(T1);
    expect(findCondition(next, "Degraded")?.lastTransitionTime).toBe(T0);
  });

  it("keeps the documented order Ready, Progressing, Degraded and one entry per type", () => {
    let c = setCondition([], { ...ready, type: "Degraded", status: "False" }, T0);
    c = setCondition(c, { ...ready, type: "Progressing", status: "False" }, T0);
    c = setCondition(c, ready, T0);
    c = setCondition(c, ready, T1);
    expect(c.map((x) => x.type)).toEqual(["Ready", "Progressing", "Degraded"]);
  });
});

describe("conditions after a pass", () => {
  it("a converged pass: Ready=True, Progressing=False, Degraded=False", () => {
    const c = conditionsAfterPass([], converged, T0);
    expect(byType(c)).toEqual({
      Ready: ["True", "Converged", T0],
      Progressing: ["False", "Converged", T0],
      Degraded: ["False", "PassSucceeded", T0],
    });
    expect(c.every((x) => x.observedFingerprint === "sha256:aaa")).toBe(true);
  });

  it("converged again: no transition times move", () => {
    const once = conditionsAfterPass([], converged, T0);
    const twice = conditionsAfterPass(once, converged, T1);
    expect(byType(twice)).toEqual(byType(once));
  });

  it("a failure: Degraded=True and Ready=False with the reason, Progressing=True (retry scheduled)", () => {
    const c = conditionsAfterPass(conditionsAfterPass([], converged, T0), failed, T1);
    expect(byType(c)).toEqual({
      Ready: ["False", "PackageManagerFailed", T1],
      Progressing: ["True", "Backoff", T1],
      Degraded: ["True", "PackageManagerFailed", T1],
    });
    expect(findCondition(c, "Ready")?.message).toContain("(1 to install)");
    expect(findCondition(c, "Ready")?.message).toContain("pnpm install exited with code 1");
    expect(findCondition(c, "Ready")?.message).not.toContain("ECONNREFUSED"); // first line only
    expect(findCondition(c, "Degraded")?.message).toContain("ECONNREFUSED"); // the whole error
    expect(findCondition(c, "Progressing")?.message).toBe("retrying in 5s after PackageManagerFailed");
  });

  it("repeated failures keep the transition times of the first; recovery moves them again", () => {
    const a = conditionsAfterPass(conditionsAfterPass([], converged, T0), failed, T1);
    const b = conditionsAfterPass(a, { ...failed, next: { delayMs: 10_000, reason: "backoff" } }, T2);
    expect(byType(b)).toEqual(byType(a));
    expect(findCondition(b, "Progressing")?.message).toBe("retrying in 10s after PackageManagerFailed");
    const c = conditionsAfterPass(
      b,
      { ...converged, outcome: "Applied", executed: { reuse: 0, install: 1, prune: 0, cleanLegacy: 0 } },
      T3,
    );
    expect(byType(c)).toEqual({
      Ready: ["True", "Converged", T3],
      Progressing: ["False", "Applied", T3],
      Degraded: ["False", "PassSucceeded", T3],
    });
  });

  it("a failed pass whose root still matches the plan stays Ready (e.g. a lock timeout after someone else converged)", () => {
    const c = conditionsAfterPass(
      conditionsAfterPass([], converged, T0),
      {
        ...failed,
        error: { reason: "LockTimeout", message: "timed out" },
        materialization: { _tag: "Matches" },
      },
      T1,
    );
    expect(byType(c)["Ready"]).toEqual(["True", "Converged", T0]);
    expect(byType(c)["Degraded"]).toEqual(["True", "LockTimeout", T1]);
  });

  it("no plan at all (e.g. no writable stage base): Ready=Unknown with that reason", () => {
    const c = conditionsAfterPass(
      [],
      {
        ...failed,
        error: { reason: "NoWritableStageBase", message: "no writable stage base; ..." },
        fingerprint: null,
        materialization: {
          _tag: "Unknown",
          reason: "NoWritableStageBase",
          message: "no writable stage base; ...",
        },
      },
      T0,
    );
    expect(byType(c)["Ready"]).toEqual(["Unknown", "NoWritableStageBase", T0]);
    expect(findCondition(c, "Ready")?.observedFingerprint).toBeNull();
  });

  it("--once failure: Progressing=False with the reason (no retry is coming)", () => {
    const c = conditionsAfterPass([], { ...failed, next: null }, T0);
    expect(byType(c)["Progressing"]).toEqual(["False", "PackageManagerFailed", T0]);
  });

  it("an interrupted pass keeps Degraded as the last complete pass left it", () => {
    const before = conditionsAfterPass([], converged, T0);
    const c = conditionsAfterPass(
      before,
      { ...failed, outcome: "Interrupted", error: { reason: "Interrupted", message: "stopped" }, next: null },
      T1,
    );
    expect(byType(c)).toEqual({
      Ready: ["False", "Interrupted", T1],
      Progressing: ["False", "Interrupted", T0],
      Degraded: ["False", "PassSucceeded", T0],
    });
  });

  it("mid-pass: Progressing=True Applying, Ready and Degraded untouched", () => {
    const before = conditionsAfterPass([], converged, T0);
    const c = conditionsWhileApplying(before, T1);
    expect(byType(c)).toEqual({
      Ready: ["True", "Converged", T0],
      Progressing: ["True", "Applying", T1],
      Degraded: ["False", "PassSucceeded", T0],
    });
  });
});

describe("readiness from the observed plan", () => {
  it("a plan without runtime actions whose root record names it matches", () => {
    expect(observeMaterialization(noChanges, false)).toEqual({ _tag: "Matches" });
  });

  it("a plan with installs, reuses or set prunes does not", () => {
    const m = observeMaterialization(rich, false);
    expect(m._tag).toBe("Differs");
    if (m._tag === "Differs") {
      expect(m.pending.install).toBe(rich.summary.install);
      expect(m.pending.prune).toBe(rich.actions.filter((a) => a.type === "prune-package").length);
      expect(m.pending.prune).toBeGreaterThan(0);
    }
  });

  it("no actions but the live record names another plan: not ready (run-time resolution reads the record)", () => {
    // needsRecord (execute/materialization.ts, tested in execute-manifests) decides it.
    expect(observeMaterialization(noChanges, true)._tag).toBe("Differs");
  });
});

describe("stale status records", () => {
  const record = (finishedAt: string, updatedAt = finishedAt): ReconcileStatus => ({
    formatVersion: 1,
    host: null,
    root: null,
    updatedAt,
    lastPass: {
      startedAt: finishedAt,
      finishedAt,
      outcome: "Converged",
      actions: { reuse: 0, install: 0, prune: 0, cleanLegacy: 0 },
    },
    interval: 900,
    conditions: [],
  });
  const at = (iso: string) => Date.parse(iso);

  it("fresh within two intervals, stale beyond", () => {
    expect(recordStaleness(record(T0), at("2026-05-02T10:30:00.000Z"))).toEqual({
      stale: false,
      ageMs: 1_800_000,
      limitMs: 1_800_000,
    });
    expect(recordStaleness(record(T0), at("2026-05-02T10:30:00.001Z")).stale).toBe(true);
  });

  it("a mid-pass write (a long install) counts as a sign of life", () => {
    expect(
      recordStaleness(record(T0, "2026-05-02T10:40:00.000Z"), at("2026-05-02T11:00:00.000Z")).stale,
    ).toBe(false);
  });

  it("unparseable timestamps are stale, not a crash", () => {
    const s = recordStaleness(record("yesterday-ish", "garbage"), at(T0));
    expect(s.stale).toBe(true);
    expect(s.ageMs).toBe(Number.POSITIVE_INFINITY);
  });
});
