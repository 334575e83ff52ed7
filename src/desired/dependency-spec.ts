import * as semver from "semver";
import validateNpmPackageName from "validate-npm-package-name";
import { memoizeString } from "../util/memo.js";
import { isSatisfiable } from "./semver-ranges.js";

/**
 * Validation of one dependency entry (name + spec) from a plugin manifest. Manifests are
 * untrusted input (SPEC §4.12): a name decides a path under node_modules, so anything that could
 * escape it is refused here, before any path is built from it.
 */

export type SpecVerdict =
  | { readonly _tag: "Accepted"; readonly range: string }
  | { readonly _tag: "Skipped"; readonly reason: string }
  | { readonly _tag: "Rejected"; readonly reason: string };

/** Returns null when the name is a valid npm package name that stays inside node_modules. */
export const checkPackageName = (name: string): string | null => checkPackageNameMemo(name);

const checkPackageNameUncached = (name: string): string | null => {
  // Path shape first: exactly `name` or `@scope/name`, no `.`/`..` segments, no backslashes.
  // validate-npm-package-name alone accepts some legacy names we never want as a path.
  if (!/^(@[^/\\]+\/)?[^/\\]+$/.test(name)) return "not a package name (path separators or traversal)";
  if (name.split("/").some((seg) => seg === "." || seg === ".." || seg === "@")) return "path traversal";
  const result = validateNpmPackageName(name);
  if (!result.validForOldPackages) {
    return `not a valid npm package name: ${[...(result.errors ?? []), ...(result.warnings ?? [])].join("; ")}`;
  }
  // Names that are only valid for old packages are accepted: real, still-used packages have them
  // (`JSONStream` has capitals; `buffer`, `events`, `punycode` are core module names). Their other
  // legacy characters (`~'!()*`) are plain file-name characters on POSIX and nothing here passes a
  // name through a shell. Length is the exception: npm's limit is 214 and a longer name is a
  // file-name-too-long failure halfway through an install, so it is refused up front.
  if (name.length > MAX_NAME_LENGTH)
    return `not a valid npm package name: longer than ${MAX_NAME_LENGTH} characters`;
  return null;
};

const MAX_NAME_LENGTH = 214;
const checkPackageNameMemo = memoizeString(checkPackageNameUncached);

const PROTOCOL = /^([a-z][a-z0-9+.-]*):/i;

/**
 * Only semver versions and ranges are materialized. `workspace:` is skipped (it means "the host
 * ships it from its own workspace"); every other protocol is refused with the reason, because it
 * would let a manifest point the package manager at a path, a repository or a URL.
 */
export const checkSpec = (spec: string): SpecVerdict => checkSpecMemo(spec);

const checkSpecUncached = (spec: string): SpecVerdict => {
  const trimmed = spec.trim();
  if (/^[a-z]:[/\\]/i.test(trimmed)) {
    return { _tag: "Rejected", reason: "looks like a Windows path (only semver versions and ranges)" };
  }
  const protocol = PROTOCOL.exec(trimmed)?.[1]?.toLowerCase();
  if (protocol === "workspace")
    return { _tag: "Skipped", reason: "workspace: spec (provided by the host workspace)" };
  if (protocol !== undefined) {
    return {
      _tag: "Rejected",
      reason: `${protocol}: specs are not supported (only semver versions and ranges)`,
    };
  }
  if (/[/\\]/.test(trimmed)) {
    return {
      _tag: "Rejected",
      reason: "looks like a path or a repository shorthand (only semver versions and ranges)",
    };
  }
  const range = semver.validRange(trimmed);
  if (range === null || trimmed === "") {
    return {
      _tag: "Rejected",
      reason: "not a semver version or range (dist-tags such as `latest` are not supported)",
    };
  }
  // A range no version can satisfy (`>=3 <2`) would poison the conflict resolution (it never
  // intersects anything) and fail the install; it is a manifest error like any other.
  if (!isSatisfiable(trimmed)) {
    return { _tag: "Rejected", reason: `no version can satisfy ${JSON.stringify(trimmed)}` };
  }
  return { _tag: "Accepted", range: trimmed };
};

const checkSpecMemo = memoizeString(checkSpecUncached);
