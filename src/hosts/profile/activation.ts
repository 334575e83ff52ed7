import type { Decision, PluginFacts } from "../types.js";

/**
 * Activation for profile-driven hosts: the host-neutral part of OpenClaw's rules, first match
 * wins: `<key>.enabled=false`, `<key>.deny`, `<key>.entries.<id>.enabled=false`, `<key>.allow`
 * (non-empty and id absent), `<key>.entries.<id>.enabled=true`, the plugin's enabledByDefault,
 * otherwise off. Pure. Record lookups use Object.hasOwn so `__proto__`-style keys never match.
 */
export interface PluginsBlock {
  readonly enabled?: boolean | undefined;
  readonly allow?: readonly string[] | undefined;
  readonly deny?: readonly string[] | undefined;
  readonly entries?: Readonly<Record<string, { readonly enabled?: boolean | undefined }>> | undefined;
}

export const decideProfile = (key: string, block: PluginsBlock, plugin: PluginFacts): Decision => {
  const entry = (id: string) =>
    block.entries !== undefined && Object.hasOwn(block.entries, id) ? block.entries[id] : undefined;
  if (block.enabled === false) return { active: false, reason: `${key}.enabled=false` };
  if (block.deny?.includes(plugin.id))
    return { active: false, reason: `${key}.deny contains "${plugin.id}"` };
  if (entry(plugin.id)?.enabled === false)
    return { active: false, reason: `${key}.entries.${plugin.id}.enabled=false` };
  if (block.allow !== undefined && block.allow.length > 0 && !block.allow.includes(plugin.id)) {
    return { active: false, reason: `${key}.allow does not contain "${plugin.id}"` };
  }
  if (entry(plugin.id)?.enabled === true)
    return { active: true, reason: `${key}.entries.${plugin.id}.enabled=true` };
  if (plugin.enabledByDefault) return { active: true, reason: "enabledByDefault" };
  return { active: false, reason: "not enabled (no rule matched)" };
};
