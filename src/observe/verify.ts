import * as path from "node:path";
import type { Verification, DriftedPackage } from "../model/verify.js";
import { packageDistrust, trustChecker } from "../util/trusted-tree.js";
import type { PlanContext } from "./context.js";
import { liveTree } from "./generations.js";
import { readInstalled } from "./installed-package.js";
import { recordedDrift } from "./runtime-packages.js";

/** What repairs a drifted root: apply installs each drifted copy afresh (docs/security.md, promise 4). */
export const VERIFY_FIX =
  "run `plugdeps apply`: it installs every drifted package afresh in a new generation (a broken copy, or one that is not the version the root's record names, is never carried over)";

/**
 * `status --verify`: every package the live root's state record lists, read through the root's
 * own link (what the host loads). Read-only; reads uncached (nothing of a plan's cache is
 * believed). `needsPackages`: whether the plan wants packages in the root at all (a host whose
 * own node_modules satisfies everything has no root, and nothing to verify).
 */
export const verifyLiveRoot = (ctx: PlanContext, needsPackages: boolean): Verification => {
  const root = ctx.desired.targetRoot;
  const current = ctx.current;
  if (current._tag !== "Owned") {
    const problem =
      current._tag === "Absent"
        ? `there is no live root at ${root}`
        : `the root at ${root} is not plugdeps' (${current.reason})`;
    return {
      root: null,
      generation: null,
      checked: 0,
      drifted: [],
      problem,
      ok: current._tag === "Absent" && !needsPackages,
      fix: current._tag === "Absent" && !needsPackages ? null : "run `plugdeps apply`",
    };
  }
  const live = liveTree(root);
  const checker = trustChecker();
  const drifted: DriftedPackage[] = [];
  let checked = 0;
  for (const set of current.root.state.sets) {
    const nm = path.join(root, set.dir === "." ? "" : set.dir, "node_modules");
    for (const [name, entry] of Object.entries(set.packages).sort(([a], [b]) => (a < b ? -1 : 1))) {
      checked++;
      const at = path.join(nm, name);
      const found = recordedDrift(readInstalled(nm, name), entry.version);
      const problem =
        found._tag === "Missing"
          ? "missing: the package directory is not there"
          : found._tag === "Broken"
            ? found.reason
            : (() => {
                const d = packageDistrust(checker, ctx.stage.target.path, found.dir);
                return d === null ? null : `foreign files: ${d.reason}`;
              })();
      if (problem !== null) drifted.push({ set: set.id, name, path: at, recorded: entry.version, problem });
    }
  }
  return {
    root,
    generation: live._tag === "Generation" ? live.name : null,
    checked,
    drifted,
    problem: null,
    ok: drifted.length === 0,
    fix: drifted.length === 0 ? null : VERIFY_FIX,
  };
};
