import * as fs from "../util/observed-fs.js";
import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import type { StageCandidateSpec } from "../hosts/types.js";
import { noWritableStageBase, type PlugdepsError } from "../model/errors.js";
import type { StageCandidate } from "../model/plan.js";
import { type ProbeMode, probeWritable } from "../util/probe-writable.js";

/**
 * Picks the writable stage base from the adapter's candidates, in order, with a probe per
 * candidate (SPEC §4.1). Read-only layer entries are recorded but never probed for writing: they
 * are only ever read. Candidates after the chosen one are listed as `skipped`.
 */
export interface StageChoice {
  readonly target: StageCandidate;
  readonly layers: readonly StageCandidate[];
  readonly all: readonly StageCandidate[];
}

export const chooseStageBase = (
  specs: readonly StageCandidateSpec[],
  mode: ProbeMode,
  variables: string,
  /**
   * For read-only commands that only look (status): when no candidate is writable, observe the
   * first existing one anyway, marked not writable. A host container that mounts the stage
   * read-only can then still see what is materialized there; mutating commands never pass this.
   */
  observeReadOnly = false,
): E.Either<PlugdepsError, StageChoice> => {
  const all: StageCandidate[] = [];
  const layers: StageCandidate[] = [];
  let target: StageCandidate | null = null;
  const failures: { path: string; source: string; error: string }[] = [];

  for (const spec of specs) {
    const p = path.resolve(spec.path);
    if (spec.role === "layer") {
      const layer: StageCandidate = {
        path: p,
        source: spec.source,
        role: "layer",
        writable: false,
        detail: "read-only layer: may satisfy dependencies, never written",
      };
      layers.push(layer);
      all.push(layer);
      continue;
    }
    if (target !== null) {
      all.push({
        path: p,
        source: spec.source,
        role: "skipped",
        writable: null,
        detail: "not probed: an earlier candidate is writable",
      });
      continue;
    }
    const shared = sharedWithEveryone(p);
    const probe = shared === null ? probeWritable(p, mode) : { writable: false as const, error: shared };
    if (probe.writable) {
      target = {
        path: p,
        source: spec.source,
        role: "target",
        writable: true,
        detail: `writable (${mode === "write" ? "write probe" : "access(2) W_OK"} at ${probe.probedAt})`,
      };
      all.push(target);
    } else {
      failures.push({ path: p, source: spec.source, error: probe.error });
      all.push({ path: p, source: spec.source, role: "skipped", writable: false, detail: probe.error });
    }
  }
  if (target === null && observeReadOnly) {
    const existing = all.find((c) => c.role === "skipped" && c.writable === false && isDirectory(c.path));
    if (existing !== undefined) {
      const observed: StageCandidate = {
        ...existing,
        role: "target",
        detail: `${existing.detail}; observed read-only (apply needs it writable)`,
      };
      return E.right({ target: observed, layers, all: all.map((c) => (c === existing ? observed : c)) });
    }
  }
  if (target === null) return E.left(noWritableStageBase(failures, variables));
  return E.right({ target, layers, all });
};

/**
 * A stage base anyone can write is refused unless it is a root-owned sticky directory (as /tmp):
 * in any other world-writable directory another user can rename or replace what plugdeps made
 * (docs/security.md). Null when the candidate may be used (or does not exist yet).
 */
const sharedWithEveryone = (p: string): string | null => {
  let st: import("node:fs").Stats | undefined;
  try {
    st = fs.statSync(p, { throwIfNoEntry: false });
  } catch {
    return null; // the probe says what is wrong with it
  }
  if (st === undefined || !st.isDirectory() || (st.mode & 0o002) === 0) return null;
  if (st.uid === 0 && (st.mode & 0o1000) !== 0) return null;
  return `EPERM: it is world-writable (mode ${(st.mode & 0o7777).toString(8)}, owner uid ${st.uid}) and not a root-owned sticky directory, so any user could replace what plugdeps makes there; chmod o-w it (or chmod +t and chown root)`;
};

const isDirectory = (p: string): boolean => {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
};
