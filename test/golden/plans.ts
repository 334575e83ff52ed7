import type { Int } from "io-ts";
import type { PlanDocument } from "../../src/model/plan.js";

/**
 * Plan documents for the renderer golden tests. Hand-built to look like what an operator meets:
 * an OpenClaw gateway under systemd after a host upgrade and a config change (rich), a generic
 * profile host at rest (no-changes), a fresh install without plugins (empty-plugins), and a
 * user-prefix install with only leftovers of the old staging code to clean (legacy-only).
 */

const TOOL = { name: "plugdeps", version: "0.1.0" };

// --- rich ---------------------------------------------------------------------------------------

const OC_ROOT = "/usr/lib/node_modules/openclaw";
const OC_EXT = `${OC_ROOT}/dist/extensions`;
const STAGE = "/var/lib/openclaw/plugin-runtime-deps";
const TARGET = `${STAGE}/openclaw-2026.3.2-9d41c07e3b2a`;
const PREVIOUS = `${STAGE}/openclaw-2026.2.0-51c8e2a07f13`;
const STALE = `${STAGE}/openclaw-2026.1.0-0b7d2e6f4a18`;
const RO_STAGE = "/opt/openclaw/plugin-deps";

export const rich: PlanDocument = {
  formatVersion: 1,
  tool: TOOL,
  host: {
    name: "openclaw",
    version: "2026.3.2",
    packageRoot: OC_ROOT,
    adapter: "openclaw",
    identity: "openclaw-2026.3.2-9d41c07e3b2a",
  },
  config: { path: "/var/lib/openclaw/openclaw.json", source: "OPENCLAW_CONFIG_PATH", found: true },
  warnings: [
    "OpenClaw 2026.3.2 is older than any version plugdeps has read (2026.3.22); plugdeps applies the rules of the nearest, OpenClaw 2026.3.22 – 2026.4.21",
  ],
  // Directory order, not id order: the renderer sorts.
  plugins: [
    {
      id: "slack",
      dir: `${OC_EXT}/slack`,
      valid: true,
      active: true,
      reason: "channels.slack.enabled=true",
      staged: true,
      dependencies: { "@fixture/slack-sdk": "^2.1.0", "@fixture/logger": "^1.2.0", "@fixture/markdown": "^1.0.0" },
      problems: [],
    },
    {
      id: "discord",
      dir: `${OC_EXT}/discord`,
      valid: true,
      active: true,
      reason: "channels.discord.enabled=true",
      staged: true,
      dependencies: { "@fixture/discord-gateway": "^3.0.0", "@fixture/markdown": "^2.0.0", "@fixture/ws": "^8.0.0" },
      problems: [],
    },
    {
      id: "telegram",
      dir: `${OC_EXT}/telegram`,
      valid: true,
      active: true,
      reason: "plugins.entries.telegram.enabled=true",
      staged: true,
      dependencies: {
        "@fixture/telegram-bot": "~4.2.0",
        "@fixture/emoji-data": "^15.1.0",
        "@fixture/markdown": "^1.0.0",
        "@fixture/ws": "^8.2.0",
      },
      problems: [],
    },
    {
      id: "memory-core",
      dir: `${OC_EXT}/memory-core`,
      valid: true,
      active: true,
      reason: "enabledByDefault",
      staged: false,
      dependencies: { "@fixture/sqlite": "^5.1.0" },
      problems: [],
    },
    {
      id: "anthropic",
      dir: `${OC_EXT}/anthropic`,
      valid: true,
      active: true,
      reason: "models.providers.anthropic",
      staged: true,
      dependencies: {
        "@fixture/anthropic-sdk": "^0.39.0",
        "@fixture/tokenizer": "git+https://github.com/fixture/tokenizer.git",
      },
      problems: [
        'dependency @fixture/tokenizer: spec "git+https://github.com/fixture/tokenizer.git" is not a semver version or range (git+ URLs are not installed); skipped',
      ],
    },
    {
      id: "openai",
      dir: `${OC_EXT}/openai`,
      valid: true,
      active: false,
      reason: "not enabled (no rule matched)",
      staged: true,
      dependencies: { "@fixture/openai": "^4.0.0" },
      problems: [],
    },
    {
      id: "matrix",
      dir: `${OC_EXT}/matrix`,
      valid: true,
      active: false,
      reason: "plugins.deny",
      staged: true,
      dependencies: { "@fixture/matrix-sdk": "^0.9.0" },
      problems: [],
    },
    {
      id: "voice-call",
      dir: `${OC_EXT}/voice-call`,
      valid: false,
      active: false,
      reason: "invalid plugin manifest",
      staged: false,
      dependencies: {},
      problems: [
        `${OC_EXT}/voice-call/package.json: invalid plugin manifest:\n` +
          `  - dependencies.@fixture/opus: expected string, got 3\n` +
          `  - openclaw.bundle.stageRuntimeDependencies: expected boolean, got "yes"\n` +
          `Fix the listed keys.`,
      ],
    },
  ],
  desired: {
    stageBase: STAGE,
    targetRoot: TARGET,
    layoutVersion: 1,
    fingerprint: "sha256:5b0f6e2d8c41a9e37d2b1f08c6a45e9d3b7f20c1e84a6d59f03b2c7e1a9d4f86",
    sets: [
      {
        id: "shared",
        kind: "shared",
        plugin: null,
        dir: TARGET,
        packages: [
          { name: "@fixture/anthropic-sdk", spec: "^0.39.0", wantedBy: ["anthropic"] },
          { name: "@fixture/discord-gateway", spec: "^3.0.0", wantedBy: ["discord"] },
          { name: "@fixture/emoji-data", spec: "^15.1.0", wantedBy: ["telegram"] },
          { name: "@fixture/logger", spec: "^1.2.0", wantedBy: ["slack"] },
          { name: "@fixture/markdown", spec: "^1.0.0", wantedBy: ["slack", "telegram"] },
          { name: "@fixture/slack-sdk", spec: "^2.1.0", wantedBy: ["slack"] },
          { name: "@fixture/telegram-bot", spec: "~4.2.0", wantedBy: ["telegram"] },
          { name: "@fixture/ws", spec: "^8.2.0", wantedBy: ["discord", "telegram"] },
        ],
      },
      {
        id: "discord",
        kind: "isolated",
        plugin: "discord",
        dir: `${TARGET}/plugins/discord`,
        packages: [{ name: "@fixture/markdown", spec: "^2.0.0", wantedBy: ["discord"] }],
      },
    ],
    conflicts: [
      {
        name: "@fixture/markdown",
        shared: { spec: "^1.0.0", plugins: ["slack", "telegram"] },
        isolated: [{ plugin: "discord", spec: "^2.0.0" }],
        reason: "no version satisfies both; discord is the smaller side",
      },
    ],
    rejected: [
      {
        plugin: "anthropic",
        name: "@fixture/tokenizer",
        spec: "git+https://github.com/fixture/tokenizer.git",
        reason: "git+ URLs are not installed; only semver versions and ranges",
      },
    ],
    overrides: {},
  },
  observed: {
    fingerprint: "sha256:c3a91d7e04b25f68e1d0a7c4b93f2e6d80a5c1f7b2e49d3a6c08f1e5b7d2a940",
    candidates: [
      {
        path: RO_STAGE,
        source: "OPENCLAW_PLUGIN_STAGE_DIR[0]",
        role: "layer",
        writable: false,
        detail: "earlier entry: read-only layer",
      },
      {
        path: STAGE,
        source: "OPENCLAW_PLUGIN_STAGE_DIR[1]",
        role: "target",
        writable: true,
        detail: "write probe succeeded",
      },
      {
        path: "/var/lib/openclaw-gateway/plugin-runtime-deps",
        source: "STATE_DIRECTORY",
        role: "skipped",
        writable: null,
        detail: "OPENCLAW_PLUGIN_STAGE_DIR takes precedence",
      },
    ],
    layers: [
      {
        kind: "host",
        path: `${OC_ROOT}/node_modules`,
        writable: false,
        why: "host package root (EROFS: read-only file system)",
        satisfies: [
          { set: "shared", name: "@fixture/logger", version: "1.4.0", path: `${OC_ROOT}/node_modules/@fixture/logger` },
        ],
      },
      {
        kind: "read-only-stage",
        path: RO_STAGE,
        writable: false,
        why: "OPENCLAW_PLUGIN_STAGE_DIR[0]",
        satisfies: [
          {
            set: "shared",
            name: "@fixture/emoji-data",
            version: "15.1.0",
            path: `${RO_STAGE}/node_modules/@fixture/emoji-data`,
          },
        ],
      },
      {
        kind: "current-root",
        path: TARGET,
        writable: true,
        why: "live root for this host version",
        satisfies: [
          { set: "shared", name: "@fixture/markdown", version: "1.4.2", path: `${TARGET}/node_modules/@fixture/markdown` },
          { set: "shared", name: "@fixture/slack-sdk", version: "2.1.3", path: `${TARGET}/node_modules/@fixture/slack-sdk` },
          { set: "shared", name: "@fixture/ws", version: "8.18.0", path: `${TARGET}/node_modules/@fixture/ws` },
        ],
      },
      {
        kind: "previous-root",
        path: PREVIOUS,
        writable: false,
        why: "previous root (openclaw 2026.2.0), read as a layer",
        satisfies: [
          {
            set: "shared",
            name: "@fixture/telegram-bot",
            version: "4.2.5",
            path: `${PREVIOUS}/node_modules/@fixture/telegram-bot`,
          },
        ],
      },
    ],
    currentRoot: {
      path: TARGET,
      hostVersion: "2026.3.2",
      planFingerprint: "sha256:0e8d4b27a9f13c6e5d72b0a4f8c1e93d6a25b70f4c8e1d39b6a02f5e7c4d18b3",
      updatedAt: "2026-03-03T22:14:05.118Z",
      locked: true,
      packages: 4,
    },
    previousRoots: [
      {
        path: PREVIOUS,
        hostVersion: "2026.2.0",
        planFingerprint: "sha256:9a4c2e71d0b83f5e6c19a7d2b4e08f3c5d61a9e27b0f4c8d3e5a1b6f9c2d7e04",
        updatedAt: "2026-02-11T08:30:44.502Z",
        locked: false,
        packages: 6,
      },
      {
        path: STALE,
        hostVersion: "2026.1.0",
        planFingerprint: "sha256:41d7b0e9c3a52f86e1d4b7a09c3e25f8d6b1a4e70c9f2d5b8e3a6c1d04f7b92e",
        updatedAt: "2026-01-20T17:02:11.090Z",
        locked: false,
        packages: 5,
      },
    ],
    lock: {
      path: `${TARGET}.lock`,
      owner: {
        pid: 48213 as Int,
        hostname: "gw-01",
        starttime: 9182736,
        createdAt: 1772618292407,
        command: "plugdeps reconcile --every 15m",
      },
      state: "live",
      detail: "pid 48213 on this host runs with the recorded start time; apply waits for it (--lock-timeout)",
    },
    debris: [
      {
        path: `${STAGE}/openclaw-unknown-1a2b3c`,
        rule: "openclaw-unknown-* root",
        writable: true,
        fix: "plugdeps apply (or plugdeps doctor --fix) removes it",
      },
      {
        path: `${OC_EXT}/slack/node_modules`,
        rule: "extensions/*/node_modules with .openclaw-runtime-deps.json beside it",
        writable: false,
        fix: `sudo rm -rf ${OC_EXT}/slack/node_modules ${OC_EXT}/slack/.openclaw-runtime-deps.json`,
      },
    ],
    notes: [],
  },
  actions: [
    {
      type: "reuse",
      set: "shared",
      targets: [`${TARGET}/node_modules/@fixture/telegram-bot`],
      packages: [{ name: "@fixture/telegram-bot", spec: "~4.2.0", version: "4.2.5" }],
      from: PREVIOUS,
      reason: "wanted by telegram; the previous root has 4.2.5 (hard link, no download)",
    },
    {
      type: "install",
      set: "shared",
      targets: [TARGET],
      packages: [{ name: "@fixture/anthropic-sdk", spec: "^0.39.0", version: null }],
      from: null,
      reason: "wanted by anthropic; no layer satisfies it",
    },
    {
      type: "install",
      set: "shared",
      targets: [TARGET],
      packages: [{ name: "@fixture/discord-gateway", spec: "^3.0.0", version: null }],
      from: null,
      reason: "wanted by discord; no layer satisfies it",
    },
    {
      type: "install",
      set: "discord",
      targets: [`${TARGET}/plugins/discord`],
      packages: [{ name: "@fixture/markdown", spec: "^2.0.0", version: null }],
      from: null,
      reason: "wanted by discord; isolated from ^1.0.0 (slack, telegram)",
    },
    {
      type: "prune-package",
      set: "shared",
      targets: [`${TARGET}/node_modules/@fixture/matrix-sdk`],
      packages: [{ name: "@fixture/matrix-sdk", spec: null, version: "0.9.1" }],
      from: null,
      reason: "no active plugin wants it (matrix: plugins.deny)",
    },
    {
      type: "prune-root",
      set: null,
      targets: [STALE],
      packages: [],
      from: null,
      reason: "stale root of openclaw 2026.1.0; retention keeps 1 previous root",
    },
    {
      type: "clean-legacy",
      set: null,
      targets: [`${STAGE}/openclaw-unknown-1a2b3c`],
      packages: [],
      from: null,
      reason: "openclaw-unknown-* root left by older staging",
    },
  ],
  summary: { reuse: 1, install: 3, prune: 2, cleanLegacy: 1 },
};

