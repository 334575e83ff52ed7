import * as path from "node:path";
import { isFallbackHost } from "../hosts/lookup.js";
import { DEFAULT_INSTALL_TIMEOUT_MS } from "../model/options.js";
import type { HostServiceNeeds } from "../hosts/types.js";
import {
  environmentLine,
  execLine,
  randomizedDelayMs,
  timeSpan,
  timerSchedule,
  unitWord,
} from "./systemd-syntax.js";

/**
 * `plugdeps units`: the systemd units that keep one host converged, rendered as text. Pure: every
 * path and choice comes in through `UnitsSpec` (built by units-spec.ts from the command line), so
 * the golden files do not depend on the machine that runs the tests.
 */

export type UnitScope = "system" | "user";

export interface StageSpec {
  /** The writable stage base (absolute). */
  readonly target: string;
  /** The full stage list as the host must see it: read-only layers first, the target last. */
  readonly layers: readonly string[];
  /**
   * The adapter's stage variable (`OPENCLAW_PLUGIN_STAGE_DIR`), or null when the host has none;
   * then `--stage-dir` carries the target and the hook gets `PLUGDEPS_STAGE_DIR`.
   */
  readonly variable: string | null;
}

/**
 * Who a system unit runs as: the host's own service user (docs/security.md: plugdeps and the host
 * as one user, so the package manager never writes as root and the host trusts what it builds).
 */
export interface ServiceUser {
  /** `User=`: a user name or a numeric uid. */
  readonly user: string;
  /** `Group=`; null: the user's primary group (systemd's default, nothing written). */
  readonly group: string | null;
  /** The user's home directory as this machine's passwd names it; null when unknown. */
  readonly home: string | null;
}

export interface UnitsSpec {
  /** The host adapter's slug: units are named `plugdeps-<host>.service` / `.timer`. */
  readonly host: string;
  readonly scope: UnitScope;
  /** Absolute path of the node binary. */
  readonly node: string;
  /** Absolute path of the plugdeps executable (`dist/src/cli/plugdeps.cjs`). */
  readonly cli: string;
  /** Absolute path of the resolution hook (`dist/src/resolve/register.js`). */
  readonly register: string;
  /** The options after `apply --quiet`: host, package root, config... already absolute. */
  readonly options: readonly string[];
  readonly stage: StageSpec;
  /** The host's own unit (`--host-unit`, default `<slug>.service`): it gets the drop-in. */
  readonly hostUnit: string;
  /** What the host's own unit needs besides the variables (HostAdapter.hostService). */
  readonly hostService: HostServiceNeeds;
  readonly everyMs: number;
  readonly toolVersion: string;
  /**
   * System units: the user the service runs as (`--user-name`, `--group`). Null for user units,
   * which run as the user whose manager starts them (`User=` is not theirs to set).
   */
  readonly runAs: ServiceUser | null;
  /**
   * `--install-timeout` when given to `units` (it is then in `options` too, so ExecStart= carries
   * it); TimeoutStartSec= is kept above it. Unset: plugdeps' own default (settings, else 10 min).
   */
  readonly installTimeoutMs?: number | undefined;
}

export interface RenderedUnits {
  readonly serviceName: string;
  readonly timerName: string;
  readonly service: string;
  readonly timer: string;
  /** A drop-in for the host's own unit: ordering, the stage variable and NODE_OPTIONS. */
  readonly hostDropIn: string;
  /** Where `--out DIR` writes it, relative to DIR: `<host unit>.d/plugdeps.conf`. */
  readonly hostDropInName: string;
  /** Where units of this scope live by default (`/etc/systemd/system`, `~/.config/systemd/user`). */
  readonly installDir: string;
  /** Shell commands that install and start them, in order. */
  readonly installCommands: readonly string[];
}

/** Where systemd reads administrator units (system) or a user's own units. */
export const defaultInstallDir = (
  scope: UnitScope,
  homedir: string,
  env: Readonly<Record<string, string | undefined>>,
): string => {
  if (scope === "system") return "/etc/systemd/system";
  const configHome = env["XDG_CONFIG_HOME"];
  return path.join(
    configHome !== undefined && path.isAbsolute(configHome) ? configHome : path.join(homedir, ".config"),
    "systemd",
    "user",
  );
};

