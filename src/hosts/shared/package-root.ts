import * as fs from "../../util/observed-fs.js";
import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { fsError, packageRootNotFound, type PlugdepsError } from "../../model/errors.js";
import type { HostInput } from "../types.js";
import { nonEmpty, resolveUserPath } from "./paths.js";

/**
 * Where an installed host package (e.g. `openclaw`) lives.
 *
 * `--package-root DIR` wins; otherwise the global install under npm's prefix, found WITHOUT
 * spawning npm (a read-only command must not start a package manager, and `npm prefix -g` is slow
 * and may itself read a broken user config). The answer is always a realpath (LESSONS: openclaw
 * #74963, junctions/PM2 gave two hashes for one install).
 */

const fixFor = (name: string): string =>
  `pass --package-root DIR (the directory holding ${name}'s package.json, e.g. \`$(npm root -g)/${name}\`)`;

export interface PackageRootOptions {
  /** Defaults to process.execPath: node's own prefix is npm's default global prefix. */
  readonly execPath?: string;
  /** Defaults to process.platform; Windows keeps global modules in `<prefix>/node_modules`. */
  readonly platform?: NodeJS.Platform;
}

export const findInstalledPackage = (
  packageName: string,
  input: HostInput,
  options: PackageRootOptions = {},
): E.Either<PlugdepsError, string> => {
  const FIX = fixFor(packageName);
  const flag = nonEmpty(input.flags.packageRoot);
  if (flag !== undefined) {
    const dir = resolveUserPath(flag, input.homedir);
    return hasPackageJson(dir)
      ? realpath(dir, "--package-root", FIX)
      : E.left(packageRootNotFound([`${dir} (--package-root; no package.json there)`], FIX));
  }
  const candidates = globalCandidates(input, options, packageName);
  const found = candidates.find((c) => hasPackageJson(c.path));
  if (found !== undefined) return realpath(found.path, found.source, FIX);
  return E.left(
    packageRootNotFound(
      candidates.map((c) => `${c.path} (${c.source})`),
      FIX,
    ),
  );
};

/** The global-install candidates, in order, deduplicated. Pure apart from reading `options`. */
export const globalCandidates = (
  input: HostInput,
  options: PackageRootOptions = {},
  packageName = "openclaw",
): { path: string; source: string }[] => {
  const platform = options.platform ?? process.platform;
  const execPath = options.execPath ?? process.execPath;
  const modulesOf = (prefix: string): string =>
    platform === "win32"
      ? path.join(prefix, "node_modules", packageName)
      : path.join(prefix, "lib", "node_modules", packageName);
  const prefixes: { prefix: string | undefined; source: string }[] = [
    { prefix: nonEmpty(input.env["npm_config_prefix"]), source: "$npm_config_prefix" },
    { prefix: nonEmpty(input.env["PREFIX"]), source: "$PREFIX" },
    {
      // node at <prefix>/bin/node (Unix) or <prefix>\node.exe (Windows)
      prefix: platform === "win32" ? path.dirname(execPath) : path.dirname(path.dirname(execPath)),
      source: "node's prefix",
    },
    { prefix: "/usr/local", source: "system" },
    { prefix: "/usr", source: "system" },
  ];
  const seen = new Set<string>();
  const out: { path: string; source: string }[] = [];
  for (const { prefix, source } of prefixes) {
    if (prefix === undefined) continue;
    const candidate = modulesOf(resolveUserPath(prefix, input.homedir));
    if (seen.has(candidate)) continue;
    seen.add(candidate);
    out.push({ path: candidate, source });
  }
  return out;
};

const hasPackageJson = (dir: string): boolean => {
  try {
    return fs.statSync(path.join(dir, "package.json")).isFile();
  } catch {
    return false;
  }
};

const realpath = (dir: string, source: string, FIX: string): E.Either<PlugdepsError, string> => {
  try {
    return E.right(fs.realpathSync(dir));
  } catch (err) {
    return E.left(fsError("realpath", dir, err, `check ${source}, or ${FIX}`));
  }
};

/** OpenClaw's package root. */
export const findPackageRoot = (
  input: HostInput,
  options: PackageRootOptions = {},
): E.Either<PlugdepsError, string> => findInstalledPackage("openclaw", input, options);
