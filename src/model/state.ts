import * as t from "io-ts";

export const InstalledEntry = t.type({ spec: t.string, version: t.string }, "InstalledEntry");

export const StateSet = t.type(
  {
    id: t.string,
    dir: t.string,
    packages: t.record(t.string, InstalledEntry),
  },
  "StateSet",
);

/**
 * `<versioned root>/.plugdeps/state.json`: the ownership marker and the materialization record.
 * Written by us only (argo-cd #15472: an ownership marker another party can copy gets objects
 * pruned), checked again at delete time.
 */
export const RootState = t.intersection(
  [
    t.type({
      formatVersion: t.literal(1),
      tool: t.type({ name: t.string, version: t.string }),
      layoutVersion: t.number,
      host: t.type({ name: t.string, version: t.string, packageRoot: t.string, identity: t.string }),
      planFingerprint: t.string,
      sets: t.array(StateSet),
      createdAt: t.string,
      updatedAt: t.string,
    }),
    // The operator overrides the package manager resolved with (absent: none).
    t.partial({ overrides: t.record(t.string, t.string) }),
  ],
  "RootState",
);
export type RootState = t.TypeOf<typeof RootState>;
