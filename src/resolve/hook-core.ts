import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as semver from "semver";
import {
  type Candidate,
  type ResolutionDecision,
  decide,
  indexRecords,
  mayConcern,
  pickCandidate,
  type ResolutionIndex,
  type Skip,
} from "./decide.js";
import type { MaterializationRecord } from "./records.js";

/**
 * What the hooks (ESM resolve hook, the CommonJS patch, Node's synchronous `registerHooks`) share:
 * the index built once from the records, the routing of one import, and the actionable error.
 * No I/O happens here for an import outside plugin directories.
 */

export interface HookCore {
  readonly index: ResolutionIndex;
  /** `file:` URL of the common plugin-dir prefix: ESM parents are checked without decoding. */
  readonly prefixUrl: string | null;
}

export const makeHookCore = (records: readonly MaterializationRecord[]): HookCore => {
  const index = indexRecords(records);
  // The prefix ends in a separator and so must its URL: a sibling such as ".../extensions-old/"
  // never matches ".../extensions/". pathToFileURL encodes the way Node builds parent URLs.
  const prefixUrl = index.prefix === null ? null : pathToFileURL(index.prefix).href;
  return { index, prefixUrl: prefixUrl === null || prefixUrl.endsWith("/") ? prefixUrl : `${prefixUrl}/` };
};

/** The fast path for ESM: one startsWith on the parent URL string. */
export const concernsUrl = (core: HookCore, parentURL: string | undefined): parentURL is string =>
  parentURL !== undefined && core.prefixUrl !== null && parentURL.startsWith(core.prefixUrl);

/** The fast path for CommonJS: one startsWith on the parent's filename. */
export const concernsPath = (core: HookCore, file: unknown): file is string =>
  typeof file === "string" && mayConcern(core.index, file);

export type Route =
  | { readonly _tag: "Default" }
  /** Resolve as if imported from `candidate.from` (its node_modules holds the package). */
  | { readonly _tag: "Redirect"; readonly candidate: Candidate; readonly decision: ResolutionDecision }
  /** Declared but not materialized here: Node's own resolution; if that fails, our error. */
  | {
      readonly _tag: "Fallback";
      readonly decision: ResolutionDecision & { _tag: "Declared" };
      readonly missing: Skip[];
    };

const isDirectory = (dir: string): boolean => {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
};

export const route = (core: HookCore, file: string, specifier: string): Route => {
  const decision = decide(core.index, file, specifier);
  if (decision._tag !== "Declared") return { _tag: "Default" };
  const { chosen, missing } = pickCandidate(decision, isDirectory);
  return chosen === null
    ? { _tag: "Fallback", decision, missing }
    : { _tag: "Redirect", candidate: chosen, decision };
};

/** The message when a declared dependency is neither materialized nor found by Node. */
export const notMaterializedMessage = (
  decision: ResolutionDecision & { _tag: "Declared" },
  importer: string,
  missing: readonly Skip[],
  nodeError: string | null,
): string => {
  const { plugin, name, root } = decision;
  const where = [...decision.skipped, ...missing]
    .filter((s) => !s.what.startsWith("root "))
    .map((s) => `${s.what}: ${s.reason}`)
    .join("; ");
  // A spec that is not a semver range (git, file:, URL) is rejected by plan: apply alone will
  // not bring it, so the fix says what will.
  const installable = decision.spec === null || semver.validRange(decision.spec) !== null;
  const fix = installable
    ? `Fix: run \`plugdeps apply\` with this host's options to materialize ${plugin.id}'s dependencies`
    : `Fix: plugdeps installs only semver versions and ranges, so ${decision.spec} is rejected (\`plugdeps plan\` ` +
      `says why): give ${name} a semver spec or ship it with the host, then run \`plugdeps apply\``;
  return (
    `Cannot find package '${name}' imported from ${importer}: plugin "${plugin.id}" declares ${name}` +
    `${decision.spec === null ? "" : ` (${decision.spec})`}, but it is not materialized in ${root.path} ` +
    `(${where}) and Node's own resolution from ${plugin.dir} does not find it either` +
    `${nodeError === null ? "" : ` (${firstLine(nodeError)})`}. ` +
    `${fix}; \`plugdeps resolve --plugin ${plugin.id} ${name}\` explains the lookup.`
  );
};

