import { createRequire } from "node:module";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { patchRequire } from "../../src/resolve/cjs-patch.js";
import {
  makeHookCore,
  type ResolveContext,
  resolveEsm,
  type SyncResolveResult,
  syncResolveHook,
} from "../../src/resolve/hook-core.js";
import type { MaterializationRecord } from "../../src/resolve/records.js";
import { mkdirp, rootState, writeFile } from "../support/trees.js";
import { tempDir } from "../support/temp.js";

/**
 * The hook mechanics on a fake tree, in-process: the module.register resolve step (async next),
 * the registerHooks step (sync next; also run for real on Node 22 by
 * test/integration/register-hook.test.ts), and the CommonJS `_resolveFilename` wrapper, including that it is restored and that
 * everything outside plugin dirs reaches the next resolver untouched.
 */

const tmp = tempDir("resolve-hooks");

const ext = mkdirp(tmp, "host", "dist", "extensions");
const plugin = mkdirp(ext, "p");
const root = mkdirp(tmp, "stage", "openclaw-1.0.0-0123456789ab");
// A conditional-exports package in the shared set: import -> index.mjs, require -> index.cjs.
const pkgDir = mkdirp(root, "node_modules", "@s", "dual");
writeFile(
  path.join(pkgDir, "package.json"),
  JSON.stringify({
    name: "@s/dual",
    version: "1.0.0",
    exports: { ".": { import: "./index.mjs", require: "./index.cjs" } },
  }),
);
writeFile(path.join(pkgDir, "index.mjs"), "export default 'esm';\n");
writeFile(path.join(pkgDir, "index.cjs"), "module.exports = 'cjs';\n");

const record: MaterializationRecord = {
  root,
  stageBase: path.dirname(root),
  state: {
    ...rootState({ hostName: "openclaw", packageRoot: path.join(tmp, "host") }),
    sets: [
      {
        id: "shared",
        dir: ".",
        packages: {
          "@s/dual": { spec: "^1.0.0", version: "1.0.0" },
          gone: { spec: "^1.0.0", version: "1.0.0" },
        },
      },
    ],
    plugins: [{ id: "p", dir: plugin, dependencies: ["@s/dual", "gone"] }],
  },
  specs: {},
};
const core = makeHookCore([record]);
const importer = path.join(plugin, "index.js");
const importerUrl = pathToFileURL(importer).href;

/** A `next` that records what it was called with and answers with a fixed URL. */
const recordingNext = () => {
  const calls: { specifier: string; context: ResolveContext }[] = [];
  const next = (specifier: string, context: ResolveContext = {}): SyncResolveResult => {
    calls.push({ specifier, context });
    return { url: "file:///next" };
  };
  return { calls, next };
};

const notFound = (code: string) => () => {
  throw Object.assign(new Error("Cannot find package"), { code });
};

describe("ESM resolve step", () => {
  it("a declared dependency is resolved by the next resolver as if imported from its set", () => {
    const { calls, next } = recordingNext();
    const context = { parentURL: importerUrl, conditions: ["node", "import"], importAttributes: {} };
    resolveEsm(core, "@s/dual", context, next);
    expect(calls).toEqual([
      {
        specifier: "@s/dual",
        // Conditions and attributes are passed on untouched: Node's resolver applies `exports`.
        context: { ...context, parentURL: pathToFileURL(path.join(root, "noop.js")).href },
      },
    ]);
  });

  it.each([
    ["a file outside plugin dirs", pathToFileURL(path.join(tmp, "host", "dist", "index.js")).href, "@s/dual"],
    ["no parent (the entry point)", undefined, "@s/dual"],
    ["a relative import", importerUrl, "./x.js"],
    ["an undeclared package", importerUrl, "lodash"],
  ])("%s: the next resolver gets the very same context", (_, parentURL, specifier) => {
    const { calls, next } = recordingNext();
    const context = { parentURL, conditions: ["import"] };
    resolveEsm(core, specifier, context, next);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.context).toBe(context);
  });

  it("declared, not materialized, and Node fails too: the actionable error (async next)", async () => {
    const next = () =>
      Promise.reject(
        Object.assign(new Error("Cannot find package 'gone'"), { code: "ERR_MODULE_NOT_FOUND" }),
      );
    const err = await resolveEsm(core, "gone", { parentURL: importerUrl }, next).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "ERR_MODULE_NOT_FOUND" });
    expect((err as Error).message).toMatch(
      /plugin "p" declares gone, but it is not materialized in .*Fix: run `plugdeps apply`/,
    );
  });

  it("other failures of the next resolver are passed on unchanged", async () => {
    const boom = Object.assign(new Error("exports say no"), { code: "ERR_PACKAGE_PATH_NOT_EXPORTED" });
    await expect(
      resolveEsm(core, "gone", { parentURL: importerUrl }, () => Promise.reject(boom)),
    ).rejects.toBe(boom);
  });
});

describe("synchronous hook (module.registerHooks)", () => {
  const hook = syncResolveHook(core);

  it("import: redirected through the next resolver, like the async hook", () => {
    const { calls, next } = recordingNext();
    hook("@s/dual", { parentURL: importerUrl, conditions: ["node", "import"] }, next);
    expect(calls[0]?.context.parentURL).toBe(pathToFileURL(path.join(root, "noop.js")).href);
  });

  it("require: passed to next, which is the CommonJS wrapper (it also covers require.resolve)", () => {
    const { calls, next } = recordingNext();
    const context = { parentURL: importerUrl, conditions: ["require", "node"] };
    hook("@s/dual", context, next);
    expect(calls[0]?.context).toBe(context);
  });

  it("import of a declared, missing dependency: ERR_MODULE_NOT_FOUND with the actionable message", () => {
    expect(() =>
      hook("gone", { parentURL: importerUrl, conditions: ["import"] }, notFound("ERR_MODULE_NOT_FOUND")),
    ).toThrow(
      expect.objectContaining({
        code: "ERR_MODULE_NOT_FOUND",
        message: expect.stringContaining("plugdeps apply"),
      }),
    );
  });

  it("outside plugin dirs: straight to next", () => {
    const { calls, next } = recordingNext();
    const context = { parentURL: "file:///srv/app.js", conditions: ["require"] };
    hook("@s/dual", context, next);
    expect(calls[0]?.context).toBe(context);
  });
});

describe("CommonJS: the Module._resolveFilename wrapper", () => {
  it("redirects a plugin's require of a declared dependency (require condition), restores cleanly", () => {
    const Module = createRequire(import.meta.url)("node:module") as { _resolveFilename: unknown };
    const before = Module._resolveFilename;
    const requireFromPlugin = createRequire(importer);
    expect(() => requireFromPlugin.resolve("@s/dual")).toThrow(/Cannot find module/);
    const restore = patchRequire(core);
    try {
      expect(requireFromPlugin.resolve("@s/dual")).toBe(path.join(pkgDir, "index.cjs"));
      // Explicit `paths` are the caller's choice: untouched.
      expect(() => requireFromPlugin.resolve("@s/dual", { paths: [plugin] })).toThrow(/Cannot find module/);
      // Outside plugin dirs: Node's own answer.
      expect(() => createRequire(path.join(tmp, "host", "x.js")).resolve("@s/dual")).toThrow(
        /Cannot find module/,
      );
      expect(() => requireFromPlugin.resolve("gone")).toThrow(
        expect.objectContaining({
          code: "MODULE_NOT_FOUND",
          message: expect.stringContaining('plugin "p" declares gone'),
        }),
      );
    } finally {
      restore();
    }
    expect(Module._resolveFilename).toBe(before);
  });
});
