import type { Decision } from "../../types.js";
import type { OpenClawConfig } from "../config-codec.js";
import type { IdNormalizer } from "./plugin-ids.js";

/**
 * `plugins` as OpenClaw's selection sees it after `normalizePluginsConfigWithResolver`: every id
 * normalized, each with the config text it came from so that a reason can quote the operator's
 * own words. Pure.
 */
export interface Named {
  /** The normalized plugin id. */
  readonly id: string;
  /** How the operator wrote it, for the reason: `plugins.deny contains "aws-bedrock" (→ amazon-bedrock)`. */
  readonly said: string;
}

export interface PluginsPolicy {
  readonly enabled: boolean;
  readonly allow: readonly Named[];
  readonly deny: readonly Named[];
  /** Normalized id → its `enabled` (later keys that normalize to the same id win, as in OpenClaw). */
  readonly entries: ReadonlyMap<string, { readonly enabled: boolean | undefined; readonly key: string }>;
  /** `plugins.slots.memory`: `memory-core` when unset, `null` for "none". */
  readonly memorySlot: { readonly id: string | null; readonly key: string };
  readonly contextEngineSlot: { readonly id: string | null; readonly key: string } | undefined;
}

export const DEFAULT_MEMORY_SLOT = "memory-core";

const slotValue = (value: string | null | undefined): string | null | undefined => {
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  if (trimmed === "") return undefined;
  return trimmed.toLowerCase() === "none" ? null : trimmed;
};

export const normalizePlugins = (config: OpenClawConfig, normalize: IdNormalizer): PluginsPolicy => {
  const plugins = config.plugins ?? {};
  const list = (values: readonly string[] | undefined, key: string): Named[] =>
    (values ?? []).flatMap((raw) => {
      const id = normalize(raw);
      const said = `${key} contains "${raw}"${raw.trim() === id ? "" : ` (→ ${id})`}`;
      return id === "" ? [] : [{ id, said }];
    });
  const entries = new Map<string, { enabled: boolean | undefined; key: string }>();
  for (const [raw, entry] of Object.entries(plugins.entries ?? {})) {
    const id = normalize(raw);
    if (id === "") continue;
    const previous = entries.get(id);
    const enabled = typeof entry.enabled === "boolean" ? entry.enabled : previous?.enabled;
    const key =
      typeof entry.enabled === "boolean"
        ? `plugins.entries.${raw}`
        : (previous?.key ?? `plugins.entries.${raw}`);
    entries.set(id, { enabled, key });
  }
  const memory = slotValue(plugins.slots?.memory);
  const contextEngine = slotValue(plugins.slots?.contextEngine);
  return {
    enabled: plugins.enabled !== false,
    allow: list(plugins.allow, "plugins.allow"),
    deny: list(plugins.deny, "plugins.deny"),
    entries,
    memorySlot:
      memory === undefined
        ? { id: DEFAULT_MEMORY_SLOT, key: "plugins.slots.memory (default)" }
        : { id: memory, key: `plugins.slots.memory=${memory ?? "none"}` },
    contextEngineSlot:
      contextEngine === undefined
        ? undefined
        : { id: contextEngine, key: `plugins.slots.contextEngine=${contextEngine ?? "none"}` },
  };
};

export const findNamed = (list: readonly Named[], id: string): Named | undefined =>
  list.find((n) => n.id === id);

export const on = (reason: string): Decision => ({ active: true, reason });
export const off = (reason: string): Decision => ({ active: false, reason });

/**
 * The policy every version applies first and nothing overrides: plugins switched off, the plugin
 * denied, or its entry disabled. Null: the policy does not settle it.
 */
export const refusedByPolicy = (policy: PluginsPolicy, id: string): Decision | null => {
  if (!policy.enabled) return off("plugins.enabled=false");
  const denied = findNamed(policy.deny, id);
  if (denied !== undefined) return off(denied.said);
  const entry = policy.entries.get(id);
  if (entry?.enabled === false) return off(`${entry.key}.enabled=false`);
  return null;
};
