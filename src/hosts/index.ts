/**
 * What the library (src/index.ts) exports of the hosts: the adapters a host embedding plugdeps
 * may use directly and their codecs. Host names stay in src/hosts/.
 */
export { OpenClawConfig, OpenClawPluginManifest } from "./openclaw/config-codec.js";
export { openclawAdapter } from "./openclaw/index.js";
export { profileAdapter, loadProfileAdapter } from "./profile/index.js";
export { HostProfile } from "./profile/profile.js";
