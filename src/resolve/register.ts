import * as nodeModule from "node:module";
import * as os from "node:os";
import * as E from "fp-ts/lib/Either.js";
import type { HookData } from "./esm-hooks.js";
import type { ResolveContext, SyncResolveResult } from "./hook-core.js";
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
 * - Node >= 22.15 / 23.5 have `module.registerHooks`: synchronous, in-thread hooks that cover
 *   `import` AND `require`. Used when present (set PLUGDEPS_REGISTER_HOOKS=legacy to force the
 *   mechanisms below instead).
 * - Node 20.6+ (and 22 before 22.15): `module.register` runs an async ESM resolve hook in a
 *   separate hooks thread (records passed via `data`), and CommonJS, which those hooks do not
 *   see on Node 20, gets a narrow `Module._resolveFilename` wrapper (cjs-patch.ts). Every ESM
 *   resolution then crosses to the hooks thread — Node's cost of `module.register`, not ours; our
 *   own work for a parent outside plugin dirs is one string prefix check.
 * - Node < 20.6 (no `module.register`): only `require` is covered; a warning says so.
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
  const records = readRecords(choice.right).records.filter((r) => (r.state.plugins ?? []).length > 0);
  if (records.length === 0) return;
  const core = makeHookCore(records);

  const registerHooks = (nodeModule as unknown as { registerHooks?: RegisterHooks }).registerHooks;
  if (typeof registerHooks === "function" && process.env["PLUGDEPS_REGISTER_HOOKS"] !== "legacy") {
    registerHooks({ resolve: syncResolveHook(core) });
    return;
  }
  if (typeof nodeModule.register === "function") {
    const data: HookData = { records };
    nodeModule.register("./esm-hooks.js", import.meta.url, { data });
  } else {
    warn(
      `Node ${process.version} has no module.register: ESM imports of plugin dependencies are not redirected (use Node >= 20.6).`,
    );
  }
  patchRequire(core);
};

// Top-level await: the entry module runs only after the hooks are in place.
try {
  await start();
} catch (err) {
  warn(
    `could not install the resolution hooks (imports are left to Node's own resolution):\n${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
  );
}
