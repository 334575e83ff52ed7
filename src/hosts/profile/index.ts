import * as fs from "../../util/observed-fs.js";
import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import fg from "fast-glob";
import * as t from "io-ts";
import { decodeWith } from "../../model/decode.js";
import { configNotFound, fsError, type PlugdepsError } from "../../model/errors.js";
import { PluginPackageJson } from "../../model/manifest.js";
import { PluginsConfig } from "../openclaw/config-codec.js";
import { parseJson, parseJson5, readTextFile } from "../../util/read-json.js";
import { findInstalledPackage } from "../shared/package-root.js";
import { nonEmpty, resolveUserPath } from "../shared/paths.js";
import { mergeDependencies } from "../shared/dependencies.js";
import { pluginIdProblem } from "../shared/plugin-id.js";
import type {
  AdapterFactory,
  ConfigLocation,
  DiscoveredPlugin,
  HostAdapter,
  HostInput,
  StageCandidateSpec,
} from "../types.js";
import { decideProfile } from "./activation.js";
import { selectionOf } from "../shared/selection.js";
import { type HostProfile, loadProfile } from "./profile.js";
import { profileStageCandidates } from "./host.js";

/** The generic adapter: everything host-specific comes from a HostProfile. */
export const profileAdapter = (profile: HostProfile): HostAdapter => {
  const pluginsKey = profile.config.pluginsKey ?? "plugins";
  return {
    name: `profile:${profile.name}`,
    slug: profile.name,
    stageVariables: profile.stage.envVar ?? "--stage-dir",

    findPackageRoot: (input) => findInstalledPackage(profile.packageName, input),

    locateConfig: (input: HostInput): ConfigLocation => {
      const flag = nonEmpty(input.flags.config);
      if (flag !== undefined)
        return { path: resolveUserPath(flag, input.homedir), source: "--config", required: true };
      const fromEnv =
        profile.config.envVar === undefined ? undefined : nonEmpty(input.env[profile.config.envVar]);
      if (fromEnv !== undefined) {
        return {
          path: resolveUserPath(fromEnv, input.homedir),
          source: profile.config.envVar ?? "env",
          required: true,
        };
      }
      const fallback = profile.config.defaultPath ?? `~/.${profile.name}/config.json`;
      return { path: resolveUserPath(fallback, input.homedir), source: "profile default", required: false };
    },

    loadActivation: (location) => {
      const text = readTextFile(location.path);
      if (E.isLeft(text)) {
        if (text.left._tag === "Failed") return E.left(text.left.error);
        if (location.required) {
          const variable = profile.config.envVar === undefined ? "" : ` / ${profile.config.envVar}`;
          return E.left(
            configNotFound(
              location.path,
              `chosen by ${location.source}`,
              `point --config${variable} at the right file`,
            ),
          );
        }
        return E.right(selectionOf((plugin) => decideProfile(pluginsKey, {}, plugin)));
      }
      const Config = t.partial({ [pluginsKey]: PluginsConfig });
      return pipe(
        parseJson5(location.path, text.right),
        E.chain(decodeWith(Config, `${profile.name} config`, location.path)),
        E.map((config) => {
          const block = Object.hasOwn(config, pluginsKey) ? (config[pluginsKey] ?? {}) : {};
          return selectionOf((plugin) => decideProfile(pluginsKey, block, plugin));
        }),
      );
    },

    discoverPlugins: (packageRoot) => discoverProfilePlugins(profile, packageRoot),

    stageCandidates: (input: HostInput): StageCandidateSpec[] => profileStageCandidates(profile.stage, input),

    // A profile host has no legacy staging of its own to clean up.
    findDebris: () => [],

    ...hostLooksOf(profile),
  };
};

/**
 * `hostLooks` (profile.ts): where a host that checks paths of its own finds the materialization.
 * The same mechanisms as for OpenClaw (issue 14), declared instead of coded: a stage directory
 * kept linked to the live root (execute/host-root.ts, without a lock: the profile names none), and
 * a package directory the host's unit binds the live root onto.
 */
