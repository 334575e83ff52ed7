import * as t from "io-ts";

const nullable = <C extends t.Mixed>(codec: C) => t.union([codec, t.null]);

/**
 * `plugdeps status --verify` (SPEC §2): every package the live root's state record lists, checked
 * on disk: present, a readable package.json naming it, the version the record says was installed,
 * its entry file there, and its files written by nobody but root or this user. Slower than the
 * no-op record (which only re-checks what a plan read): it reads every package.json and looks at
 * every package's entry files.
 */
export const DriftedPackage = t.type(
  {
    set: t.string,
    name: t.string,
    /** Where it should be (through the root's link, as the host sees it). */
    path: t.string,
    /** The version the state record says was installed. */
    recorded: t.string,
    /** What is wrong, in one sentence. */
    problem: t.string,
  },
  "DriftedPackage",
);
export type DriftedPackage = t.TypeOf<typeof DriftedPackage>;

export const Verification = t.type(
  {
    /** The live root verified, or null when there is none of ours. */
    root: nullable(t.string),
    /** The generation its link points to. */
    generation: nullable(t.string),
    checked: t.number,
    drifted: t.array(DriftedPackage),
    /** Why nothing could be verified (no live root, not ours), or null. */
    problem: nullable(t.string),
    ok: t.boolean,
    fix: nullable(t.string),
  },
  "Verification",
);
export type Verification = t.TypeOf<typeof Verification>;
