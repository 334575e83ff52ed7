import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import * as E from "fp-ts/lib/Either.js";
import { absoluteHostSpec } from "../hosts/lookup.js";
import { selectAdapter } from "../hosts/registry.js";
import { nonEmpty, resolveUserPath } from "../hosts/shared/paths.js";
import type { ConfigLocation, HostAdapter, HostInput } from "../hosts/types.js";
import { type PlugdepsError, usageError } from "../model/errors.js";
import { readHostIdentity, versionedRootName } from "../observe/host-identity.js";
import { toolInfo } from "../util/tool-version.js";
import { MIN_TIMER_INTERVAL_MS, timeSpan } from "./systemd-syntax.js";
import type { ServiceUser, StageSpec, UnitScope, UnitsSpec } from "./units.js";

/**
 * Turns the command line of `plugdeps units` into a UnitsSpec. Reads a little (the profile, the
 * host's package.json, whether the config file exists) and writes nothing.
 *
 * The unit must converge the same host, with the same config, that `plugdeps plan` shows in the
 * operator's shell. Under systemd none of the shell's context exists (PATH, HOME, OPENCLAW_*
 * variables, npm's prefix), so what plan would discover is pinned: the package root always, the
 * config when one is found, the stage base always (through the adapter's variable when it has one,
 * so read-only layers keep working, else `--stage-dir`).
 */

export interface UnitsRequest {
  readonly host?: string | undefined;
  readonly packageRoot?: string | undefined;
  readonly config?: string | undefined;
  readonly stageDir?: string | undefined;
  readonly settings?: string | undefined;
  readonly overrides?: readonly string[] | undefined;
  /** Passed on only when not `auto`. */
  readonly packageManager?: string | undefined;
  /** `--install-timeout`, pinned in the unit when given. */
  readonly installTimeoutMs?: number | undefined;
  readonly everyMs: number;
  readonly scope: UnitScope;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly homedir: string;
  /** `--user-name`: who the system service runs as; default: the host's slug (`openclaw`). */
  readonly userName?: string | undefined;
  /** `--group`: its group; default: the user's primary group. */
  readonly group?: string | undefined;
  /** `--host-unit`: the host's own unit, which gets the drop-in; default `<slug>.service`. */
  readonly hostUnit?: string | undefined;
  /** This machine's accounts (passwd); absent: nothing is known about any user. */
  readonly lookupUser?: UserLookup | undefined;
}

/** A user's passwd entry, as far as units need it; null: no such user; undefined: not known here. */
export type UserLookup = (name: string) => { readonly home: string } | null | undefined;

export interface UnitsPlan {
  readonly spec: UnitsSpec;
  /** Things the operator should know (no config found, hook not built...). */
  readonly notes: readonly string[];
  /** Things that are probably wrong (the config of root, not of the user who ran sudo). */
  readonly warnings: readonly string[];
}

/** A service unit name systemd accepts (instances included: `openclaw@main.service`). */
const SERVICE_UNIT_NAME = /^[A-Za-z0-9:_.\\@-]{1,247}\.service$/;

/** systemd's user and group names (the portable subset) or a numeric id. */
const ACCOUNT_NAME = /^(?:[A-Za-z_][A-Za-z0-9_-]{0,31}|[0-9]{1,10})$/;

/**
 * Who a system unit runs as: `--user-name` / `--group`, else the host's slug, the name its own
 * service user conventionally has (`openclaw`). User units run as their manager's user.
 */
