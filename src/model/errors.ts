/**
 * The tagged error union. Every failure plugdeps reports is one of these values: a test can assert
 * on `_tag`, and `message` always says what failed, where, and how to fix it (LESSONS: openclaw
 * #69923 swallowed an EROFS and plugins died later with `Cannot find module`).
 */

export type PlugdepsError =
  | { readonly _tag: "ConfigNotFound"; readonly path: string; readonly message: string }
  | {
      readonly _tag: "ConfigParseError";
      readonly path: string;
      readonly line: number;
      readonly column: number;
      readonly message: string;
    }
  | { readonly _tag: "DecodeError"; readonly path: string; readonly what: string; readonly message: string }
  | { readonly _tag: "PackageRootNotFound"; readonly tried: readonly string[]; readonly message: string }
  | { readonly _tag: "HostUnknown"; readonly packageRoot: string; readonly message: string }
  | { readonly _tag: "ProfileInvalid"; readonly path: string; readonly message: string }
  | {
      readonly _tag: "NoWritableStageBase";
      readonly candidates: readonly {
        readonly path: string;
        readonly source: string;
        readonly error: string;
      }[];
      readonly message: string;
    }
  | {
      readonly _tag: "FsError";
      readonly op: string;
      readonly path: string;
      readonly code: string;
      readonly message: string;
    }
  | { readonly _tag: "PlanFileInvalid"; readonly path: string; readonly message: string }
  | { readonly _tag: "UsageError"; readonly message: string }
  | { readonly _tag: "LockTimeout"; readonly path: string; readonly message: string }
  | { readonly _tag: "LockLost"; readonly path: string; readonly message: string }
  | { readonly _tag: "PackageManagerNotFound"; readonly message: string }
  | {
      readonly _tag: "PackageManagerFailed";
      readonly manager: string;
      readonly exitCode: number | null;
      readonly signal: string | null;
      readonly log: string;
      readonly message: string;
    }
  | {
      readonly _tag: "InstallTimeout";
      readonly manager: string;
      readonly timeoutMs: number;
      readonly registry: string;
      readonly log: string;
      readonly message: string;
    }
  | {
      readonly _tag: "ValidationFailed";
      readonly root: string;
      readonly problems: readonly string[];
      readonly message: string;
    }
  | { readonly _tag: "PlanStale"; readonly path: string; readonly message: string }
  | {
      readonly _tag: "Aborted";
      /** What a package manager was installing when it was stopped with its process group. */
      readonly install?: string;
      readonly message: string;
    }
  | { readonly _tag: "PluginNotRecorded"; readonly plugin: string; readonly message: string }
  | {
      readonly _tag: "RollbackRefused";
      readonly root: string;
      readonly reason: string;
      readonly message: string;
    };

export type ErrorTag = PlugdepsError["_tag"];

/**
 * `pointAt` says how to name another file, in the words of whoever chose this one (a host
 * adapter: `--config / ITS_CONFIG_VARIABLE`).
 */
export const configNotFound = (
  path: string,
  how: string,
  pointAt = "name the right file",
): PlugdepsError => ({
  _tag: "ConfigNotFound",
  path,
  message: `config file not found: ${path} (${how}). Fix: create it, or ${pointAt}.`,
});

/** A syntax error in a JSON or JSON5 file; `what` names the kind of file ("JSON5", "JSON"). */
export const configParseError = (
  path: string,
  line: number,
  column: number,
  detail: string,
  what = "JSON5",
): PlugdepsError => ({
  _tag: "ConfigParseError",
  path,
  line,
  column,
  message: `${path}:${line}:${column}: not valid ${what}: ${detail}. Fix the syntax at that position.`,
});

export const decodeError = (path: string, what: string, problems: readonly string[]): PlugdepsError => ({
  _tag: "DecodeError",
  path,
  what,
  message: `${path}: invalid ${what}:\n${problems.map((p) => `  - ${p}`).join("\n")}\nFix the listed keys.`,
});

/**
 * A JSON document plugdeps printed (`status --json`, `apply --json`...) that this plugdeps cannot
 * read as one: not JSON, not an object, or another formatVersion. Its keys' problems are a
 * decodeError, naming each key path.
 */
export const documentInvalid = (path: string, what: string, detail: string): PlugdepsError => ({
  _tag: "DecodeError",
  path,
  what,
  message: `${path}: cannot read this ${what}: ${detail}.`,
});

