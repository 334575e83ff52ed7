import type {
  Action,
  ActionPackage,
  ActionType,
  Conflict,
  ObservedLayer,
  PlanDocument,
  PluginDecision,
} from "../model/plan.js";
import { specType } from "../model/plan.js";
import { leftoverLines, lockLines, readOnlyDebrisWarnings, unmanagedLines } from "./observed.js";
import type { Paint, Style } from "./style.js";
import { compareKeys } from "../model/codec-order.js";
import {
  type CellInput,
  forTerminal,
  linesOf,
  NO_CHANGES,
  plural,
  shortPath,
  summarySentence,
  table,
} from "./text.js";

/**
 * `plugdeps plan` for people (SPEC §2), in Terraform's shape: what will be converged, the plugin
 * plan that decided it, one line per action with a symbol, then the summary sentence. Pure and
 * deterministic: the only times printed are those in the document.
 */
export const renderPlanHuman = (document: PlanDocument, style: Style): string => {
  // Control characters in ids, paths and reasons are escaped before anything is printed.
  const plan = forTerminal(document);
  const blocks = [
    header(plan),
    plan.warnings.map((warning) => `${style.bold("Warning:")} ${warning}`),
    pluginSection(plan, style),
    conflictSection(plan.desired.conflicts, style),
    satisfiedSection(plan, style),
    actionSection(plan, style),
    plan.observed.lock ? lockLines(plan.observed.lock, style) : [],
    readOnlyDebrisWarnings(plan.observed.debris, style),
    unmanagedLines(plan.observed.unmanaged, style),
    leftoverLines(plan.observed.leftovers, style),
    plan.observed.notes.map((note) => `${style.bold("Note:")} ${note}`),
    [summaryLine(plan, style)],
  ].filter((block) => block.length > 0);
  return `${blocks.map((block) => block.join("\n")).join("\n\n")}\n`;
};

const header = (plan: PlanDocument): string[] => {
  const { host, config, desired, observed } = plan;
  const target = observed.candidates.find((c) => c.role === "target" && c.path === desired.stageBase);
  const rows: CellInput[][] = [];
  // The adapter is worth a line only when it is not implied by the host name (a JSON profile).
  if (host.adapter !== host.name) rows.push(["adapter:", host.adapter]);
  rows.push(["config:", configText(config)]);
  rows.push(["stage base:", target ? `${desired.stageBase} (${target.source})` : desired.stageBase]);
  rows.push(["target root:", desired.targetRoot]);
  const hostRoot = observed.hostRoot;
  if (hostRoot !== undefined) {
    const state =
      hostRoot.problems.length === 0 ? "in place" : `apply puts it in place: ${hostRoot.problems.join("; ")}`;
    rows.push(["host root:", `${hostRoot.path} (the host reads here; ${state})`]);
  }
  return [
    `plugdeps will converge ${host.name} ${host.version} (${host.packageRoot})`,
    ...table(rows, "  ", " "),
  ];
};

const configText = (config: PlanDocument["config"]): string => {
  if (config.found && config.path !== null) return `${config.path} (${config.source})`;
  const where = config.path === null ? "" : ` at ${config.path}`;
  return `none found${where} (${config.source}); defaults apply`;
};

// ---------------------------------------------------------------------------------------------
// Plugin plan

type PluginStatus = "active" | "inactive" | "invalid";

const statusOf = (p: PluginDecision): PluginStatus =>
  !p.valid ? "invalid" : p.active ? "active" : "inactive";

const SYMBOL: Record<PluginStatus, string> = { active: "✓", inactive: "·", invalid: "!" };

