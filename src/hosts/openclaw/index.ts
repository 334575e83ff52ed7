import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import type { PlugdepsError } from "../../model/errors.js";
import type { Activation, ConfigLocation, HostAdapter } from "../types.js";
import { decideOpenClaw } from "./activation.js";
import { loadConfig } from "./config.js";
import { locateConfig } from "./config-location.js";
import { findDebris } from "./debris.js";
import { discoverPlugins } from "./discover.js";
import { findPackageRoot } from "../shared/package-root.js";
import { stageCandidates } from "./stage-dirs.js";

/** Reads the config once; the returned function decides every plugin against that snapshot. */
export const loadActivation = (location: ConfigLocation): E.Either<PlugdepsError, Activation> =>
  pipe(
    loadConfig(location),
    E.map(
      (config): Activation =>
        (plugin) =>
          decideOpenClaw(config, plugin),
    ),
  );

/** The OpenClaw host adapter (SPEC §5). Everything OpenClaw-specific lives under this directory. */
export const openclawAdapter: HostAdapter = {
  name: "openclaw",
  slug: "openclaw",
  stageVariables: "OPENCLAW_PLUGIN_STAGE_DIR (or STATE_DIRECTORY / OPENCLAW_STATE_DIR)",
  findPackageRoot: (input) => findPackageRoot(input),
  locateConfig,
  loadActivation,
  discoverPlugins,
  stageCandidates,
  findDebris: (ctx) => findDebris(ctx),
};

export { decideOpenClaw, OPENCLAW_ACTIVATION_RULES, DEFAULT_OFF_REASON } from "./activation.js";
export { loadConfig } from "./config.js";
export { locateConfig } from "./config-location.js";
export { findDebris } from "./debris.js";
export { discoverPlugins } from "./discover.js";
export { findPackageRoot } from "../shared/package-root.js";
export { stageCandidates } from "./stage-dirs.js";
