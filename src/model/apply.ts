import * as t from "io-ts";
import { Summary } from "./plan.js";

/**
 * `plugdeps apply --json` (and the library's `apply()`): the outcome of one apply, counted, and the
 * desired fingerprint of the plan carried out. The codec is the document's one definition: the
 * type derives from it, the JSON renderer emits keys in its order, `decodeApplyJson` reads it.
 */

export const APPLY_FORMAT_VERSION = 1 as const;

export const ApplyDocument = t.type(
  {
    formatVersion: t.literal(APPLY_FORMAT_VERSION),
    /** True when nothing had to be done. */
    noop: t.boolean,
    /** The actions carried out, counted by type. */
    executed: Summary,
    /** Package-manager processes started (0 on a no-op, and when every package was reused). */
    packageManagerRuns: t.number,
    /** Actions skipped at execution time, with the reason (e.g. a root locked meanwhile). */
    skipped: t.array(t.string),
    /** The desired state's fingerprint (`desired.fingerprint` of the plan carried out). */
    fingerprint: t.string,
  },
  "ApplyDocument",
);
export type ApplyDocument = t.TypeOf<typeof ApplyDocument>;
