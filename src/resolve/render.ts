import type { Style } from "../render/style.js";
import { type CellInput, forTerminal, table } from "../render/text.js";
import type { ResolveExplanation } from "./explain.js";

/**
 * Human output of `plugdeps resolve`: where the import lands, then the facts behind it, then
 * what was passed over. Pure; golden files hold the color-off form.
 */

const VIA_TEXT = {
  isolated: "isolated set",
  shared: "shared set",
  external: "read-only layer",
  node: "Node's own resolution (host fallback)",
} as const;

export const renderResolveHuman = (explanation: ResolveExplanation, style: Style): string => {
  // Control characters in ids, paths and reasons are escaped before anything is printed.
  const x = forTerminal(explanation);
  const head = `${style.bold(x.specifier)} imported by plugin ${style.bold(x.plugin.id)}`;
  const rows: CellInput[][] = [];
  if (x.lands !== null) {
    const set = x.lands.set === null || x.lands.set === x.lands.via ? "" : ` (${x.lands.set})`;
    rows.push(["lands in:", { text: `${VIA_TEXT[x.lands.via]}${set}`, paint: style.green }]);
    const version = x.lands.version ?? `unknown: ${x.lands.problem ?? "no package.json"}`;
    rows.push(["package:", `${x.package ?? x.specifier} ${version}`]);
    rows.push(["directory:", x.lands.packageDir]);
  } else if (x.outcome === "not-found") {
    rows.push(["lands in:", { text: "nowhere: the import fails", paint: style.red }]);
  } else {
    rows.push(["lands in:", "Node's own resolution (not a package import)"]);
  }
  if (x.subpath !== null && x.subpath !== ".")
    rows.push(["subpath:", `${x.subpath} (through the package's exports)`]);
  // No root for a specifier that is not a package import: the records are not consulted.
  if (x.root !== null)
    rows.push([
      "root:",
      `${x.root.path} (${x.root.hostName} ${x.root.hostVersion}, updated ${x.root.updatedAt})`,
    ]);
  rows.push(["plugin dir:", x.plugin.dir]);
  rows.push(["why:", x.reason]);
  const blocks = [[head, ...table(rows, "  ", " ")]];
  if (x.skipped.length > 0) {
    blocks.push(["Skipped:", ...x.skipped.map((s) => `  - ${s.what}: ${s.reason}`)]);
  }
  if (x.error !== null) blocks.push([style.red(`Error: ${x.error}`)]);
  return `${blocks.map((b) => b.join("\n")).join("\n\n")}\n`;
};
