import * as fs from "../../util/observed-fs.js";
import * as path from "node:path";
import fg from "fast-glob";
import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import * as t from "io-ts";
import { decodeWith } from "../../model/decode.js";
import { errnoCode, fsError, type PlugdepsError } from "../../model/errors.js";
import { PluginPackageJson } from "../../model/manifest.js";
import { OpenClawPluginManifest } from "./config-codec.js";
import { parseJson, readTextFile } from "../../util/read-json.js";
import type { DiscoveredPlugin, PluginFacts } from "../types.js";
import { mergeDependencies } from "../shared/dependencies.js";
import { pluginIdProblem } from "../shared/plugin-id.js";

/**
 * Bundled plugin discovery for OpenClaw (SPEC §5): every `dist/extensions/<id>/` holding a
 * `package.json` or an `openclaw.plugin.json` is a plugin; the directory name is its id, as in
 * OpenClaw's own scan (`collectBundledPluginRuntimeDeps` iterates directories). A missing manifest
 * reads as an empty one and a missing package.json as no dependencies (OpenClaw reads both that
 * way); a manifest `id` that differs from the directory (kimi-coding's is `kimi`) is only another
 * name a config may use.
 *
 * A broken plugin never fails discovery: it comes back as `Invalid` with a message naming the file
 * and the line:col or key path, and the other plugins proceed (SPEC §4.12). Only a package root
 * whose `dist/extensions` cannot be listed at all is an error.
 */

export const EXTENSIONS_DIR = path.join("dist", "extensions");

/** A plugin id is one safe path segment: it becomes part of paths and of `plugins.entries.<id>`. */
export { PLUGIN_ID_PATTERN } from "../shared/plugin-id.js";

/** The `openclaw` section of a bundled plugin's package.json, as far as plugdeps reads it. */
export const OpenClawPackageSection = t.partial(
  {
    openclaw: t.partial({
      bundle: t.partial({ stageRuntimeDependencies: t.boolean }),
      channel: t.partial({ id: t.string, aliases: t.array(t.string), order: t.number }),
    }),
  },
  "OpenClawPackageSection",
);

export const OpenClawPluginPackageJson = t.intersection(
  [PluginPackageJson, OpenClawPackageSection],
  "OpenClawPluginPackageJson",
);
export type OpenClawPluginPackageJson = t.TypeOf<typeof OpenClawPluginPackageJson>;

const PACKAGE_JSON = "package.json";
const MANIFEST_JSON = "openclaw.plugin.json";

export const discoverPlugins = (packageRoot: string): E.Either<PlugdepsError, DiscoveredPlugin[]> => {
  const extRoot = path.join(packageRoot, EXTENSIONS_DIR);
  try {
    if (!fs.statSync(extRoot).isDirectory()) {
      return E.left(fsError("list plugins", extRoot, { code: "ENOTDIR", message: "not a directory" }));
    }
  } catch (err) {
    // A host version without bundled plugins has nothing to materialize; that is not an error.
    if (errnoCode(err) === "ENOENT") return E.right([]);
    return E.left(fsError("list plugins", extRoot, err));
  }

  let manifests: string[];
  let symlinks: string[];
  try {
    // followSymbolicLinks: false — a plugin directory (or file) that is a symlink could point
    // anywhere; plugdeps reads only what the host package itself contains.
    manifests = fg.sync([`*/${PACKAGE_JSON}`, `*/${MANIFEST_JSON}`], {
      cwd: extRoot,
      onlyFiles: true,
      followSymbolicLinks: false,
      suppressErrors: false,
      fs: fs.globFs,
    });
    symlinks = fg
      .sync("*", {
        cwd: extRoot,
        onlyFiles: false,
        followSymbolicLinks: false,
        objectMode: true,
        fs: fs.globFs,
      })
      .filter((entry) => entry.dirent.isSymbolicLink())
      .map((entry) => entry.name);
  } catch (err) {
    return E.left(fsError("list plugins", extRoot, err));
  }

  const ids = new Set(manifests.map((m) => m.split("/")[0] ?? m));
  const plugins: DiscoveredPlugin[] = [...ids].map((id) => readPlugin(extRoot, id));
  for (const name of symlinks) {
    const link = path.join(extRoot, name);
    if (!ids.has(name) && isDirectoryThroughLink(link)) {
      plugins.push(
        invalid(
          name,
          link,
          `${link} is a symbolic link; plugdeps does not follow symlinks in the host package`,
        ),
      );
    }
  }
  return E.right(plugins.sort((a, b) => compareStrings(a.id, b.id)));
};

