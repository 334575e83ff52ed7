import * as path from "node:path";
import * as t from "io-ts";
import * as E from "fp-ts/lib/Either.js";
import * as fs from "../../util/observed-fs.js";
import type { HostCheckContext, HostCheckResult, HostCheckSpec } from "../types.js";
import { bandOf } from "./selection/band.js";

/**
 * OpenClaw's own dependency check, `openclaw plugins deps --json` (2026.4.29 – 4.30; 4.22 has no
 * `deps` command, 4.20 none either and loads every plugin when asked). Without `--repair` it
 * installs nothing: it reports the install root it reads, the specs it wants and which are
 * missing, by its own rules (measured on 2026.4.29: 47 specs, 0 missing after `plugdeps apply`,
 * installRoot = the host root). `doctor` runs it and reports any difference from the plan.
 */

const DepsJson = t.type({
  installRoot: t.string,
  deps: t.array(t.type({ name: t.string, version: t.string })),
  missing: t.array(t.union([t.string, t.type({ name: t.string })])),
});

export const openclawHostCheck = (ctx: HostCheckContext): HostCheckSpec | null => {
  if (bandOf(ctx.version).band.id !== "2026.4.29") return null;
  const script = binScript(ctx.packageRoot);
  if (script === null) return null;
  return {
    display: "openclaw plugins deps --json",
    hints: {
      node: `OpenClaw ${ctx.version}: Node 22 or later`,
      config: "--config, OPENCLAW_CONFIG_PATH",
      stage: "OPENCLAW_PLUGIN_STAGE_DIR, --package-root",
    },
    script,
    args: ["plugins", "deps", "--json"],
    env: {
      OPENCLAW_PLUGIN_STAGE_DIR: ctx.stageList.join(path.delimiter),
      ...(ctx.config === null ? {} : { OPENCLAW_CONFIG_PATH: ctx.config }),
    },
    parse: parseDepsJson,
  };
};

export const parseDepsJson = (stdout: string): HostCheckResult | string => {
  let raw: unknown;
  try {
    // The banner and log lines go to stderr; stdout is the document.
    raw = JSON.parse(stdout);
  } catch (err) {
    return `not JSON (${err instanceof Error ? err.message : String(err)})`;
  }
  const decoded = DepsJson.decode(raw);
  if (E.isLeft(decoded))
    return "not the shape of `openclaw plugins deps --json` (installRoot, deps, missing)";
  const doc = decoded.right;
  return {
    installRoot: doc.installRoot,
    wants: Object.fromEntries(doc.deps.map((d) => [d.name, d.version])),
    missing: doc.missing.map((m) => (typeof m === "string" ? m : m.name)),
  };
};

/** `<package root>/<bin.openclaw>`, contained in the package; null when there is none. */
const binScript = (packageRoot: string): string | null => {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(packageRoot, "package.json"), "utf8")) as {
      bin?: unknown;
    };
    const bin =
      typeof pkg.bin === "string" ? pkg.bin : (pkg.bin as Record<string, unknown> | undefined)?.["openclaw"];
    if (typeof bin !== "string") return null;
    const script = path.resolve(packageRoot, bin);
    return script.startsWith(`${packageRoot}${path.sep}`) && fs.existsSync(script) ? script : null;
  } catch {
    return null;
  }
};
