import * as fs from "../util/observed-fs.js";
import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import * as semver from "semver";
import { errnoCode } from "../model/errors.js";
import { InstalledPackageJson } from "../model/manifest.js";
import { memoizeString } from "../util/memo.js";
import { parseJson, readTextFile } from "../util/read-json.js";

/**
 * What is installed at `<node_modules>/<name>`, read from its package.json. Synchronous on
 * purpose: on this size of tree sync fs calls were 4-6x faster than promise-based ones, and
 * observe reads only the packages the plan names.
 */

export type Installed =
  | {
      readonly _tag: "Present";
      readonly name: string;
      readonly version: string;
      readonly dir: string;
      readonly dependencies: Readonly<Record<string, string>>;
      readonly optionalDependencies: Readonly<Record<string, string>>;
    }
  | { readonly _tag: "Missing"; readonly dir: string }
  /** Something is there but it is not a usable package: the reason says what is wrong. */
  | { readonly _tag: "Broken"; readonly dir: string; readonly reason: string };

/**
 * One plan reads each manifest once. Resolving every declared dependency from every plugin
 * directory, and walking closures for reuse, asks for the same `<node_modules>/<name>` many
 * times: on a 6,120-package root that was ~40 reads per manifest and 80% of `plan`'s time. The
 * cache lives only inside `withInstalledCache` (one plan), so nothing stale survives into the next
 * run or the next in-process call; validation after an install reads afresh.
 */
let cache: { installed: Map<string, Installed>; listings: Map<string, Listing> } | null = null;

/** A directory's entry names, or why there are none to trust ("absent": ENOENT). */
type Listing = ReadonlySet<string> | "absent" | "unknown";

export const withInstalledCache = <A>(fn: () => A): A => {
  const outer = cache;
  cache = { installed: new Map(), listings: new Map() };
  try {
    return fn();
  } finally {
    cache = outer;
  }
};

export const readInstalled = (nodeModulesDir: string, name: string): Installed => {
  if (cache === null) return readInstalledUncached(nodeModulesDir, name);
  // Most lookups ask a node_modules directory that does not have the package, or does not exist
  // at all (Node's walk up from a plugin directory passes every ancestor): each directory is
  // listed once (readdir), and a name it does not list is Missing without a syscall. On a
  // 6,120-package root, the two failing syscalls per package and ancestor were a fifth of `plan`.
  if (!mayBeListed(cache.listings, nodeModulesDir, name)) {
    return { _tag: "Missing", dir: path.join(nodeModulesDir, name) };
  }
  return readListed(cache.installed, nodeModulesDir, name);
};

/** A listed package, read once per plan. */
const readListed = (installed: Map<string, Installed>, nodeModulesDir: string, name: string): Installed => {
  const key = `${nodeModulesDir}\0${name}`;
  const hit = installed.get(key);
  if (hit !== undefined) return hit;
  const found = readInstalledUncached(nodeModulesDir, name);
  installed.set(key, found);
  return found;
};

/**
 * readInstalled for a walk that only goes on past a Missing (Node's resolution up the ancestors):
 * null instead of a Missing, so the walk builds no path for each directory that lacks the name.
 */
export const findInstalled = (nodeModulesDir: string, name: string): Installed | null => {
  const found =
    cache === null
      ? readInstalledUncached(nodeModulesDir, name)
      : mayBeListed(cache.listings, nodeModulesDir, name)
        ? readListed(cache.installed, nodeModulesDir, name)
        : null;
  return found === null || found._tag === "Missing" ? null : found;
};

/**
 * False when `<nodeModulesDir>/<name>` certainly does not exist: the directory (or the scope
 * directory) is absent or does not list it. True when it is listed, or when a listing failed for
 * another reason (ENOTDIR, EACCES...): then the full read says what is wrong. A name with any other
 * shape (`a/b`, `../x`) is never listed, so it is never looked for outside node_modules.
 */
const mayBeListed = (listings: Map<string, Listing>, nodeModulesDir: string, name: string): boolean => {
  const top = listingOf(listings, nodeModulesDir);
  if (top === "absent") return false;
  if (top === "unknown") return true;
  const slash = name.indexOf("/");
  if (slash === -1 || !name.startsWith("@")) return top.has(name);
  const scope = name.slice(0, slash);
  if (!top.has(scope)) return false;
  const inner = listingOf(listings, path.join(nodeModulesDir, scope));
  if (inner === "absent") return false;
  if (inner === "unknown") return true;
  return inner.has(name.slice(slash + 1));
};

const listingOf = (listings: Map<string, Listing>, dir: string): Listing => {
  let listing = listings.get(dir);
  if (listing === undefined) {
    try {
      listing = new Set(fs.readdirSync(dir));
    } catch (err) {
      listing = errnoCode(err) === "ENOENT" ? "absent" : "unknown";
    }
    listings.set(dir, listing);
  }
  return listing;
};