const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const isDirectoryThroughLink = (link: string): boolean => {
  try {
    return fs.statSync(link).isDirectory();
  } catch {
    return false;
  }
};

const invalid = (id: string, dir: string, error: string): DiscoveredPlugin => ({
  _tag: "Invalid",
  id,
  dir,
  error,
});

const readPlugin = (extRoot: string, id: string): DiscoveredPlugin => {
  const logical = path.join(extRoot, id);
  // Rejected for this plugin only (SPEC §4.12); the message quotes the name JSON-style and names
  // the extensions dir, not the path holding the raw name.
  const idProblem = pluginIdProblem(id);
  if (idProblem !== null) return invalid(id, logical, `${extRoot}: ${idProblem}`);
  let dir: string;
  try {
    // realpath before anything else: the same install reached through two paths must be one plugin
    // (LESSONS: openclaw #74963, junctions/PM2 gave two hashes for one install).
    dir = fs.realpathSync(logical);
  } catch (err) {
    return invalid(id, logical, fsError("realpath", logical, err).message);
  }

  const pkg = readOptionalJsonFile(
    path.join(dir, PACKAGE_JSON),
    OpenClawPluginPackageJson,
    "plugin package.json",
  );
  const manifest = readOptionalJsonFile(
    path.join(dir, MANIFEST_JSON),
    OpenClawPluginManifest,
    "plugin manifest",
  );
  const problems: string[] = [];
  if (E.isLeft(pkg)) problems.push(pkg.left);
  if (E.isLeft(manifest)) problems.push(manifest.left);
  if (problems.length > 0 || E.isLeft(pkg) || E.isLeft(manifest))
    return invalid(id, dir, problems.join("; "));
  return { _tag: "Valid", ...pluginFacts(id, dir, pkg.right ?? {}, manifest.right ?? {}) };
};

/** What only the OpenClaw adapter reads about a plugin (hosts/openclaw/selection/). */
export interface OpenClawPluginFacts {
  /** The manifest's `id` when it has one; OpenClaw maps config ids to it (plugin-ids.ts). */
  readonly manifestId: string | undefined;
  /** The manifest's `channels`, exactly: OpenClaw's selection reads only these. */
  readonly manifestChannels: readonly string[];
  /** package.json `openclaw.channel` (id, aliases, order): 2026.4.20/4.22 know a channel only from these. */
  readonly catalogChannel:
    { readonly id: string; readonly aliases: readonly string[]; readonly order: number } | undefined;
  readonly modelPatterns: readonly string[];
  readonly modelPrefixes: readonly string[];
  /** `runtimeDependencies.localMemoryEmbedding` specs, `name@version`. */
  readonly localMemoryEmbedding: readonly string[];
  /** Manifest `activation.onStartup === true`: the 2026.4.29+ gateway starts it at startup. */
  readonly onStartup: boolean;
  /** Manifest `activation.onConfigPaths`: config paths (dotted, `*` wildcards) that start it. */
  readonly onConfigPaths: readonly string[];
  /** Manifest `activation.onAgentHarnesses`: agent runtimes (`agentRuntime.id`) it provides. */
  readonly onAgentHarnesses: readonly string[];
  /** Manifest `cliBackends`: provider-like ids whose model refs auto-enable it (2026.3.22 – 4.28). */
  readonly cliBackends: readonly string[];
}