const hostLooksOf = (profile: HostProfile): Pick<HostAdapter, "hostRoot" | "sees" | "hostService"> => {
  const looks = profile.hostLooks;
  if (looks === undefined) return {};
  const { stageDir, packageDir } = looks;
  const hostRoot: HostAdapter["hostRoot"] = (ctx) =>
    stageDir === undefined || Object.keys(ctx.shared).length === 0
      ? null
      : {
          path: path.join(ctx.stageBase, stageDir),
          aliases: [],
          manifest: null,
          lock: null,
          why: `the profile says ${profile.name} reads <stage base>/${stageDir}/node_modules itself (hostLooks.stageDir)`,
        };
  return {
    hostRoot,
    sees: () => ({
      packageNodeModules: stageDir === undefined,
      layers: false,
      why: `${profile.name} checks ${[stageDir === undefined ? null : `<stage base>/${stageDir}`, packageDir === undefined ? null : `<package>/${packageDir}`].filter((x) => x !== null).join(" and ")} itself (hostLooks in its profile)`,
    }),
    hostService: (ctx) => ({
      readOnlyBinds:
        packageDir === undefined
          ? []
          : [
              {
                source: path.join(ctx.targetRoot, "node_modules"),
                target: path.join(ctx.packageRoot, packageDir),
                why: `the profile says ${profile.name} searches <package>/${packageDir} for its plugins' dependencies (hostLooks.packageDir)`,
              },
            ],
      writable: [],
      stageList: true,
    }),
  };
};

export const loadProfileAdapter = (file: string): E.Either<PlugdepsError, HostAdapter> =>
  E.map(profileAdapter)(loadProfile(file));

/** `--host profile:FILE`: registry.ts's line for profiles. */
export const profileAdapterFor: AdapterFactory = (file, input) =>
  loadProfileAdapter(resolveUserPath(file ?? "", input.homedir));

const discoverProfilePlugins = (
  profile: HostProfile,
  packageRoot: string,
): E.Either<PlugdepsError, DiscoveredPlugin[]> => {
  let matches: string[];
  try {
    matches = fg.sync(profile.plugins.glob, {
      cwd: packageRoot,
      onlyFiles: true,
      followSymbolicLinks: false,
      dot: false,
      fs: fs.globFs,
    });
  } catch (err) {
    return E.left(fsError("list plugins", path.join(packageRoot, profile.plugins.glob), err));
  }
  const plugins = matches.map((rel): DiscoveredPlugin => {
    const logical = path.join(packageRoot, path.dirname(rel));
    const id = path.basename(logical);
    const idProblem = pluginIdProblem(id);
    if (idProblem !== null) return { _tag: "Invalid", id, dir: logical, error: idProblem };
    let dir: string;
    try {
      dir = fs.realpathSync(logical);
    } catch (err) {
      return { _tag: "Invalid", id, dir: logical, error: fsError("realpath", logical, err).message };
    }
    const file = path.join(dir, "package.json");
    const text = readTextFile(file);
    if (E.isLeft(text)) {
      return {
        _tag: "Invalid",
        id,
        dir,
        error: text.left._tag === "Missing" ? `${file}: missing` : text.left.error.message,
      };
    }
    const raw = parseJson(file, text.right);
    if (E.isLeft(raw)) return { _tag: "Invalid", id, dir, error: raw.left.message };
    const pkg = decodeWith(PluginPackageJson, "plugin package.json", file)(raw.right);
    if (E.isLeft(pkg)) return { _tag: "Invalid", id, dir, error: pkg.left.message };
    const flag = (dotted: string | undefined, fallback: boolean): boolean =>
      dotted === undefined ? fallback : getDotted(raw.right, dotted) === true;
    return {
      _tag: "Valid",
      id,
      dir,
      dependencies: mergeDependencies(pkg.right.dependencies, pkg.right.optionalDependencies),
      staged: flag(profile.plugins.stageFlag, true),
      channels: [],
      providers: [],
      enabledByDefault: flag(profile.plugins.enabledByDefault, false),
      legacyIds: [],
    };
  });
  return E.right(plugins.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)));
};

/** Reads `a.b.c` from parsed JSON, own properties only. */
const getDotted = (value: unknown, dotted: string): unknown => {
  let current: unknown = value;
  for (const key of dotted.split(".")) {
    if (current === null || typeof current !== "object" || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
};
