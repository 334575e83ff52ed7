import * as t from "io-ts";

/** A dependency map as written in package.json: name -> spec. Non-string specs are invalid. */
export const DependencyMap = t.record(t.string, t.string, "DependencyMap");
export type DependencyMap = t.TypeOf<typeof DependencyMap>;

/**
 * A plugin's package.json. Host-specific sections (e.g. `openclaw`) are read by the host adapter
 * with its own codec; this one declares only what every host shares.
 */
export const PluginPackageJson = t.partial(
  {
    name: t.string,
    version: t.string,
    dependencies: DependencyMap,
    optionalDependencies: DependencyMap,
  },
  "PluginPackageJson",
);
export type PluginPackageJson = t.TypeOf<typeof PluginPackageJson>;

/** The host's own package.json: its identity. */
export const HostPackageJson = t.type({ name: t.string, version: t.string }, "HostPackageJson");
export type HostPackageJson = t.TypeOf<typeof HostPackageJson>;

/** An installed package's package.json, as far as validation needs it. */
export const InstalledPackageJson = t.intersection(
  [
    t.type({ name: t.string, version: t.string }),
    t.partial({
      // unknown, not string: published packages say `"main": false` (math-intrinsics) or `""`
      // (@types/node), and they are valid packages (issue 14, found by the real-host upgrade test)
      main: t.unknown,
      exports: t.unknown,
      bin: t.unknown,
      types: t.unknown,
      typings: t.unknown,
      dependencies: t.unknown,
      optionalDependencies: t.unknown,
    }),
  ],
  "InstalledPackageJson",
);
export type InstalledPackageJson = t.TypeOf<typeof InstalledPackageJson>;
