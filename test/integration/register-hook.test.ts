import * as fs from "node:fs";
import * as path from "node:path";
import { execa } from "execa";
import * as semver from "semver";
import { beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/cli.js";
import {
  addPlugin,
  apply,
  APPLY_TIMEOUT_MS,
  type ApplySandbox,
  expectOk,
  makeApplySandbox,
  testPath,
} from "../support/apply.js";
import { findNode22 } from "../support/node22.js";
import { readOnlyMountArgs, readOnlyMountUnavailable } from "../support/readonly-mount.js";

/**
 * `node --import <dist>/src/resolve/register.js` end to end: a real root built by `plugdeps apply`
 * (pnpm, local registry) from a copy of the demo host, then real ESM and CommonJS plugin files
 * loaded from the host, once as it is and once bind-mounted READ-ONLY in a private mount namespace
 * (root + unshare; skipped with a reason where unavailable). The child gets only
 * PLUGDEPS_STAGE_DIR (plus PATH and HOME): the hook finds the records itself.
 */

const REGISTER = path.join(REPO_ROOT, "dist", "src", "resolve", "register.js");

/** Each probe file loads `names` with its own import()/require() and reports what it got. */
const ESM_PROBE = (names: readonly string[]) => `import { fileURLToPath } from "node:url";
const out = {};
for (const name of ${JSON.stringify(names)}) {
  try {
    const mod = await import(name);
    const value = mod.default ?? mod;
    out[name] = { version: value.version, format: value.format ?? null, file: fileURLToPath(import.meta.resolve(name)) };
  } catch (err) {
    out[name] = { error: { code: err.code ?? null, message: err.message } };
  }
}
export default out;
`;

const CJS_PROBE = (names: readonly string[]) => `"use strict";
const out = {};
for (const name of ${JSON.stringify(names)}) {
  try {
    const value = require(name);
    out[name] = { version: value.version, format: value.format ?? null, file: require.resolve(name) };
  } catch (err) {
    out[name] = { error: { code: err.code ?? null, message: err.message } };
  }
}
module.exports = out;
`;

/**
 * The runner lives OUTSIDE every plugin dir. Arguments: `import:FILE`, `require:FILE`, or
 * `write:DIR` (tries to create a file there and reports the error code: proves the mount), or
 * `mechanism:` (what plugdeps/register reports it installed).
 */
const RUNNER = `import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
const require = createRequire(import.meta.url);
const out = {};
for (const arg of process.argv.slice(2)) {
  const [how, target] = [arg.slice(0, arg.indexOf(":")), arg.slice(arg.indexOf(":") + 1)];
  try {
    if (how === "write") {
      const probe = path.join(target, ".plugdeps-write-probe");
      fs.writeFileSync(probe, "x");
      fs.rmSync(probe);
      out[arg] = { written: true };
    } else if (how === "mechanism") out[arg] = globalThis[Symbol.for("plugdeps.register")] ?? null;
    else if (how === "require") out[arg] = require(target);
    else out[arg] = (await import(pathToFileURL(target).href)).default;
  } catch (err) {
    out[arg] = { loadError: { code: err.code ?? null, message: err.message } };
  }
}
process.stdout.write(JSON.stringify(out));
`;

interface Loaded {
  readonly version?: string;
  readonly format?: string | null;
  readonly file?: string;
  readonly error?: { readonly code: string | null; readonly message: string };
}
type ProbeResult = Record<string, Loaded>;
type RunnerOutput = Record<string, ProbeResult | { loadError: { code: string | null; message: string } }>;

let sb: ApplySandbox;
let root: string;
let realRoot: string;
let runner: string;
const ext = (...parts: string[]) => path.join(sb.host, "dist", "extensions", ...parts);

const writeFile = (file: string, text: string) => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
};

/** Every probe, and how the runner loads it. */
const probeArgs = (): string[] => [
  `import:${ext("slack", "probe.mjs")}`,
  `import:${ext("telegram", "probe.mjs")}`,
  `require:${ext("telegram", "probe.cjs")}`,
  `import:${ext("discord", "probe.mjs")}`,
  // A CommonJS plugin file reached through import(): its require() calls are still CommonJS.
  `import:${ext("discord", "probe.cjs")}`,
  `import:${ext("exporter", "probe.mjs")}`,
  `require:${ext("exporter", "probe.cjs")}`,
  `import:${ext("ghost", "probe.mjs")}`,
  `require:${ext("ghost", "probe.cjs")}`,
  `import:${path.join(sb.host, "dist", "outside.mjs")}`,
  `require:${path.join(sb.host, "dist", "outside.cjs")}`,
  `write:${sb.host}`,
  "mechanism:",
];

