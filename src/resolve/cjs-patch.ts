import { createRequire } from "node:module";
import {
  concernsPath,
  type HookCore,
  isNotFound,
  notFoundError,
  notMaterializedMessage,
  route,
} from "./hook-core.js";

/**
 * CommonJS on Node without `module.registerHooks` (Node 20, 22 < 22.15): `require` never reaches
 * the ESM hooks, so `Module._resolveFilename` is wrapped, NARROWLY. The wrapper calls the original
 * untouched unless the parent module's file is inside a recorded plugin dir (one startsWith) and
 * the request is a declared bare dependency of that plugin with no explicit `paths` option. A
 * redirect is the original itself with `paths: [<set dir>]`, the documented `require.resolve`
 * option, so `exports` with the `require` condition, `main`, extensions and the module cache all
 * behave exactly as Node's own.
 */

type ResolveFilename = (
  this: unknown,
  request: string,
  parent: { filename?: unknown } | null | undefined,
  isMain: boolean,
  options?: { paths?: unknown; [key: string]: unknown },
) => string;

interface ModuleInternals {
  _resolveFilename: ResolveFilename;
}

/** Installs the wrapper; returns a function that restores the previous `_resolveFilename`. */
export const patchRequire = (core: HookCore): (() => void) => {
  const Module = createRequire(import.meta.url)("node:module") as ModuleInternals;
  const original = Module._resolveFilename;
  const patched: ResolveFilename = function (this: unknown, request, parent, isMain, options) {
    const file = parent?.filename;
    if (!concernsPath(core, file) || typeof request !== "string" || options?.paths !== undefined) {
      return original.call(this, request, parent, isMain, options);
    }
    const r = route(core, file, request);
    if (r._tag === "Default") return original.call(this, request, parent, isMain, options);
    if (r._tag === "Redirect") {
      return original.call(this, request, parent, isMain, { ...options, paths: [r.candidate.from] });
    }
    try {
      return original.call(this, request, parent, isMain, options);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      const message = notMaterializedMessage(r.decision, file, r.missing, (err as Error).message);
      throw Object.assign(notFoundError(message, "MODULE_NOT_FOUND"), {
        requireStack: (err as { requireStack?: unknown }).requireStack,
      });
    }
  };
  Module._resolveFilename = patched;
  return () => {
    if (Module._resolveFilename === patched) Module._resolveFilename = original;
  };
};
