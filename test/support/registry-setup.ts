import type { TestProject } from "vitest/node";
import { startRegistry, type Registry } from "./registry.js";

/**
 * Vitest global setup: one local registry (Verdaccio, fixtures published) for the whole run.
 * Tests read it with `inject("registry")`. The projects of one run that need it (integration,
 * faults) share it: the first starts it, the last one's teardown stops it.
 */
declare module "vitest" {
  export interface ProvidedContext {
    registry: { url: string; npmrc: string; token: string };
  }
}

interface Shared {
  readonly registry: Promise<Registry>;
  users: number;
}

const KEY = Symbol.for("plugdeps.test.registry");
const holder = globalThis as { [KEY]?: Shared };

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const shared = (holder[KEY] ??= { registry: startRegistry(), users: 0 });
  shared.users++;
  const registry = await shared.registry;
  project.provide("registry", { url: registry.url, npmrc: registry.npmrc, token: registry.token });
  return async () => {
    if (--shared.users > 0) return;
    delete holder[KEY];
    await registry.stop();
  };
}