const childEnv = () => ({ PATH: testPath(), HOME: sb.home, LANG: "C.UTF-8", PLUGDEPS_STAGE_DIR: sb.stage });

const parse = (r: { stdout: string; stderr: string; exitCode?: number | undefined }): RunnerOutput => {
  expect(r.exitCode, `runner failed:\n${r.stderr}\n${r.stdout}`).toBe(0);
  return JSON.parse(r.stdout) as RunnerOutput;
};

/** `node [--import register.js] runner.mjs ...probes`, optionally with the host read-only. */
const runProbes = async (opts: {
  hook: boolean;
  readOnlyHost: boolean;
  node?: string;
}): Promise<RunnerOutput> => {
  const nodeBin = opts.node ?? process.execPath;
  const node = [...(opts.hook ? ["--import", REGISTER] : []), runner, ...probeArgs()];
  const r = opts.readOnlyHost
    ? await execa("unshare", readOnlyMountArgs(sb.host, [nodeBin, ...node]), {
        reject: false,
        extendEnv: false,
        env: childEnv(),
        cwd: sb.root,
      })
    : await execa(nodeBin, node, { reject: false, extendEnv: false, env: childEnv(), cwd: sb.root });
  expect(r.stderr, "the hook prints nothing on success").toBe("");
  return parse(r);
};

beforeAll(async () => {
  // 2026.4.20: the band whose host counts its own node_modules, so "satisfied by the host,
  // resolved by Node's fallback" is a case here (a 2026.4.29 host installs it into the root).
  sb = makeApplySandbox("pnpm", { version: "2026.4.20" });
  // A plugin depending on the exports-only package (import -> index.mjs, require -> index.cjs),
  // and one whose dependency is deleted from the root after apply (recorded, not materialized).
  addPlugin(sb.host, "exporter", { "@fixture/exports-only": "1.0.0" });
  addPlugin(sb.host, "ghost", { "@fixture/cli-tool": "1.0.0" });
  const probes: [string, readonly string[]][] = [
    ["slack", ["@fixture/slack-sdk", "@fixture/logger"]],
    ["telegram", ["@fixture/markdown"]],
    ["discord", ["@fixture/markdown"]],
    ["exporter", ["@fixture/exports-only"]],
    ["ghost", ["@fixture/cli-tool"]],
  ];
  for (const [plugin, names] of probes) {
    writeFile(ext(plugin, "probe.mjs"), ESM_PROBE(names));
    writeFile(ext(plugin, "probe.cjs"), CJS_PROBE(names));
  }
  // Host code outside every plugin dir: must behave exactly as without the hook.
  writeFile(path.join(sb.host, "dist", "outside.mjs"), ESM_PROBE(["@fixture/logger", "@fixture/slack-sdk"]));
  writeFile(path.join(sb.host, "dist", "outside.cjs"), CJS_PROBE(["@fixture/logger", "@fixture/slack-sdk"]));
  runner = sb.at("runner.mjs");
  writeFile(runner, RUNNER);

  expectOk(await apply(sb));
  // plugdeps' root is the link to its live generation; the other `openclaw-*` entry is OpenClaw's own
  // root name, whose node_modules links into it (the host root, SPEC §5).
  const roots = fs
    .readdirSync(sb.stage)
    .filter(
      (n) => /^openclaw-.+-[0-9a-f]{12}$/.test(n) && fs.lstatSync(path.join(sb.stage, n)).isSymbolicLink(),
    );
  expect(roots).toHaveLength(1);
  root = path.join(sb.stage, roots[0] ?? "");
  realRoot = fs.realpathSync(root);
  fs.rmSync(path.join(root, "node_modules", "@fixture", "cli-tool"), { recursive: true, force: true });
}, APPLY_TIMEOUT_MS * 2);

const probe = (out: RunnerOutput, key: string): ProbeResult => {
  const value = out[key];
  expect(value, `runner output for ${key}`).toBeDefined();
  expect(value && "loadError" in value ? value.loadError : null, key).toBeNull();
  return value as ProbeResult;
};

const loaded = (result: ProbeResult, name: string): Loaded & { version: string; file: string } => {
  const l = result[name];
  expect(l?.error, `${name}: ${l?.error?.message ?? ""}`).toBeUndefined();
  expect(l?.version).toBeTypeOf("string");
  return l as Loaded & { version: string; file: string };
};

const within = (file: string, dir: string) => file.startsWith(`${dir}${path.sep}`);