export const packageRootNotFound = (tried: readonly string[], hint: string): PlugdepsError => ({
  _tag: "PackageRootNotFound",
  tried,
  message: `host package root not found; tried:\n${tried.map((t) => `  - ${t}`).join("\n")}\nFix: ${hint}`,
});

/** `hosts` lists the `--host` values to choose from (the registry knows them; plugdeps --help too). */
export const hostUnknown = (
  packageRoot: string,
  detail: string,
  hosts = "one of the hosts plugdeps --help lists",
): PlugdepsError => ({
  _tag: "HostUnknown",
  packageRoot,
  message: `cannot tell which host lives at ${packageRoot}: ${detail}. Fix: pass --host ${hosts}.`,
});

export const noWritableStageBase = (
  candidates: readonly { path: string; source: string; error: string }[],
  variables: string,
): PlugdepsError => ({
  _tag: "NoWritableStageBase",
  candidates,
  message:
    `no writable stage base; every candidate failed:\n` +
    candidates.map((c) => `  - ${c.path} (${c.source}): ${c.error}`).join("\n") +
    `\nFix: pass --stage-dir DIR or set ${variables} to a writable directory (under systemd, add it to ReadWritePaths= or use StateDirectory=).`,
});

/** Wraps a Node fs error (or anything thrown by fs) with the operation and path. */
export const fsError = (op: string, path: string, err: unknown, fix?: string): PlugdepsError => {
  const code = errnoCode(err);
  // Callers also pass plain `{ code, message }` records (read-json's EFBIG/EISDIR, safe-remove's
  // refusals): String() of those printed "[object Object]" instead of the reason.
  const raw =
    err instanceof Error
      ? err.message
      : typeof err === "object" && err !== null && "message" in err && typeof err.message === "string"
        ? err.message
        : String(err);
  // Node's own messages start with the code ("ENOSPC: no space left on device, ..."): say it once.
  const detail = raw.startsWith(`${code}: `) ? raw.slice(code.length + 2) : raw;
  return {
    _tag: "FsError",
    op,
    path,
    code,
    message: `${op} failed for ${path}: ${code}: ${detail}${fix ? `. Fix: ${fix}` : ""}`,
  };
};

export const planFileInvalid = (path: string, detail: string): PlugdepsError => ({
  _tag: "PlanFileInvalid",
  path,
  message: `plan file ${path} is not a plugdeps plan: ${detail}. Fix: re-create it with \`plugdeps plan --out ${path}\`.`,
});

export const usageError = (detail: string): PlugdepsError => ({ _tag: "UsageError", message: detail });

export const errnoCode = (err: unknown): string =>
  typeof err === "object" && err !== null && "code" in err && typeof err.code === "string"
    ? err.code
    : "EUNKNOWN";

export const lockTimeout = (path: string, holder: string, waitedMs: number): PlugdepsError => ({
  _tag: "LockTimeout",
  path,
  message:
    `timed out after ${Math.round(waitedMs / 1000)}s waiting for the install-root lock ${path}, held by ${holder}. ` +
    `Fix: wait for that process to finish, raise --lock-timeout, or stop it if it is stuck (the lock is ` +
    `reclaimed at once when its holder is gone; a holder this host cannot check by pid, in another ` +
    `PID namespace or on another host, once it has stopped refreshing the lock for the time named above).`,
});

export const lockLost = (path: string, detail: string): PlugdepsError => ({
  _tag: "LockLost",
  path,
  message: `the install-root lock ${path} is no longer ours (${detail}); nothing was made live. Fix: run the command again.`,
});

export const packageManagerNotFound = (wanted: string, looked: readonly string[]): PlugdepsError => ({
  _tag: "PackageManagerNotFound",
  message:
    `no ${wanted} executable found; looked in:\n${looked.map((l) => `  - ${l}`).join("\n")}\n` +
    `Fix: install ${wanted === "pnpm or npm" ? "pnpm (preferred) or npm" : wanted}, put it on PATH, or pass --package-manager.`,
});

export const packageManagerFailed = (
  manager: string,
  exitCode: number | null,
  signal: string | null,
  log: string,
  tail: string,
  packages: readonly string[],
): PlugdepsError => ({
  _tag: "PackageManagerFailed",
  manager,
  exitCode,
  signal,
  log,
  message:
    `${manager} install ${signal !== null ? `was killed by ${signal}` : `exited with code ${exitCode ?? "unknown"}`} ` +
    `while installing ${packages.join(", ") || "the manifest"}; the live root is unchanged.\n` +
    `Last lines of ${log}:\n${tail
      .split("\n")
      .map((l) => `  | ${l}`)
      .join("\n")}\n` +
    `Fix: read the log; check the registry is reachable and every spec has a published version.`,
});

