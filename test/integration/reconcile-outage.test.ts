import { afterAll, describe, expect, it } from "vitest";
import { liveTarget } from "../support/apply.js";

import { fixtureSubset, ownRegistry, portOf, stopOwnRegistries } from "../support/registry.js";
import {
  condition,
  expectExit0,
  hasPackage,
  loopWait,
  makeReconcileSandbox,
  passes,
  PLUGINS,
  pointAtRegistry,
  readStatus,
  rootOf,
  setPlugins,
  showRun,
  startReconcile,
  untilReady,
} from "./reconcile-support.js";
import { waitFor } from "../support/wait.js";

/**
 * A registry outage and its end. The loop runs against a registry of its own; the registry is
 * stopped (outage), a config change then needs an install: passes fail, the record says Degraded
 * with the reason, the loop backs off (5 s, 10 s, ... — observed as repeated failed passes, never
 * timed). A new registry is started on the SAME port (the clients' configuration does not
 * change), and the loop recovers to Ready on its own.
 */

afterAll(stopOwnRegistries);

/** Only the packages these tests install, so a registry starts (and restarts) quickly. */
const packagesDir = (): string =>
  fixtureSubset(new Set(Object.values(PLUGINS).flatMap((deps) => Object.keys(deps))));

describe("reconcile loop: registry outage", () => {
  it("fails, records Degraded, backs off, and recovers to Ready once the registry is back", async () => {
    const sb = makeReconcileSandbox();
    const packages = packagesDir();
    const first = await ownRegistry(packages);
    const port = portOf(first);
    pointAtRegistry(sb, first.url);

    // interval 30s: the backoff doubles 5s, 10s, 20s and is capped at 30s
    const run = startReconcile(sb, ["--every", "30s", "--jitter", "0"]);
    try {
      const show = showRun(run, sb);
      await untilReady(sb, show);
      const root = rootOf(sb) ?? "";
      const target = liveTarget(root);

      // outage, then a change that needs the registry
      await first.stop();
      setPlugins(sb, ["solo", "extra"]);
      await waitFor(
        "two failed passes",
        () => passes(run).filter((p) => p.outcome === "Failed").length >= 2,
        loopWait(show),
      );

      const failedPasses = passes(run).filter((p) => p.outcome === "Failed");
      expect(failedPasses[0]).toMatchObject({
        trigger: "config-change",
        reason: "PackageManagerFailed",
        ready: "False",
      });
      expect(failedPasses[1]).toMatchObject({ trigger: "backoff", reason: "PackageManagerFailed" });
      const retries = run
        .events()
        .filter((e) => typeof e["nextPassInSeconds"] === "number" && e["outcome"] === "Failed");
      // the scheduled retry delays double (the values the loop chose, not measured time)
      expect(retries.slice(0, 2).map((e) => e["nextPassInSeconds"])).toEqual([5, 10]);
      const degraded = readStatus(sb);
      expect(condition(degraded, "Degraded")).toMatchObject({
        status: "True",
        reason: "PackageManagerFailed",
      });
      expect(condition(degraded, "Ready")).toMatchObject({ status: "False", reason: "PackageManagerFailed" });
      expect(condition(degraded, "Progressing")).toMatchObject({ status: "True", reason: "Backoff" });
      expect(degraded?.lastPass.error?.message).toContain("pnpm install");
      // failed passes never touched the live root
      expect(liveTarget(root)).toBe(target);

      // the registry comes back on the same port: the next backoff pass converges
      await ownRegistry(packages, port);
      await waitFor(
        "recovery to Ready",
        // the log line comes after the status record: wait for both
        () =>
          passes(run).at(-1)?.outcome === "Applied" &&
          condition(readStatus(sb), "Ready")?.status === "True" &&
          hasPackage(root, "@fixture/tokenizer"),
        loopWait(show),
      );
      const recovered = readStatus(sb);
      expect(recovered?.lastPass.outcome).toBe("Applied");
      expect(recovered?.lastPass.error).toBeUndefined();
      expect(condition(recovered, "Degraded")).toMatchObject({ status: "False", reason: "PassSucceeded" });
      expect(condition(recovered, "Progressing")).toMatchObject({ status: "False", reason: "Applied" });
      expect(passes(run).at(-1)).toMatchObject({ outcome: "Applied", trigger: "backoff", ready: "True" });
      // the backoff was reset: the next pass is scheduled on the interval again
      expect(run.events().at(-1)?.["nextPassInSeconds"]).toBe(30);
    } finally {
      expectExit0(await run.stop("SIGTERM"));
    }
  }, 90_000);
});