/**
 * `StateDirectory=` for a system stage base under `/var/lib/`: systemd creates it before the
 * service starts, and only that directory becomes writable. Null when the stage base lives
 * elsewhere, and always for user units: there `StateDirectory=` moved from `$XDG_CONFIG_HOME` to
 * `$XDG_STATE_HOME` between systemd versions, so a path derived from it would be a guess.
 */
export const stateDirectoryFor = (scope: UnitScope, stageBase: string): string | null => {
  if (scope !== "system") return null;
  const rel = path.posix.relative("/var/lib", path.posix.normalize(stageBase));
  if (rel === "" || rel.startsWith("..") || path.posix.isAbsolute(rel)) return null;
  return rel;
};

const plugdeps = (spec: UnitsSpec, command: "apply" | "reconcile", extra: readonly string[]): string[] => {
  const stageFlag =
    spec.stage.variable === null && !spec.options.includes("--stage-dir")
      ? ["--stage-dir", spec.stage.target]
      : [];
  return [spec.node, spec.cli, command, ...extra, ...spec.options, ...stageFlag];
};

const apply = (spec: UnitsSpec, extra: readonly string[]): string[] => plugdeps(spec, "apply", extra);

/**
 * The timer's service runs one reconcile pass (`reconcile --once`), which is `apply` plus the
 * status record (`<stage base>/.plugdeps/status.json` with Ready/Progressing/Degraded): `status`
 * and `doctor` can then tell a timer that stopped firing, because `--every` matches the timer.
 */
const reconcileOnce = (spec: UnitsSpec): string[] =>
  plugdeps(spec, "reconcile", ["--once", "--every", `${Math.round(spec.everyMs / 1000)}s`, "--quiet"]);

/** `Environment=` lines that tell plugdeps (and the host) where the stage is. */
const stageEnvironment = (spec: UnitsSpec): string[] => {
  const list = spec.stage.layers.join(path.delimiter);
  return spec.stage.variable === null ? [] : [environmentLine(spec.stage.variable, list)];
};

const writablePathLines = (spec: UnitsSpec): string[] => {
  const stateDirectory = stateDirectoryFor(spec.scope, spec.stage.target);
  if (stateDirectory !== null) {
    return [
      "# The stage base is the one writable path: systemd creates it before the service starts",
      ...(spec.runAs === null ? [] : ["# (owned by User=, chowned to it when another user owned it)."]),
      `StateDirectory=${unitWord(stateDirectory)}`,
    ];
  }
  const owner =
    spec.runAs === null
      ? ""
      : ` -o ${spec.runAs.user}${spec.runAs.group === null ? "" : ` -g ${spec.runAs.group}`}`;
  return [
    "# The stage base is the one writable path. It must exist before the service starts:",
    `#   install -d -m 0755${owner} ${spec.stage.target}`,
    `ReadWritePaths=${unitWord(spec.stage.target)}`,
  ];
};

/** Where home directories are: what `ProtectHome=` hides or makes read-only. */
const HOME_ROOTS = ["/home", "/root", "/run/user"];

const underHome = (p: string): boolean => HOME_ROOTS.some((root) => p === root || p.startsWith(`${root}/`));

/**
 * `ProtectHome=yes` (home directories invisible) when the service needs nothing in one, else
 * `read-only`, with the reason. It needs one when a path the unit names is in a home directory
 * (the stage base of user units, a config under ~, a node or plugdeps installed there), when the
 * config is not pinned (the service discovers it from its own HOME), and when the service user's
 * own home is there or unknown: npm and pnpm read the registry and its token from `~/.npmrc`.
 */
export const protectHome = (
  spec: UnitsSpec,
): { readonly value: "yes" | "read-only"; readonly why: string } => {
  const named = [...spec.stage.layers, ...spec.options.map(optionPath), spec.node, spec.cli, spec.register];
  const inHome = named.find((p) => p !== null && underHome(p));
  if (inHome !== undefined && inHome !== null)
    return { value: "read-only", why: `${inHome} is in a home directory` };
  if (!spec.options.includes("--config")) {
    return { value: "read-only", why: "the config is not pinned: the service finds it from its own HOME" };
  }
  if (spec.runAs === null) return { value: "read-only", why: "the user's ~/.npmrc names the registry" };
  if (spec.runAs.home === null || underHome(spec.runAs.home)) {
    const where = spec.runAs.home === null ? "its home is not known here" : `it is in ${spec.runAs.home}`;
    return {
      value: "read-only",
      why: `npm and pnpm read ${spec.runAs.user}'s ~/.npmrc (registry, token), and ${where}`,
    };
  }
  return {
    value: "yes",
    why: `nothing it reads is in a home directory (${spec.runAs.user}'s is ${spec.runAs.home})`,
  };
};

