import * as fs from "../util/observed-fs.js";
import * as path from "node:path";
import type { HostRootSpec } from "../hosts/types.js";
import { errnoCode } from "../model/errors.js";
import type { HostRootJson } from "../model/plan.js";
import { parseJson } from "../util/read-json.js";
import { readInstalled, versionSatisfies } from "./installed-package.js";
import { closureWithin } from "./node-resolution.js";

/**
 * Does the host's own root (HostAdapter.hostRoot) show the target root? Read-only, never follows
 * a link: the directory must be a real directory, its `node_modules` a symlink whose text is
 * exactly `../<target root name>/node_modules` (relative, so it stays inside the stage base, and
 * through the target root's own atomic link, so a swap moves it too), or the absolute
 * `<layer root>/node_modules` of a complete root in a read-only layer (completeLayerRoot), and its
 * manifest, when the
 * host reads one, must name exactly the desired specs. Whatever else is in the directory is the
 * host's (its lock, its mirror of its code) and is not looked at.
 */
export const linkTextFor = (targetRoot: string): string =>
  path.join("..", path.basename(targetRoot), "node_modules");

export const observeHostRoot = (
  spec: HostRootSpec,
  targetRoot: string,
  source: { readonly root: string } | null,
): HostRootJson => {
  const linksTo = source === null ? linkTextFor(targetRoot) : path.join(source.root, "node_modules");
  const base = {
    path: spec.path,
    linksTo,
    manifest: spec.manifest === null ? null : { ...spec.manifest.dependencies },
    why: spec.why,
  };
  return {
    ...base,
    problems: [
      ...problemsOf(spec.path, linksTo, spec.manifest),
      ...spec.aliases.flatMap((alias) =>
        problemsOf(alias, linksTo, null).map((p) => `${path.basename(alias)}: ${p}`),
      ),
    ],
  };
};

const problemsOf = (dir: string, linksTo: string, manifest: HostRootSpec["manifest"]): string[] => {
  const root = lstat(dir);
  // Problems name paths relative to the host root (whose path is printed beside them).
  if (root === "absent") return ["it does not exist yet"];
  if (typeof root === "string") return [`cannot inspect it: ${root}`];
  if (!root.isDirectory())
    return [
      `it is ${root.isSymbolicLink() ? "a symlink" : "not a directory"}; the host needs a real directory`,
    ];
  const problems: string[] = [];
  const link = path.join(dir, "node_modules");
  const nm = lstat(link);
  if (nm === "absent") problems.push("node_modules does not exist");
  else if (typeof nm === "string") problems.push(`cannot inspect node_modules: ${nm}`);
  else if (!nm.isSymbolicLink())
    problems.push("node_modules is the host's own install, not a link to the target root");
  else {
    const text = fs.readlinkSync(link);
    if (text !== linksTo) problems.push(`node_modules links to ${text}, not ${linksTo}`);
  }
  if (manifest !== null) {
    const why = manifestProblem(path.join(dir, "package.json"), manifest);
    if (why !== null) problems.push(why);
  }
  return problems;
};

/** Why plugdeps must (re)write the host's manifest, or null when the host's own will do. */
export const manifestProblem = (file: string, want: NonNullable<HostRootSpec["manifest"]>): string | null => {
  const st = lstat(file);
  const name = path.basename(file);
  if (st === "absent") return `${name} does not exist`;
  if (typeof st === "string") return `cannot inspect ${name}: ${st}`;
  if (!st.isFile() || st.size > 4 * 1024 * 1024) return `${name} is not a regular file of a sane size`;
  const parsed = parseJson(file, fs.readFileSync(file, "utf8"));
  if (parsed._tag === "Left") return `${name} is not valid JSON`;
  const doc = parsed.right as { name?: unknown; dependencies?: unknown } | null;
  if (doc === null || typeof doc !== "object" || doc.name !== want.name)
    return `${name} is not named ${want.name}`;
  const have = doc.dependencies;
  if (have === null || typeof have !== "object" || Array.isArray(have))
    return `${name} lists no dependencies`;
  if (want.keep === "any") return null;
  const missing = Object.entries(want.dependencies).filter(
    ([n, s]) => (have as Record<string, unknown>)[n] !== s,
  );
  return missing.length === 0
    ? null
    : `${name} does not list ${missing.map(([n, s]) => `${n}@${s}`).join(", ")}`;
};

const lstat = (p: string): fs.Stats | "absent" | string => {
  try {
    return fs.lstatSync(p);
  } catch (err) {
    const code = errnoCode(err);
    return code === "ENOENT" ? "absent" : (code ?? "error");
  }
};

/**
 * The first root of a read-only layer whose node_modules satisfies every package of the shared
 * set, each with its whole dependency closure inside that root; null when none does. Only such a
 * root can stand in for the target root: the host reads one node_modules, never two.
 */
export const completeLayerRoot = (
  layerRoots: readonly { readonly layer: string; readonly root: string }[],
  shared: readonly { readonly name: string; readonly spec: string }[],
): { layer: string; root: string } | null => {
  if (shared.length === 0) return null;
  for (const candidate of layerRoots) {
    const nodeModules = path.join(candidate.root, "node_modules");
    const complete = shared.every((pkg) => {
      const found = readInstalled(nodeModules, pkg.name);
      return (
        found._tag === "Present" &&
        versionSatisfies(found.version, pkg.spec) &&
        closureWithin(candidate.root, nodeModules, pkg.name)._tag !== "Incomplete"
      );
    });
    if (complete) return { layer: candidate.layer, root: candidate.root };
  }
  return null;
};
