import type { OpenClawConfig } from "../config-codec.js";

/**
 * Provider and model references in an OpenClaw config, each with the config key it was read
 * from, so a plan can say `agents.defaults.model.fallbacks[1] → anthropic`. Pure.
 *
 * The places read, and how a reference is parsed, follow OpenClaw 2026.4.29's
 * `collectConfiguredRuntimeDepsTargets`: a value of an unexpected shape is skipped there, and so
 * it is here (a config OpenClaw accepts must never fail a plan).
 */

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const own = (record: unknown, key: string): unknown =>
  isRecord(record) && Object.hasOwn(record, key) ? record[key] : undefined;

/**
 * OpenClaw's provider-id aliases (`normalizeProviderId`): lowercased and trimmed, then these
 * spellings mean the same provider.
 */
const PROVIDER_ALIASES: Readonly<Record<string, string>> = {
  modelstudio: "qwen",
  qwencloud: "qwen",
  "z.ai": "zai",
  "z-ai": "zai",
  "opencode-zen": "opencode",
  "opencode-go-auth": "opencode-go",
  kimi: "kimi",
  "kimi-code": "kimi",
  "kimi-coding": "kimi",
  bedrock: "amazon-bedrock",
  "aws-bedrock": "amazon-bedrock",
  bytedance: "volcengine",
  doubao: "volcengine",
};

export const normalizeProviderId = (provider: string): string => {
  const id = provider.trim().toLowerCase();
  return Object.hasOwn(PROVIDER_ALIASES, id) ? (PROVIDER_ALIASES[id] as string) : id;
};

/**
 * A model ref may end in `@<auth profile>` (`claude-sonnet@work`). An `@` that starts a date
 * stamp (`@20250514`) or a quantization tag (`@q4_k_m`, `@8bit`) belongs to the model id, so the
 * profile delimiter is the next `@` after it. Returns the model part.
 */
export const stripAuthProfile = (raw: string): string => {
  const text = raw.trim();
  if (text === "") return "";
  const lastSlash = text.lastIndexOf("/");
  let at = text.indexOf("@", lastSlash + 1);
  if (at <= 0) return text;
  if (/^\d{8}(?:@|$)/.test(text.slice(at + 1))) {
    const next = text.indexOf("@", at + 9);
    if (next < 0) return text;
    at = next;
  }
  if (/^(?:i?q\d+(?:_[a-z0-9]+)*|\d+bit)(?:@|$)/i.test(text.slice(at + 1))) {
    const next = text.indexOf("@", at + 1);
    if (next < 0) return text;
    at = next;
  }
  const model = text.slice(0, at).trim();
  const profile = text.slice(at + 1).trim();
  return model === "" || profile === "" ? text : model;
};

export interface References {
  /** Normalized provider id → the first config key that referenced it. */
  readonly providers: ReadonlyMap<string, string>;
  /** Bare model id (no `provider/`) → the first config key that named it. */
  readonly bareModels: ReadonlyMap<string, string>;
}

export const collectReferences = (config: OpenClawConfig): References => {
  const providers = new Map<string, string>();
  const bareModels = new Map<string, string>();
  const addProvider = (value: unknown, key: string): void => {
    if (typeof value !== "string") return;
    const id = normalizeProviderId(value);
    if (id !== "" && !providers.has(id)) providers.set(id, key);
  };
  const addModelRef = (value: unknown, key: string): void => {
    if (typeof value !== "string") return;
    const text = value.trim();
    if (text === "") return;
    const slash = text.indexOf("/");
    if (slash < 0) {
      const model = stripAuthProfile(text).trim();
      if (model !== "" && !bareModels.has(model)) bareModels.set(model, key);
      return;
    }
    const provider = normalizeProviderId(text.slice(0, slash));
    const model = stripAuthProfile(text.slice(slash + 1)).trim();
    if (provider === "" || model === "") return;
    if (!providers.has(provider)) providers.set(provider, key);
  };
  /** `"p/m"`, or `{ primary: "p/m", fallbacks: ["p/m", ...] }`. */
  const addModelConfig = (value: unknown, key: string): void => {
    if (typeof value === "string") return addModelRef(value, key);
    if (!isRecord(value)) return;
    addModelRef(own(value, "primary"), `${key}.primary`);
    const fallbacks = own(value, "fallbacks");
    if (Array.isArray(fallbacks)) fallbacks.forEach((f, i) => addModelRef(f, `${key}.fallbacks[${i}]`));
  };

  for (const id of Object.keys(config.models?.providers ?? {})) addProvider(id, `models.providers.${id}`);
  for (const [name, profile] of Object.entries(config.auth?.profiles ?? {})) {
    addProvider(own(profile, "provider"), `auth.profiles.${name}.provider`);
  }
  for (const id of Object.keys(config.auth?.order ?? {})) addProvider(id, `auth.order.${id}`);
  const defaults = config.agents?.defaults;
  for (const field of [
    "model",
    "imageModel",
    "imageGenerationModel",
    "videoGenerationModel",
    "musicGenerationModel",
    "pdfModel",
  ]) {
    addModelConfig(own(defaults, field), `agents.defaults.${field}`);
  }
  addModelConfig(own(own(defaults, "subagents"), "model"), "agents.defaults.subagents.model");
  const models = own(defaults, "models");
  if (isRecord(models))
    for (const ref of Object.keys(models)) addModelRef(ref, `agents.defaults.models["${ref}"]`);
  (config.agents?.list ?? []).forEach((agent, i) => {
    addModelConfig(own(agent, "model"), `agents.list[${i}].model`);
    addModelConfig(own(own(agent, "subagents"), "model"), `agents.list[${i}].subagents.model`);
  });
  return { providers, bareModels };
};

/** `memorySearch` with `provider: "local"` (not disabled), in the defaults or any agent. */
export const localMemorySearchKey = (config: OpenClawConfig): string | undefined => {
  const usesLocal = (memorySearch: unknown): boolean =>
    isRecord(memorySearch) &&
    own(memorySearch, "enabled") !== false &&
    typeof own(memorySearch, "provider") === "string" &&
    (own(memorySearch, "provider") as string).trim().toLowerCase() === "local";
  if (usesLocal(own(config.agents?.defaults, "memorySearch")))
    return "agents.defaults.memorySearch.provider=local";
  const i = (config.agents?.list ?? []).findIndex((agent) => usesLocal(own(agent, "memorySearch")));
  return i < 0 ? undefined : `agents.list[${i}].memorySearch.provider=local`;
};
