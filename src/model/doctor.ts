import * as t from "io-ts";
import { Summary } from "./plan.js";
import { stringifyByCodec } from "./codec-order.js";

/**
 * `plugdeps doctor --json`: the report codec. As with the plan document, the codec is the single
 * source of truth: the types derive from it and the JSON renderer emits keys in its order.
 */

const nullable = <C extends t.Mixed>(codec: C) => t.union([codec, t.null]);

export const Severity = t.keyof({ error: null, warning: null, info: null }, "Severity");
export type Severity = t.TypeOf<typeof Severity>;

/**
 * One finding. `id` is a stable kebab-case kind (`legacy-debris`, `stale-lock`...) that scripts
 * may match on; `subject` is what it is about (a path, a package), so the same kind can occur
 * several times and a finding before `--fix` can be matched with the one after. `fix` is a
 * command when one exists, else a sentence; `fixable` says whether `doctor --fix` can do it here.
 */
export const Finding = t.type(
  {
    id: t.string,
    severity: Severity,
    title: t.string,
    subject: nullable(t.string),
    detail: t.string,
    fix: t.string,
    fixable: t.boolean,
  },
  "Finding",
);
export type Finding = t.TypeOf<typeof Finding>;

export const FixOutcome = t.type(
  {
    /** Findings present before `--fix` and gone after it. */
    fixed: t.array(Finding),
    /** Warnings and errors still present after `--fix`, fixable or not. */
    notFixed: t.array(Finding),
    /** What the apply run did (null: apply was not needed or did not run). */
    applied: nullable(Summary),
    /** What was done or went wrong, in order (apply's progress lines, refusals, errors). */
    messages: t.array(t.string),
  },
  "FixOutcome",
);
export type FixOutcome = t.TypeOf<typeof FixOutcome>;

export const DOCTOR_FORMAT_VERSION = 1 as const;

export const DoctorReport = t.type(
  {
    formatVersion: t.literal(DOCTOR_FORMAT_VERSION),
    host: nullable(t.type({ name: t.string, version: t.string, packageRoot: t.string, adapter: t.string })),
    stageBase: nullable(t.string),
    /** The state now: after the fixes when `--fix` ran. Errors first, then warnings, then info. */
    findings: t.array(Finding),
    fix: nullable(FixOutcome),
    summary: t.type({ errors: t.number, warnings: t.number, info: t.number, fixable: t.number }),
  },
  "DoctorReport",
);
export type DoctorReport = t.TypeOf<typeof DoctorReport>;

const RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** Errors, then warnings, then info; within a severity, the order the checks found them. */
export const sortFindings = (findings: readonly Finding[]): Finding[] =>
  [...findings].sort((a, b) => RANK[a.severity] - RANK[b.severity]);

export const summarizeFindings = (findings: readonly Finding[]): DoctorReport["summary"] => ({
  errors: findings.filter((f) => f.severity === "error").length,
  warnings: findings.filter((f) => f.severity === "warning").length,
  info: findings.filter((f) => f.severity === "info").length,
  fixable: findings.filter((f) => f.fixable).length,
});

/** The identity of a finding across two observations (before and after `--fix`). */
export const findingKey = (f: Finding): string => `${f.id}\0${f.subject ?? f.title}`;

/** `plugdeps doctor --json`: keys in codec order, 2-space indent, trailing newline. */
export const renderDoctorJson = (report: DoctorReport): string =>
  `${stringifyByCodec(DoctorReport, report)}\n`;
