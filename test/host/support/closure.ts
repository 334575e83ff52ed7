import * as fs from "node:fs";
import * as path from "node:path";
import semver from "semver";

/**
 * Whether a package is really there in a materialized root, judged independently of plugdeps (for
 * SPEC §4 point 4, "packages already satisfied by any layer are not installed again"):
 *
 * - `<root>/node_modules/<name>/package.json` exists and its `version` satisfies the spec;
 * - every dependency it declares (`dependencies`; `optionalDependencies` only when installed),
 *   and theirs, transitively, resolves the way Node resolves it — the nearest
 *   `node_modules/<dep>` walking up from the requiring package's directory, without leaving the
 *   root — to a version that satisfies the declared range (a range semver cannot read, e.g. an
 *   `npm:` alias, only needs the package to be there).
 *
 * Returns null when it is, else what is missing (the first gap found).
 */
export const missingFromRoot = (root: string, name: string, spec: string): string | null => {
  const top = path.join(root, "node_modules", name);
  const version = readVersion(top);
  if (version === null) return `${name} is not in ${root}`;
  if (!rangeAllows(spec, version)) return `${name}@${version} in ${root} does not satisfy ${spec}`;
  const seen = new Set<string>();
  const stack = [top];
  while (stack.length > 0) {
    const dir = stack.pop() as string;
    const real = fs.realpathSync(dir);
    if (seen.has(real)) continue;
    seen.add(real);
    const pkg = readJson(path.join(dir, "package.json"));
    const required = record(pkg["dependencies"]);
    const optional = record(pkg["optionalDependencies"]);
    for (const [dep, range] of Object.entries({ ...required, ...optional })) {
      const found = resolveFrom(root, dir, dep);
      if (found === null) {
        if (dep in optional) continue;
        return `${dep} (needed by ${path.relative(root, dir)}) does not resolve in ${root}`;
      }
      const v = readVersion(found);
      if (v === null || !rangeAllows(range, v))
        return `${path.relative(root, found)}@${v ?? "?"} does not satisfy ${range} (needed by ${path.relative(root, dir)})`;
      stack.push(found);
    }
  }
  return null;
};

/** Node's lookup of `dep` from package dir `from`: the nearest node_modules/<dep>, up to the root. */
const resolveFrom = (root: string, from: string, dep: string): string | null => {
  const stop = path.resolve(root);
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (path.basename(dir) !== "node_modules") {
      const candidate = path.join(dir, "node_modules", dep);
      if (fs.existsSync(path.join(candidate, "package.json"))) return candidate;
    }
    if (path.resolve(dir) === stop || path.dirname(dir) === dir) return null;
  }
};

const rangeAllows = (range: string, version: string): boolean => {
  if (semver.validRange(range) === null) return true;
  return semver.satisfies(version, range, { includePrerelease: true });
};

const readJson = (file: string): Record<string, unknown> => {
  try {
    const value: unknown = JSON.parse(fs.readFileSync(file, "utf8"));
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
};

const readVersion = (dir: string): string | null => {
  const v = readJson(path.join(dir, "package.json"))["version"];
  return typeof v === "string" ? v : null;
};

const record = (value: unknown): Record<string, string> =>
  typeof value === "object" && value !== null
    ? Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === "string"))
    : {};
