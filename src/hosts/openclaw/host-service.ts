import * as path from "node:path";
import type { HostServiceContext, HostServiceNeeds } from "../types.js";
import { bandOf } from "./selection/band.js";

/**
 * What the real OpenClaw's own unit needs, by band (measured with the real gateways, issue 14):
 *
 * - 2026.3.22 – 4.21 stage inside the package. Before importing a bundled plugin, the loader checks
 *   `<r>/node_modules/<dep>/package.json` for r in the plugin dir, `dist/extensions`, `dist` and the
 *   package root, and runs `npm install` into the (read-only) plugin dir for whatever it does not
 *   find. A read-only bind mount of plugdeps' root `node_modules` onto
 *   `<package>/dist/extensions/node_modules` answers that check and Node's own resolution from the
 *   plugin chunks (which live in `dist/extensions/<id>/`), with no write into the package and no
 *   patch of the host (systemd creates the missing mount point on first start). Not onto
 *   `dist/node_modules`: there the root's hoisted tree sits above the package's own
 *   `node_modules` for the host's core code too, and an older transitive copy shadowed the host's
 *   own (https-proxy-agent 5 over 9: the real 2026.4.20 gateway exited at startup). The `-` prefix
 *   starts the host even before the first apply (it then stages as it always did).
 * - 2026.4.22 – 4.30 read their own root in the stage base (hostRoot), and at every start take
 *   their lock there and write a mirror of their `dist/` and their manifest into it: the stage base
 *   must be writable for the host itself. 2026.4.22 takes OPENCLAW_PLUGIN_STAGE_DIR as one path
 *   (no list of layers).
 * - 2026.5.2 and later stage nothing.
 */
export const openclawHostService = (ctx: HostServiceContext): HostServiceNeeds => {
  const band = bandOf(ctx.version).band;
  if (!band.stages) return { readOnlyBinds: [], writable: [], stageList: true };
  if (band.id === "2026.3.22") {
    return {
      readOnlyBinds: [
        {
          source: path.join(ctx.targetRoot, "node_modules"),
          target: path.join(ctx.packageRoot, "dist", "extensions", "node_modules"),
          why:
            `OpenClaw ${ctx.version} installs a bundled plugin's dependencies into its package unless ` +
            "<package>/dist/extensions/node_modules (one of the places it checks) has them",
        },
      ],
      writable: [],
      stageList: true,
    };
  }
  return {
    readOnlyBinds: [],
    writable: [
      {
        path: ctx.stageBase,
        why: `OpenClaw ${ctx.version} takes its lock and writes a mirror of its dist/ and its manifest into its own root at every start`,
      },
    ],
    stageList: band.id !== "2026.4.22",
  };
};