// --- no-changes ---------------------------------------------------------------------------------

const ACME_ROOT = "/opt/acme/gateway";
const ACME_STAGE = "/var/lib/acme/plugin-deps";
const ACME_TARGET = `${ACME_STAGE}/acme-gateway-4.1.0-e0a4c19b7d55`;

export const noChanges: PlanDocument = {
  formatVersion: 1,
  tool: TOOL,
  host: {
    name: "acme-gateway",
    version: "4.1.0",
    packageRoot: ACME_ROOT,
    adapter: "profile:/etc/plugdeps/acme-gateway.json",
    identity: "acme-gateway-4.1.0-e0a4c19b7d55",
  },
  config: { path: "/etc/acme/gateway.json", source: "profile configPath", found: true },
  warnings: [],
  plugins: [
    {
      id: "mqtt",
      dir: `${ACME_ROOT}/plugins/mqtt`,
      valid: true,
      active: true,
      reason: "plugins.mqtt.enabled=true",
      staged: true,
      dependencies: { "@fixture/mqtt": "^5.3.0" },
      problems: [],
    },
    {
      id: "postgres",
      dir: `${ACME_ROOT}/plugins/postgres`,
      valid: true,
      active: true,
      reason: "enabledByDefault",
      staged: true,
      dependencies: { "@fixture/pg": "^8.11.0", "@fixture/pg-pool": "^3.6.0" },
      problems: [],
    },
    {
      id: "s3",
      dir: `${ACME_ROOT}/plugins/s3`,
      valid: true,
      active: false,
      reason: "not enabled (no rule matched)",
      staged: true,
      dependencies: { "@fixture/s3-client": "^3.500.0" },
      problems: [],
    },
  ],
  desired: {
    stageBase: ACME_STAGE,
    targetRoot: ACME_TARGET,
    layoutVersion: 1,
    fingerprint: "sha256:e71c4a09b3d25f8e6a1c0d97b4f23e5a8c6d1b09f7e24a3c5d8b1e6f0a9c3d27",
    sets: [
      {
        id: "shared",
        kind: "shared",
        plugin: null,
        dir: ACME_TARGET,
        packages: [
          { name: "@fixture/mqtt", spec: "^5.3.0", wantedBy: ["mqtt"] },
          { name: "@fixture/pg", spec: "^8.11.0", wantedBy: ["postgres"] },
          { name: "@fixture/pg-pool", spec: "^3.6.0", wantedBy: ["postgres"] },
        ],
      },
    ],
    conflicts: [],
    rejected: [],
    overrides: {},
  },
  observed: {
    fingerprint: "sha256:2f9b6d1e0c84a7e35b2d9f1c6e0a4b83d7c5e2f19a6b0d48c3e7f2a1b5d9c06e",
    candidates: [
      { path: ACME_STAGE, source: "--stage-dir", role: "target", writable: true, detail: "write probe succeeded" },
    ],
    layers: [
      {
        kind: "host",
        path: `${ACME_ROOT}/node_modules`,
        writable: false,
        why: "host package root",
        satisfies: [],
      },
      {
        kind: "current-root",
        path: ACME_TARGET,
        writable: true,
        why: "live root for this host version",
        satisfies: [
          { set: "shared", name: "@fixture/mqtt", version: "5.3.4", path: `${ACME_TARGET}/node_modules/@fixture/mqtt` },
          { set: "shared", name: "@fixture/pg", version: "8.11.5", path: `${ACME_TARGET}/node_modules/@fixture/pg` },
          {
            set: "shared",
            name: "@fixture/pg-pool",
            version: "3.6.2",
            path: `${ACME_TARGET}/node_modules/@fixture/pg-pool`,
          },
        ],
      },
    ],
    currentRoot: {
      path: ACME_TARGET,
      hostVersion: "4.1.0",
      planFingerprint: "sha256:e71c4a09b3d25f8e6a1c0d97b4f23e5a8c6d1b09f7e24a3c5d8b1e6f0a9c3d27",
      updatedAt: "2026-02-27T03:12:40.771Z",
      locked: false,
      packages: 3,
    },
    previousRoots: [
      {
        path: `${ACME_STAGE}/acme-gateway-4.0.2-6b3e9d0a1f72`,
        hostVersion: "4.0.2",
        planFingerprint: "sha256:b08e3c5a7d1f29e4c6a0b8d3f5e17c2a9d4b6e0f18c3a5d7e9b2f4a6c0d8e1b3",
        updatedAt: "2026-01-08T11:47:02.330Z",
        locked: false,
        packages: 3,
      },
    ],
    lock: null,
    debris: [],
    notes: ["1 previous root kept for rollback (retention 1)"],
  },
  actions: [],
  summary: { reuse: 0, install: 0, prune: 0, cleanLegacy: 0 },
};

