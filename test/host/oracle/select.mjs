// The selection oracle of `npm run test:host`: OpenClaw's OWN code, loaded from a published
// tarball (scripts/fetch-openclaw.mjs) and called the way OpenClaw calls it. Run under Node 22
// (OpenClaw's engines field), never imported by the tests:
//
//   node select.mjs <version dir> <cases.json>
//
// <version dir> is .cache/openclaw/<version> (package/ inside it); <cases.json> is an array of
// {name, config}. Prints one JSON document: which function was called with which parameters, and
// for each case {name, doctor, gateway}, each {deps: [{name, version, pluginIds}],
// conflicts: [{name, versions, pluginIdsByVersion}], error?} or null when the version has no such
// path. Nothing of OpenClaw's is copied here: the functions are located by their real names in
// dist/*.js, mapped to their minified export aliases, imported and called.
/* global structuredClone */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { findChunksDefining } from "../../../scripts/fetch-openclaw.mjs";
import { exportAliases } from "./chunks.mjs";

/** Imports the dist chunk that defines `realName` and returns that function, with where it came from. */
const loadFunction = async (distDir, realName) => {
  const chunks = findChunksDefining(distDir, realName);
  if (chunks.length === 0) return null;
  if (chunks.length > 1) throw new Error(`${realName} is defined in several chunks: ${chunks.join(", ")}`);
  const chunk = chunks[0];
  const alias = exportAliases(fs.readFileSync(path.join(distDir, chunk), "utf8")).get(realName);
  if (!alias) throw new Error(`${chunk} defines ${realName} but does not export it`);
  const mod = await import(pathToFileURL(path.join(distDir, chunk)).href);
  const fn = mod[alias];
  if (typeof fn !== "function") throw new Error(`${chunk}: export ${alias} (${realName}) is not a function`);
  return { fn, chunk, alias, realName };
};

const plain = (result) => ({
  deps: (result.deps ?? []).map((d) => ({ name: d.name, version: d.version, pluginIds: [...d.pluginIds] })),
  conflicts: (result.conflicts ?? []).map((c) => ({
    name: c.name,
    versions: [...c.versions],
    pluginIdsByVersion: Object.fromEntries(
      c.pluginIdsByVersion instanceof Map ? c.pluginIdsByVersion : Object.entries(c.pluginIdsByVersion ?? {}),
    ),
  })),
});

const errorText = (error) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "openclaw-oracle-"));
let scratchCount = 0;
/** A fresh stage dir and home per call, so no call sees what another could have left. */
const freshEnv = () => {
  const dir = path.join(scratch, String(scratchCount++));
  fs.mkdirSync(path.join(dir, "stage"), { recursive: true });
  fs.mkdirSync(path.join(dir, "home"), { recursive: true });
  return { OPENCLAW_PLUGIN_STAGE_DIR: path.join(dir, "stage"), HOME: path.join(dir, "home") };
};

/**
 * The doctor / `openclaw plugins deps` selection of the version:
 * - 4.20: scanBundledPluginRuntimeDeps({packageRoot, config}) -> {missing, conflicts} (doctor's call;
 *   nothing is installed under the package root, so missing = every selected dependency);
 * - 4.22 - 4.29: scanBundledPluginRuntimeDeps({packageRoot, config, includeConfiguredChannels: true, env});
 * - 4.30: createBundledRuntimeDepsPackagePlan({packageRoot, config, includeConfiguredChannels: true, env}).
 * Which signature applies is read from the chunk: 4.20's scan returns no `deps`.
 */