export const openclawFactsOf = (plugin: PluginFacts): OpenClawPluginFacts =>
  (plugin.hostFacts as OpenClawPluginFacts | undefined) ?? {
    manifestId: undefined,
    manifestChannels: plugin.channels,
    catalogChannel: undefined,
    modelPatterns: [],
    modelPrefixes: [],
    localMemoryEmbedding: [],
    onStartup: false,
    onConfigPaths: [],
    onAgentHarnesses: [],
    cliBackends: [],
  };

/** Pure: the host-neutral facts from the two decoded files. */
export const pluginFacts = (
  id: string,
  dir: string,
  pkg: OpenClawPluginPackageJson,
  manifest: OpenClawPluginManifest,
): PluginFacts => {
  const channel = pkg.openclaw?.channel;
  const channelId = channel?.id;
  const hostFacts: OpenClawPluginFacts = {
    manifestId: manifest.id !== undefined && manifest.id.trim() !== "" ? manifest.id : undefined,
    manifestChannels: unique(manifest.channels ?? []),
    catalogChannel:
      channelId !== undefined && channelId.trim() !== ""
        ? {
            id: channelId,
            aliases: unique(channel?.aliases ?? []),
            // OpenClaw: a missing or non-finite order sorts last
            order: Number.isFinite(channel?.order) ? (channel?.order as number) : Number.MAX_SAFE_INTEGER,
          }
        : undefined,
    modelPatterns: unique(manifest.modelSupport?.modelPatterns ?? []),
    modelPrefixes: unique(manifest.modelSupport?.modelPrefixes ?? []),
    localMemoryEmbedding: unique(manifest.runtimeDependencies?.localMemoryEmbedding ?? []),
    onStartup: manifest.activation?.onStartup === true,
    onConfigPaths: unique(manifest.activation?.onConfigPaths ?? []),
    onAgentHarnesses: unique(manifest.activation?.onAgentHarnesses ?? []),
    cliBackends: unique(manifest.cliBackends ?? []),
  };
  return {
    id,
    dir,
    dependencies: mergeDependencies(pkg.dependencies, pkg.optionalDependencies),
    // OpenClaw stages every selected plugin's dependencies: its staging never reads
    // `openclaw.bundle.stageRuntimeDependencies` (issue 12: browser -> playwright-core was missed).
    staged: true,
    channels: unique([...(manifest.channels ?? []), ...(channelId ? [channelId] : [])]),
    providers: unique(manifest.providers ?? []),
    enabledByDefault: manifest.enabledByDefault === true,
    legacyIds: unique(manifest.legacyPluginIds ?? []),
    hostFacts,
  };
};

const unique = (values: readonly string[]): string[] => [...new Set(values.filter((v) => v !== ""))];

/**
 * Reads one JSON file of a plugin: `undefined` when it is absent (OpenClaw reads an absent file as
 * empty); every failure is a one-line message naming the file.
 */
const readOptionalJsonFile = <A>(
  file: string,
  codec: t.Type<A, unknown, unknown>,
  what: string,
): E.Either<string, A | undefined> => {
  const kind = lstatKind(file);
  if (kind === "missing") return E.right(undefined);
  if (kind === "symlink") {
    return E.left(`${file} is a symbolic link; plugdeps reads only regular files in the host package`);
  }
  const text = readTextFile(file);
  if (E.isLeft(text)) {
    return text.left._tag === "Missing" ? E.right(undefined) : E.left(text.left.error.message);
  }
  return pipe(
    parseJson(file, text.right),
    E.mapLeft((err) => err.message),
    E.chain((json) => pipe(decodeWith(codec, what, file)(json), E.mapLeft(oneLine))),
  );
};

const lstatKind = (file: string): "missing" | "symlink" | "present" => {
  try {
    return fs.lstatSync(file).isSymbolicLink() ? "symlink" : "present";
  } catch (err) {
    const code = errnoCode(err);
    return code === "ENOENT" || code === "ENOTDIR" ? "missing" : "present";
  }
};

/** A plan lists an invalid plugin's problem on one line. */
const oneLine = (err: PlugdepsError): string =>
  err.message
    .replace(/\nFix the listed keys\.$/, "")
    .split("\n")
    .map((l) => l.trim().replace(/^- /, ""))
    .join("; ")
    .replace(/:; /, ": ");
