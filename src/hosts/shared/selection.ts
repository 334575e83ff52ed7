import type { Activation, PluginFacts, Decision } from "../types.js";

/**
 * An activation that decides each plugin on its own facts: no host version rules, nothing staged
 * beyond the plugins' own dependencies, nothing to warn about (the generic profile adapter).
 */
export const selectionOf =
  (decide: (plugin: PluginFacts) => Decision): Activation =>
  () => ({ decide, extras: [], warnings: [] });