/** The absolute path in an option value (`profile:/etc/acme.json` included), else null. */
const optionPath = (word: string): string | null => {
  const at = word.indexOf("/");
  return at === 0 || (at > 0 && word[at - 1] === ":") ? word.slice(at) : null;
};

/** `User=` / `Group=` of a system unit, with the reason. */
const userLines = (spec: UnitsSpec): string[] =>
  spec.runAs === null
    ? []
    : [
        "# The host's own service user: what the package manager writes is owned by the user the host",
        "# runs as (the host trusts only root's and its own files), and it never writes as root.",
        `User=${spec.runAs.user}`,
        ...(spec.runAs.group === null ? [] : [`Group=${spec.runAs.group}`]),
      ];

/**
 * The sandbox: what a package-manager job needs is the registry (IPv4/IPv6, and local sockets for
 * the resolver), the stage base, and reading the host package and config. Nothing else.
 */
const sandboxLines = (spec: UnitsSpec): string[] => {
  const home = protectHome(spec);
  return [
    "# Everything else is read-only: the host package under /usr, /etc (openclaw #69923: staging",
    "# into the package directory under ProtectSystem=strict failed with EROFS). The npm/pnpm cache",
    "# lives in the stage base, so nothing is written in a home directory.",
    "ProtectSystem=strict",
    ...commentLines(`ProtectHome=${home.value}: ${home.why}.`),
    `ProtectHome=${home.value}`,
    "PrivateTmp=yes",
    "PrivateDevices=yes",
    "PrivateMounts=yes",
    "# Only root, the service's user and group are mapped: files of other users show as nobody's,",
    "# which plugdeps never trusts anyway. The config must be readable by the user or its primary group.",
    "PrivateUsers=yes",
    "# No capability, and no way to gain one (lifecycle scripts never run anyway).",
    "NoNewPrivileges=yes",
    "CapabilityBoundingSet=",
    "AmbientCapabilities=",
    "RestrictSUIDSGID=yes",
    "ProtectKernelTunables=yes",
    "ProtectKernelModules=yes",
    "ProtectKernelLogs=yes",
    "ProtectControlGroups=yes",
    "ProtectClock=yes",
    "ProtectHostname=yes",
    "# Other users' processes are invisible. ProcSubset=pid is not set: it hides",
    "# /proc/sys/kernel/random/boot_id, which the lock's liveness rule reads (without it a lock left",
    "# by a killed run waits for its refresh timeout), and /proc/cpuinfo (os.cpus() becomes empty).",
    "ProtectProc=invisible",
    "# The registry (IPv4, IPv6) and local sockets (the name resolver); no netlink, no raw sockets.",
    "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
    "RestrictNamespaces=yes",
    "RestrictRealtime=yes",
    "LockPersonality=yes",
    "RemoveIPC=yes",
    "# A denied system call fails with EPERM instead of killing the process.",
    "SystemCallFilter=@system-service",
    "SystemCallErrorNumber=EPERM",
    "SystemCallArchitectures=native",
    "# MemoryDenyWriteExecute= is not set: V8's JIT compiler needs writable executable memory, and",
    "# node aborts without it.",
    "# Installed files must be readable by the host's user.",
    "UMask=0022",
  ];
};

const header = (spec: UnitsSpec, what: string): string[] => [
  `# ${what}`,
  `# Generated by \`plugdeps units\` (plugdeps ${spec.toolVersion}); regenerate rather than edit.`,
];

/**
 * The service's start timeout: 30 min, or more when the install timeout needs it (a lock wait of
 * 5 min, the install, and the rest of the pass must fit, or systemd stops a run plugdeps would
 * have finished or diagnosed itself).
 */
const serviceTimeoutMs = (spec: UnitsSpec): number =>
  Math.max(30 * 60_000, (spec.installTimeoutMs ?? DEFAULT_INSTALL_TIMEOUT_MS) + 20 * 60_000);