const firstLine = (text: string): string => text.split("\n")[0] ?? text;

export type NodeNotFound = Error & { code: string };

export const notFoundError = (
  message: string,
  code: "ERR_MODULE_NOT_FOUND" | "MODULE_NOT_FOUND",
): NodeNotFound => Object.assign(new Error(message), { code });

export const isNotFound = (err: unknown): boolean => {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND";
};

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * `parentURL` for "resolve as if imported from a file in `dir`". Node's ESM resolver looks for a
 * bare package at `new URL("./node_modules/<name>", parentURL)` and upward, so any file name in
 * `dir` works; the file need not exist.
 */
const parentUrlIn = (dir: string): string => pathToFileURL(path.join(dir, "noop.js")).href;

// ---------------------------------------------------------------------------------------------
// The ESM resolve step (used by the module.register hook and by registerHooks for `import`)

export interface ResolveContext {
  readonly parentURL?: string | undefined;
  readonly conditions?: readonly string[];
  readonly [key: string]: unknown;
}

/**
 * Redirect a declared dependency by calling the NEXT resolver with the chosen set as the parent.
 * Why not resolve the package directory ourselves: Node's resolver then applies `exports` with
 * exactly this import's conditions (`import` vs `require`, `node`, `module-sync`, user
 * `--conditions`), subpath patterns, the `main` fallback, extension rules and symlink handling,
 * identically across Node versions and any other loader chained after us. The existence check in
 * pickCandidate guarantees the first directory Node looks in is the chosen one.
 */
export const resolveEsm = <T>(
  core: HookCore,
  specifier: string,
  context: ResolveContext,
  next: (specifier: string, context: ResolveContext) => T,
): T => {
  if (!concernsUrl(core, context.parentURL)) return next(specifier, context);
  let file: string;
  try {
    file = fileURLToPath(context.parentURL);
  } catch {
    return next(specifier, context);
  }
  const r = route(core, file, specifier);
  if (r._tag === "Default") return next(specifier, context);
  if (r._tag === "Redirect") return next(specifier, { ...context, parentURL: parentUrlIn(r.candidate.from) });
  const fail = (err: unknown): never => {
    if (!isNotFound(err)) throw err;
    throw notFoundError(
      notMaterializedMessage(r.decision, file, r.missing, messageOf(err)),
      "ERR_MODULE_NOT_FOUND",
    );
  };
  try {
    const result = next(specifier, context);
    // module.register's nextResolve is async, registerHooks' is sync: handle both.
    return isPromise(result) ? (result.then(undefined, fail) as T) : result;
  } catch (err) {
    return fail(err);
  }
};

const isPromise = (value: unknown): value is Promise<unknown> =>
  typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";

// ---------------------------------------------------------------------------------------------
// The synchronous hook for Node >= 22.15 / 23.5 (`module.registerHooks`), for import, in the
// loading thread. `require` is left to the next step, which is `Module._resolveFilename`: the
// CommonJS wrapper (cjs-patch.ts) is installed on every Node, because on Node 22 `require.resolve`
// does not run resolve hooks at all (found by the Node 22 run of test/integration/register-hook:
// a plugin's `require.resolve` of a declared dependency failed while its `require` worked).

export interface SyncResolveResult {
  readonly url: string;
  readonly format?: string | null | undefined;
  readonly shortCircuit?: boolean;
  readonly [key: string]: unknown;
}

export const syncResolveHook =
  (core: HookCore) =>
  (
    specifier: string,
    context: ResolveContext,
    next: (specifier: string, context?: ResolveContext) => SyncResolveResult,
  ): SyncResolveResult => {
    if (!concernsUrl(core, context.parentURL)) return next(specifier, context);
    if ((context.conditions ?? []).includes("require")) return next(specifier, context);
    return resolveEsm(core, specifier, context, next);
  };
