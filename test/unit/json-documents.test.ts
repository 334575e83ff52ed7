import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { undeclaredKeys } from "../../src/model/codec-order.js";
import type { PlugdepsError } from "../../src/model/errors.js";
import { planToJson, PlanDocumentJson } from "../../src/model/plan.js";
import { renderDocumentJson, STATUS_DOCUMENT } from "../../src/render/documents.js";
import { goldenDoctorReports } from "../golden/doctor-reports.js";
import { rich } from "../golden/plans.js";
import { goldenStatusViews, reconcileReady, reconcileStaleDegraded } from "../golden/status-views.js";
import { DOCUMENTS, type JsonDocument } from "../support/json-documents.js";

/**
 * The `--json` documents (docs/json.md) as values: each renders with `formatVersion` first and
 * decodes back to itself; a reader refuses a formatVersion it does not know, with one sentence
 * naming the one it reads, and names the key path of a key of the wrong type; the strict check
 * the integration tests hold the CLI's output to (undeclaredKeys) finds a key no codec declares.
 */

const reconcileRecord = reconcileReady.reconcile?.state === "found" ? reconcileReady.reconcile.record : null;

const resolveSample = {
  formatVersion: 1,
  plugin: { id: "slack", dir: "/usr/lib/node_modules/openclaw/dist/extensions/slack" },
  specifier: "@slack/web-api",
  package: "@slack/web-api",
  subpath: ".",
  spec: "^7.0.0",
  root: {
    path: "/var/lib/openclaw/plugin-runtime-deps/openclaw-2026.4.20-0123456789ab",
    hostName: "openclaw",
    hostVersion: "2026.4.20",
    packageRoot: "/usr/lib/node_modules/openclaw",
    updatedAt: "2026-03-04T10:15:02.311Z",
  },
  handled: true,
  outcome: "root",
  lands: {
    via: "shared",
    set: "shared",
    packageDir:
      "/var/lib/openclaw/plugin-runtime-deps/openclaw-2026.4.20-0123456789ab/node_modules/@slack/web-api",
    version: "7.9.1",
    problem: null,
  },
  reason: "slack declares @slack/web-api (^7.0.0); the shared set of the root holds it",
  skipped: [{ what: "isolated set", reason: "slack has none" }],
  error: null,
};

/** command -> a document it prints */
const SAMPLES: Record<Exclude<keyof typeof DOCUMENTS, "show">, unknown> = {
  plan: planToJson(rich),
  status: goldenStatusViews["status-reconcile-stale-degraded"],
  doctor: goldenDoctorReports["doctor-fixed"],
  apply: {
    formatVersion: 1,
    noop: false,
    executed: { reuse: 2, install: 1, prune: 0, cleanLegacy: 1 },
    packageManagerRuns: 1,
    skipped: [],
    fingerprint: "sha256:0123",
  },
  resolve: resolveSample,
  rollback: {
    formatVersion: 1,
    rolledBack: true,
    root: "/var/lib/openclaw/plugin-runtime-deps/openclaw-2026.4.20-0123456789ab",
    from: "openclaw-2026.4.20-0123456789ab.g3",
    to: "openclaw-2026.4.20-0123456789ab.g2",
    checked: 4,
    updatedAt: "2026-03-04T10:15:02.311Z",
    hostRoot: null,
  },
  reconcile: reconcileRecord,
};

const withKey = (text: string, key: string, value: unknown): string =>
  JSON.stringify({ ...(JSON.parse(text) as Record<string, unknown>), [key]: value });

const leftMessage = (result: E.Either<PlugdepsError, unknown>): string => {
  if (E.isRight(result)) throw new Error("expected the document to be refused");
  return result.left.message;
};

