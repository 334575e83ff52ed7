import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { hostUnknown, type PlugdepsError, usageError } from "../model/errors.js";
import { openclawAdapter } from "./openclaw/index.js";
import { loadProfileAdapter } from "./profile/index.js";
import { nonEmpty, resolveUserPath } from "./shared/paths.js";
import type { HostAdapter, HostInput } from "./types.js";
import { readTextFile } from "../util/read-json.js";

/**
 * `--host openclaw | profile:FILE`; without it, detected from `--package-root`'s package.json
 * name, and OpenClaw (the first host plugdeps serves) when no package root is given either.
 */
export const selectAdapter = (
  host: string | undefined,
  input: HostInput,
): E.Either<PlugdepsError, HostAdapter> => {
  const chosen = nonEmpty(host);
  if (chosen === "openclaw") return E.right(openclawAdapter);
  if (chosen !== undefined && chosen.startsWith("profile:")) {
    return loadProfileAdapter(resolveUserPath(chosen.slice("profile:".length), input.homedir));
  }
  if (chosen !== undefined)
    return E.left(usageError(`unknown --host ${JSON.stringify(chosen)}: use openclaw or profile:FILE`));

  const root = nonEmpty(input.flags.packageRoot);
  if (root === undefined) return E.right(openclawAdapter);
  const manifest = path.join(resolveUserPath(root, input.homedir), "package.json");
  let name: unknown;
  try {
    // readTextFile: a FIFO (or a device) as package.json must not block the read forever.
    const text = readTextFile(manifest);
    if (E.isLeft(text)) return E.right(openclawAdapter);
    name = (JSON.parse(text.right) as { name?: unknown }).name;
  } catch {
    // The adapter's own package-root check reports a missing or broken package.json precisely.
    return E.right(openclawAdapter);
  }
  if (name === "openclaw") return E.right(openclawAdapter);
  return E.left(
    hostUnknown(
      path.dirname(manifest),
      `its package.json names ${JSON.stringify(name)}, not a built-in host`,
    ),
  );
};
