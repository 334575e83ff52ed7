import * as t from "io-ts";

/**
 * `plugdeps rollback --json`: which generation of which root is live again. A refused rollback is
 * an error (stderr, exit 1), never this document, so `rolledBack` is always true; it stays so
 * that a script can test it without knowing that.
 */

const nullable = <C extends t.Mixed>(codec: C) => t.union([codec, t.null]);

export const ROLLBACK_FORMAT_VERSION = 1 as const;

/** What run/rollback.ts reports of a rollback it carried out. */
export const RollbackOutcome = t.type(
  {
    /** The versioned root (its link) that now points to the previous generation. */
    root: t.string,
    /** The generation that was live. */
    from: t.string,
    /** The generation that is live now. */
    to: t.string,
    /** Packages validated in it. */
    checked: t.number,
    /** When its record was written (the apply that made it). */
    updatedAt: t.string,
    /** What the host's own root does now (null: the host reads through the register hook). */
    hostRoot: nullable(t.string),
  },
  "RollbackOutcome",
);
export type RollbackOutcome = t.TypeOf<typeof RollbackOutcome>;

export const RollbackDocument = t.type(
  {
    formatVersion: t.literal(ROLLBACK_FORMAT_VERSION),
    rolledBack: t.literal(true),
    ...RollbackOutcome.props,
  },
  "RollbackDocument",
);
export type RollbackDocument = t.TypeOf<typeof RollbackDocument>;

export const rollbackDocument = (outcome: RollbackOutcome): RollbackDocument => ({
  formatVersion: ROLLBACK_FORMAT_VERSION,
  rolledBack: true,
  ...outcome,
});
