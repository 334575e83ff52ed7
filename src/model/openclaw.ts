import * as t from "io-ts";

/**
 * Codecs for OpenClaw's own files. Only the keys plugdeps reads are declared; everything else in
 * the operator's config is allowed and ignored (io-ts `type`/`partial` are not exact).
 */

export const PluginEntryConfig = t.partial({ enabled: t.boolean }, "PluginEntryConfig");

export const PluginsConfig = t.partial(
  {
    enabled: t.boolean,
    allow: t.array(t.string),
    deny: t.array(t.string),
    entries: t.record(t.string, PluginEntryConfig),
  },
  "PluginsConfig",
);

export const ChannelConfig = t.partial({ enabled: t.boolean }, "ChannelConfig");

/** `agents.defaults.model` is either `"provider/model"` or `{ primary: "provider/model", ... }`. */
export const ModelRef = t.union([t.string, t.partial({ primary: t.string })], "ModelRef");

export const OpenClawConfig = t.partial(
  {
    plugins: PluginsConfig,
    channels: t.record(t.string, ChannelConfig),
    models: t.partial({ providers: t.record(t.string, t.unknown) }),
    agents: t.partial({ defaults: t.partial({ model: ModelRef }) }),
  },
  "OpenClawConfig",
);
export type OpenClawConfig = t.TypeOf<typeof OpenClawConfig>;

/** `dist/extensions/<id>/openclaw.plugin.json` */
export const OpenClawPluginManifest = t.intersection(
  [
    t.type({ id: t.string }),
    t.partial({
      channels: t.array(t.string),
      providers: t.array(t.string),
      enabledByDefault: t.boolean,
      legacyPluginIds: t.array(t.string),
    }),
  ],
  "OpenClawPluginManifest",
);
export type OpenClawPluginManifest = t.TypeOf<typeof OpenClawPluginManifest>;
