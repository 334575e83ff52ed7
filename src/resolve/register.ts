import * as nodeModule from "node:module";
import * as os from "node:os";
import * as E from "fp-ts/lib/Either.js";
import type { HookData } from "./esm-hooks.js";
import type { ResolveContext, SyncResolveResult } from "./hook-core.js";
import { escapeForTerminal } from "../util/escape.js";
import { chooseHost, mayHoldRoots } from "./stage-bases.js";

/**
 * `plugdeps/register`: `node --import plugdeps/register app.js`, or in a systemd unit
 * `Environment=NODE_OPTIONS=--import /abs/path/to/plugdeps/dist/src/resolve/register.js` (an
 * absolute path: `--import` resolves a bare name from the working directory, and ESM ignores
 * NODE_PATH).
 *
 * At start it reads the materialization records ONCE (records.ts: the stage bases from
 * PLUGDEPS_STAGE_DIR, or the host adapter's variables; one state file per root) and installs
 * resolution hooks so that a plugin's bare import of a declared dependency resolves from the
 * materialized root. Nothing is re-read per import. With no record listing a plugin, nothing is
 * installed at all.
 *
 * Node versions:
 * - CommonJS, everywhere: a narrow `Module._resolveFilename` wrapper (cjs-patch.ts). It covers
 *   `require` and `require.resolve`; the latter does not run Node 22's resolve hooks.
 * - ESM on Node >= 22.15 / 23.5: `module.registerHooks`, a synchronous hook in the loading thread;
 *   for a parent outside plugin dirs it costs one string prefix check (set
 *   PLUGDEPS_REGISTER_HOOKS=legacy to use module.register instead).
 * - ESM on Node 20.6+ (and 22 before 22.15): `module.register`, an async hook in Node's separate
 *   hooks thread (records passed via `data`). Every ESM resolution in the process, plugin or not,
 *   then crosses to that thread: Node's cost of module.register, measured in
 *   bench/register-overhead.mjs and stated in docs/operations.md. Use Node >= 22.15 where that
 *   matters.
 * - Node < 20.6 (no `module.register`): only `require` is covered; a warning says so.
 *
 * What was installed is readable at `globalThis[Symbol.for("plugdeps.register")]`.
 *
 * Also: a parent file is matched by its real path (Node's default); under --preserve-symlinks a
 * plugin loaded through a symlinked path is not recognized and its imports are left to Node.
 * The registerHooks branch cannot run on this repository's Node 20: its hook function is unit
 * tested (test/unit/resolve-hooks.test.ts), its wiring into Node is not.
 *
 * A failure to read the records never stops the host: it is reported on stderr and imports are
 * left to Node.
 */

type RegisterHooks = (hooks: {
  resolve: (
    specifier: string,
    context: ResolveContext,
    next: (specifier: string, context?: ResolveContext) => SyncResolveResult,
  ) => SyncResolveResult;
}) => unknown;

const warn = (text: string): void => {
  process.stderr.write(`plugdeps/register: ${text}\n`);
};

const start = async (): Promise<void> => {
  const choice = chooseHost({ env: process.env, homedir: os.homedir() });
  if (E.isLeft(choice)) {
    warn(`${choice.left.message}\nImports are left to Node's own resolution.`);
    return;
  }
  // Nothing that looks like a root: done, without loading the state codecs or the hooks.
  if (!mayHoldRoots(choice.right)) return;
  const [{ readRecords }, { makeHookCore, syncResolveHook }, { patchRequire }] = await Promise.all([
    import("./records.js"),
    import("./hook-core.js"),
    import("./cjs-patch.js"),
  ]);
  const found = readRecords(choice.right);
  warnRefused(found.refused);
  const records = found.records.filter((r) => (r.state.plugins ?? []).length > 0);
  if (records.length === 0) return;
  const core = makeHookCore(records);

  // CommonJS (require and require.resolve) on every Node: see hook-core.ts for why not the hooks.
  patchRequire(core);
  const registerHooks = (nodeModule as unknown as { registerHooks?: RegisterHooks }).registerHooks;
  if (typeof registerHooks === "function" && process.env["PLUGDEPS_REGISTER_HOOKS"] !== "legacy") {
    registerHooks({ resolve: syncResolveHook(core) });
    announce({ esm: "module.registerHooks", cjs: "Module._resolveFilename", roots: records.length });
  } else if (typeof nodeModule.register === "function") {
    const data: HookData = { records };
    nodeModule.register("./esm-hooks.js", import.meta.url, { data });
    announce({ esm: "module.register", cjs: "Module._resolveFilename", roots: records.length });
  } else {
    warn(
      `Node ${process.version} has no module.register: ESM imports of plugin dependencies are not redirected (use Node >= 20.6).`,
    );
    announce({ esm: "none", cjs: "Module._resolveFilename", roots: records.length });
  }
};

/**
 * One warning for every file the records would have come from but that was refused unread (a
 * FIFO, a device, a symlink, too large: issue 15 item 8). What it names is left to Node.
 */
const warnRefused = (refused: readonly { readonly path: string; readonly reason: string }[]): void => {
  if (refused.length === 0) return;
  const shown = refused.slice(0, 5).map((r) => escapeForTerminal(r.reason));
  const more = refused.length > shown.length ? `; and ${refused.length - shown.length} more` : "";
  warn(
    `${shown.join("; ")}${more}: refused unread; what ${refused.length === 1 ? "it records is" : "they record is"} left to Node's own resolution.`,
  );
};

/**
 * What was installed, for a host (or an operator with `node --import ... -p`) to check:
 * `globalThis[Symbol.for("plugdeps.register")]`.
 */
const announce = (what: { esm: string; cjs: string; roots: number }): void => {
  (globalThis as Record<symbol, unknown>)[Symbol.for("plugdeps.register")] = Object.freeze(what);
};

// Top-level await: the entry module runs only after the hooks are in place.
try {
  await start();
} catch (err) {
  warn(
    `could not install the resolution hooks (imports are left to Node's own resolution):\n${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
  );
}