const readInstalledUncached = (nodeModulesDir: string, name: string): Installed => {
  const dir = path.join(nodeModulesDir, name);
  const manifestPath = path.join(dir, "package.json");
  // readTextFile, not readFileSync: a FIFO named package.json (in the host's node_modules, a
  // read-only layer, a previous root) blocked `plan` forever, and a link to /dev/zero read until
  // memory ran out. Not a regular file, or over MAX_JSON_BYTES: a broken copy, with the code.
  const read = readTextFile(manifestPath);
  if (E.isLeft(read)) {
    if (read.left._tag === "Missing") {
      return fs.existsSync(dir)
        ? { _tag: "Broken", dir, reason: "package.json missing (interrupted install?)" }
        : { _tag: "Missing", dir };
    }
    const error = read.left.error;
    return {
      _tag: "Broken",
      dir,
      reason: `cannot read package.json: ${error._tag === "FsError" ? error.code : error._tag}`,
    };
  }
  const text = read.right;
  const parsed = E.chain(InstalledPackageJsonDecode)(parseJson(manifestPath, text));
  if (E.isLeft(parsed)) return { _tag: "Broken", dir, reason: "package.json is not valid" };
  const pkg = parsed.right;
  if (pkg.name !== name)
    return { _tag: "Broken", dir, reason: `package.json names ${pkg.name}, expected ${name}` };
  if (semver.valid(pkg.version) === null)
    return { _tag: "Broken", dir, reason: `invalid version ${pkg.version}` };
  const entry = checkEntry(dir, pkg);
  if (entry !== null) return { _tag: "Broken", dir, reason: entry };
  return {
    _tag: "Present",
    name,
    version: pkg.version,
    dir,
    dependencies: stringRecord(pkg.dependencies),
    optionalDependencies: stringRecord(pkg.optionalDependencies),
  };
};

// `is`, not decode: the same check without rebuilding the object (see model/decode.ts).
const InstalledPackageJsonDecode = (u: unknown): E.Either<unknown, InstalledPackageJson> =>
  InstalledPackageJson.is(u) ? E.right(u) : E.left("invalid");

const stringRecord = (u: unknown): Record<string, string> => {
  if (u === null || typeof u !== "object" || Array.isArray(u)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(u)) if (typeof v === "string") out[k] = v;
  return out;
};

/**
 * "Materialized" includes "its code is there" (openclaw #75283: an interrupted install left
 * package.json without the code, and restaging looped). Returns null when the entry is fine.
 *
 * The bare-import entry (root export, else `main`, else `index.*`) is checked first. When it is
 * missing, any other entry the package declares (a `bin` target, a subpath export) is enough:
 * real published packages ship without a working bare entry and are used through their subpaths
 * or bins, and the host accepts them (found by running the real OpenClaw 2026.4.29 host:
 * `@modelcontextprotocol/sdk@1.29.0` exports "." -> ./dist/esm/index.js, which its tarball does
 * not contain, and OpenClaw imports `@modelcontextprotocol/sdk/client`; `@zed-industries/codex-acp`
 * has only a `bin`). Refusing them made every apply on that host fail validation. An interrupted
 * extraction still fails: none of its declared files is there.
 */
export const checkEntry = (dir: string, pkg: InstalledPackageJson): string | null => {
  const targets = entryTargets(pkg);
  if (targets === "no-root-export") return null; // subpath-only exports: nothing bare to import
  // Compare absolute with absolute: a relative `dir` would make every entry look "outside".
  const base = path.resolve(dir);
  for (const target of [...targets, ...otherEntries(pkg)]) {
    const resolved = path.resolve(base, target);
    if (resolved !== base && !resolved.startsWith(base + path.sep))
      return `entry ${target} points outside the package`;
    if (isFile(resolved)) return bothEntries(base, pkg);
  }
  return `entry file missing (${targets[0] ?? "index.js"})`;
};

const IMPORT_CONDITIONS: ReadonlySet<string> = new Set(["node", "import", "default"]);
const REQUIRE_CONDITIONS: ReadonlySet<string> = new Set(["node", "require", "default"]);

/**
 * Issue 17: a package whose root export gives `import` and `require` different files is used both
 * ways (a plugin's `import` and another's `require`, or the host's): both must be there. A copy
 * with one of them gone (a planted or half-extracted tree) was "Present" because the other was
 * found, and then failed in the host on the first import of the other kind. Only the targets Node
 * itself loads are compared: with `exports`, Node (>= 12.7) never reads `main`, so a `main`
 * beside it is not an entry; without `exports`, `main` is the only bare entry (checked above).
 * When neither exists, the subpath and bin fallback above decided, as before.
 */