const pluginSection = (plan: PlanDocument, style: Style): string[] => {
  if (plan.plugins.length === 0) return ["Plugin plan: no plugins found in the host package."];
  const paintOf: Record<PluginStatus, Paint> = {
    active: style.green,
    inactive: style.dim,
    invalid: style.red,
  };
  const plugins = [...plan.plugins].sort((a, b) => compareKeys(a.id, b.id));
  const counts = { active: 0, inactive: 0, invalid: 0 };
  for (const p of plugins) counts[statusOf(p)]++;
  const title =
    `Plugin plan (${counts.active} active, ${counts.inactive} inactive` +
    (counts.invalid > 0 ? `, ${counts.invalid} invalid):` : "):");

  const rows = plugins.map((p): CellInput[] => {
    const status = statusOf(p);
    const paint = paintOf[status];
    return [{ text: SYMBOL[status], paint }, p.id, { text: status, paint }, pluginDetail(p, status)];
  });
  const lines = table(rows, "  ", [" ", "  "]);
  // Problem lines go under their plugin's row, so interleave after aligning the rows.
  const out = [title];
  plugins.forEach((p, i) => {
    out.push(lines[i] ?? "");
    out.push(...pluginProblemLines(p, statusOf(p), style));
  });
  return out;
};

const pluginDetail = (p: PluginDecision, status: PluginStatus): string => {
  if (status === "invalid") return linesOf(p.problems[0] ?? "")[0] ?? p.reason;
  // SPEC §5: a plugin that is not staged ships its dependencies inside the host; nothing to install.
  return status === "active" && !p.staged ? `${p.reason} (ships its deps)` : p.reason;
};

/**
 * `! problem` under the plugin. An invalid plugin's first problem line is already on its row; the
 * rest of that message follows. The planner reports every rejected or skipped dependency in its
 * plugin's `problems` (desired.rejected is the machine-readable copy), so this is the one place
 * an operator reads it.
 */
const pluginProblemLines = (p: PluginDecision, status: PluginStatus, style: Style): string[] => {
  const messages = p.problems.map(linesOf);
  const lines: string[] = [];
  messages.forEach((msg, i) => {
    const [first, ...rest] = i === 0 && status === "invalid" ? ["", ...msg.slice(1)] : msg;
    if (first !== undefined && first !== "") lines.push(`    ${style.red("!")} ${first}`);
    for (const line of rest) lines.push(`      ${line}`);
  });
  return lines;
};

// ---------------------------------------------------------------------------------------------
// Conflicts

const conflictSection = (conflicts: readonly Conflict[], style: Style): string[] => {
  if (conflicts.length === 0) return [];
  return [
    "Conflicts (no single version satisfies every plugin):",
    ...conflicts.map((c) => conflictLine(c, style)),
  ];
};

const conflictLine = (c: Conflict, style: Style): string => {
  const shared = `${c.shared.spec} (${c.shared.plugins.join(", ")})`;
  const others = c.isolated.map((i) => `${i.spec} (${i.plugin})`).join(", ");
  const outcome = c.isolated.length > 0 ? ` -> ${c.isolated.map((i) => i.plugin).join(", ")} isolated` : "";
  const versus = others === "" ? "" : ` vs ${others}`;
  // The reason is left to the JSON: the heading and the line already say what happened, and the
  // isolated set's install action says it again.
  return `  ${style.yellow(c.name)}: ${shared}${versus}${outcome}`;
};

// ---------------------------------------------------------------------------------------------
// Packages the layers already satisfy

/** Per layer, at most this many packages are listed one by one; the rest are counted. */
const SATISFIED_LISTED_PER_LAYER = 8;

const layerLabel = (layer: ObservedLayer, stageBase: string): string => {
  switch (layer.kind) {
    case "host":
      return "host node_modules";
    case "read-only-stage":
      return `read-only stage ${layer.path}`;
    case "previous-root":
      return `previous root ${shortPath(layer.path, stageBase)}`;
    case "current-root":
      return "the target root";
  }
};

