import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import * as t from "io-ts";
import { decodeWith } from "../../model/decode.js";
import type { PlugdepsError } from "../../model/errors.js";
import { parseJson, readTextFile } from "../../util/read-json.js";
import { ENV_VAR_NAME, PROFILE_SLUG, profileInvalid } from "./host.js";

/**
 * A host profile: the few facts that make any plugin host usable without code (SPEC: "a second,
 * generic adapter is driven by a small JSON profile"). Example: fixtures/profiles/acme.json.
 *
 * - `name`: the slug used in versioned root names (`<name>-<version>-<key12>`).
 * - `packageName`: the host's npm package name (found under npm's global prefix).
 * - `plugins.glob`: where plugin package.json files are, relative to the package root; the
 *   directory holding each match is the plugin, its name the plugin id.
 * - `plugins.stageFlag` / `plugins.enabledByDefault`: dotted paths into the plugin package.json
 *   (`stageFlag` absent: every plugin's dependencies are staged).
 * - `config`: env var naming the config file, default path, and the key of the plugins block
 *   (`enabled`, `allow`, `deny`, `entries.<id>.enabled`, as in OpenClaw).
 * - `stage`: env var for the stage dir (a path-delimiter list: earlier entries are read-only
 *   layers, the last is the writable target) and the default stage dir.
 * - `hostLooks` (optional): where the host ITSELF checks for its plugins' dependencies, for a host
 *   that, like OpenClaw, checks paths of its own before it imports a plugin instead of (only)
 *   resolving through Node (issue 14). `stageDir`: a directory name in the stage base whose
 *   `node_modules` the host reads; plugdeps keeps it a real directory whose `node_modules` links
 *   to the live root. `packageDir`: a directory relative to the package root that the host
 *   searches (read-only under systemd); `plugdeps units` binds the live root's `node_modules`
 *   there read-only (`BindReadOnlyPaths=`). Either way the host counts only what it finds there,
 *   so every dependency is installed into the root, none left to a layer.
 *   Without it the register hook is the way in (the default).
 */
export const HostLooks = t.partial({ stageDir: t.string, packageDir: t.string }, "HostLooks");
export type HostLooks = t.TypeOf<typeof HostLooks>;

const HostProfileRequired = t.type(
  {
    name: t.string,
    packageName: t.string,
    plugins: t.intersection([
      t.type({ glob: t.string }),
      t.partial({ stageFlag: t.string, enabledByDefault: t.string }),
    ]),
    config: t.partial({ envVar: t.string, defaultPath: t.string, pluginsKey: t.string }),
    stage: t.intersection([t.type({ defaultDir: t.string }), t.partial({ envVar: t.string })]),
  },
  "HostProfile",
);
export const HostProfile = t.intersection([HostProfileRequired, t.partial({ hostLooks: HostLooks })]);
export type HostProfile = t.TypeOf<typeof HostProfile>;

export const loadProfile = (file: string): E.Either<PlugdepsError, HostProfile> => {
  const abs = path.resolve(file);
  const text = readTextFile(abs);
  if (E.isLeft(text)) {
    return E.left(text.left._tag === "Missing" ? profileInvalid(abs, "file not found") : text.left.error);
  }
  return pipe(
    parseJson(abs, text.right),
    E.mapLeft(asProfileError(abs)),
    E.chain(decodeWith(HostProfile, "host profile", abs)),
    E.chain((profile) => {
      const problem = checkProfile(profile);
      return problem === null ? E.right(profile) : E.left(profileInvalid(abs, problem));
    }),
  );
};

/**
 * parseJson words its syntax error for config files ("Fix the syntax at that position"); a profile
 * that is not JSON gets the profile wording and tag, keeping file:line:col.
 */
const asProfileError =
  (file: string) =>
  (error: PlugdepsError): PlugdepsError => {
    if (error._tag !== "ConfigParseError") return error;
    const detail = /not valid JSON5?: (.*?)\. Fix/s.exec(error.message)?.[1];
    return profileInvalid(
      file,
      `not valid JSON at ${file}:${error.line}:${error.column}${detail ? ` (${detail})` : ""}`,
    );
  };

/** Semantic checks the codec cannot express. The profile is untrusted input too. */
export const checkProfile = (p: HostProfile): string | null => {
  if (!PROFILE_SLUG.test(p.name))
    return `name ${JSON.stringify(p.name)} must match ${PROFILE_SLUG.source} (it becomes a directory name)`;
  if (p.name === "plugdeps") return `name "plugdeps" is reserved`;
  const glob = p.plugins.glob;
  if (path.isAbsolute(glob) || glob.split(/[\\/]/).includes("..")) {
    return `plugins.glob ${JSON.stringify(glob)} must be relative to the package root and must not contain ".."`;
  }
  if (!glob.endsWith("package.json")) return `plugins.glob must match plugin package.json files`;
  for (const v of [p.config.envVar, p.stage.envVar]) {
    if (v !== undefined && !ENV_VAR_NAME.test(v))
      return `${JSON.stringify(v)} is not an environment variable name`;
  }
  return hostLooksProblem(p.name, p.hostLooks);
};

/** One plain directory name, never one of plugdeps' own (a root, a stage, `.plugdeps`). */
const STAGE_DIR_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

const hostLooksProblem = (name: string, looks: HostLooks | undefined): string | null => {
  if (looks === undefined) return null;
  const { stageDir, packageDir } = looks;
  if (stageDir !== undefined) {
    if (!STAGE_DIR_NAME.test(stageDir))
      return `hostLooks.stageDir ${JSON.stringify(stageDir)} must be one directory name matching ${STAGE_DIR_NAME.source}`;
    // `<name>-<version>-<12 hex>` are plugdeps' versioned roots of this host.
    if (new RegExp(`^${name}-.+-[0-9a-f]{12}`).test(stageDir))
      return `hostLooks.stageDir ${JSON.stringify(stageDir)} looks like one of plugdeps' versioned roots (${name}-<version>-<key>); choose another name`;
  }
  if (packageDir !== undefined) {
    const parts = packageDir.split(/[\\/]/);
    if (packageDir === "" || path.isAbsolute(packageDir) || parts.includes("..") || parts.includes("."))
      return `hostLooks.packageDir ${JSON.stringify(packageDir)} must be a path inside the package root, without "." or ".."`;
    if (parts[parts.length - 1] !== "node_modules")
      return `hostLooks.packageDir ${JSON.stringify(packageDir)} must name a node_modules directory (the host searches <dir>/<dependency>)`;
  }
  return null;
};