const doctorOracle = async (distDir, packageRoot) => {
  const plan = await loadFunction(distDir, "createBundledRuntimeDepsPackagePlan");
  if (plan) {
    return {
      describe: {
        ...describe(plan),
        params: "{ packageRoot, config, includeConfiguredChannels: true, env }",
      },
      run: (config) =>
        plain(plan.fn({ packageRoot, config, includeConfiguredChannels: true, env: freshEnv() })),
    };
  }
  const scan = await loadFunction(distDir, "scanBundledPluginRuntimeDeps");
  if (!scan) return null;
  const source = fs.readFileSync(path.join(distDir, scan.chunk), "utf8");
  const takesEnv = /includeConfiguredChannels/.test(source);
  if (!takesEnv) {
    return {
      describe: {
        ...describe(scan),
        params: "{ packageRoot, config } (result: missing = all selected deps)",
      },
      run: (config) => {
        const result = scan.fn({ packageRoot, config });
        if ("deps" in result) throw new Error("4.20-style scan returned deps: the signature guess is wrong");
        return plain({ deps: result.missing, conflicts: result.conflicts });
      },
    };
  }
  return {
    describe: { ...describe(scan), params: "{ packageRoot, config, includeConfiguredChannels: true, env }" },
    run: (config) =>
      plain(scan.fn({ packageRoot, config, includeConfiguredChannels: true, env: freshEnv() })),
  };
};

/**
 * The gateway's startup pre-staging (4.29 - 4.30), composed of OpenClaw's own functions in the
 * order prepareGatewayPluginBootstrap (server.impl-*.js) calls them:
 *   activation = applyPluginAutoEnable({ config, env }).config
 *   cfg = mergeActivationSectionsIntoRuntimeConfig({ runtimeConfig: config, activationConfig: activation })
 *   plugins.enabled === false: no lookup, nothing staged
 *   ids = loadPluginLookUpTable({ config: cfg, workspaceDir, env, activationSourceConfig: config }).startup.pluginIds
 *   none: nothing staged (prestageGatewayBundledRuntimeDepsImpl returns early)
 *   4.29: scanBundledPluginRuntimeDeps({ packageRoot, config: cfg, selectedPluginIds: ids, env })
 *   4.30: createBundledRuntimeDepsPackagePlan({ packageRoot, config: cfg, exactPluginIds: ids, env })
 * The raw config stands for both the gateway's runtime config (its snapshot's `config`, with
 * OpenClaw's defaults applied) and its activation source (`sourceConfig`): see the report.
 */
const gatewayOracle = async (distDir, packageRoot) => {
  const lookup = await loadFunction(distDir, "loadPluginLookUpTable");
  if (!lookup) return loaderOracle(distDir, packageRoot);
  const merge = await loadFunction(distDir, "mergeActivationSectionsIntoRuntimeConfig");
  const autoEnable = await loadFunction(distDir, "applyPluginAutoEnable");
  const plan = await loadFunction(distDir, "createBundledRuntimeDepsPackagePlan");
  const scan = plan ? null : await loadFunction(distDir, "scanBundledPluginRuntimeDeps");
  if (!merge || !autoEnable || !(plan || scan)) throw new Error("gateway oracle: a function is missing");
  const select = plan
    ? (cfg, ids, env) => plan.fn({ packageRoot, config: cfg, exactPluginIds: ids, env })
    : (cfg, ids, env) => scan.fn({ packageRoot, config: cfg, selectedPluginIds: ids, env });
  return {
    describe: {
      functions: [lookup, merge, autoEnable, plan ?? scan].map(describe),
      params: plan
        ? "createBundledRuntimeDepsPackagePlan({ packageRoot, config: cfg, exactPluginIds: startup.pluginIds, env })"
        : "scanBundledPluginRuntimeDeps({ packageRoot, config: cfg, selectedPluginIds: startup.pluginIds, env })",
    },
    run: (config) => {
      const env = freshEnv();
      const workspaceDir = path.join(env.HOME, "workspace");
      const activation = autoEnable.fn({ config, env }).config;
      const cfg = merge.fn({ runtimeConfig: config, activationConfig: activation });
      if (cfg.plugins?.enabled === false) return { ...plain({ deps: [], conflicts: [] }), pluginIds: [] };
      const table = lookup.fn({ config: cfg, workspaceDir, env, activationSourceConfig: config });
      const ids = [...(table.startup?.pluginIds ?? [])];
      if (ids.length === 0) return { ...plain({ deps: [], conflicts: [] }), pluginIds: [] };
      return { ...plain(select(cfg, ids, env)), pluginIds: ids };
    },
  };
};

