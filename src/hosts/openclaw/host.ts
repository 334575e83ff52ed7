import { defineHost, right } from "../shared/define-host.js";
import type { HostFacts } from "../types.js";
import { stageCandidates } from "./stage-dirs.js";

/** OpenClaw as the fast paths see it: its package name, root slug and stage directories. */
export const OPENCLAW_FACTS: HostFacts = {
  label: "openclaw",
  slug: "openclaw",
  packageName: "openclaw",
  stageCandidates,
};

/**
 * OpenClaw's light entry. It is the fallback: plugdeps was written for it, and without `--host`
 * or a package root to detect from, it is the host assumed (its stage directories, its config).
 * Its adapter (index.ts: the config codec, plugin discovery, every version's selection rules) is
 * registered in registry.ts, out of the fast paths.
 */
export const openclawHost = defineHost({
  name: "openclaw",
  fallback: true,
  envPrefixes: ["OPENCLAW_"],
  detect: (packageName) => packageName === OPENCLAW_FACTS.packageName,
  facts: () => right(OPENCLAW_FACTS),
});