/**
 * Node 20 (this repository's): module.register's off-thread ESM hook plus the CommonJS patch.
 * Node >= 22.15 (`.cache/node22`, see test/support/node22.ts): module.registerHooks, one
 * in-thread hook for import and require, no patch.
 */
describe.each([
  { label: "writable host", readOnlyHost: false, node22: false },
  { label: "read-only host (bind mount in a private mount namespace)", readOnlyHost: true, node22: false },
  { label: "writable host, Node 22 (module.registerHooks)", readOnlyHost: false, node22: true },
  { label: "read-only host, Node 22 (module.registerHooks)", readOnlyHost: true, node22: true },
])("node --import plugdeps/register, $label", ({ readOnlyHost, node22 }) => {
  let out: RunnerOutput;
  let unavailable: string | null = null;
  let nodeBin = process.execPath;

  beforeAll(async () => {
    if (node22) {
      const found = findNode22();
      if ("missing" in found) {
        unavailable = found.missing;
        console.warn(`Node 22 variant skipped: ${unavailable}`);
        return;
      }
      nodeBin = found.node;
    }
    if (readOnlyHost) {
      unavailable = await readOnlyMountUnavailable(sb.at("ro-probe"));
      if (unavailable !== null) {
        console.warn(`read-only host variant skipped: ${unavailable}`);
        return;
      }
    }
    out = await runProbes({ hook: true, readOnlyHost, node: nodeBin });
  }, APPLY_TIMEOUT_MS);

  const skipIfUnavailable = (ctx: { skip: (note?: string) => void }) => {
    if (unavailable !== null) ctx.skip(unavailable);
  };

  it("the mechanism is the one this Node calls for: registerHooks on 22.15+, module.register on 20", (ctx) => {
    skipIfUnavailable(ctx);
    expect(out["mechanism:"]).toEqual({
      esm: node22 ? "module.registerHooks" : "module.register",
      cjs: "Module._resolveFilename",
      roots: 1,
    });
  });

  it("the host really is (or is not) read-only for the plugin process", (ctx) => {
    skipIfUnavailable(ctx);
    const write = out[`write:${sb.host}`] as unknown as { written?: true; loadError?: { code: string } };
    if (readOnlyHost) expect(write.loadError?.code).toBe("EROFS");
    else expect(write.written).toBe(true);
  });

  it("slack's ESM import of @fixture/slack-sdk comes from the shared set of the root", (ctx) => {
    skipIfUnavailable(ctx);
    const sdk = loaded(probe(out, `import:${ext("slack", "probe.mjs")}`), "@fixture/slack-sdk");
    expect(semver.satisfies(sdk.version, "^2.1.0"), sdk.version).toBe(true);
    expect(within(sdk.file, path.join(realRoot, "node_modules")), sdk.file).toBe(true);
  });

  it("@fixture/logger, satisfied by the host's node_modules, still resolves through Node's fallback", (ctx) => {
    skipIfUnavailable(ctx);
    const logger = loaded(probe(out, `import:${ext("slack", "probe.mjs")}`), "@fixture/logger");
    expect(logger.version).toBe("1.4.0");
    expect(logger.file).toBe(path.join(sb.host, "node_modules", "@fixture", "logger", "index.js"));
  });

  it("telegram gets @fixture/markdown 1.x from its isolated set, for import and require", (ctx) => {
    skipIfUnavailable(ctx);
    const isolated = path.join(realRoot, "isolated", "telegram", "node_modules");
    for (const key of [`import:${ext("telegram", "probe.mjs")}`, `require:${ext("telegram", "probe.cjs")}`]) {
      const md = loaded(probe(out, key), "@fixture/markdown");
      expect(semver.satisfies(md.version, "^1.0.0"), `${key}: ${md.version}`).toBe(true);
      expect(within(md.file, isolated), `${key}: ${md.file}`).toBe(true);
    }
  });

  it("discord gets @fixture/markdown 2.x from the shared set, for import and a CJS file's require", (ctx) => {
    skipIfUnavailable(ctx);
    for (const key of [`import:${ext("discord", "probe.mjs")}`, `import:${ext("discord", "probe.cjs")}`]) {
      const md = loaded(probe(out, key), "@fixture/markdown");
      expect(semver.satisfies(md.version, "^2.0.0"), `${key}: ${md.version}`).toBe(true);
      expect(within(md.file, path.join(realRoot, "node_modules")), `${key}: ${md.file}`).toBe(true);
    }
  });

  it("an exports-only package: import gets index.mjs, require gets index.cjs", (ctx) => {
    skipIfUnavailable(ctx);
    const esm = loaded(probe(out, `import:${ext("exporter", "probe.mjs")}`), "@fixture/exports-only");
    expect(esm.format).toBe("esm");
    expect(path.basename(esm.file)).toBe("index.mjs");
    const cjs = loaded(probe(out, `require:${ext("exporter", "probe.cjs")}`), "@fixture/exports-only");
    expect(cjs.format).toBe("cjs");
    expect(path.basename(cjs.file)).toBe("index.cjs");
    for (const file of [esm.file, cjs.file]) expect(within(file, realRoot), file).toBe(true);
  });

  it("a declared dependency that is not materialized fails with the actionable error", (ctx) => {
    skipIfUnavailable(ctx);
    const cases = [
      [`import:${ext("ghost", "probe.mjs")}`, "ERR_MODULE_NOT_FOUND"],
      [`require:${ext("ghost", "probe.cjs")}`, "MODULE_NOT_FOUND"],
    ] as const;
    for (const [key, code] of cases) {
      const error = probe(out, key)["@fixture/cli-tool"]?.error;
      expect(error?.code, key).toBe(code);
      expect(error?.message).toContain('plugin "ghost" declares @fixture/cli-tool (1.0.0)');
      expect(error?.message).toContain(`not materialized in ${root}`);
      expect(error?.message).toContain("Fix: run `plugdeps apply`");
      expect(error?.message).toContain("plugdeps resolve --plugin ghost @fixture/cli-tool");
    }
  });
});