export const renderService = (spec: UnitsSpec): string => {
  const lines = [
    ...header(spec, `Converges the runtime dependencies of ${spec.host}'s bundled plugins.`),
    "[Unit]",
    `Description=plugdeps: converge the runtime dependencies of ${spec.host}'s bundled plugins`,
    // The package manager talks to the registry. A user manager has no network-online.target
    // (it is a system unit a user unit cannot order against), so user units go without.
    ...(spec.scope === "system" ? ["Wants=network-online.target", "After=network-online.target"] : []),
    "",
    "[Service]",
    "Type=oneshot",
    `ExecStart=${execLine(reconcileOnce(spec))}`,
    ...stageEnvironment(spec),
    ...userLines(spec),
    ...writablePathLines(spec),
    ...sandboxLines(spec),
    "# plugdeps stops a package-manager run that outlasts its install timeout (--install-timeout,",
    `# ${spec.installTimeoutMs === undefined ? "default 10min" : timeSpan(spec.installTimeoutMs)}) and names the registry. A oneshot has no start timeout by default: this one is`,
    "# the backstop, and on its SIGTERM plugdeps stops the package manager, removes the stage and",
    "# releases the lock. The live root is untouched by an interrupted run; the next run converges.",
    `TimeoutStartSec=${timeSpan(serviceTimeoutMs(spec))}`,
    "",
    "[Install]",
    // Enabling the service converges once at boot; the timer keeps it converged afterwards.
    `WantedBy=${spec.scope === "system" ? "multi-user.target" : "default.target"}`,
  ];
  return `${lines.join("\n")}\n`;
};

export const renderTimer = (spec: UnitsSpec): string => {
  const schedule = timerSchedule(spec.everyMs);
  const when =
    schedule.kind === "monotonic"
      ? [
          "# Monotonic: from boot and from the last run. Persistent= only applies to OnCalendar= timers,",
          "# so it is not set; OnBootSec= covers runs missed while the machine was off.",
          `OnBootSec=${timeSpan(schedule.onBootMs)}`,
          `OnUnitActiveSec=${timeSpan(schedule.everyMs)}`,
        ]
      : [
          "# Wall-clock schedule: the monotonic clock stops during suspend, so a long monotonic",
          "# interval might never elapse. Persistent=true runs a missed pass at the next boot.",
          `OnCalendar=${schedule.onCalendar}`,
          "Persistent=true",
        ];
  const lines = [
    ...header(spec, `Runs plugdeps-${spec.host}.service every ${timeSpan(spec.everyMs)}.`),
    "[Unit]",
    `Description=plugdeps: keep ${spec.host}'s plugin runtime dependencies converged (every ${timeSpan(spec.everyMs)})`,
    "",
    "[Timer]",
    ...when,
    "# Jitter (~10% of the interval), so a fleet on one schedule does not hit the registry at once.",
    `RandomizedDelaySec=${timeSpan(randomizedDelayMs(spec.everyMs))}`,
    "AccuracySec=1s",
    `Unit=plugdeps-${spec.host}.service`,
    "",
    "[Install]",
    "WantedBy=timers.target",
  ];
  return `${lines.join("\n")}\n`;
};

/**
 * The lines for the host's own unit, as a drop-in (`systemctl edit <host>.service`). The hook
 * path is absolute: `--import` resolves a bare specifier from the working directory, not from
 * where plugdeps is installed, and ESM ignores NODE_PATH (LESSONS: ESM ignores `NODE_PATH`).
 */
export const renderHostDropIn = (spec: UnitsSpec): string => {
  const service = `plugdeps-${spec.host}.service`;
  const needs = spec.hostService;
  const stageList = needs.stageList ? spec.stage.layers.join(path.delimiter) : spec.stage.target;
  const stageVariable = spec.stage.variable ?? "PLUGDEPS_STAGE_DIR";
  const systemctl = spec.scope === "system" ? "systemctl" : "systemctl --user";
  const stateDirectory = stateDirectoryFor(spec.scope, spec.stage.target);
  const writable =
    stateDirectory !== null
      ? `StateDirectory=${unitWord(stateDirectory)}`
      : `ReadWritePaths=${unitWord(spec.stage.target)}`;
  const lines = [
    `# Drop-in for the host's own unit ${spec.hostUnit}: \`plugdeps units --out DIR\` writes it as`,
    `# DIR/${spec.hostUnit}.d/plugdeps.conf (or paste it into \`${systemctl} edit ${spec.hostUnit}\`); then restart it.`,
    "[Unit]",
    `# Converge before the host starts (the oneshot finishes first; if it fails, the host still starts).`,
    `Wants=${service}`,
    `After=${service}`,
    "",
    "[Service]",
    `# Where the host and the resolution hook find the materialized dependencies.`,
    environmentLine(stageVariable, stageList),
    ...hookHostLines(spec),
    "# Absolute path: --import resolves a bare name from the working directory, and ESM ignores",
    "# NODE_PATH. If the unit already sets NODE_OPTIONS, add the --import to that line instead.",
    environmentLine("NODE_OPTIONS", `--import ${spec.register}`),
    ...hostNeedsLines(needs, spec.scope),
    "",
    `# Alternative to ${service}: converge in the host's own unit before it starts. The host's unit`,
    ...(needs.writable.some((w) => w.path === spec.stage.target)
      ? [
          "# already has the stage base writable (above); a leading '-' would start the host even if apply fails.",
        ]
      : [
          "# then needs the stage base writable too; a leading '-' would start the host even if apply fails.",
          `#${writable}`,
        ]),
    `#ExecStartPre=${execLine(apply(spec, ["--quiet", "--lock-timeout", "2m"]))}`,
  ];
  return `${lines.join("\n")}\n`;
};

