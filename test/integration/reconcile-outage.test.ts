import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { liveTarget, spawnLines } from "../support/apply.js";
import { fixture, removeSandboxes } from "../support/cli.js";
import { type Registry, startRegistry } from "../support/registry.js";
import {
  condition,
  expectExit0,
  hasPackage,
  makeReconcileSandbox,
  passes,
  PLUGINS,
  pointAtRegistry,
  readStatus,
  rootOf,
  setPlugins,
  startReconcile,
  waitFor,
} from "./reconcile-support.js";

/**
 * A registry outage and its end. The loop runs against a registry of its own; the registry is
 * stopped (outage), a config change then needs an install: passes fail, the record says Degraded
 * with the reason, the loop backs off (5 s, 10 s, ... — observed as repeated failed passes, never
 * timed). A new registry is started on the SAME port (the clients' configuration does not
 * change), and the loop recovers to Ready on its own.
 */

const registries: Registry[] = [];
const temps: string[] = [];
afterAll(async () => {
  for (const r of registries.splice(0)) await r.stop().catch(() => undefined);
  for (const t of temps) fs.rmSync(t, { recursive: true, force: true });
  removeSandboxes();
});

/** Only the packages these tests install, so a registry starts (and restarts) quickly. */
const packagesDir = (): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plugdeps-outage-packages-"));
  temps.push(dir);
  for (const deps of Object.values(PLUGINS)) {
    for (const name of Object.keys(deps)) {
      fs.cpSync(fixture("registry", "packages", name), path.join(dir, name), { recursive: true });
    }
  }
  return dir;
};

describe("reconcile loop: registry outage", () => {
  it("fails, records Degraded, backs off, and recovers to Ready once the registry is back", async () => {
    const sb = makeReconcileSandbox();
    const packages = packagesDir();
    const first = await startRegistry({ packagesDir: packages });
    registries.push(first);
    const port = Number(new URL(first.url).port);
    pointAtRegistry(sb, first.url);

    // interval 30s: the backoff doubles 5s, 10s, 20s and is capped at 30s
    const run = startReconcile(sb, ["--every", "30s", "--jitter", "0"]);
    try {
      const show = () => `${run.output()}\nspawn log:\n${spawnLines(sb).join("\n")}`;
      await waitFor(
        "the first pass to converge",
        () => condition(readStatus(sb), "Ready")?.status === "True",
        show,
      );
      const root = rootOf(sb) ?? "";
      const target = liveTarget(root);

      // outage, then a change that needs the registry
      await first.stop();
      registries.splice(registries.indexOf(first), 1);
      setPlugins(sb, ["solo", "extra"]);
      await waitFor(
        "two failed passes",
        () => passes(run).filter((p) => p.outcome === "Failed").length >= 2,
        show,
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
      registries.push(await startRegistry({ packagesDir: packages, port }));
      await waitFor(
        "recovery to Ready",
        // the log line comes after the status record: wait for both
        () =>
          passes(run).at(-1)?.outcome === "Applied" &&
          condition(readStatus(sb), "Ready")?.status === "True" &&
          hasPackage(root, "@fixture/tokenizer"),
        show,
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
