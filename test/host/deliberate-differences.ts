/**
 * The ONE list of deliberate differences between plugdeps' plan and OpenClaw's own selection
 * (test/host/conformance.test.ts). Only `plugdeps-extra` can be listed: plugdeps desiring a
 * plugin's dependencies that OpenClaw's doctor / `plugins deps` does not select (for example
 * because the gateway's startup needs them: SPEC §5 desires the union). A plugin that OpenClaw
 * selects and plugdeps does not is never deliberate: it is the `Cannot find module` this project
 * exists to prevent, and the suite fails on it whatever this list says.
 *
 * Each entry names the version, the case (`name` in cases.ts, or "*" for every case), the plugin
 * key (the plugin's directory under dist/extensions, or `openclaw-core`) and why. An entry that
 * no longer matches any disagreement fails the suite too, so the list cannot go stale.
 */
export interface DeliberateDifference {
  readonly version: string;
  readonly case: string;
  readonly plugin: string;
  readonly direction: "plugdeps-extra";
  readonly reason: string;
}

export const DELIBERATE_DIFFERENCES: readonly DeliberateDifference[] = [];
