/**
 * Every host plugdeps knows, one line each: the host folder's light entry (HostEntry in
 * types.ts). Nothing outside src/hosts/ names a host; everything else asks lookup.ts (the light
 * questions: which host does `--host` name, where are its stage dirs) or registry.ts (its adapter).
 *
 * A new host is a folder and one line here. If its adapter is heavier than its entry (codecs,
 * globbing, selection rules), the entry leaves `adapter` out and registry.ts gets one line too:
 * tsc asks for it. The order of the lines does not matter (lookups sort by name); the fast paths
 * load this file, so it loads the light entries and nothing else.
 */

// hosts: one line per adapter
export { openclawHost } from "./openclaw/host.js";
export { profileHost } from "./profile/host.js";
