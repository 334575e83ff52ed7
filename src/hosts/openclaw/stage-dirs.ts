import * as path from "node:path";
import type { HostInput, StageCandidateSpec } from "../types.js";
import { nonEmpty, resolveUserPath } from "../shared/paths.js";
import { dedupeCandidates as dedupe, layeredStageCandidates, splitList } from "../shared/stage-list.js";

/**
 * Stage base candidates for OpenClaw, in SPEC §4.2 order. The core probes the `target`s in order
 * and takes the first writable one; `layer`s are read-only dependency sources.
 *
 * Fallback policy (the SPEC lists the precedence; this decides what happens when the chosen
 * directory is not writable):
 * - `--stage-dir` and `OPENCLAW_PLUGIN_STAGE_DIR` are EXPLICIT choices. Nothing is appended after
 *   them: an operator who named a directory wants an error naming it if it is read-only, not
 *   dependencies silently staged somewhere the host (configured with the same variable) will
 *   never look.
 * - `$STATE_DIRECTORY`, `$OPENCLAW_STATE_DIR` / `~/.openclaw` and `/var/lib/openclaw` are
 *   IMPLICIT defaults, so each falls back to the next (e.g. `ProtectHome=read-only` makes the home
 *   candidate fail and `/var/lib/openclaw` is tried). When `$OPENCLAW_STATE_DIR` is set it
 *   replaces `~/.openclaw` rather than adding to it: it is where this OpenClaw keeps its state.
 */

export const STAGE_DIR_NAME = "plugin-runtime-deps";
export const SYSTEM_STAGE_BASE = "/var/lib/openclaw/plugin-runtime-deps";

export const stageCandidates = (input: HostInput): StageCandidateSpec[] => {
  const resolve = (p: string): string => resolveUserPath(p, input.homedir);

  const flag = nonEmpty(input.flags.stageDir);
  if (flag !== undefined) return [{ path: resolve(flag), source: "--stage-dir", role: "target" }];

  const layered = layeredStageCandidates(
    input.env["OPENCLAW_PLUGIN_STAGE_DIR"],
    "OPENCLAW_PLUGIN_STAGE_DIR",
    input.homedir,
  );
  if (layered.length > 0) return layered;

  const implicit: StageCandidateSpec[] = [];
  // systemd's StateDirectory= may list several directories, always joined with ":" (not
  // path.delimiter); the first is the unit's own.
  const stateDirectory = splitList(input.env["STATE_DIRECTORY"], ":")[0];
  if (stateDirectory !== undefined) {
    implicit.push({
      path: path.join(resolve(stateDirectory), STAGE_DIR_NAME),
      source: "STATE_DIRECTORY",
      role: "target",
    });
  }
  const openclawStateDir = nonEmpty(input.env["OPENCLAW_STATE_DIR"]);
  implicit.push(
    openclawStateDir !== undefined
      ? {
          path: path.join(resolve(openclawStateDir), STAGE_DIR_NAME),
          source: "OPENCLAW_STATE_DIR",
          role: "target",
        }
      : {
          path: path.join(resolve(input.homedir), ".openclaw", STAGE_DIR_NAME),
          source: "~/.openclaw",
          role: "target",
        },
  );
  implicit.push({ path: SYSTEM_STAGE_BASE, source: "default", role: "target" });
  return dedupe(implicit);
};