/**
 * The host's own needs, each with its reason. `BindReadOnlyPaths=-`: the host still starts before
 * the first apply (then without the mount, as it would without plugdeps).
 */
const hostNeedsLines = (needs: HostServiceNeeds, scope: UnitScope): string[] => [
  ...needs.readOnlyBinds.flatMap((b) => [
    "",
    ...commentLines(
      `${b.why}: show it plugdeps' root there, read-only (systemd creates the mount point).` +
        (scope === "user"
          ? " A user unit gets this mount only where unprivileged user namespaces are allowed;" +
            " elsewhere run the host as a system service, or mount it as a container volume."
          : ""),
    ),
    `BindReadOnlyPaths=${unitWord(`-${b.source}:${b.target}`)}`,
  ]),
  ...needs.writable.flatMap((w) => ["", ...commentLines(`${w.why}.`), `ReadWritePaths=${unitWord(w.path)}`]),
];

/** A comment wrapped at about 100 columns (paths are never split). */
const commentLines = (text: string): string[] => {
  const lines: string[] = [];
  let line = "#";
  for (const word of text.split(" ")) {
    if (line.length > 1 && line.length + 1 + word.length > 100) {
      lines.push(line);
      line = "#";
    }
    line = `${line} ${word}`;
  }
  return [...lines, line];
};

/**
 * The hook assumes the fallback host (hosts/lookup.ts) unless told otherwise: any other host's
 * process needs `PLUGDEPS_HOST` to find its roots (`<slug>-<version>-<key12>`).
 */
const hookHostLines = (spec: UnitsSpec): string[] => {
  const at = spec.options.indexOf("--host");
  const host = at === -1 ? undefined : spec.options[at + 1];
  return host === undefined || isFallbackHost(host) ? [] : [environmentLine("PLUGDEPS_HOST", host)];
};

export const renderUnits = (spec: UnitsSpec, installDir: string): RenderedUnits => {
  const serviceName = `plugdeps-${spec.host}.service`;
  const timerName = `plugdeps-${spec.host}.timer`;
  const systemctl = spec.scope === "system" ? "systemctl" : "systemctl --user";
  return {
    serviceName,
    timerName,
    service: renderService(spec),
    timer: renderTimer(spec),
    hostDropIn: renderHostDropIn(spec),
    hostDropInName: path.join(`${spec.hostUnit}.d`, "plugdeps.conf"),
    installDir,
    installCommands: [
      `${systemctl} daemon-reload`,
      `${systemctl} enable --now ${timerName}`,
      `${systemctl} restart ${spec.hostUnit}`,
    ],
  };
};

/** Everything on stdout when no `--out` is given: both files, the host drop-in, the commands. */
export const renderUnitsText = (units: RenderedUnits): string =>
  [
    `### ${path.join(units.installDir, units.serviceName)}`,
    units.service,
    `### ${path.join(units.installDir, units.timerName)}`,
    units.timer,
    `### ${path.join(units.installDir, units.hostDropInName)}`,
    units.hostDropIn,
    renderNextSteps(units),
  ].join("\n");

/** What to do once the three files are in place: reload, start the timer, restart the host. */
export const renderNextSteps = (units: RenderedUnits): string =>
  ["### Then", ...units.installCommands.map((c) => `#   ${c}`), ""].join("\n");
