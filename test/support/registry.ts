/**
 * The local registry harness lives in fixtures/registry/local-registry.mjs (plain JavaScript, so
 * `npm run demo` uses the same code without a build); this re-exports it, typed, for the tests.
 */
export {
  FIXTURE_PACKAGES,
  fixturePackages,
  freePort,
  packTarball,
  publish,
  startRegistry,
  type LocalRegistry as Registry,
} from "../../fixtures/registry/local-registry.mjs";