const serviceUser = (
  req: UnitsRequest,
  slug: string,
  notes: string[],
): E.Either<PlugdepsError, ServiceUser | null> => {
  const userName = nonEmpty(req.userName);
  const group = nonEmpty(req.group);
  if (req.scope === "user") {
    if (userName !== undefined || group !== undefined) {
      return E.left(
        usageError(
          `${userName !== undefined ? "--user-name" : "--group"} applies to system units: a user unit runs as ` +
            "the user whose manager starts it. Drop it, or drop --user.",
        ),
      );
    }
    return E.right(null);
  }
  for (const [flag, value] of [
    ["--user-name", userName],
    ["--group", group],
  ] as const) {
    if (value !== undefined && !ACCOUNT_NAME.test(value)) {
      return E.left(
        usageError(
          `${flag} ${JSON.stringify(value)} is not a user or group name systemd accepts (or a numeric id).`,
        ),
      );
    }
  }
  const user = userName ?? slug;
  const entry = req.lookupUser?.(user);
  if (userName === undefined) {
    notes.push(
      `the service runs as user ${user} (no --user-name given). The host's own unit must run as the same user ` +
        `(User=${user}): the host trusts only files of root and of its own user. Pass --user-name NAME otherwise.`,
    );
  }
  if (entry === null && !/^[0-9]+$/.test(user)) {
    notes.push(
      `user ${user} does not exist on this machine: create it ` +
        `(useradd --system --home-dir /var/lib/${slug} --shell /usr/sbin/nologin ${user}) before starting the unit, ` +
        "or pass --user-name NAME.",
    );
  }
  if (user === "root" || user === "0") {
    notes.push(
      "the service runs as root: the package manager writes as root, in a stage base only root may write " +
        "(docs/security.md); every capability is still dropped.",
    );
  }
  return E.right({ user, group: group ?? null, home: entry?.home ?? null });
};

/** Where this installation of plugdeps keeps its CLI and hook (resolved from this module). */
export const installedPaths = (): { cli: string; register: string } => ({
  // the packaged executable: a converged apply (ExecStartPre=) answers from its no-op stamp
  cli: fileURLToPath(new URL("../cli/plugdeps.cjs", import.meta.url)),
  register: fileURLToPath(new URL("../resolve/register.js", import.meta.url)),
});

export const unitsSpec = (
  req: UnitsRequest,
  paths: { readonly node: string; readonly cli: string; readonly register: string },
): E.Either<PlugdepsError, UnitsPlan> => {
  if (req.everyMs < MIN_TIMER_INTERVAL_MS) {
    return E.left(
      usageError(
        `--every ${timeSpan(req.everyMs)} is shorter than ${timeSpan(MIN_TIMER_INTERVAL_MS)}: a timer that often ` +
          "would run apply back to back. Use a longer interval, or `plugdeps reconcile` for a loop.",
      ),
    );
  }
  const input: HostInput = {
    env: req.env,
    homedir: req.homedir,
    flags: { packageRoot: req.packageRoot, config: req.config, stageDir: req.stageDir },
  };
  const adapter = selectAdapter(req.host, input);
  if (E.isLeft(adapter)) return adapter;
  const packageRoot = adapter.right.findPackageRoot(input);
  if (E.isLeft(packageRoot)) return packageRoot;

  const notes: string[] = [];
  const warnings: string[] = [];
  const runAs = serviceUser(req, adapter.right.slug, notes);
  if (E.isLeft(runAs)) return runAs;
  const options: string[] = [];
  const host = nonEmpty(req.host);
  if (host !== undefined) {
    // A host named with a file (`NAME:FILE`) gets it absolute: the unit runs from `/`.
    options.push("--host", absoluteHostSpec(host, req.homedir));
  }
  options.push("--package-root", packageRoot.right);

  const config = adapter.right.locateConfig(input);
  if (config.source === "--config" || isFile(config.path)) {
    options.push("--config", config.path);
  } else {
    notes.push(
      `no config file found (looked at ${config.path}, ${config.source}); the unit discovers it at run time ` +
        "from the service's own environment. Pass --config FILE to pin the host's config.",
    );
  }
  const sudo = sudoHomeWarning(req, adapter.right, config);
  if (sudo !== null) warnings.push(sudo);
  // $PLUGDEPS_SETTINGS in this shell is pinned like the config: the unit does not have it.
  const settings = nonEmpty(req.settings) ?? nonEmpty(req.env["PLUGDEPS_SETTINGS"]);
  if (settings !== undefined) options.push("--settings", resolveUserPath(settings, req.homedir));
  for (const override of req.overrides ?? []) options.push("--override", override);
  if (req.packageManager !== undefined && req.packageManager !== "auto") {
    options.push("--package-manager", req.packageManager);
  }
  if (req.installTimeoutMs !== undefined) {
    const ms = req.installTimeoutMs;
    options.push("--install-timeout", ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);
  }

  const stage = stageSpec(adapter.right, input, req.scope);
  // What the host's own unit needs so that the unmodified host finds the materialization
  // (HostAdapter.hostService): the names of plugdeps' root and the host's come from its identity.
  const identity = readHostIdentity(packageRoot.right);
  if (E.isLeft(identity)) return identity;
  const hostService = adapter.right.hostService?.({
    version: identity.right.version,
    packageRoot: identity.right.packageRoot,
    stageBase: stage.target,
    targetRoot: path.join(stage.target, versionedRootName(adapter.right.slug, identity.right)),
  }) ?? { readOnlyBinds: [], writable: [], stageList: true };
  if (!hostService.stageList && stage.layers.length > 1) {
    notes.push(
      `${identity.right.name} ${identity.right.version} reads ${stage.variable ?? "its stage variable"} as one path, not a list: ` +
        `the drop-in names only the writable stage base ${stage.target}; the read-only layers count for nothing there.`,
    );
  }
  if (nonEmpty(req.stageDir) !== undefined) options.push("--stage-dir", stage.target);
  const elsewhere = shellStageElsewhere(adapter.right, input, stage);
  if (elsewhere !== null) notes.push(elsewhere);
  const inTmp = pathsInPrivateTmp(req.scope, [
    ["node", paths.node],
    ["the CLI", paths.cli],
    ["the package root", packageRoot.right],
    ...(config.source === "--config" || isFile(config.path) ? [["the config", config.path] as const] : []),
    ["the stage base", stage.target],
  ]);
  if (inTmp !== null) warnings.push(inTmp);
  if (!isFile(paths.register)) {
    notes.push(`the resolution hook ${paths.register} does not exist yet: build or reinstall plugdeps.`);
  }
  const hostUnit = nonEmpty(req.hostUnit) ?? `${adapter.right.slug}.service`;
  if (!SERVICE_UNIT_NAME.test(hostUnit)) {
    return E.left(
      usageError(
        `--host-unit ${JSON.stringify(hostUnit)} is not a service unit name: give the host's unit as systemctl names it, e.g. ${adapter.right.slug}.service`,
      ),
    );
  }
  return E.right({
    spec: {
      host: adapter.right.slug,
      hostUnit,
      scope: req.scope,
      node: paths.node,
      cli: paths.cli,
      register: paths.register,
      options,
      stage,
      hostService,
      everyMs: req.everyMs,
      toolVersion: toolInfo().version,
      runAs: runAs.right,
      ...(req.installTimeoutMs !== undefined ? { installTimeoutMs: req.installTimeoutMs } : {}),
    },
    notes,
    warnings,
  });
};