const bothEntries = (base: string, pkg: InstalledPackageJson): string | null => {
  if (pkg.exports === undefined || pkg.exports === null) return null;
  const root = rootExport(pkg.exports);
  if (root === undefined) return null;
  const esm = targetFor(root, IMPORT_CONDITIONS);
  const cjs = targetFor(root, REQUIRE_CONDITIONS);
  if (esm === null || cjs === null || esm === cjs) return null;
  const entry = (kind: string, target: string) => {
    const resolved = path.resolve(base, target);
    const outside = resolved !== base && !resolved.startsWith(base + path.sep);
    return { kind, target, outside, there: !outside && isFile(resolved) };
  };
  const a = entry("ESM (import)", esm);
  const b = entry("CommonJS (require)", cjs);
  for (const e of [a, b]) if (e.outside) return `entry ${e.target} points outside the package`;
  if (a.there === b.there) return null;
  const [gone, there] = a.there ? [b, a] : [a, b];
  return `entry file missing (${gone.target}, the ${gone.kind} entry; the ${there.kind} entry ${there.target} is there)`;
};

/** The target Node picks under these conditions (object order; arrays: first valid target). */
const targetFor = (value: unknown, conditions: ReadonlySet<string>): string | null => {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) {
    for (const v of value) {
      const t = targetFor(v, conditions);
      if (t !== null) return t;
    }
    return null;
  }
  if (value === null || typeof value !== "object") return null;
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (!conditions.has(key)) continue;
    const t = targetFor(v, conditions);
    if (t !== null) return t;
  }
  return null;
};

/**
 * Entries besides the bare import: `bin` targets, then subpath exports (no wildcards), then the
 * type declarations of a types-only package (@types/node: `"main": ""`, `"types": "index.d.ts"`),
 * in order.
 */
const otherEntries = (pkg: InstalledPackageJson): string[] => {
  const out: string[] = [];
  if (typeof pkg.bin === "string") out.push(pkg.bin);
  else if (pkg.bin !== null && typeof pkg.bin === "object" && !Array.isArray(pkg.bin)) {
    for (const v of Object.values(pkg.bin)) if (typeof v === "string") out.push(v);
  }
  if (pkg.exports !== null && typeof pkg.exports === "object" && !Array.isArray(pkg.exports)) {
    for (const [key, value] of Object.entries(pkg.exports as Record<string, unknown>)) {
      if (key === "." || !key.startsWith("./") || key.includes("*")) continue;
      const t = firstTarget(value);
      if (t !== null && !t.includes("*")) out.push(t);
    }
  }
  // TypeScript's own lookup: the named file, with `.d.ts` added (@types/retry says `"types":
  // "index"`), else index.d.ts when the package names no JavaScript entry at all.
  for (const types of [pkg.types, pkg.typings])
    if (typeof types === "string" && types !== "") out.push(types, `${types}.d.ts`);
  if ((typeof pkg.main !== "string" || pkg.main === "") && pkg.exports === undefined) out.push("index.d.ts");
  return out;
};

/** Candidate files for a bare import of the package, most specific first. */
const entryTargets = (pkg: InstalledPackageJson): string[] | "no-root-export" => {
  if (pkg.exports !== undefined && pkg.exports !== null) {
    const root = rootExport(pkg.exports);
    if (root === undefined) return "no-root-export";
    const target = firstTarget(root);
    if (target === null) return "no-root-export";
    // The CommonJS side too: a package whose ESM entry is gone is still found (and then judged
    // Broken by bothEntries, naming both), not reported as having no entry at all.
    const cjs = targetFor(root, REQUIRE_CONDITIONS);
    return cjs === null || cjs === target ? [target] : [target, cjs];
  }
  const main = typeof pkg.main === "string" && pkg.main !== "" ? pkg.main : null;
  if (main === null) return ["index.js", "index.json", "index.node"];
  const asDir = path.join(main, "index");
  return [
    main,
    `${main}.js`,
    `${main}.json`,
    `${main}.node`,
    `${asDir}.js`,
    `${asDir}.json`,
    `${asDir}.node`,
  ];
};

const rootExport = (exports: unknown): unknown => {
  if (typeof exports === "string" || Array.isArray(exports)) return exports;
  if (exports === null || typeof exports !== "object") return undefined;
  const keys = Object.keys(exports);
  if (keys.some((k) => k.startsWith("."))) return (exports as Record<string, unknown>)["."];
  return exports; // a conditions object applies to "."
};

const CONDITIONS = ["node", "import", "require", "default"];

const firstTarget = (value: unknown): string | null => {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) {
    for (const v of value) {
      const t = firstTarget(v);
      if (t !== null) return t;
    }
    return null;
  }
  if (value === null || typeof value !== "object") return null;
  const record = value as Record<string, unknown>;
  for (const condition of CONDITIONS) {
    if (Object.hasOwn(record, condition)) {
      const t = firstTarget(record[condition]);
      if (t !== null) return t;
    }
  }
  return null;
};

const isFile = (p: string): boolean => {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
};

/** Does an installed version satisfy a spec? Prereleases only when the spec names them. */
export const versionSatisfies = (version: string, spec: string): boolean =>
  satisfiesMemo(`${version}\0${spec}`);

const satisfiesMemo = memoizeString((key: string): boolean => {
  const cut = key.indexOf("\0");
  const version = key.slice(0, cut);
  const spec = key.slice(cut + 1);
  try {
    return semver.satisfies(version, spec);
  } catch {
    return false;
  }
});
