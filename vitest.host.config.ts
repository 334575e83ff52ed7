import { defineConfig } from "vitest/config";

// `npm run test:host`: the suites that hold plugdeps against the REAL OpenClaw packages
// (test/host/). They need the pinned tarballs (scripts/fetch-openclaw.mjs) and a Node 22
// (scripts/fetch-node22.sh); `npm run test:host` builds and fetches both first. No Verdaccio:
// nothing here installs packages. Timeouts are generous: one oracle process per version and a few
// hundred CLI plans.
export default defineConfig({
  test: {
    include: ["test/host/**/*.test.ts"],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: "forks",
    maxWorkers: 2,
  },
});