/**
 * `sudo plugdeps units` with sudo's default HOME (root's): a config found from HOME is root's, not
 * the one `plugdeps plan` found in the user's shell. Said, with the path used and how to pass the
 * user's own. Nothing is said when the config came from `--config` or the environment.
 */
const sudoHomeWarning = (req: UnitsRequest, adapter: HostAdapter, config: ConfigLocation): string | null => {
  const sudoUser = nonEmpty(req.env["SUDO_USER"]);
  if (sudoUser === undefined || sudoUser === "root") return null;
  const rootHome = path.resolve(req.lookupUser?.("root")?.home ?? "/root");
  const home = path.resolve(req.homedir);
  if (home !== rootHome) return null;
  // Named explicitly (--config, OPENCLAW_CONFIG_PATH): the operator chose it.
  if (config.required || !isWithin(config.path, home)) return null;
  const userHome = req.lookupUser?.(sudoUser)?.home;
  const theirs =
    userHome === undefined
      ? null
      : adapter.locateConfig({ env: { ...req.env, HOME: userHome }, homedir: userHome, flags: {} }).path;
  const used = isFile(config.path)
    ? `the unit pins root's config, ${config.path}`
    : `no config was found at ${config.path}, so the unit pins none`;
  const pass =
    theirs !== null && isFile(theirs)
      ? `pass ${sudoUser}'s: sudo plugdeps units --config ${theirs} ...`
      : `pass ${sudoUser}'s with --config FILE (an absolute path${theirs === null ? "" : `, e.g. ${theirs}`})`;
  return `running under sudo (SUDO_USER=${sudoUser}) with HOME=${home}, root's: ${used}. If the host uses ${sudoUser}'s config, ${pass}.`;
};

const isWithin = (p: string, dir: string): boolean =>
  p === dir || p.startsWith(dir.endsWith("/") ? dir : `${dir}/`);

/**
 * The adapter's layered stage variable, if it has one. HostAdapter only names it in prose
 * (`stageVariables`, for error text), so the first word is taken as a candidate and confirmed by
 * asking the adapter what that variable yields: a real stage variable produces `<VAR>[0]`.
 */
