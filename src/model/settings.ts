import * as t from "io-ts";

/**
 * The optional plugdeps settings file (`--settings FILE` or `$PLUGDEPS_SETTINGS`, JSON5):
 * operator choices that belong to the site rather than to one command line.
 *
 * - `overrides`: NAME -> semver range forced for transitive dependencies too (pnpm `overrides`,
 *   npm `overrides`). The real need: a plugin's tree pulls a transitive dependency from a git URL
 *   that an air-gapped site cannot reach; an override pins it to a registry version.
 * - `retention`: previous roots kept for rollback (default 1).
 * - `installTimeout`: how long one package-manager run may take (`10m`, `90s`; default 10 min):
 *   `--install-timeout` wins over it.
 */
interface NonNegativeIntBrand {
  readonly NonNegativeInt: unique symbol;
}

/**
 * A count of previous roots. A negative `retention` used to decode (t.Int) and then prune every
 * previous root, exactly like 0: a typo must be refused, not turned into the most destructive value.
 */
export const NonNegativeInt = t.brand(
  t.Int,
  (n): n is t.Branded<t.Int, NonNegativeIntBrand> => n >= 0,
  "NonNegativeInt",
);

export const Settings = t.partial(
  {
    overrides: t.record(t.string, t.string),
    retention: NonNegativeInt,
    /** A duration as `--install-timeout` takes it; checked by observe/settings.ts (util/duration.ts). */
    installTimeout: t.string,
  },
  "Settings",
);
export type Settings = t.TypeOf<typeof Settings>;
