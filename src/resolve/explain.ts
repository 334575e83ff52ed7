import * as fs from "node:fs";
import * as path from "node:path";
import type { Installed } from "../observe/installed-package.js";
import { readInstalled } from "../observe/installed-package.js";
import { resolveFrom } from "../observe/node-resolution.js";
import { type ResolutionDecision, decide, indexRecords, pickCandidate, type PluginRef } from "./decide.js";
import { notMaterializedMessage } from "./hook-core.js";
import type { MaterializationRecord } from "./records.js";
import {
  type Landing,
  RESOLVE_FORMAT_VERSION,
  type ResolveDocument,
  type ResolveOutcome,
} from "../model/resolve.js";

/**
 * `plugdeps resolve`: the decision the hook makes for one import (decide.ts + the same candidate
 * pick), plus what it finds on disk: the version at the chosen place, or where Node's own
 * resolution lands when plugdeps leaves the import to Node. Read-only.
 */

/** The document `resolve --json` prints (model/resolve.ts), under the names this module had. */
export type ResolveExplanation = ResolveDocument;
export type Outcome = ResolveOutcome;
export type { Landing };

export interface PluginChoice {
  readonly plugin: PluginRef;
  /** The roots listing this plugin id (what was searched), newest first. */
  readonly roots: readonly string[];
}

/**
 * The plugin dir for `--plugin ID`: among the records listing that id, the one for
 * `--package-root` when given (realpath compared with the recorded host package root), else the
 * newest. null: no record lists it.
 */
export const choosePlugin = (
  records: readonly MaterializationRecord[],
  id: string,
  packageRoot: string | null,
): PluginChoice | null => {
  const listing = records
    .flatMap((r) => (r.state.plugins ?? []).filter((p) => p.id === id).map((p) => ({ r, p })))
    .sort((a, b) =>
      a.r.state.updatedAt < b.r.state.updatedAt ? 1 : a.r.state.updatedAt > b.r.state.updatedAt ? -1 : 0,
    );
  const real = packageRoot === null ? null : realpathOr(packageRoot);
  const best = listing.find((x) => real === null || x.r.state.host.packageRoot === real);
  if (best === undefined) return null;
  return { plugin: { id, dir: best.p.dir }, roots: listing.map((x) => x.r.root) };
};

const realpathOr = (p: string): string => {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
};

const isDirectory = (dir: string): boolean => {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
};

const landing = (via: Landing["via"], set: string | null, found: Installed, packageDir: string): Landing => ({
  via,
  set,
  packageDir,
  version: found._tag === "Present" ? found.version : null,
  problem: found._tag === "Broken" ? found.reason : null,
});

/** Explains an import of `specifier` from a file of `plugin` (its directory stands for the file). */
export const explain = (
  records: readonly MaterializationRecord[],
  plugin: PluginRef,
  specifier: string,
): ResolveExplanation => {
  const importer = path.join(plugin.dir, "index.js");
  const decision = decide(indexRecords(records), importer, specifier);
  return decision._tag === "Declared"
    ? explainDeclared(decision, importer, specifier)
    : explainUntouched(decision, plugin, specifier);
};

const explainDeclared = (
  d: ResolutionDecision & { _tag: "Declared" },
  importer: string,
  specifier: string,
): ResolveExplanation => {
  const base = {
    formatVersion: RESOLVE_FORMAT_VERSION,
    plugin: d.plugin,
    specifier,
    package: d.name,
    subpath: d.subpath,
    spec: d.spec,
    root: d.root,
    handled: true,
  };
  const declares = `${d.plugin.id} declares ${d.name}${d.spec === null ? "" : ` (${d.spec})`}`;
  const { chosen, missing } = pickCandidate(d, isDirectory);
  const skipped = [...d.skipped, ...missing];
  if (chosen !== null) {
    const found = readInstalled(path.join(chosen.from, "node_modules"), d.name);
    const where =
      chosen.via === "isolated"
        ? `its plugin-isolated set in the root holds it (a version conflict with another plugin was isolated there)`
        : chosen.via === "shared"
          ? `the shared set of the root holds it`
          : `a read-only layer holds it in place (${chosen.from})`;
    return {
      ...base,
      outcome: "root",
      lands: landing(chosen.via, chosen.set, found, chosen.packageDir),
      reason: `${declares}; ${where}`,
      skipped,
      error: null,
    };
  }
  // Not materialized in the root: the hook hands the import to Node unchanged.
  const found = resolveFrom(d.plugin.dir, d.name, new Set());
  if (found._tag === "Missing") {
    return {
      ...base,
      outcome: "not-found",
      lands: null,
      reason: `${declares}, but no set of the root holds it and Node's own resolution does not find it`,
      skipped,
      error: notMaterializedMessage(d, importer, missing, null),
    };
  }
  const inHost = found.dir.startsWith(`${d.root.packageRoot}${path.sep}`);
  return {
    ...base,
    outcome: "node",
    lands: landing("node", null, found, found.dir),
    reason:
      `${declares}; no set of the root holds it, so Node's own resolution decides: ` +
      (inHost ? `satisfied by the host's node_modules` : `found in ${path.dirname(found.dir)}`),
    skipped,
    error: null,
  };
};

const explainUntouched = (
  d: ResolutionDecision & { _tag: "Untouched" },
  plugin: PluginRef,
  specifier: string,
): ResolveExplanation => {
  const base = {
    formatVersion: RESOLVE_FORMAT_VERSION,
    plugin,
    specifier,
    package: d.name,
    subpath: null,
    spec: null,
    root: d.root,
    handled: false,
    skipped: [...d.skipped],
  };
  const reason = `not handled by plugdeps: ${d.reason}; Node resolves it as usual`;
  if (d.name === null) return { ...base, outcome: "node", lands: null, reason, error: null };
  const found = resolveFrom(plugin.dir, d.name, new Set());
  if (found._tag === "Missing") {
    return {
      ...base,
      outcome: "not-found",
      lands: null,
      reason,
      error: `Node's own resolution from ${plugin.dir} does not find ${d.name}; the import fails with Node's own error.`,
    };
  }
  return { ...base, outcome: "node", lands: landing("node", null, found, found.dir), reason, error: null };
};
