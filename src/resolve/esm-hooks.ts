import { type HookCore, makeHookCore, type ResolveContext, resolveEsm } from "./hook-core.js";
import type { MaterializationRecord } from "./records.js";

/**
 * The module customization hooks registered by `plugdeps/register` with `module.register()` on
 * Node 20.6+ (when `module.registerHooks` is absent). This module runs in Node's hooks thread: it
 * gets the records once through `initialize` (`register(..., { data })`) and never reads the
 * stage again. Only `resolve` is customized; loading stays Node's own.
 */

export interface HookData {
  readonly records: readonly MaterializationRecord[];
}

let core: HookCore | null = null;

export const initialize = (data: HookData | undefined): void => {
  core = makeHookCore(data?.records ?? []);
};

export const resolve = (
  specifier: string,
  context: ResolveContext,
  nextResolve: (specifier: string, context: ResolveContext) => Promise<unknown>,
): Promise<unknown> =>
  core === null ? nextResolve(specifier, context) : resolveEsm(core, specifier, context, nextResolve);
