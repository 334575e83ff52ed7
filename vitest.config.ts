import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // test/host runs against the real OpenClaw tarballs: `npm run test:host` (vitest.host.config.ts).
    exclude: [...configDefaults.exclude, "test/host/**"],
    testTimeout: 60_000,
    pool: "forks",
    // Most test time is spent waiting on child processes (pnpm, npm, Verdaccio, the CLI), and
    // vitest's default on a 2-core machine is ONE worker (cores - 1): files ran one at a time.
    maxWorkers: 3,
    globalSetup: ["test/support/global-setup.ts", "test/support/registry-setup.ts"],
  },
});
