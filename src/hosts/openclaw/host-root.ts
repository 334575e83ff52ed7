import { createHash } from "node:crypto";
import * as fs from "../../util/observed-fs.js";
import * as path from "node:path";
import { realProcessProbes } from "../../util/process-info.js";
import type { HostRootContext, HostRootSpec, HostVisibility } from "../types.js";
import { judgeOpenclawLock, OPENCLAW_LOCK_DIR, readOpenclawLock } from "./openclaw-lock.js";
import { bandOf } from "./selection/band.js";

/**
 * The root the real OpenClaw reads its bundled plugins' dependencies from (2026.4.22 – 4.30),
 * read from its dist (`resolveExternalBundledRuntimeDepsInstallRoots`, `ensureBundledPluginRuntimeDeps`):
 *
 * - the name is `openclaw-<version>-<12 hex>`: the version with every run of characters outside
 *   `[A-Za-z0-9._-]` turned into `-` (trimmed; `unknown` when empty), and the hash
 *   sha256(path.resolve(packageRoot)) in 2026.4.22 – 4.29 (`createPathHash`; the loader passes
 *   the realpath, so plugdeps hashes the realpath too), or, from 2026.4.30, sha256 of the realpath,
 *   then `\0package.json\0` + its bytes and `\0dist/postinstall-inventory.json\0` + its bytes
 *   (`createPackageRuntimeDepsRootHash`);
 * - it looks in the LAST entry of OPENCLAW_PLUGIN_STAGE_DIR only (the install root): layers count
 *   for its gateway pre-stage, never for the per-plugin check, which decides whether it starts a
 *   package manager. So the host's node_modules and read-only layers satisfy nothing for it.
 * - 2026.4.29+: `isRuntimeDepsPlanMaterialized` wants `<root>/package.json` named
 *   `openclaw-runtime-deps-install` whose `dependencies` are exactly its spec set (4.30: a
 *   superset), and every spec satisfied in `<root>/node_modules` (version and `main`). 4.29
 *   rewrites a differing manifest itself and starts no package manager when every package is
 *   there; 4.30 reads a manifest that lacks a spec, beside a `node_modules`, as an interrupted
 *   install and reinstalls everything.
 * - it takes `<root>/.openclaw-runtime-deps.lock` (owner `{pid, starttime, createdAtMs}`) before
 *   that check, so plugdeps holds the same lock while it changes what the root shows.
 *
 * Measured with the real gateway (issue 14): with this directory in place, 2026.4.29 started no
 * package manager and loaded slack and telegram; with plugdeps' own root name it staged 47 specs
 * itself. 2026.3.22 – 4.21 stage inside the package and 2026.5.2+ not at all: no host root.
 */

export const OPENCLAW_MANIFEST_NAME = "openclaw-runtime-deps-install";

/** `sanitizePathSegment`: the version as one path segment. */
export const openclawVersionSegment = (version: string): string =>
  version
    .trim()
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .replace(/^-+|-+$/g, "") || "unknown";

/** From 2026.4.30 (its prereleases included) the hash covers the package's bytes too. */
const hashesBytes = (version: string): boolean => {
  const m = /^v?(\d{4})\.(\d{1,2})\.(\d{1,2})/.exec(version.trim());
  if (m === null) return false; // an unknown version gets the 2026.4.29 rules (band.ts)
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return y > 2026 || (y === 2026 && (mo > 4 || (mo === 4 && d >= 30)));
};

/** Reads a file for the hash; OpenClaw hashes the `\0rel\0` prefix even when the read fails. */
const bytesOr = (file: string): Buffer | null => {
  try {
    return fs.readFileSync(file);
  } catch {
    return null;
  }
};

export const openclawRootHash = (version: string, packageRoot: string): string => {
  const h = createHash("sha256").update(packageRoot);
  if (hashesBytes(version)) {
    // One try block in OpenClaw: a missing file ends the hashing right after its prefix.
    for (const rel of ["package.json", "dist/postinstall-inventory.json"]) {
      h.update("\0").update(rel).update("\0");
      const bytes = bytesOr(path.join(packageRoot, rel));
      if (bytes === null) break;
      h.update(bytes);
    }
  }
  return h.digest("hex").slice(0, 12);
};

export const openclawRootName = (version: string, packageRoot: string): string =>
  `openclaw-${openclawVersionSegment(version)}-${openclawRootHash(version, packageRoot)}`;

export const openclawHostRoot = (ctx: HostRootContext): HostRootSpec | null => {
  const band = bandOf(ctx.version).band;
  // Nothing selected, nothing for the host to read (it stages nothing and reads no root then).
  if (band.id === "2026.3.22" || !band.stages || Object.keys(ctx.shared).length === 0) return null;
  const root = path.join(ctx.stageBase, openclawRootName(ctx.version, ctx.packageRoot));
  const sorted = Object.fromEntries(
    Object.entries(ctx.shared).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  return {
    path: root,
    // 2026.4.22's channel-entry caller resolves its "package root" to the host root (it loads
    // plugin code from the dist/ mirror there) and, finding no version in it, reads
    // openclaw-unknown-<sha256(host root)>. 4.22 prunes no unknown roots; 4.29+ read the real one.
    aliases:
      band.id === "2026.4.22"
        ? [
            path.join(
              ctx.stageBase,
              `openclaw-unknown-${createHash("sha256").update(path.resolve(root)).digest("hex").slice(0, 12)}`,
            ),
          ]
        : [],
    // 2026.4.29 rewrites the manifest to each caller's exact spec set (no package manager when the
    // packages are there: measured, 19 of 47 specs written back at gateway start), so any of its
    // manifests will do; 2026.4.30 takes a manifest that lacks a spec for an interrupted install.
    manifest:
      band.id === "2026.4.22"
        ? null
        : {
            name: OPENCLAW_MANIFEST_NAME,
            dependencies: sorted,
            keep: hashesBytes(ctx.version) ? "superset" : "any",
          },
    lock: {
      dir: path.join(root, OPENCLAW_LOCK_DIR),
      ownerText: (pid, starttime, now) =>
        `${JSON.stringify({ pid, ...(starttime === null ? {} : { starttime }), createdAtMs: now }, null, 2)}\n`,
      judge: (now) => {
        const evidence = readOpenclawLock(root);
        return evidence === null ? null : judgeOpenclawLock(evidence, now, realProcessProbes());
      },
    },
    why: `OpenClaw ${ctx.version} reads only <stage base>/openclaw-<version>-<hash of its package root> (${band.range})`,
  };
};

/**
 * What OpenClaw counts as installed besides the target root, by band. 2026.3.22 – 4.21 check
 * `<dir>/node_modules/<dep>/package.json` for the plugin dir, `dist/extensions`, `dist` and the
 * package root before importing a plugin (the package's own node_modules counts; the stage base
 * reaches it only through the bind mount of the target root that `plugdeps units` writes, so a
 * read-only layer does not); 2026.4.22 – 4.30 check only their own root. Measured with the real
 * gateways (issue 14).
 */
export const openclawSees = (version: string): HostVisibility => {
  const band = bandOf(version).band;
  if (!band.stages) return { packageNodeModules: true, layers: true, why: "" };
  if (band.id === "2026.3.22")
    return {
      packageNodeModules: true,
      layers: false,
      why: `OpenClaw ${version} looks only in its package and in what the units' bind mount shows it (${band.range})`,
    };
  return {
    packageNodeModules: false,
    layers: false,
    why: `OpenClaw ${version} reads only <stage base>/openclaw-<version>-<hash of its package root> (${band.range})`,
  };
};
