import { openclawHostService } from "../../src/hosts/openclaw/host-service.js";
import type { UnitsSpec } from "../../src/units/units.js";

/**
 * Unit specs for the `plugdeps units` golden files: a global OpenClaw 2026.4.29 install converged
 * by a system timer (the README's case; the host writes into its own root, so its drop-in makes
 * the stage base writable), a 2026.4.20 install as a user's units (the drop-in bind-mounts
 * plugdeps' root where that version looks), and a 2026.4.29 fleet host whose image bakes a
 * read-only layer and whose stage base lives outside /var/lib, on a 6-hour calendar timer. The
 * system units run as the host's service user `openclaw`.
 */

const PLUGDEPS = "/usr/lib/node_modules/plugdeps/dist/src";

const base = {
  host: "openclaw",
  hostUnit: "openclaw.service",
  node: "/usr/bin/node",
  cli: `${PLUGDEPS}/cli/plugdeps.cjs`,
  register: `${PLUGDEPS}/resolve/register.js`,
  toolVersion: "0.1.0",
} as const;

export const systemSpec: UnitsSpec = {
  ...base,
  scope: "system",
  options: ["--package-root", "/usr/lib/node_modules/openclaw", "--config", "/etc/openclaw/openclaw.json"],
  stage: {
    target: "/var/lib/openclaw/plugin-runtime-deps",
    layers: ["/var/lib/openclaw/plugin-runtime-deps"],
    variable: "OPENCLAW_PLUGIN_STAGE_DIR",
  },
  hostService: openclawHostService({
    version: "2026.4.29",
    packageRoot: "/usr/lib/node_modules/openclaw",
    stageBase: "/var/lib/openclaw/plugin-runtime-deps",
    targetRoot: "/var/lib/openclaw/plugin-runtime-deps/openclaw-2026.4.29-0a1b2c3d4e5f",
  }),
  everyMs: 15 * 60_000,
  // the host's service user, whose home is outside /home: ProtectHome=yes
  runAs: { user: "openclaw", group: null, home: "/var/lib/openclaw" },
};

export const userSpec: UnitsSpec = {
  ...base,
  node: "/home/alice/.local/share/fnm/node-versions/v22.12.0/installation/bin/node",
  cli: "/home/alice/.local/lib/node_modules/plugdeps/dist/src/cli/plugdeps.cjs",
  register: "/home/alice/.local/lib/node_modules/plugdeps/dist/src/resolve/register.js",
  scope: "user",
  options: ["--package-root", "/home/alice/.local/lib/node_modules/openclaw"],
  stage: {
    target: "/home/alice/.openclaw/plugin-runtime-deps",
    layers: ["/home/alice/.openclaw/plugin-runtime-deps"],
    variable: "OPENCLAW_PLUGIN_STAGE_DIR",
  },
  hostService: openclawHostService({
    version: "2026.4.20",
    packageRoot: "/home/alice/.local/lib/node_modules/openclaw",
    stageBase: "/home/alice/.openclaw/plugin-runtime-deps",
    targetRoot: "/home/alice/.openclaw/plugin-runtime-deps/openclaw-2026.4.20-5e6f7a8b9c0d",
  }),
  everyMs: 15 * 60_000,
  runAs: null,
};

export const fleetSpec: UnitsSpec = {
  ...base,
  scope: "system",
  // A fleet behind a slow mirror: the install timeout pinned at 45 min (TimeoutStartSec= follows).
  options: [
    "--package-root",
    "/usr/lib/node_modules/openclaw",
    "--config",
    "/etc/openclaw/openclaw.json",
    "--install-timeout",
    "2700s",
  ],
  installTimeoutMs: 45 * 60_000,
  stage: {
    target: "/srv/openclaw/plugin-runtime-deps",
    layers: ["/opt/openclaw/baked-deps", "/srv/openclaw/plugin-runtime-deps"],
    variable: "OPENCLAW_PLUGIN_STAGE_DIR",
  },
  hostService: openclawHostService({
    version: "2026.4.29",
    packageRoot: "/usr/lib/node_modules/openclaw",
    stageBase: "/srv/openclaw/plugin-runtime-deps",
    targetRoot: "/srv/openclaw/plugin-runtime-deps/openclaw-2026.4.29-0a1b2c3d4e5f",
  }),
  everyMs: 6 * 3_600_000,
  // a service user with a home under /home (its ~/.npmrc names the fleet's mirror): read-only
  runAs: { user: "openclaw", group: "openclaw", home: "/home/openclaw" },
};

/** Golden file stem -> spec; each renders `<stem>.service`, `<stem>.timer`, `<stem>-dropin.conf`. */
export const goldenUnitSpecs: Readonly<Record<string, UnitsSpec>> = {
  "units-system": systemSpec,
  "units-user": userSpec,
  "units-fleet": fleetSpec,
};
