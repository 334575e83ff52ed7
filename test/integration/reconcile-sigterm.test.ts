import * as fs from "node:fs";
import * as net from "node:net";
import { describe, expect, it } from "vitest";
import { leftovers, liveTarget, spawnLines } from "../support/apply.js";
import {
  condition,
  expectExit0,
  hasPackage,
  loopWait,
  makeReconcileSandbox,
  passes,
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
 * SIGTERM while the package manager runs. The install is made to hang deterministically — the
 * registry is a TCP server that accepts connections and never answers — and the signal is sent
 * once the spawn log shows the package manager started (no sleeps, no timing). The loop must
 * abort the package manager, leave the live root pointing where it did, release the lock, record
 * the pass as Interrupted, and exit 0.
 */

describe("reconcile loop: SIGTERM during an install", () => {
  it("aborts the package manager, leaves the live root and no lock behind, exits 0", async () => {
    const sb = makeReconcileSandbox();
    const silent = net.createServer((socket) => socket.on("error", () => undefined));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", () => resolve()));
    const silentPort = (silent.address() as net.AddressInfo).port;
    const run = startReconcile(sb, ["--every", "1h"]);
    try {
      const show = showRun(run, sb);
      await untilReady(sb, show);
      const root = rootOf(sb) ?? "";
      const target = liveTarget(root);
      expect(target).not.toBeNull();

      // the registry goes silent, then `third` is enabled: the next pass's install hangs
      pointAtRegistry(sb, `http://127.0.0.1:${silentPort}/`);
      setPlugins(sb, ["solo", "third"]);
      await waitFor("the package manager to start", () => spawnLines(sb).length === 2, loopWait(show));
      // Mid-pass, before the install: the record says a pass is applying.
      await waitFor(
        "the mid-pass record",
        () => condition(readStatus(sb), "Progressing")?.reason === "Applying",
        loopWait(show),
      );

      const stopped = await run.stop("SIGTERM");
      expectExit0(stopped);
      expect(passes(run).at(-1)).toMatchObject({ pass: 2, trigger: "config-change", outcome: "Interrupted" });

      // the live root is exactly where it was, nothing of the aborted build is left
      expect(liveTarget(root)).toBe(target);
      expect(hasPackage(root, "@fixture/markdown")).toBe(false);
      expect(hasPackage(root, "@fixture/retry")).toBe(true);
      expect(fs.existsSync(`${root}.lock`)).toBe(false);
      expect(leftovers(sb.stage)).toEqual([]);
      expect(spawnLines(sb)).toHaveLength(2);

      const s = readStatus(sb);
      expect(s?.lastPass).toMatchObject({ outcome: "Interrupted", error: { reason: "Interrupted" } });
      expect(s?.nextPassAt).toBeUndefined();
      expect(condition(s, "Progressing")).toMatchObject({ status: "False", reason: "Interrupted" });
      expect(condition(s, "Ready")).toMatchObject({ status: "False" }); // `third` is not materialized
      expect(condition(s, "Degraded")).toMatchObject({ status: "False", reason: "PassSucceeded" });
    } finally {
      if (run.isRunning()) await run.stop("SIGKILL");
      silent.close();
    }
  });
});