export const stageVariableOf = (adapter: HostAdapter, homedir: string): string | null => {
  const word = adapter.stageVariables.split(/\s/)[0] ?? "";
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(word)) return null;
  const probe = adapter.stageCandidates({ env: { [word]: "/probe" }, homedir, flags: {} });
  return probe.some((c) => c.source === `${word}[0]` && c.role === "target") ? word : null;
};

/**
 * The stage the unit uses:
 * - `--stage-dir DIR`: that directory alone;
 * - the adapter's variable set in this shell (possibly with read-only layers): that list, as is;
 * - otherwise the adapter's default for the scope, from a clean environment: the last implicit
 *   candidate for a system unit (OpenClaw: /var/lib/openclaw/plugin-runtime-deps, where
 *   ProtectHome= cannot get in the way), the first for a user unit (OpenClaw:
 *   ~/.openclaw/plugin-runtime-deps, where the host itself looks by default).
 */
const stageSpec = (adapter: HostAdapter, input: HostInput, scope: UnitScope): StageSpec => {
  const variable = stageVariableOf(adapter, input.homedir);
  const flag = nonEmpty(input.flags.stageDir);
  if (flag !== undefined) {
    const target = resolveUserPath(flag, input.homedir);
    return { target, layers: [target], variable };
  }
  const fromShell = variable === null ? undefined : nonEmpty(input.env[variable]);
  const candidates =
    fromShell !== undefined
      ? adapter.stageCandidates({ ...input, flags: {} })
      : adapter.stageCandidates({ env: {}, homedir: input.homedir, flags: {} });
  const targets = candidates.filter((c) => c.role === "target");
  const chosen = (fromShell !== undefined || scope === "user" ? targets[0] : targets.at(-1)) ?? targets[0];
  // Every adapter yields at least one target candidate; the fallback keeps the type total.
  const target = path.resolve(chosen?.path ?? path.join(input.homedir, `.${adapter.slug}`, "plugin-deps"));
  const layers =
    fromShell !== undefined
      ? [...candidates.filter((c) => c.role === "layer").map((c) => c.path), target]
      : [target];
  return { target, layers, variable };
};

/**
 * The stage base `plugdeps plan` uses in this shell, when it is not the unit's and already holds
 * something: an operator who ran the quick start before installing the units has two (found by the
 * new-operator walk: the units' first pass installed everything again, and the shell's `status`
 * kept describing a directory the host no longer reads). Said once, with how to look at the
 * unit's. Null when they are the same or the shell's is empty.
 */
const shellStageElsewhere = (adapter: HostAdapter, input: HostInput, stage: StageSpec): string | null => {
  const shell = adapter.stageCandidates(input).find((c) => c.role === "target" && fs.existsSync(c.path));
  if (shell === undefined || path.resolve(shell.path) === stage.target) return null;
  let entries: string[];
  try {
    entries = fs.readdirSync(shell.path);
  } catch {
    return null;
  }
  if (entries.length === 0) return null;
  const look =
    stage.variable !== null
      ? `${stage.variable}=${stage.target} plugdeps status`
      : `plugdeps status --stage-dir ${stage.target}`;
  return (
    `the unit's stage base is ${stage.target}; \`plugdeps plan\` in this shell uses ${shell.path}, which the host ` +
    `will not read once the drop-in is in place (remove it after the service's first run). ` +
    `To look at the unit's from a shell: ${look}. Pass --stage-dir to choose another.`
  );
};

/**
 * System units run with PrivateTmp=yes: a path under /tmp or /var/tmp pinned in the unit is a
 * different, empty directory for the service (a CLI or package root unpacked in /tmp).
 */
const pathsInPrivateTmp = (
  scope: UnitScope,
  pinned: readonly (readonly [string, string])[],
): string | null => {
  if (scope !== "system") return null;
  const inTmp = pinned.filter(([, p]) => /^\/(var\/)?tmp(\/|$)/.test(path.resolve(p)));
  if (inTmp.length === 0) return null;
  return (
    `${inTmp.map(([what, p]) => `${what} (${p})`).join(", ")} ${inTmp.length === 1 ? "is" : "are"} under /tmp or /var/tmp, ` +
    "which the service does not see (PrivateTmp=yes gives it its own): install plugdeps and the host outside them " +
    "(npm i -g), and pass --config / --stage-dir outside them."
  );
};

const isFile = (p: string): boolean => {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
};