// --- empty-plugins ------------------------------------------------------------------------------

const DEV_ROOT = "/home/dev/.npm-global/lib/node_modules/openclaw";
const DEV_STAGE = "/home/dev/.openclaw/plugin-runtime-deps";
const DEV_TARGET = `${DEV_STAGE}/openclaw-2026.3.2-4e7a0c2d91b8`;

export const emptyPlugins: PlanDocument = {
  formatVersion: 1,
  tool: TOOL,
  host: {
    name: "openclaw",
    version: "2026.3.2",
    packageRoot: DEV_ROOT,
    adapter: "openclaw",
    identity: "openclaw-2026.3.2-4e7a0c2d91b8",
  },
  config: { path: "/home/dev/.openclaw/openclaw.json", source: "~/.openclaw/openclaw.json", found: false },
  warnings: [],
  plugins: [],
  desired: {
    stageBase: DEV_STAGE,
    targetRoot: DEV_TARGET,
    layoutVersion: 1,
    fingerprint: "sha256:8d3f1b6a0e27c95d4b8a1f3e6c0d92b7a5e4f18c3d6b0a97e2f5c1d8b4a3e60f",
    sets: [{ id: "shared", kind: "shared", plugin: null, dir: DEV_TARGET, packages: [] }],
    conflicts: [],
    rejected: [],
    overrides: {},
  },
  observed: {
    fingerprint: "sha256:4a7e0c3d9b1f25e8c6a4d0b7f3e19c5a2d8b6e0f4c1a7d3e9b5f2c8a0d6e4b17",
    candidates: [
      {
        path: DEV_STAGE,
        source: "~/.openclaw",
        role: "target",
        writable: true,
        detail: "write probe succeeded",
      },
    ],
    layers: [
      { kind: "host", path: `${DEV_ROOT}/node_modules`, writable: true, why: "host package root", satisfies: [] },
    ],
    currentRoot: null,
    previousRoots: [],
    lock: null,
    debris: [],
    notes: [`no bundled plugins under ${DEV_ROOT}/dist/extensions`],
  },
  actions: [],
  summary: { reuse: 0, install: 0, prune: 0, cleanLegacy: 0 },
};