describe.each(Object.entries(SAMPLES))("the %s document", (command, sample) => {
  const {
    codec,
    formatVersion: version,
    decode,
  }: JsonDocument<unknown> = DOCUMENTS[command as keyof typeof SAMPLES];
  const text = renderDocumentJson(codec, sample);

  it("renders formatVersion first, declares every key it has, and decodes back", () => {
    expect(version).toBe(1);
    expect(text.startsWith(`{\n  "formatVersion": ${version},\n`)).toBe(true);
    expect(undeclaredKeys(codec, JSON.parse(text))).toEqual([]);
    expect(E.isRight(decode(text, "doc.json"))).toBe(true);
  });

  it("refuses a formatVersion it does not know, naming the one it reads", () => {
    for (const other of [2, 0, "1", null]) {
      const message = leftMessage(decode(withKey(text, "formatVersion", other), "doc.json"));
      expect(message).toContain(`it has formatVersion ${JSON.stringify(other)}`);
      expect(message).toContain(`reads formatVersion ${version} only`);
      expect(message).toContain("doc.json");
    }
    const { formatVersion: _drop, ...rest } = JSON.parse(text) as Record<string, unknown>;
    expect(leftMessage(decode(JSON.stringify(rest), "doc.json"))).toContain(
      `it has no formatVersion (this plugdeps reads formatVersion ${version})`,
    );
    for (const notObject of ["[]", "42", "null"]) {
      expect(leftMessage(decode(notObject, "doc.json"))).toContain("expected a JSON object at the top level");
    }
    expect(leftMessage(decode("{\n  oops\n}", "doc.json"))).toMatch(/not valid JSON at line 2/);
  });

  it("names the key path of a key of the wrong type and the formatVersion it reads", () => {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    const key =
      Object.keys(parsed)
        .filter((k) => k !== "formatVersion")
        .at(-1) ?? "";
    // A value of another JSON type than the one there (a number where a string or null is).
    const wrong = typeof parsed[key] === "string" || parsed[key] === null ? 42 : "wrong";
    const message = leftMessage(decode(withKey(text, key, wrong), "doc.json"));
    expect(message).toContain(`(formatVersion ${version})`);
    expect(message).toMatch(new RegExp(`^  - ${key}: expected `, "m"));
  });

  it("accepts a key it does not know (a newer optional field), which the strict check reports", () => {
    const newer = withKey(text, "addedLater", "x");
    expect(E.isRight(decode(newer, "doc.json"))).toBe(true);
    expect(undeclaredKeys(codec, JSON.parse(newer))).toEqual(["addedLater"]);
  });
});

describe("undeclaredKeys", () => {
  const status = reconcileStaleDegraded;

  it("finds a key deep in an intersection, an array, a union member and a nullable", () => {
    const value = JSON.parse(renderDocumentJson(STATUS_DOCUMENT.codec, status)) as {
      candidates: Record<string, unknown>[];
      reconcile: { record: { lastPass: Record<string, unknown>; conditions: Record<string, unknown>[] } };
      stageBase: Record<string, unknown>;
      pendingActions: Record<string, unknown>;
    };
    const candidate = value.candidates[0];
    const condition = value.reconcile.record.conditions[1];
    if (candidate === undefined || condition === undefined) throw new Error("sample lacks a candidate");
    candidate["extra"] = 1;
    value.reconcile.record.lastPass["extra"] = 2;
    condition["extra"] = 3;
    value.stageBase["extra"] = 4;
    value.pendingActions["extra"] = 5;
    expect(undeclaredKeys(STATUS_DOCUMENT.codec, value)).toEqual([
      "stageBase.extra",
      "candidates[0].extra",
      "pendingActions.extra",
      "reconcile.record.lastPass.extra",
      "reconcile.record.conditions[1].extra",
    ]);
  });

  it("takes any key of a record (a plugin's dependencies), and checks what is under it", () => {
    const value = planToJson(rich);
    expect(Object.keys(value.plugins[0]?.dependencies ?? {}).length).toBeGreaterThan(0);
    expect(undeclaredKeys(PlanDocumentJson, value)).toEqual([]);
    const overrides = { ...value, desired: { ...value.desired, overrides: { "any-name": { nested: "x" } } } };
    expect(undeclaredKeys(PlanDocumentJson, overrides)).toEqual(["desired.overrides.any-name.nested"]);
  });
});
