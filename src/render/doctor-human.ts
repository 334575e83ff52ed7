import type { DoctorReport, Finding, Severity } from "../model/doctor.js";
import type { Paint, Style } from "./style.js";
import { forTerminal, linesOf, plural } from "./text.js";

/**
 * `plugdeps doctor` for people: a header naming the host and stage base, one paragraph per
 * finding (symbol, severity, title; then the detail and the fix, indented), what `--fix` fixed and
 * what it could not, and a one-line verdict. Pure; the golden files are its color-off form.
 */

export interface DoctorRenderOptions {
  /** Print the fix log (apply's progress lines). Off when the command already streamed them. */
  readonly log: boolean;
}

const SYMBOL: Record<Severity, string> = { error: "✗", warning: "!", info: "i" };

const paintOf = (severity: Severity, style: Style): Paint =>
  severity === "error" ? style.red : severity === "warning" ? style.yellow : style.cyan;

export const renderDoctorHuman = (
  doctorReport: DoctorReport,
  style: Style,
  options: DoctorRenderOptions = { log: true },
): string => {
  // Control characters in ids, paths and reasons are escaped before anything is printed.
  const report = forTerminal(doctorReport);
  const blocks = [
    header(report),
    ...report.findings.map((f) => findingLines(f, style)),
    options.log ? fixLog(report) : [],
    fixedSection(report, style),
    notFixedSection(report, style),
    [verdict(report, style)],
  ].filter((block) => block.length > 0);
  return `${blocks.map((block) => block.join("\n")).join("\n\n")}\n`;
};

const header = (report: DoctorReport): string[] => {
  const host = report.host;
  return [
    host === null
      ? "plugdeps doctor: the host could not be observed"
      : `plugdeps doctor: ${host.name} ${host.version} (${host.packageRoot})`,
    ...(report.stageBase === null ? [] : [`  stage base: ${report.stageBase}`]),
  ];
};

const findingLines = (f: Finding, style: Style): string[] => {
  const paint = paintOf(f.severity, style);
  const head = `${paint(`${SYMBOL[f.severity]} ${f.severity}`)}  ${style.bold(f.title)}  ${style.dim(`[${f.id}]`)}`;
  const fixable = f.fixable ? " (fixable: plugdeps doctor --fix)" : "";
  return [
    head,
    ...linesOf(f.detail).map((line) => `    ${line}`),
    `    fix: ${f.fix}${f.fix.includes("doctor --fix") ? "" : fixable}`,
  ];
};

const fixLog = (report: DoctorReport): string[] =>
  report.fix === null || report.fix.messages.length === 0
    ? []
    : ["Fix log:", ...report.fix.messages.map((m) => `  ${m.trim()}`)];

const fixedSection = (report: DoctorReport, style: Style): string[] => {
  if (report.fix === null || report.fix.fixed.length === 0) return [];
  return [
    `Fixed (${report.fix.fixed.length}):`,
    ...report.fix.fixed.map((f) => `  ${style.green("✓")} ${f.title}  ${style.dim(`[${f.id}]`)}`),
  ];
};

/** Titles only: each finding is printed above with its detail and fix. */
const notFixedSection = (report: DoctorReport, style: Style): string[] => {
  if (report.fix === null || report.fix.notFixed.length === 0) return [];
  return [
    `Not fixed (${report.fix.notFixed.length}; see the fixes above):`,
    ...report.fix.notFixed.map((f) => {
      const why = f.fixable ? "still present after --fix" : "needs you";
      return `  ${paintOf(f.severity, style)(SYMBOL[f.severity])} ${f.title}  ${style.dim(`[${f.id}; ${why}]`)}`;
    }),
  ];
};

const verdict = (report: DoctorReport, style: Style): string => {
  const s = report.summary;
  const counts = `${plural(s.errors, "error")}, ${plural(s.warnings, "warning")}, ${s.info} info`;
  if (s.errors === 0 && s.warnings === 0) {
    return `${style.bold(style.green("No problems found."))}${s.info > 0 ? ` (${s.info} info)` : ""}`;
  }
  const fixable = s.fixable > 0 ? ` ${s.fixable} fixable with \`plugdeps doctor --fix\`.` : "";
  const head = s.errors > 0 ? style.bold(style.red("Doctor:")) : style.bold(style.yellow("Doctor:"));
  return `${head} ${counts}.${fixable}`;
};
