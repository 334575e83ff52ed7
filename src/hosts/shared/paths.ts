import * as path from "node:path";

/**
 * Path helpers shared by the OpenClaw adapter's locators. They take `homedir` as an argument
 * (HostInput carries it) so tests never depend on the real home directory.
 */

/** An environment value that is set and not empty. `VAR=` in a systemd unit means "unset". */
export const nonEmpty = (value: string | undefined): string | undefined =>
  value === undefined || value === "" ? undefined : value;

/**
 * Expands a leading `~` or `~/` (systemd `Environment=` and JSON configs do not go through a shell,
 * so operators' `~/.openclaw` arrives literally) and resolves relative paths against the cwd.
 * `~user/` is left alone: it is not ours to guess another user's home.
 */
export const resolveUserPath = (p: string, homedir: string): string => {
  if (p === "~") return path.resolve(homedir);
  if (p.startsWith("~/") || (path.sep === "\\" && p.startsWith("~\\"))) {
    return path.resolve(homedir, p.slice(2));
  }
  return path.resolve(p);
};
