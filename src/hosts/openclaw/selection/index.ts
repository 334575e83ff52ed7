import * as path from "node:path";
import type { OpenClawConfig } from "../config-codec.js";
import type { Decision, PluginFacts, Selection, SelectionInput } from "../../types.js";
import { openclawFactsOf } from "../discover.js";
import { bandOf, mirrorsAlways } from "./band.js";
import { catalogChannelNormalizer } from "./channels.js";
import { registryNormalizer, runtimeDepsNormalizer } from "./plugin-ids.js";
import { normalizePlugins } from "./plugins-config.js";
import { collectReferences, localMemorySearchKey } from "./references.js";
import {
  autoEnabledEarly,
  gatewayStartupEarly,
  gatewayStartupLate,
  lateGatewayConfig,
} from "./gateway-startup.js";
import { decideEarly } from "./rules-2026.3.22.js";
import { decideLate, modelOwnersOf } from "./rules-2026.4.29.js";

/**
 * OpenClaw's plugin selection for one config and one host version: the rules of the host's own
 * version band (band.ts), applied to every plugin, plus what that version stages beyond plugin
 * dependencies. Pure: the host's package.json arrives already read.
 *
 * The desired state is what the real host will look for (LESSONS "Our own view is not the
 * host's"): each band's rules were read from that band's published dist and are checked against
 * it, as an oracle, by `npm run test:host`.
 */

/** The pseudo-plugin OpenClaw files its own mirrored dependencies under (`MIRRORED_PACKAGE_RUNTIME_DEP_PLUGIN_ID`). */
export const MIRRORED_OWNER = "openclaw-core";

export interface HostManifest {
  readonly dependencies?: Readonly<Record<string, unknown>>;
  readonly optionalDependencies?: Readonly<Record<string, unknown>>;
  readonly openclaw?: unknown;
}