describe("without the hook, and outside plugin directories", () => {
  let withHook: RunnerOutput;
  let without: RunnerOutput;

  beforeAll(async () => {
    [withHook, without] = await Promise.all([
      runProbes({ hook: true, readOnlyHost: false }),
      runProbes({ hook: false, readOnlyHost: false }),
    ]);
  }, APPLY_TIMEOUT_MS);

  it("host code outside plugin dirs behaves exactly as without the hook", () => {
    for (const key of [
      `import:${path.join(sb.host, "dist", "outside.mjs")}`,
      `require:${path.join(sb.host, "dist", "outside.cjs")}`,
    ]) {
      expect(withHook[key], key).toEqual(without[key]);
      // And that behaviour is Node's: the host's own package loads, a root-only one does not.
      expect((withHook[key] as ProbeResult)["@fixture/logger"]?.version).toBe("1.4.0");
      expect((withHook[key] as ProbeResult)["@fixture/slack-sdk"]?.error?.code).toMatch(/MODULE_NOT_FOUND/);
    }
  });

  it("without the hook the plugins' root-only dependencies are not found (the hook did the work)", () => {
    const sdk = probe(without, `import:${ext("slack", "probe.mjs")}`)["@fixture/slack-sdk"];
    expect(sdk?.error?.code).toBe("ERR_MODULE_NOT_FOUND");
    expect(sdk?.error?.message).not.toContain("plugdeps apply");
    const md = probe(without, `require:${ext("telegram", "probe.cjs")}`)["@fixture/markdown"];
    expect(md?.error?.code).toBe("MODULE_NOT_FOUND");
  });

  it("a stage base without records: the hook installs nothing and prints nothing", async () => {
    const empty = sb.at("empty-stage");
    fs.mkdirSync(empty, { recursive: true });
    const r = await execa(
      process.execPath,
      ["--import", REGISTER, runner, `import:${ext("slack", "probe.mjs")}`],
      {
        reject: false,
        extendEnv: false,
        env: { ...childEnv(), PLUGDEPS_STAGE_DIR: empty },
        cwd: sb.root,
      },
    );
    expect(r.stderr).toBe("");
    const sdk = probe(parse(r), `import:${ext("slack", "probe.mjs")}`)["@fixture/slack-sdk"];
    expect(sdk?.error?.code).toBe("ERR_MODULE_NOT_FOUND");
  });

  it("a broken PLUGDEPS_HOST is reported on stderr and never stops the host", async () => {
    const r = await execa(
      process.execPath,
      ["--import", REGISTER, runner, `import:${ext("slack", "probe.mjs")}`],
      {
        reject: false,
        extendEnv: false,
        env: { ...childEnv(), PLUGDEPS_HOST: `profile:${sb.at("missing-profile.json")}` },
        cwd: sb.root,
      },
    );
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain("plugdeps/register: host profile");
    expect(r.stderr).toContain("Imports are left to Node's own resolution.");
    expect(JSON.parse(r.stdout)).toHaveProperty(`import:${ext("slack", "probe.mjs")}`);
  });
});
