import * as fs from "node:fs";
import * as path from "node:path";
import {
  FIXTURE_PACKAGES,
  type LocalRegistry,
  startRegistry,
} from "../../fixtures/registry/local-registry.mjs";
import { tempDir } from "./temp.js";

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

// ---------------------------------------------------------------------------------------------
// Registries of a test's own (never the shared one: a test that stops or breaks its registry)

const running = new Set<LocalRegistry>();

/**
 * Starts a registry of the test's own, serving `packagesDir`, on a fixed port when given (a
 * restart after an outage). Its `stop` may be called by the test; stopOwnRegistries (call it from
 * afterAll) stops whatever the test left running.
 */
export const ownRegistry = async (packagesDir: string, port?: number): Promise<LocalRegistry> => {
  const started = await startRegistry(port === undefined ? { packagesDir } : { packagesDir, port });
  const registry: LocalRegistry = {
    ...started,
    stop: async () => {
      running.delete(registry);
      await started.stop();
    },
  };
  running.add(registry);
  return registry;
};

/** Stops every registry ownRegistry started that is still running (call from afterAll). */
export const stopOwnRegistries = async (): Promise<void> => {
  for (const registry of [...running]) await registry.stop().catch(() => undefined);
};

/** A packages dir with only the named fixture packages (a registry then starts and restarts quickly). */
export const fixtureSubset = (names: Iterable<string>): string => {
  const dir = tempDir("registry-packages");
  for (const name of names)
    fs.cpSync(path.join(FIXTURE_PACKAGES, name), path.join(dir, name), { recursive: true });
  return dir;
};

/** The registry's port (a restarted registry takes the same one: the clients keep their config). */
export const portOf = (registry: LocalRegistry): number => Number(new URL(registry.url).port);

/**
 * The npmrc text pointing at `url`, with no retries and a short fetch timeout: a registry outage
 * fails a run promptly (pnpm would otherwise retry each request for a minute). No token: the
 * local registries allow anonymous reads.
 */
export const npmrcFor = (url: string): string =>
  [`registry=${url}`, "fetch-retries=0", "fetch-timeout=10000", ""].join("\n");