const satisfiedSection = (plan: PlanDocument, style: Style): string[] => {
  const { layers } = plan.observed;
  const stageBase = plan.desired.stageBase;
  // A reuse action already says which previous-root packages are taken; listing them here too
  // would count them twice.
  const reused = new Set(
    plan.actions
      .filter((a) => a.type === "reuse" && a.from !== null)
      .flatMap((a) => a.packages.map((p) => `${a.from ?? ""}\0${p.name}`)),
  );
  // Name the set only when it is a plugin-isolated one: "[shared]" on every line is noise.
  const isolated = new Set(plan.desired.sets.filter((s) => s.kind === "isolated").map((s) => s.id));
  const rows: CellInput[][] = [];
  const tails: string[] = [];
  for (const layer of layers) {
    const label = layerLabel(layer, stageBase);
    const items = layer.satisfies.filter((s) => !reused.has(`${layer.path}\0${s.name}`));
    if (items.length === 0) continue;
    // The target root holding what it should is the steady state: a count says enough.
    if (layer.kind === "current-root") {
      tails.push(`  ${style.dim("=")} ${plural(items.length, "package")} already in the target root`);
      continue;
    }
    for (const s of items.slice(0, SATISFIED_LISTED_PER_LAYER)) {
      const set = isolated.has(s.set) ? ` [${s.set}]` : "";
      rows.push([{ text: "=", paint: style.dim }, s.name, s.version, `from ${label}${set}`]);
    }
    const more = items.length - SATISFIED_LISTED_PER_LAYER;
    if (more > 0) tails.push(`  ${style.dim("=")} … and ${more} more from ${label}`);
  }
  if (rows.length === 0 && tails.length === 0) return [];
  return ["Already satisfied (not installed again):", ...table(rows, "  ", " "), ...tails];
};

// ---------------------------------------------------------------------------------------------
// Actions

const VERB: Record<ActionType, { symbol: string; paint: (s: Style) => Paint }> = {
  reuse: { symbol: "~", paint: (s) => s.cyan },
  install: { symbol: "+", paint: (s) => s.green },
  prune: { symbol: "-", paint: (s) => s.red },
  "clean-legacy": { symbol: "x", paint: (s) => s.yellow },
};

/** Packages named inline on the action line; a longer list goes one per line below it. */
const INLINE_PACKAGES = 4;

const actionSection = (plan: PlanDocument, style: Style): string[] => {
  if (plan.actions.length === 0) return [];
  return [
    "Actions:",
    ...groupByType(plan.actions).flatMap((a) => actionLines(a, plan.desired.stageBase, style)),
  ];
};

/**
 * Stable grouping: types in the order they first appear, actions in their own order within a
 * type. The planner already emits them grouped; this keeps the output grouped if it ever does not.
 */
const groupByType = (actions: readonly Action[]): Action[] => {
  const order: ActionType[] = [];
  for (const a of actions) if (!order.includes(specType(a.type))) order.push(specType(a.type));
  return order.flatMap((type) => actions.filter((a) => specType(a.type) === type));
};

const packageLabel = (type: ActionType, p: ActionPackage): string => {
  // An install is asked for by spec; reuse and prune concern a concrete installed version.
  const detail = type === "install" ? (p.spec ?? p.version) : (p.version ?? p.spec);
  return detail === null ? p.name : `${p.name}@${detail}`;
};

const actionLines = (a: Action, stageBase: string, style: Style): string[] => {
  const verb = VERB[specType(a.type)];
  const paint = verb.paint(style);
  const labels = a.packages.map((p) => packageLabel(specType(a.type), p));
  const inline = labels.length <= INLINE_PACKAGES;
  const subject =
    labels.length === 0
      ? a.targets.join(", ")
      : inline
        ? labels.join(", ")
        : plural(labels.length, "package");
  const set = a.set === null ? "" : ` [${a.set}]`;
  const from = a.from === null ? "" : ` from ${shortPath(a.from, stageBase)}`;
  const head = `  ${paint(verb.symbol)} ${paint(specType(a.type))} ${subject}${set}${from}${comment(a.reason, style)}`;
  return inline ? [head] : [head, ...labels.map((l) => `      ${l}`)];
};

const comment = (reason: string, style: Style): string => {
  const text = reason.trim();
  return text === "" ? "" : `  ${style.dim(`# ${text}`)}`;
};

// ---------------------------------------------------------------------------------------------
// Summary

const summaryLine = (plan: PlanDocument, style: Style): string => {
  const hostRootWork = (plan.observed.hostRoot?.problems.length ?? 0) > 0;
  if (plan.actions.length === 0 && !hostRootWork) return style.bold(style.green(NO_CHANGES));
  const sentence = `${summarySentence(plan.summary).replace(/\.$/, "")}${hostRootWork ? "; the host's own root to put in place" : ""}.`;
  return `${style.bold("Plan:")}${sentence.slice("Plan:".length)}`;
};
