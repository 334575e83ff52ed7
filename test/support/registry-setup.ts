import type { TestProject } from "vitest/node";
import { startRegistry } from "./registry.js";

/**
 * Vitest global setup: one local registry (Verdaccio, fixtures published) for the whole run.
 * Tests read it with `inject("registry")`.
 */
declare module "vitest" {
  export interface ProvidedContext {
    registry: { url: string; npmrc: string; token: string };
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const registry = await startRegistry();
  project.provide("registry", { url: registry.url, npmrc: registry.npmrc, token: registry.token });
  return registry.stop;
}
