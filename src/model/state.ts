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
    t.partial({
      // The operator overrides the package manager resolved with (absent: none).
      overrides: t.record(t.string, t.string),
      // For run-time resolution (plugdeps/register, `plugdeps resolve`): the active staged
      // plugins, where they live and which dependencies they declare...
      plugins: t.array(t.type({ id: t.string, dir: t.string, dependencies: t.array(t.string) })),
      // ...and the packages a read-only layer satisfies in place (never copied into the root).
      external: t.array(t.type({ set: t.string, name: t.string, dir: t.string })),
    }),
  ],
  "RootState",
);
export type RootState = t.TypeOf<typeof RootState>;
