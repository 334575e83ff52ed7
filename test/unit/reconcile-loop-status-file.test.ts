import * as fs from "node:fs";
import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { ReconcileStatus } from "../../src/model/status.js";
import { reconcileView } from "../../src/loop/status-view.js";
import { readStatusFile, writeStatusFile } from "../../src/loop/status-file.js";
import { renderStatusHuman } from "../../src/render/status-human.js";
import { plainStyle } from "../../src/render/style.js";
import { noChanges } from "../golden/plans.js";
import { inSync } from "../golden/status-views.js";
import { tempDir } from "../support/temp.js";

/** The status record codec and file: round trip, and every kind of bad file reported, never thrown. */

const tmp = (): string => {
  const d = tempDir("status");
  return d;
};

const record: ReconcileStatus = {
  formatVersion: 1,
  host: {
    name: "openclaw",
    version: "2026.5.2",
    packageRoot: "/usr/lib/node_modules/openclaw",
    adapter: "openclaw",
  },
  root: "/var/lib/openclaw/plugin-runtime-deps/openclaw-2026.5.2-0123456789ab",
  updatedAt: "2026-05-02T10:00:01.000Z",
  lastPass: {
    startedAt: "2026-05-02T10:00:00.000Z",
    finishedAt: "2026-05-02T10:00:01.000Z",
    outcome: "Failed",
    actions: { reuse: 0, install: 0, prune: 0, cleanLegacy: 0 },
    error: { reason: "LockTimeout", message: "timed out after 300s waiting for the install-root lock" },
  },
  interval: 900,
  conditions: [
    {
      type: "Ready",
      status: "True",
      reason: "Converged",
      message: "the live root holds every dependency the plugin plan needs",
      observedFingerprint: "sha256:abc",
      lastTransitionTime: "2026-05-01T00:00:00.000Z",
    },
  ],
  nextPassAt: "2026-05-02T10:00:06.000Z",
};

describe("status.json read and write", () => {
  it("round-trips through the codec, atomically, creating .plugdeps/", async () => {
    const file = path.join(tmp(), ".plugdeps", "status.json");
    const written = await writeStatusFile(file, record);
    expect(E.isRight(written)).toBe(true);
    expect(readStatusFile(file)).toEqual({ _tag: "Found", path: file, status: record });
    // no temp files left beside it
    expect(fs.readdirSync(path.dirname(file))).toEqual(["status.json"]);
  });

  it("a missing file is Missing", () => {
    const file = path.join(tmp(), ".plugdeps", "status.json");
    expect(readStatusFile(file)).toEqual({ _tag: "Missing", path: file });
  });

  const bad: Record<string, string> = {
    truncated: JSON.stringify(record, null, 2).slice(0, 200),
    garbage: "\u0000\u0001\u0002 not json at all",
    empty: "",
    "an array": "[1, 2, 3]",
    "wrong format version": JSON.stringify({ ...record, formatVersion: 2 }),
    "a bad condition status": JSON.stringify({
      ...record,
      conditions: [{ ...record.conditions[0], status: "Yes" }],
    }),
    "no lastPass": JSON.stringify({ ...record, lastPass: undefined }),
  };
  for (const [name, text] of Object.entries(bad)) {
    it(`${name}: Invalid, with the file named and what is wrong`, () => {
      const file = path.join(tmp(), "status.json");
      fs.writeFileSync(file, text);
      const read = readStatusFile(file);
      expect(read._tag).toBe("Invalid");
      if (read._tag !== "Invalid") return;
      expect(read.error.message).toContain(file);
      expect(["ConfigParseError", "DecodeError"]).toContain(read.error._tag);
    });
  }

  it("names the bad key path of a decodable-but-wrong record", () => {
    const file = path.join(tmp(), "status.json");
    fs.writeFileSync(file, bad["a bad condition status"] ?? "");
    const read = readStatusFile(file);
    expect(read._tag === "Invalid" && read.error.message).toContain("conditions[0].status");
  });

  it("a directory where the file should be is reported, not thrown", () => {
    const file = path.join(tmp(), "status.json");
    fs.mkdirSync(file);
    expect(readStatusFile(file)._tag).toBe("Invalid");
  });

  it("an unwritable location is an FsError naming the path and the fix", async () => {
    const blocker = path.join(tmp(), "file");
    fs.writeFileSync(blocker, "");
    const written = await writeStatusFile(path.join(blocker, ".plugdeps", "status.json"), record);
    expect(E.isLeft(written) && written.left._tag).toBe("FsError");
    expect(E.isLeft(written) && written.left.message).toMatch(/ENOTDIR|EEXIST/);
  });
});

describe("status view of the record", () => {
  const planIn = (base: string) => ({
    ...noChanges,
    observed: {
      ...noChanges.observed,
      candidates: [
        { path: base, source: "--stage-dir", role: "target" as const, writable: true, detail: "" },
      ],
    },
  });

  it("missing, found (fresh / stale / other root), invalid — and the renderer shows each without throwing", async () => {
    const base = tmp();
    const plan = planIn(base);
    expect(reconcileView(plan, Date.parse("2026-05-02T10:10:00Z"))).toEqual({
      state: "missing",
      file: path.join(base, ".plugdeps", "status.json"),
    });

    await writeStatusFile(path.join(base, ".plugdeps", "status.json"), {
      ...record,
      root: plan.desired.targetRoot,
    });
    const fresh = reconcileView(plan, Date.parse("2026-05-02T10:10:00Z"));
    expect(fresh).toMatchObject({
      state: "found",
      stale: false,
      ageSeconds: 599,
      staleAfterSeconds: 1800,
      forCurrentRoot: true,
    });
    const stale = reconcileView(plan, Date.parse("2026-05-02T12:00:00Z"));
    expect(stale).toMatchObject({ state: "found", stale: true, ageSeconds: 7199 });
    const text = renderStatusHuman({ ...inSync, ...(stale ? { reconcile: stale } : {}) }, plainStyle);
    expect(text).toContain(
      "STALE: the status record was last updated 1h59m ago, more than two intervals (30m)",
    );
    expect(text).toMatch(
      /reconcile:\s+last pass 2026-05-02T10:00:01.000Z: Failed \(LockTimeout\), every 15m, STALE/,
    );

    await writeStatusFile(path.join(base, ".plugdeps", "status.json"), record);
    const other = reconcileView(plan, Date.parse("2026-05-02T10:10:00Z"));
    expect(other).toMatchObject({ state: "found", forCurrentRoot: false });
    expect(renderStatusHuman({ ...inSync, ...(other ? { reconcile: other } : {}) }, plainStyle)).toContain(
      `the record is for ${record.root ?? ""}, not the current root`,
    );

    fs.writeFileSync(path.join(base, ".plugdeps", "status.json"), '{"formatVersion": 1, "host":');
    const invalid = reconcileView(plan, Date.now());
    expect(invalid?.state).toBe("invalid");
    expect(
      renderStatusHuman({ ...inSync, ...(invalid ? { reconcile: invalid } : {}) }, plainStyle),
    ).toContain("Reconcile status record unreadable:");
  });
});
