import * as path from "node:path";
import type { HostInput } from "../types.js";
import { nonEmpty, resolveUserPath } from "../shared/paths.js";

/**
 * Legacy paths: exactly what OpenClaw's own `doctor --fix` removes (SPEC §5 "Legacy debris"), read
 * from its dist, 2026.4.20 – 2026.5.2. Nothing else is legacy: a near miss is left alone.
 *
 * Where OpenClaw's doctor cleans (`cleanupLegacyPluginDependencyState`, called by
 * `runDoctorRepairSequence`; 2026.4.30-beta.1 and 2026.5.2):
 * - for each of the state dir, the config dir and the package root (`collectLegacyPluginDependencyTargets`):
 *   `<dir>/bundled-plugin-runtime-deps` and `<dir>/.local/bundled-plugin-runtime-deps`;
 * - inside every plugin directory of `<dir>/extensions/` and `<dir>/dist/extensions/`
 *   (`collectLegacyExtensionDebris`), the entries named below (`isLegacyDependencyDebrisName`).
 *
 * Deliberately not adopted, each with its reason:
 * - 2026.5.2 also removes `<dir>/plugin-runtime-deps`, every `OPENCLAW_PLUGIN_STAGE_DIR` entry and
 *   `$STATE_DIRECTORY/plugin-runtime-deps`: whole stage bases, where plugdeps keeps its own roots
 *   (SPEC §4.8: never the stage base itself). The plan warns about it for such hosts instead.
 * - 2026.4.30-beta.1 removes `node_modules` in every plugin directory, marker or not; 2026.5.2 only
 *   beside a runtime-deps marker. plugdeps follows 5.2: an unmarked `node_modules` may be what the
 *   package (or `openclaw plugins install`) put there (LESSONS: never delete what we cannot prove).
 * - OpenClaw follows a plugin directory that is a symlink; plugdeps never deletes through one.
 * - 2026.4.29 – 4.30 remove `<install root>/.openclaw-runtime-deps.json` (`removeLegacyRuntimeDepsManifest`)
 *   only while repairing the install root they are about to use; inside any other OpenClaw root it
 *   is 2026.4.22's live record (`readRetainedRuntimeDepsManifest`), so plugdeps leaves roots whole.
 * - 2026.4.22 – 4.29 doctors clean nothing of this kind; stale `.openclaw-runtime-deps.lock`
 *   directories are reclaimed by OpenClaw when it next takes that lock, never by its doctor; the
 *   `.openclaw-install-stage-*` / `.openclaw-install-backups` of `openclaw plugins install`
 *   (`installPackageDir`) beside the plugin directories are not cleaned by any doctor either.
 * - Dangling symlinks in the global `node_modules` (openclaw #76466) are not removed by any
 *   OpenClaw doctor (its PR #76465 only flagged them, and was closed): plugdeps reports them.
 */

export type LegacyRule =
  /** `node_modules` beside a runtime-deps marker (`collectLegacyExtensionDebris`, 2026.5.2). */
  | "extension-node_modules-with-marker"
  /** `.openclaw-runtime-deps.json`, `.openclaw-runtime-deps-stamp.json` (`isRuntimeDependencyMarkerName`). */
  | "runtime-deps-marker"
  /** `.openclaw-runtime-deps-*`, e.g. `-copy-*` temp dirs (`isRuntimeDependencyMarkerName`). */
  | "runtime-deps-temp"
  /** `.openclaw-pnpm-store` (`isLegacyDependencyDebrisName`). */
  | "pnpm-store"
  /** `.openclaw-install-stage-*` (`isLegacyDependencyDebrisName`; the dash is required). */
  | "install-stage"
  /** `.openclaw-install-backups` (`isLegacyDependencyDebrisName`). */
  | "install-backups"
  /** `<dir>/bundled-plugin-runtime-deps`, `<dir>/.local/bundled-plugin-runtime-deps` (`collectLegacyPluginDependencyTargets`). */
  | "bundled-plugin-runtime-deps";

const MARKER_FILES: readonly string[] = [".openclaw-runtime-deps.json", ".openclaw-runtime-deps-stamp.json"];
const TEMP_PREFIX = ".openclaw-runtime-deps-";

/** Pure: a runtime-deps marker as OpenClaw 2026.5.2 recognizes one (`isRuntimeDependencyMarkerName`). */
export const isRuntimeDepsMarker = (name: string): boolean =>
  MARKER_FILES.includes(name) || name.startsWith(TEMP_PREFIX);

/**
 * Pure: which legacy rule an entry of a plugin directory falls under, given whether a
 * runtime-deps marker sits beside it (`collectLegacyExtensionDebris` + `isLegacyDependencyDebrisName`).
 */
export const extensionEntryRule = (name: string, hasMarker: boolean): LegacyRule | undefined => {
  if (name === "node_modules") return hasMarker ? "extension-node_modules-with-marker" : undefined;
  if (MARKER_FILES.includes(name)) return "runtime-deps-marker";
  if (name.startsWith(TEMP_PREFIX)) return "runtime-deps-temp";
  if (name === ".openclaw-pnpm-store") return "pnpm-store";
  if (name === ".openclaw-install-backups") return "install-backups";
  if (name.startsWith(".openclaw-install-stage-")) return "install-stage";
  return undefined;
};

/** The extension trees of one legacy directory, relative to it (`collectLegacyPluginDependencyTargets`). */
export const EXTENSION_TREES: readonly (readonly string[])[] = [["extensions"], ["dist", "extensions"]];
/** The whole-directory legacy paths of one legacy directory, relative to it. */
export const LEGACY_DIRECTORIES: readonly (readonly string[])[] = [
  ["bundled-plugin-runtime-deps"],
  [".local", "bundled-plugin-runtime-deps"],
];

/**
 * The directories OpenClaw's doctor cleans under: its state dir (`resolveStateDir`:
 * `$OPENCLAW_STATE_DIR`, else `~/.openclaw`), its config dir (`resolveConfigDir`:
 * `$OPENCLAW_STATE_DIR`, else the directory of `$OPENCLAW_CONFIG_PATH`, else `~/.openclaw`) and the
 * package root; deduplicated, sorted. plugdeps resolves `~` and the home directory as it does for
 * the config (config-location.ts): OpenClaw's `OPENCLAW_HOME` and its fallback to an existing
 * `~/.clawdbot` are not followed. Legacy paths are removed only strictly inside these.
 */
export const legacyDirectories = (packageRoot: string, input: HostInput | undefined): string[] => {
  const dirs = [packageRoot];
  if (input !== undefined) {
    const resolve = (p: string): string => resolveUserPath(p, input.homedir);
    const home = path.join(path.resolve(input.homedir), ".openclaw");
    const stateOverride = nonEmpty(input.env["OPENCLAW_STATE_DIR"]);
    const configPath = nonEmpty(input.env["OPENCLAW_CONFIG_PATH"]);
    const stateDir = stateOverride !== undefined ? resolve(stateOverride) : home;
    const configDir =
      stateOverride !== undefined
        ? resolve(stateOverride)
        : configPath !== undefined
          ? path.dirname(resolve(configPath))
          : home;
    dirs.push(stateDir, configDir);
  }
  return [...new Set(dirs.map((d) => path.resolve(d)))].sort();
};
