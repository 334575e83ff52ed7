import * as path from "node:path";
import type { ConfigLocation, HostInput } from "../types.js";
import { nonEmpty, resolveUserPath } from "../shared/paths.js";

/**
 * Where the OpenClaw config lives (SPEC §5), decided before anything is read:
 * `--config` > `$OPENCLAW_CONFIG_PATH` > `$OPENCLAW_STATE_DIR/openclaw.json` > `~/.openclaw/openclaw.json`.
 *
 * A file the operator named explicitly (flag or OPENCLAW_CONFIG_PATH) must exist: a typo there
 * would otherwise silently mean "empty config" and deactivate every configured plugin. The two
 * default locations may be absent: a fresh install has no config yet.
 */
export const locateConfig = (input: HostInput): ConfigLocation => {
  const flag = nonEmpty(input.flags.config);
  if (flag !== undefined) {
    return { path: resolveUserPath(flag, input.homedir), source: "--config", required: true };
  }
  const configPath = nonEmpty(input.env["OPENCLAW_CONFIG_PATH"]);
  if (configPath !== undefined) {
    return {
      path: resolveUserPath(configPath, input.homedir),
      source: "OPENCLAW_CONFIG_PATH",
      required: true,
    };
  }
  const stateDir = nonEmpty(input.env["OPENCLAW_STATE_DIR"]);
  if (stateDir !== undefined) {
    return {
      path: path.join(resolveUserPath(stateDir, input.homedir), "openclaw.json"),
      source: "OPENCLAW_STATE_DIR",
      required: false,
    };
  }
  return {
    path: path.join(path.resolve(input.homedir), ".openclaw", "openclaw.json"),
    source: "default",
    required: false,
  };
};
