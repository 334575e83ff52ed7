import * as fs from "node:fs";
import { untrustedRecord } from "../util/owned-fs.js";
import { statusFileIn } from "../model/layout.js";
import { parseDuration } from "../util/duration.js";

/**
 * The reconcile loop's status record, `<stage base>/.plugdeps/status.json`, read for one fact:
 * when the last pass finished and how often passes should happen. Deliberately NOT decoded with
 * the record's own codec: doctor must not fail (or lie) because the record is from another
 * plugdeps version, half written, or garbage. Anything unexpected yields null ("no status to
 * judge"), and doctor says nothing about it.
 *
 * Read: `lastPass.finishedAt` (ISO-8601 text, or epoch milliseconds) and `interval` (seconds, as
 * src/model/status.ts writes it, or a duration text such as "15m"; `intervalMs` is accepted too).
 * Whether the record is stale is `statusStaleness` (model/status.ts), the rule `status` uses.
 */

const MAX_STATUS_BYTES = 1024 * 1024;

export interface StatusFacts {
  readonly file: string;
  readonly finishedAtMs: number;
  readonly intervalMs: number;
}

export const readStatusFacts = (stageBase: string): StatusFacts | null => {
  const file = statusFileIn(stageBase);
  let text: string;
  try {
    const st = fs.lstatSync(file);
    // Only a regular file we or root wrote (docs/security.md).
    if (untrustedRecord(file, st) !== null || st.size > MAX_STATUS_BYTES) return null;
    text = fs.readFileSync(file, "utf8");
  } catch {
    return null;
  }
  return statusFactsFrom(file, text);
};

/** Pure: the facts from the record's text, or null. */
export const statusFactsFrom = (file: string, text: string): StatusFacts | null => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(parsed)) return null;
  const lastPass = parsed["lastPass"];
  if (!isRecord(lastPass)) return null;
  const finishedAtMs = instant(lastPass["finishedAt"]);
  const intervalMs = seconds(parsed["interval"]) ?? milliseconds(parsed["intervalMs"]);
  if (finishedAtMs === null || intervalMs === null || intervalMs <= 0) return null;
  return { file, finishedAtMs, intervalMs };
};

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const instant = (v: unknown): number | null => {
  if (typeof v === "number") return Number.isFinite(v) && v > 0 ? v : null;
  if (typeof v !== "string") return null;
  const ms = Date.parse(v);
  return Number.isFinite(ms) ? ms : null;
};

const seconds = (v: unknown): number | null => {
  if (typeof v === "number") return Number.isFinite(v) ? v * 1000 : null;
  if (typeof v === "string") return parseDuration(v);
  return null;
};

const milliseconds = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
