import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import { configFixture, describeRun, NO_CHANGES, snapshotTree } from "../support/cli.js";
import {
  apply,
  APPLY_TIMEOUT_MS,
  commonArgs,
  decodePlan,
  expectOk,
  expectRootValid,
  leftovers,
  makeApplySandbox,
  MANAGERS,
  planJson,
  spawnLines,
  spawnsByStage,
} from "../support/apply.js";
import { readOnlyMountUnavailable, runCliReadOnly, runsHere } from "../support/readonly-mount.js";

/**
 * `plugdeps apply` in hostile surroundings, with each package manager: a host package root that
 * is a read-only mount (systemd `ProtectSystem=strict`), and several applies started at once.
 */

describe.each(MANAGERS)("apply with %s", (pm) => {
  it(
    "with the host on a read-only mount: installs into the stage, writes nothing under the host",
    async (ctx) => {
      const sb = makeApplySandbox(pm); // the demo host, with its legacy debris, and an empty stage
      if (!runsHere(ctx, "the read-only host test", await readOnlyMountUnavailable(sb.at("probe")))) return;
      const config = configFixture("demo.json5");
      const inReadOnlyHost = (...args: string[]) =>
        runCliReadOnly(sb, sb.host, [...args, ...commonArgs(sb, config)]);
      const hostBefore = snapshotTree(sb.host);

      const r = expectOk(await inReadOnlyHost("apply"));
      // the debris under the host cannot be cleaned from here: not an action, not a failure, but
      // apply warns about it (stderr) with the command that clears it from outside the sandbox
      expect(r.stderr, describeRun(r)).toContain("Warning: legacy debris under a read-only path:");
      expect(r.stderr, describeRun(r)).not.toMatch(/^\s+at /m);
      expect(r.stdout).toMatch(/Apply complete! \d+ reused, \d+ installed, 0 pruned, 0 legacy cleaned\./);
      expect(snapshotTree(sb.host)).toEqual(hostBefore);

      const planned = expectOk(await inReadOnlyHost("plan", "--json"));
      const plan = decodePlan(planned.stdout);
      expect(plan.actions).toEqual([]);
      expect(plan.observed.debris.length).toBeGreaterThanOrEqual(4);
      for (const d of plan.observed.debris) {
        expect(d.writable, d.path).toBe(false);
        expect(d.path.startsWith(`${sb.host}/`)).toBe(true);
      }
      // ... it is a warning carrying the command that clears it from outside the sandbox
      const human = expectOk(await inReadOnlyHost("plan"));
      for (const d of plan.observed.debris) {
        expect(human.stdout).toContain(`Warning: legacy debris under a read-only path: ${d.path}`);
        expect(human.stdout).toContain(d.fix);
      }
      await expectRootValid(plan.desired.targetRoot, plan);

      // a read-only host does not make every start reinstall (openclaw #71420)
      const spawns = spawnLines(sb).length;
      expect(spawns).toBeGreaterThan(0);
      const again = expectOk(await inReadOnlyHost("apply"));
      expect(again.stdout).toContain(NO_CHANGES);
      expect(spawnLines(sb)).toHaveLength(spawns);
      expect(snapshotTree(sb.host)).toEqual(hostBefore);
    },
    APPLY_TIMEOUT_MS,
  );

  it(
    "three applies started at once on a fresh stage: one builds, the others find it converged",
    async () => {
      const sb = makeApplySandbox(pm);
      const runs = await Promise.all([apply(sb), apply(sb), apply(sb)]);
      for (const r of runs) expect(r.exitCode, describeRun(r)).toBe(0);

      // every package-manager run belongs to one build (one stage dir), one per set with installs
      const builds = spawnsByStage(sb);
      expect([...builds.keys()], spawnLines(sb).join("\n")).toHaveLength(1);
      expect(spawnLines(sb)).toHaveLength(2); // the shared set and telegram's isolated set
      expect(runs.filter((r) => r.stdout.includes("Apply complete!"))).toHaveLength(1);
      expect(runs.filter((r) => r.stdout.includes(NO_CHANGES))).toHaveLength(2);
      for (const r of runs) expect(r.stderr).not.toMatch(/^Error/m);

      const plan = await planJson(sb);
      expect(plan.actions).toEqual([]);
      await expectRootValid(plan.desired.targetRoot, plan);
      expect(leftovers(sb.stage)).toEqual([]);
      expect(fs.existsSync(`${plan.desired.targetRoot}.lock`)).toBe(false);
    },
    APPLY_TIMEOUT_MS,
  );
});