/**
 * The package manager did not finish within the install timeout (issue 15 item 11: a registry
 * that accepts connections and never answers held the lock ~16 minutes, then failed without a
 * word). `what` names the set and packages, `registry` the registry and where it is configured.
 */
export const installTimedOut = (
  manager: string,
  timeoutMs: number,
  what: string,
  registry: { readonly url: string; readonly described: string },
  log: string,
  tail: string,
  /** What the manager's log says went wrong meanwhile (a refused connection it kept retrying...). */
  cause: string | null = null,
): PlugdepsError => ({
  _tag: "InstallTimeout",
  manager,
  timeoutMs,
  registry: registry.url,
  log,
  message:
    `the install of ${what} with ${manager} did not finish within ${formatDuration(timeoutMs)}, so ${manager} ` +
    `and its whole process group were stopped; the live root is unchanged.\n` +
    (cause === null
      ? `The registry ${registry.described} did not answer in time (a registry that accepts connections and never ` +
        `answers, or a very slow one, looks like this).\n`
      : `Cause (from the log): ${cause}.\n`) +
    `Last lines of ${log}:\n${tail
      .split("\n")
      .map((l) => `  | ${l}`)
      .join("\n")}\n` +
    `Fix: check the registry answers (e.g. \`curl -sI ${registry.url}\`) and fix registry= in .npmrc / ` +
    `npm_config_registry if it is the wrong one, or raise --install-timeout (installTimeout in the settings file) ` +
    `if the install is only slow.`,
});

/** `90s`, `10 min`, `1h 30 min`: durations in messages. */
export const formatDuration = (ms: number): string => {
  if (ms < 1000) return `${ms}ms`;
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h === 0 && m === 0) return `${sec}s`;
  return [h > 0 ? `${h}h` : "", m > 0 ? `${m} min` : "", sec > 0 ? `${sec}s` : ""]
    .filter((x) => x !== "")
    .join(" ");
};

export const validationFailed = (root: string, problems: readonly string[]): PlugdepsError => ({
  _tag: "ValidationFailed",
  root,
  problems,
  message:
    `the staged root ${root} does not hold the desired materialization, so it was not made live:\n` +
    problems.map((p) => `  - ${p}`).join("\n") +
    `\nFix: run \`plugdeps apply\` again; if it repeats, check the package manager log.`,
});

export const planStale = (path: string, detail: string): PlugdepsError => ({
  _tag: "PlanStale",
  path,
  message: `plan is stale: ${detail}. Fix: run \`plugdeps plan --out ${path}\` again and review it.`,
});

/** `plugdeps resolve --plugin ID`: no materialization record lists that plugin. */
export const pluginNotRecorded = (plugin: string, searched: readonly string[]): PlugdepsError => ({
  _tag: "PluginNotRecorded",
  plugin,
  message:
    `no materialization record lists plugin ${JSON.stringify(plugin)}; searched:\n` +
    (searched.length > 0 ? searched.map((s) => `  - ${s}`).join("\n") : "  (no stage base)") +
    `\nplugdeps/register leaves its imports to Node. Fix: if the plugin is active and stages its dependencies, ` +
    `run \`plugdeps apply\`; check the id with \`plugdeps plan\`, and the stage base with --stage-dir / PLUGDEPS_STAGE_DIR.`,
});

export const aborted = (what: string): PlugdepsError => ({
  _tag: "Aborted",
  message: `${what} was interrupted (SIGTERM/SIGINT); nothing was made live and the live root is unchanged.`,
});

/** SIGTERM/SIGINT while the package manager ran: it and its process group were stopped. */
export const installInterrupted = (manager: string, what: string): PlugdepsError => ({
  _tag: "Aborted",
  install: `${what} with ${manager}`,
  message:
    `the install of ${what} was interrupted (SIGTERM/SIGINT): stopped ${manager} and its process group; ` +
    `nothing was made live and the live root is unchanged.`,
});

/** `plugdeps rollback` found nothing it may make live: why, and what to do instead. */
export const rollbackRefused = (root: string, reason: string, fix: string): PlugdepsError => ({
  _tag: "RollbackRefused",
  root,
  reason,
  message: `rollback of ${root} refused: ${reason}; the live root is unchanged. Fix: ${fix}.`,
});