export const selectOpenClaw = (
  config: OpenClawConfig,
  input: SelectionInput,
  hostManifest: HostManifest | undefined,
): Selection => {
  const { band, warning } = bandOf(input.version);
  const warnings = warning === undefined ? [] : [warning];

  if (!band.stages) {
    const reason = `OpenClaw ${input.version} does not stage bundled plugin dependencies (${band.range}: plugins are npm packages installed by \`openclaw plugins install\`)`;
    return {
      decide: () => ({ active: false, reason }),
      extras: [],
      warnings: [
        ...warnings,
        `OpenClaw ${input.version} no longer stages bundled plugin dependencies: plugdeps desires nothing for it. ` +
          `Its own \`openclaw doctor --fix\` deletes the stage bases $STATE_DIRECTORY/plugin-runtime-deps and ` +
          `~/.openclaw/plugin-runtime-deps; keep plugdeps' stage base elsewhere, or remove plugdeps from this host.`,
      ],
    };
  }

  // Parsed once per plugin, up front: decide() runs more than once per plugin and must not
  // repeat a warning.
  const embeddingKey = band.id === "2026.4.29" ? localMemorySearchKey(config) : undefined;
  const embedding = new Map<string, Record<string, string>>();
  if (embeddingKey !== undefined) {
    for (const plugin of input.plugins) {
      const extra: Record<string, string> = {};
      for (const spec of openclawFactsOf(plugin).localMemoryEmbedding) {
        const at = spec.lastIndexOf("@");
        if (at > 0 && at < spec.length - 1) extra[spec.slice(0, at).trim()] = spec.slice(at + 1).trim();
        else
          warnings.push(
            `${plugin.id}: runtimeDependencies.localMemoryEmbedding entry "${spec}" is not name@version; skipped`,
          );
      }
      if (Object.keys(extra).length > 0) embedding.set(plugin.id, extra);
    }
  }
  const withEmbedding = (plugin: PluginFacts, decision: Decision): Decision => {
    const extra = embedding.get(plugin.id);
    if (!decision.active || extra === undefined) return decision;
    return {
      ...decision,
      reason: `${decision.reason}; + localMemoryEmbedding (${embeddingKey ?? "memorySearch"})`,
      extraDependencies: extra,
    };
  };

  let decide: (plugin: PluginFacts) => Decision;
  if (band.id === "2026.4.29") {
    const references = collectReferences(config);
    const ctx = {
      config,
      policy: normalizePlugins(config, runtimeDepsNormalizer(input.plugins)),
      references,
      modelOwners: modelOwnersOf(references, input.plugins),
    };
    const gatewayConfig = lateGatewayConfig(config, ctx.policy);
    decide = (plugin) => {
      const doctor = decideLate(ctx, plugin);
      const gateway = doctor.active ? undefined : gatewayStartupLate(gatewayConfig, plugin);
      return withEmbedding(plugin, gateway ?? doctor);
    };
  } else {
    const ctx = {
      config,
      policy: normalizePlugins(config, registryNormalizer(input.plugins, band.id === "2026.4.22")),
      catalogChannel: catalogChannelNormalizer(input.plugins),
      configuredChannelsCount: band.id === "2026.4.22",
      autoEnabled: autoEnabledEarly(config, input.plugins),
    };
    decide = (plugin) => {
      const doctor = decideEarly(ctx, plugin);
      if (doctor.active) return doctor;
      return gatewayStartupEarly(config, ctx.policy, ctx.catalogChannel, ctx.autoEnabled, plugin) ?? doctor;
    };
  }

  const extras: Selection["extras"][number][] = [];
  if (band.id === "2026.4.29") {
    const mirrored = mirroredDependencies(hostManifest, warnings);
    if (Object.keys(mirrored).length > 0) {
      const always = mirrorsAlways(input.version);
      const anySelected = input.plugins.some((p) => decide(p).active);
      extras.push({
        facts: {
          id: MIRRORED_OWNER,
          dir: path.join(input.packageRoot, "package.json"),
          dependencies: mirrored,
          staged: true,
          channels: [],
          providers: [],
          enabledByDefault: false,
          legacyIds: [],
        },
        decision:
          always || anySelected
            ? {
                active: true,
                reason: always
                  ? "openclaw.bundle.mirroredRootRuntimeDependencies (OpenClaw 2026.4.30+ mirrors them always)"
                  : "openclaw.bundle.mirroredRootRuntimeDependencies (mirrored once any bundled plugin is selected)",
              }
            : {
                active: false,
                reason: "openclaw.bundle.mirroredRootRuntimeDependencies: no bundled plugin is selected",
              },
      });
    }
  }
  return { decide, extras, warnings };
};

/**
 * `openclaw.bundle.mirroredRootRuntimeDependencies`: names of the host's own dependencies that it
 * stages beside the plugins' (owner `openclaw-core`), with their specs from its package.json. A
 * name the package does not depend on is said in a warning and skipped (OpenClaw throws there).
 */
const mirroredDependencies = (
  manifest: HostManifest | undefined,
  warnings: string[],
): Record<string, string> => {
  const openclaw = manifest?.openclaw;
  const bundle = isRecord(openclaw) ? openclaw["bundle"] : undefined;
  const names = isRecord(bundle) ? bundle["mirroredRootRuntimeDependencies"] : undefined;
  if (names === undefined) return {};
  if (!Array.isArray(names)) {
    warnings.push(
      "host package.json: openclaw.bundle.mirroredRootRuntimeDependencies is not an array; ignored",
    );
    return {};
  }
  const specs = { ...(manifest?.dependencies ?? {}), ...(manifest?.optionalDependencies ?? {}) };
  const out: Record<string, string> = {};
  for (const name of names) {
    const spec = typeof name === "string" && Object.hasOwn(specs, name) ? specs[name] : undefined;
    if (typeof name !== "string" || typeof spec !== "string") {
      warnings.push(
        `host package.json: mirrored root dependency ${JSON.stringify(name)} is not among its dependencies; skipped`,
      );
      continue;
    }
    out[name.trim()] = spec.trim();
  }
  return out;
};

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
