import type { Debris, LockHolder, PlanHost, RootSummary, StageCandidate, Summary } from "../model/plan.js";
import { describeLock, readOnlyDebrisWarnings } from "./observed.js";
import type { Style } from "./style.js";
import { type CellInput, plural, shortPath, summarySentence, table } from "./text.js";

/**
 * What `plugdeps status` shows. Plain data, assembled by the command from an observation (and,
 * when it computed one, a plan); the renderer does no I/O.
 */
export interface StatusView {
  readonly host: PlanHost;
  /** The writable target stage base, or null when no candidate was writable. */
  readonly stageBase: StageCandidate | null;
  readonly candidates: readonly StageCandidate[];
  readonly currentRoot: RootSummary | null;
  readonly previousRoots: readonly RootSummary[];
  readonly lock: LockHolder | null;
  readonly debris: readonly Debris[];
  readonly plugins: { readonly total: number; readonly active: number; readonly invalid: number };
  /** null: not determined (no plan was computed). */
  readonly inSync: boolean | null;
  /** The pending plan's counts when out of sync, else null. */
  readonly pendingActions: Summary | null;
}

/** kubectl-describe-like: aligned `key: value` lines, then candidates, debris, the verdict. */
export const renderStatusHuman = (status: StatusView, style: Style): string => {
  const blocks = [
    overview(status, style),
    candidateSection(status.candidates, style),
    readOnlyDebrisWarnings(status.debris, style),
    removableDebris(status.debris),
    [verdict(status, style)],
  ].filter((block) => block.length > 0);
  return `${blocks.map((block) => block.join("\n")).join("\n\n")}\n`;
};

const overview = (s: StatusView, style: Style): string[] => {
  const base = s.stageBase?.path ?? "";
  const rows: CellInput[][] = [];
  if (s.host.adapter !== s.host.name) rows.push(["adapter:", s.host.adapter]);
  rows.push([
    "stage base:",
    s.stageBase
      ? `${s.stageBase.path} (${s.stageBase.source})`
      : { text: "none writable (see candidates below)", paint: style.red },
  ]);
  rows.push([
    "current root:",
    s.currentRoot ? rootText(s.currentRoot, base) : "none yet (run `plugdeps apply`)",
  ]);
  const [firstPrevious, ...olderPrevious] = s.previousRoots;
  rows.push(["previous roots:", firstPrevious ? rootText(firstPrevious, base) : "none"]);
  for (const root of olderPrevious) rows.push(["", rootText(root, base)]);
  const invalid = s.plugins.invalid > 0 ? `, ${s.plugins.invalid} invalid` : "";
  rows.push(["plugins:", `${s.plugins.total} total, ${s.plugins.active} active${invalid}`]);
  if (s.lock) {
    const { head, detail } = describeLock(s.lock, style);
    rows.push(["lock:", head]);
    if (detail !== null) rows.push(["", detail]);
  } else {
    rows.push(["lock:", "free"]);
  }
  return [`${s.host.name} ${s.host.version} (${s.host.packageRoot})`, ...table(rows, "  ", " ")];
};

const rootText = (root: RootSummary, stageBase: string): string =>
  `${shortPath(root.path, stageBase)}  ${plural(root.packages, "package")}, host ${root.hostVersion}, ` +
  `updated ${root.updatedAt}${root.locked ? ", locked" : ""}`;

const candidateSection = (candidates: readonly StageCandidate[], style: Style): string[] => {
  if (candidates.length === 0) return [];
  const rows = candidates.map((c): CellInput[] => [
    { text: c.role, paint: c.role === "skipped" ? style.dim : (text) => text },
    c.path,
    c.source,
    c.writable === null ? "not probed" : c.writable ? "writable" : "read-only",
    c.detail,
  ]);
  return ["Stage base candidates:", ...table(rows)];
};

/** Debris plugdeps can remove itself needs no warning, only a pointer to the command. */
const removableDebris = (debris: readonly Debris[]): string[] => {
  const writable = debris.filter((d) => d.writable).length;
  return writable === 0
    ? []
    : [
        `Legacy debris: ${plural(writable, "path")} that \`plugdeps apply\` or \`plugdeps doctor --fix\` can remove.`,
      ];
};

const IN_SYNC = "In sync. Runtime dependencies match the plugin plan.";

const verdict = (s: StatusView, style: Style): string => {
  if (s.inSync === true) return style.bold(style.green(IN_SYNC));
  if (s.inSync === null) return style.dim("Sync not checked: run `plugdeps plan` to compare.");
  const pending = s.pendingActions ? ` ${summarySentence(s.pendingActions)}` : "";
  return `${style.bold(style.yellow("Out of sync."))}${pending} Run \`plugdeps plan\` for details, \`plugdeps apply\` to converge.`;
};
