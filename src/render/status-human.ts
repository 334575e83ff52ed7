import type { Debris, RootSummary, StageCandidate } from "../model/plan.js";
import type { ReconcileView, StatusDocument } from "../model/status-view.js";
import { type DiskUse, formatBytes } from "../model/disk-use.js";
import type { Verification } from "../model/verify.js";
import { describeLock } from "../model/lock-description.js";
import { readOnlyDebrisWarnings } from "./observed.js";
import type { Style } from "./style.js";
import { type CellInput, forTerminal, plural, shortPath, summarySentence, table } from "./text.js";

/**
 * What `plugdeps status` shows: the status document (model/status-view.ts), assembled by the
 * command from an observation and its plan; the renderer does no I/O.
 */
export type StatusView = StatusDocument;
export type { ReconcileView };

/** kubectl-describe-like: aligned `key: value` lines, then candidates, debris, the verdict. */
export const renderStatusHuman = (view: StatusView, style: Style): string => {
  // Control characters in ids, paths and reasons are escaped before anything is printed.
  const status = forTerminal(view);
  const blocks = [
    overview(status, style),
    candidateSection(status.candidates, style),
    readOnlyDebrisWarnings(status.debris, style),
    removableDebris(status.debris),
    reconcileSection(status.reconcile, style),
    diskUseSection(status.diskUse, style),
    verifySection(status.verify, style),
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
  if (s.hostRoot !== undefined) {
    const problems = s.hostRoot.problems;
    rows.push([
      "host root:",
      `${shortPath(s.hostRoot.path, base)} (the host reads here; ${problems.length === 0 ? "in place" : `not in place: ${problems.join("; ")}`})`,
    ]);
  }
  const [firstPrevious, ...olderPrevious] = s.previousRoots;
  rows.push(["previous roots:", firstPrevious ? rootText(firstPrevious, base) : "none"]);
  for (const root of olderPrevious) rows.push(["", rootText(root, base)]);
  const invalid = s.plugins.invalid > 0 ? `, ${s.plugins.invalid} invalid` : "";
  rows.push(["plugins:", `${s.plugins.total} total, ${s.plugins.active} active${invalid}`]);
  if (s.lock) {
    const { holder, detail } = describeLock(s.lock, style);
    rows.push(["lock:", `held by ${holder}`]);
    if (detail !== null) rows.push(["", detail]);
  } else {
    rows.push(["lock:", "free"]);
  }
  if (s.reconcile !== undefined) rows.push(["reconcile:", reconcileHead(s.reconcile, style)]);
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
  const hostRootWork = (s.hostRoot?.problems.length ?? 0) > 0;
  const counts = s.pendingActions ? ` ${summarySentence(s.pendingActions).replace(/\.$/, "")}` : "";
  const pending =
    counts === "" && !hostRootWork
      ? ""
      : counts === ""
        ? " The host's own root to put in place."
        : `${counts}${hostRootWork ? "; the host's own root to put in place" : ""}.`;
  return `${style.bold(style.yellow("Out of sync."))}${pending} Run \`plugdeps plan\` for details, \`plugdeps apply\` to converge.`;
};

const reconcileHead = (r: ReconcileView, style: Style): CellInput => {
  switch (r.state) {
    case "missing":
      return {
        text: "no status record (`plugdeps reconcile` has not run with this stage base)",
        paint: style.dim,
      };
    case "invalid":
      return { text: `status record unreadable: ${r.file}`, paint: style.red };
    case "found": {
      const last = r.record.lastPass;
      const did =
        last.outcome === "Applied"
          ? ` (${last.actions.reuse} reused, ${last.actions.install} installed, ${last.actions.prune} pruned, ${last.actions.cleanLegacy} legacy cleaned)`
          : last.error !== undefined
            ? ` (${last.error.reason})`
            : "";
      const text = `last pass ${last.finishedAt}: ${last.outcome}${did}, every ${duration(r.record.interval)}`;
      return r.stale ? { text: `${text}, STALE`, paint: (t) => style.bold(style.red(t)) } : text;
    }
  }
};

/** The conditions table (kubectl describe style), then what makes the record doubtful. */
const reconcileSection = (r: ReconcileView | undefined, style: Style): string[] => {
  if (r === undefined || r.state === "missing") return [];
  if (r.state === "invalid") {
    return [`${style.bold(style.red("Reconcile status record unreadable:"))} ${r.problem}`];
  }
  const paintStatus = (type: string, status: string) => {
    const good = type === "Degraded" || type === "Progressing" ? "False" : "True";
    return status === good ? style.green : status === "Unknown" ? style.dim : style.yellow;
  };
  const rows = r.record.conditions.map((c): CellInput[] => [
    c.type,
    { text: c.status, paint: paintStatus(c.type, c.status) },
    c.reason,
    c.lastTransitionTime,
    c.message.split("\n")[0] ?? "",
  ]);
  const lines = ["Conditions:", ...table([["TYPE", "STATUS", "REASON", "SINCE", "MESSAGE"], ...rows])];
  if (!r.forCurrentRoot) {
    lines.push(
      `${style.bold(style.yellow("Note:"))} the record is for ${r.record.root ?? "an unknown root"}, not the current root; it predates a host change.`,
    );
  }
  if (r.stale) {
    lines.push(
      `${style.bold(style.red("STALE:"))} the status record was last updated ${duration(r.ageSeconds)} ago, more than two intervals (${duration(r.staleAfterSeconds)}); ` +
        "the conditions above may no longer hold. Check that `plugdeps reconcile` is running.",
    );
  }
  return lines;
};

/**
 * Disk use like `du`: each root (every file once), its generations (what only that one holds, in
 * brackets: what removing it would free), then the cache and the logs, and the total.
 */
const diskUseSection = (use: DiskUse | undefined, style: Style): string[] => {
  if (use === undefined) return [];
  const rows: CellInput[][] = [];
  for (const r of use.roots) {
    rows.push([
      `${shortPath(r.path, use.stageBase)}${r.current ? " (current)" : ""}`,
      "",
      formatBytes(r.bytes),
      "",
    ]);
    for (const g of r.generations) {
      rows.push([
        `  ${shortPath(g.path, use.stageBase)}`,
        g.live ? "live" : g.previous ? "previous" : { text: "surplus", paint: style.yellow },
        formatBytes(g.bytes),
        `(${formatBytes(g.exclusiveBytes)} only here)`,
      ]);
    }
  }
  for (const [what, t] of [
    [".plugdeps/cache", use.cache],
    [".plugdeps/logs", use.logs],
  ] as const) {
    if (t !== null) rows.push([what, "", formatBytes(t.bytes), `(${plural(t.files, "file")})`]);
  }
  return [
    `${style.bold("Disk use:")} ${formatBytes(use.totalBytes)} in all, each file once${use.truncated ? " (walk stopped early: lower bounds)" : ""}`,
    ...table(rows),
  ];
};

/** `status --verify`: the verdict, then each drifted package with what is wrong, then the fix. */
const verifySection = (v: Verification | undefined, style: Style): string[] => {
  if (v === undefined) return [];
  if (v.problem !== null) {
    return [
      v.ok
        ? `${style.bold("Verify:")} nothing to verify: ${v.problem}, and the plan needs no package there.`
        : `${style.bold(style.red("Verify failed:"))} ${v.problem}.${v.fix === null ? "" : ` Fix: ${v.fix}.`}`,
    ];
  }
  const where = `${v.root ?? "?"}${v.generation === null ? "" : ` -> ${v.generation}`}`;
  if (v.ok)
    return [
      `${style.bold(style.green("Verified:"))} ${plural(v.checked, "package")} of ${where}: each present, its entry file there, the version its record names.`,
    ];
  return [
    `${style.bold(style.red("Drift:"))} ${v.drifted.length} of ${plural(v.checked, "package")} in ${where} differ from the root's record:`,
    ...v.drifted.flatMap((d) => [
      `  ! ${d.name} [${d.set}] (recorded ${d.recorded || "?"}): ${d.problem}`,
      `      ${d.path}`,
    ]),
    `Fix: ${v.fix ?? "run `plugdeps apply`"}.`,
  ];
};

/** `15m`, `1h30m`, `45s`, `2d3h`: coarse, for people (seconds in). */
const duration = (seconds: number | null): string => {
  if (seconds === null || !Number.isFinite(seconds)) return "an unknown time";
  const s = Math.max(0, Math.round(seconds));
  const units: [number, string][] = [
    [86_400, "d"],
    [3_600, "h"],
    [60, "m"],
    [1, "s"],
  ];
  const parts: string[] = [];
  let rest = s;
  for (const [size, unit] of units) {
    if (rest >= size && parts.length < 2) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    } else if (parts.length > 0) break;
  }
  return parts.length > 0 ? parts.join("") : "0s";
};