// --- legacy-only --------------------------------------------------------------------------------

const DEV_EXT = `${DEV_ROOT}/dist/extensions`;

export const legacyOnly: PlanDocument = {
  formatVersion: 1,
  tool: TOOL,
  host: emptyPlugins.host,
  config: { path: "/home/dev/.openclaw/openclaw.json", source: "~/.openclaw/openclaw.json", found: true },
  warnings: [],
  plugins: [
    {
      id: "whatsapp",
      dir: `${DEV_EXT}/whatsapp`,
      valid: true,
      active: false,
      reason: "channels.whatsapp.enabled=false",
      staged: true,
      dependencies: { "@fixture/baileys": "^6.7.0" },
      problems: [],
    },
    {
      id: "slack",
      dir: `${DEV_EXT}/slack`,
      valid: true,
      active: true,
      reason: "channels.slack.enabled=true",
      staged: true,
      dependencies: { "@fixture/slack-sdk": "^2.1.0", "@fixture/slack-files": "file:../../vendor/slack-files" },
      problems: [
        'dependency @fixture/slack-files@"file:../../vendor/slack-files" rejected: file: specs are not supported (only semver versions and ranges)',
      ],
    },
  ],
  desired: {
    stageBase: DEV_STAGE,
    targetRoot: DEV_TARGET,
    layoutVersion: 1,
    fingerprint: "sha256:1c6e9a3f0d48b27e5a1c8d0f6b39e4a72d5c0b8f1e3a6d94c7b2e5f0a8d1c3e6",
    sets: [
      {
        id: "shared",
        kind: "shared",
        plugin: null,
        dir: DEV_TARGET,
        packages: [{ name: "@fixture/slack-sdk", spec: "^2.1.0", wantedBy: ["slack"] }],
      },
    ],
    conflicts: [],
    rejected: [
      {
        plugin: "slack",
        name: "@fixture/slack-files",
        spec: "file:../../vendor/slack-files",
        reason: "file: specs are not installed; only semver versions and ranges",
      },
    ],
    overrides: {},
  },
  observed: {
    fingerprint: "sha256:d5b2e8f1a0c47d39e6b1a5f8c2d04e7b3a9c6f1d8e2b5a07c4d9e3f6b1a8c2d5",
    candidates: [
      { path: DEV_STAGE, source: "~/.openclaw", role: "target", writable: true, detail: "write probe succeeded" },
    ],
    layers: [
      { kind: "host", path: `${DEV_ROOT}/node_modules`, writable: true, why: "host package root", satisfies: [] },
      {
        kind: "current-root",
        path: DEV_TARGET,
        writable: true,
        why: "live root for this host version",
        satisfies: [
          {
            set: "shared",
            name: "@fixture/slack-sdk",
            version: "2.1.3",
            path: `${DEV_TARGET}/node_modules/@fixture/slack-sdk`,
          },
        ],
      },
    ],
    currentRoot: {
      path: DEV_TARGET,
      hostVersion: "2026.3.2",
      planFingerprint: "sha256:1c6e9a3f0d48b27e5a1c8d0f6b39e4a72d5c0b8f1e3a6d94c7b2e5f0a8d1c3e6",
      updatedAt: "2026-03-01T06:00:09.455Z",
      locked: false,
      packages: 1,
    },
    previousRoots: [],
    lock: {
      path: `${DEV_TARGET}.lock`,
      owner: { pid: 1 as Int, hostname: "devbox", starttime: 918273, createdAt: 1772344803912, command: "plugdeps apply" },
      state: "stale",
      detail: "pid 1 now has start time 4411, not 918273 (recycled pid); the next apply reclaims the lock",
    },
    debris: [
      {
        path: `${DEV_EXT}/slack/node_modules`,
        rule: "extensions/*/node_modules with .openclaw-runtime-deps.json beside it",
        writable: true,
        fix: "plugdeps apply (or plugdeps doctor --fix) removes it",
      },
      {
        path: `${DEV_EXT}/slack/.openclaw-runtime-deps.json`,
        rule: ".openclaw-runtime-deps.json",
        writable: true,
        fix: "plugdeps apply (or plugdeps doctor --fix) removes it",
      },
      {
        path: "/home/dev/.npm-global/lib/node_modules/@fixture/slack-sdk",
        rule: "dangling global symlink into plugin-runtime-deps",
        writable: true,
        fix: "plugdeps apply (or plugdeps doctor --fix) removes it",
      },
    ],
    notes: [],
  },
  actions: [
    {
      type: "clean-legacy",
      set: null,
      targets: [`${DEV_EXT}/slack/node_modules`],
      packages: [],
      from: null,
      reason: "node_modules from older staging (.openclaw-runtime-deps.json beside it)",
    },
    {
      type: "clean-legacy",
      set: null,
      targets: [`${DEV_EXT}/slack/.openclaw-runtime-deps.json`],
      packages: [],
      from: null,
      reason: "stamp file of older staging",
    },
    {
      type: "clean-legacy",
      set: null,
      targets: ["/home/dev/.npm-global/lib/node_modules/@fixture/slack-sdk"],
      packages: [],
      from: null,
      reason: "dangling symlink into a plugin-runtime-deps tree",
    },
  ],
  summary: { reuse: 0, install: 0, prune: 0, cleanLegacy: 3 },
};

/** Golden file stem -> plan. */
export const goldenPlans: Readonly<Record<string, PlanDocument>> = {
  rich,
  "no-changes": noChanges,
  "empty-plugins": emptyPlugins,
  "legacy-only": legacyOnly,
};
