import * as t from "io-ts";

/**
 * The optional plugdeps settings file (`--settings FILE` or `$PLUGDEPS_SETTINGS`, JSON5):
 * operator choices that belong to the site rather than to one command line.
 *
 * - `overrides`: NAME -> semver range forced for transitive dependencies too (pnpm `overrides`,
 *   npm `overrides`). The real need: a plugin's tree pulls a transitive dependency from a git URL
 *   that an air-gapped site cannot reach; an override pins it to a registry version.
 * - `retention`: previous roots kept for rollback (default 1).
 */
export const Settings = t.partial(
  {
    overrides: t.record(t.string, t.string),
    retention: t.Int,
  },
  "Settings",
);
export type Settings = t.TypeOf<typeof Settings>;
