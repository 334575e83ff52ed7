import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import type { PlugdepsError } from "../../model/errors.js";
import { parseJson, readTextFile } from "../../util/read-json.js";
import type { Activation, AdapterFactory, ConfigLocation, HostAdapter } from "../types.js";
import { loadConfig } from "./config.js";
import { locateConfig } from "./config-location.js";
import { findDebris, findUnmanaged } from "./debris.js";
import { legacyDirectories } from "./legacy-paths.js";
import { discoverPlugins } from "./discover.js";
import { openclawHostRoot, openclawSees } from "./host-root.js";
import { openclawHostService } from "./host-service.js";
import { openclawHostCheck } from "./host-check.js";
import { findPackageRoot } from "../shared/package-root.js";
import { OPENCLAW_FACTS } from "./host.js";
import { type HostManifest, selectOpenClaw } from "./selection/index.js";

/**
 * Reads the config once; the returned function selects against that snapshot, by the rules of the
 * host version it is given (selection/band.ts). The host's package.json is read here, at the edge,
 * for the dependencies 2026.4.29+ mirrors (an unreadable one mirrors nothing; the plan says so).
 */
export const loadActivation = (location: ConfigLocation): E.Either<PlugdepsError, Activation> =>
  pipe(
    loadConfig(location),
    E.map(
      (config): Activation =>
        (input) =>
          selectOpenClaw(config, input, readHostManifest(input.packageRoot)),
    ),
  );

const readHostManifest = (packageRoot: string): HostManifest | undefined => {
  const file = path.join(packageRoot, "package.json");
  const text = readTextFile(file);
  if (E.isLeft(text)) return undefined;
  const json = parseJson(file, text.right);
  return E.isRight(json) &&
    typeof json.right === "object" &&
    json.right !== null &&
    !Array.isArray(json.right)
    ? (json.right as HostManifest)
    : undefined;
};

/** The OpenClaw host adapter (SPEC §5). Everything OpenClaw-specific lives under this directory. */
export const openclawAdapter: HostAdapter = {
  name: OPENCLAW_FACTS.label,
  slug: OPENCLAW_FACTS.slug,
  stageVariables: "OPENCLAW_PLUGIN_STAGE_DIR (or STATE_DIRECTORY / OPENCLAW_STATE_DIR)",
  findPackageRoot: (input) => findPackageRoot(input),
  locateConfig,
  loadActivation,
  discoverPlugins,
  stageCandidates: OPENCLAW_FACTS.stageCandidates,
  findDebris: (ctx) => findDebris(ctx),
  findUnmanaged: (ctx) => findUnmanaged(ctx),
  legacyRoots: (packageRoot, input) => legacyDirectories(packageRoot, input),
  hostRoot: openclawHostRoot,
  sees: openclawSees,
  hostService: openclawHostService,
  hostCheck: openclawHostCheck,
};

/** `--host openclaw` (or detected, or the fallback): registry.ts's line for OpenClaw. */
export const openclawAdapterFor: AdapterFactory = () => E.right(openclawAdapter);

export { selectOpenClaw, MIRRORED_OWNER } from "./selection/index.js";
export { bandOf, BANDS } from "./selection/band.js";
export { loadConfig } from "./config.js";
export { locateConfig } from "./config-location.js";
export { findDebris, findUnmanaged } from "./debris.js";
export { discoverPlugins } from "./discover.js";
export { openclawHostRoot, openclawRootName, openclawSees } from "./host-root.js";
export { openclawHostService } from "./host-service.js";
export { findPackageRoot } from "../shared/package-root.js";
export { stageCandidates } from "./stage-dirs.js";
export { openclawHost, OPENCLAW_FACTS } from "./host.js";