/**
 * 4.20 - 4.22 stage from inside the plugin loader, one plugin at a time, just before importing it
 * (`ensureBundledPluginRuntimeDeps`), and only when `isBundledPluginConfiguredForRuntimeDeps`
 * holds for the config the gateway loads with: the AUTO-ENABLED one (a channel configured without
 * `enabled` gets `enabled: true` from `applyPluginAutoEnable`). Running the loader itself would run
 * plugin code, so the oracle composes OpenClaw's own functions instead:
 *   activation = applyPluginAutoEnable({ config, env }).config
 *   scanBundledPluginRuntimeDeps({ packageRoot, config: activation, env })   (no configured-channel flag)
 * The scan applies the same `isBundledPluginConfiguredForRuntimeDeps` per plugin as the loader does.
 */
const loaderOracle = async (distDir, packageRoot) => {
  const autoEnable = await loadFunction(distDir, "applyPluginAutoEnable");
  const scan = await loadFunction(distDir, "scanBundledPluginRuntimeDeps");
  if (!autoEnable || !scan) return null;
  const known = catalogChannelIds(packageRoot);
  return {
    describe: {
      functions: [autoEnable, scan].map(describe),
      params:
        "scanBundledPluginRuntimeDeps({ packageRoot, config: applyPluginAutoEnable({ config, env }).config, env })",
    },
    run: (config) => {
      // A channel key the bundled channel catalog does not list (`Telegram`, `tg`) makes 4.20/4.22's
      // auto-enable LOAD the channel plugins to resolve it, and loading one runs its staging (a real
      // `npm install` into the package). The oracle never runs plugin code: such a config is judged
      // by the doctor oracle alone (null = not applicable).
      const channels = config.channels;
      if (channels && typeof channels === "object" && Object.keys(channels).some((key) => !known.has(key))) {
        return null;
      }
      const env = freshEnv();
      const activation = autoEnable.fn({ config, env }).config;
      const result = scan.fn({ packageRoot, config: activation, env });
      return "deps" in result ? plain(result) : plain({ deps: result.missing, conflicts: result.conflicts });
    },
  };
};

/** The channel ids of the bundled channel catalog: every extension's package.json `openclaw.channel`. */
const catalogChannelIds = (packageRoot) => {
  const ids = new Set(["defaults", "modelByChannel"]);
  const extensions = path.join(packageRoot, "dist", "extensions");
  for (const dir of fs.readdirSync(extensions)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(extensions, dir, "package.json"), "utf8"));
      const id = pkg?.openclaw?.channel?.id;
      if (typeof id === "string" && id.trim() !== "") ids.add(id.trim().toLowerCase());
    } catch {
      // no package.json: no catalog entry
    }
  }
  return ids;
};

const describe = ({ chunk, alias, realName }) => ({ function: realName, chunk: `dist/${chunk}`, alias });

const main = async () => {
  const [versionDir, casesFile] = process.argv.slice(2);
  if (!versionDir || !casesFile) throw new Error("usage: select.mjs <version dir> <cases.json>");
  const packageRoot = path.resolve(versionDir, "package");
  const distDir = path.join(packageRoot, "dist");
  const version = JSON.parse(fs.readFileSync(path.join(packageRoot, "package.json"), "utf8")).version;
  const cases = JSON.parse(fs.readFileSync(casesFile, "utf8"));

  const doctor = await doctorOracle(distDir, packageRoot);
  const gateway = doctor ? await gatewayOracle(distDir, packageRoot) : null;
  const results = cases.map(({ name, config }) => {
    const run = (oracle) => {
      if (!oracle) return null;
      try {
        // Each call gets its own deep copy: OpenClaw must not see what another call did to it.
        return oracle.run(structuredClone(config));
      } catch (error) {
        return { deps: [], conflicts: [], error: errorText(error) };
      }
    };
    return { name, doctor: run(doctor), gateway: run(gateway) };
  });
  process.stdout.write(
    `${JSON.stringify({ version, node: process.versions.node, oracles: { doctor: doctor?.describe ?? null, gateway: gateway?.describe ?? null }, results })}\n`,
  );
};

try {
  await main();
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}
