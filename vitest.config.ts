import { configDefaults, defineConfig } from "vitest/config";

// Three projects (`npx vitest run --project unit`, `npm run test:unit`):
// - unit: test/unit, in-process only: no registry, no process started (test/support/no-spawn.ts
//   makes every child_process call throw), well under a minute.
// - integration: test/integration, the built CLI as a subprocess against a local Verdaccio.
// - faults: test/faults, real crashes, locks, mounts, registry outages, full disks. `npm test` runs
//   the quick ones (QUICK_FAULTS, by name); `npm run test:faults` the others, with
//   PLUGDEPS_FAULTS=slow (vitest's --exclude reaches the root config only, not a project).
// test/host runs against the real OpenClaw tarballs: `npm run test:host` (vitest.host.config.ts).
// Every project audits its temp dirs (test/support/temp-audit.ts, FIRST so its teardown runs last)
// and removes them after each file (test/support/temp-cleanup.ts).
const audit = "test/support/temp-audit.ts";
const cleanup = "test/support/temp-cleanup.ts";
// The built CLI (rebuilt when src/ is newer) and one Verdaccio shared by the projects of a run.
const withRegistry = [audit, "test/support/global-setup.ts", "test/support/registry-setup.ts"];
const QUICK_FAULTS = ["test/faults/hostile.test.ts", "test/faults/fuzz.test.ts"];

export default defineConfig({
  test: {
    exclude: [...configDefaults.exclude, "test/host/**"],
    testTimeout: 60_000,
    // Removing a file's sandboxes (test/support/temp-cleanup.ts) took more than the default 10 s
    // on a loaded machine once a file had made 19 converged roots.
    hookTimeout: 60_000,
    pool: "forks",
    // Most test time is spent waiting on child processes (pnpm, npm, Verdaccio, the CLI), and
    // vitest's default on a 2-core machine is ONE worker (cores - 1): files ran one at a time.
    maxWorkers: 3,
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          globalSetup: [audit],
          setupFiles: ["test/support/no-spawn.ts", cleanup],
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          globalSetup: withRegistry,
          setupFiles: [cleanup],
        },
      },
      {
        extends: true,
        test: {
          name: "faults",
          include: ["test/faults/**/*.test.ts"],
          exclude: [
            ...configDefaults.exclude,
            ...(process.env["PLUGDEPS_FAULTS"] === "slow" ? QUICK_FAULTS : []),
          ],
          globalSetup: withRegistry,
          setupFiles: [cleanup],
        },
      },
    ],
  },
});
