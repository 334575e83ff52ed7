import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import {
  APPLY_TIMEOUT_MS,
  commonArgs,
  decodePlan,
  expectRootValid,
  leftovers,
  liveTarget,
  makeApplySandbox,
  MANAGERS,
  run,
  spawnLines,
  writeConfig,
} from "../support/apply.js";
import { configFixture, describeRun, NO_CHANGES, type RunResult } from "../support/cli.js";
import {
  generationDirs,
  hostArgs,
  type NsStep,
  ran,
  runInNamespace,
  shq,
  skipUnless,
} from "./env-support.js";

/**
 * Disk full (issue 4 item 6): the stage base is a size-limited tmpfs mounted inside a private
 * mount namespace, and every phase runs in that ONE namespace (the tmpfs and what is on it vanish
 * with it; each phase's stage is copied out with `cp -a` for the checks here):
 *
 *   1. fresh, 16 KiB: the demo cannot fit        -> exit 1, ENOSPC with a path, nothing live
 *  1b. 64 MiB, but a 16 KiB tmpfs over the package manager's cache: the MANAGER fails -> exit 1,
 *                                                    its ENOSPC named as the cause, with the path
 *   2. remount 64 MiB, a smaller plan             -> converges (the "previous" root)
 *   3. remount to what is used + 32 KiB, the demo -> exit 1, ENOSPC with a path, the previous
 *                                                    root still live, unchanged, valid
 *   4. remount 64 MiB, the demo                   -> converges, no stage leftovers
 *   5. the demo again                             -> no changes, no package manager
 *
 * And the case permission bits cannot see: a filesystem out of inodes (access(2) says writable,
 * mkdir says ENOSPC). The real write probe must catch it (SPEC §4.1; openclaw #70163).
 */

const DEMO = configFixture("demo.json5");
/** A line of stderr that names ENOSPC together with a path under `dir`. */
const enospcLine = (r: RunResult, dir: string): string | undefined =>
  r.stderr.split("\n").find((l) => /\bENOSPC\b/.test(l) && l.includes(`${dir}/`));

const expectEnospc = (r: RunResult, dir: string): void => {
  expect(r.exitCode, describeRun(r)).toBe(1);
  expect(r.stderr).toMatch(/^Error: /m);
  expect(
    enospcLine(r, dir),
    `no line names ENOSPC with a path under ${dir}\n${describeRun(r)}`,
  ).toBeDefined();
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
};

describe.each(MANAGERS)("stage base on a full tmpfs (%s)", (pm) => {
  it(
    "ENOSPC is reported with its path, nothing partial goes live, the next run with room converges and leaves no leftovers",
    async (ctx) => {
      const sb = makeApplySandbox(pm);
      if (!(await skipUnless(ctx, sb.at("probe"), "the disk-full test"))) return;
      const smaller = writeConfig(sb, "smaller", { channels: { slack: { enabled: true } } });
      const demo = commonArgs(sb, DEMO);
      const small = commonArgs(sb, smaller);
      const stage = shq(sb.stage);
      const cacheDir = path.join(sb.stage, ".plugdeps", "cache");
      const cache = shq(cacheDir);
      const used = `$(df -k --output=used ${stage} | tail -1 | tr -d ' ')`;
      const steps: NsStep[] = [
        { sh: `mount -t tmpfs -o size=16k tmpfs ${stage}` },
        { run: "fresh", args: ["apply", ...demo] },
        { copy: "after-fresh", from: sb.stage },
        { sh: `mount -o remount,size=64m ${stage}` },
        // only the package manager's cache/store is full: plugdeps' own writes succeed, the
        // manager's fail (deterministically, whatever page counts plugdeps' files need)
        { sh: `mkdir -p ${cache} && mount -t tmpfs -o size=16k tmpfs ${cache}` },
        { run: "cache-full", args: ["apply", ...demo] },
        { copy: "after-cache-full", from: sb.stage },
        { sh: `umount ${cache}` },
        { run: "small", args: ["apply", ...small] },
        { run: "plan-small", args: ["plan", "--json", ...small] },
        { copy: "after-small", from: sb.stage },
        { sh: `mount -o remount,size=$((${used} + 32))k ${stage}` },
        { sh: `df -k ${stage} | tail -1` },
        { run: "full", args: ["apply", ...demo] },
        { copy: "after-full", from: sb.stage },
        { sh: `mount -o remount,size=64m ${stage}` },
        { run: "recover", args: ["apply", ...demo] },
        { run: "again", args: ["apply", ...demo] },
        { run: "plan", args: ["plan", "--json", ...demo] },
        { copy: "after-recover", from: sb.stage },
      ];
      // no download retries: pnpm retries a store write that failed with ENOSPC like a network
      // error (10 s, then 60 s) before giving up
      const ns = await runInNamespace(sb, steps, { npm_config_fetch_retries: "0" });
      expect(ns.exitCode, ns.stderr).toBe(0);
      const copies = ns.copies as Record<string, string>;
      const plan = decodePlan(ran(ns, "plan").stdout);
      const smallPlan = decodePlan(ran(ns, "plan-small").stdout);
      const rootName = path.basename(plan.desired.targetRoot);
      const at = (copy: string) => path.join(copies[copy] ?? "", rootName);

      // 1. a fresh 16 KiB stage base: exit 1, ENOSPC with a path; no root, no stage, no generation
      // (which write runs out first, plugdeps' or the manager's, depends on page counts)
      const fresh = ran(ns, "fresh");
      expectEnospc(fresh, sb.stage);
      expect(liveTarget(at("after-fresh"))).toBeNull();
      expect(fs.existsSync(at("after-fresh"))).toBe(false);
      expect(leftovers(copies["after-fresh"] ?? "")).toEqual([]);
      expect(generationDirs(copies["after-fresh"] ?? "", rootName)).toEqual([]);

      // 1b. the manager's cache full: its failure is reported with the cause and the full device,
      // not only its exit code
      const cacheFull = ran(ns, "cache-full");
      expectEnospc(cacheFull, sb.stage);
      expect(cacheFull.stderr).toMatch(new RegExp(`^Error: ${pm} install exited with code \\d+ `, "m"));
      // pnpm's log says ENOSPC; npm keeps its log in the full cache and says nothing: the full
      // device is then named as the probable cause
      expect(cacheFull.stderr).toMatch(
        new RegExp(
          `^Cause: ENOSPC( \\(probably\\))?: (no space left on )?the device holding ${cacheDir} `,
          "m",
        ),
      );
      expect(cacheFull.stderr).toMatch(/^Fix: free space on that filesystem/m);
      expect(fs.existsSync(at("after-cache-full"))).toBe(false);
      expect(leftovers(copies["after-cache-full"] ?? "")).toEqual([]);

      // 2. converged on the smaller plan
      const smallRun = ran(ns, "small");
      expect(smallRun.exitCode, describeRun(smallRun)).toBe(0);
      const previous = liveTarget(at("after-small"));
      expect(previous).not.toBeNull();
      await expectRootValid(at("after-small"), smallPlan);
      const smallGenerations = generationDirs(copies["after-small"] ?? "", rootName);

      // 3. out of space mid-build: ENOSPC with a path; the previous root is what is live, unchanged
      const full = ran(ns, "full");
      expectEnospc(full, sb.stage);
      expect(liveTarget(at("after-full"))).toBe(previous);
      expect(generationDirs(copies["after-full"] ?? "", rootName)).toEqual(smallGenerations);
      expect(leftovers(copies["after-full"] ?? ""), "the failed run removes its own stage").toEqual([]);
      await expectRootValid(at("after-full"), smallPlan);
      console.info(
        `[${pm}] fresh 16k: ${enospcLine(fresh, sb.stage)?.trim() ?? ""}\n` +
          `[${pm}] cache 16k: ${cacheFull.stderr.split("\n").find((l) => l.startsWith("Cause: ")) ?? ""}\n` +
          `[${pm}] used+32k (${ns.stdout.trim()}): ${enospcLine(full, sb.stage)?.trim() ?? ""}`,
      );

      // 4. with room again: converges, nothing left over
      const recover = ran(ns, "recover");
      expect(recover.exitCode, describeRun(recover)).toBe(0);
      expect(recover.stdout).toContain("Apply complete!");
      expect(plan.actions).toEqual([]);
      expect(liveTarget(at("after-recover"))).not.toBe(previous);
      await expectRootValid(at("after-recover"), plan);
      expect(leftovers(copies["after-recover"] ?? "")).toEqual([]);
      expect(generationDirs(copies["after-recover"] ?? "", rootName).length).toBeLessThanOrEqual(2);

      // 5. and stays converged
      const again = ran(ns, "again");
      expect(again.exitCode, describeRun(again)).toBe(0);
      expect(again.stdout).toContain(NO_CHANGES);
      const spawnsAfterRecover = spawnLines(sb).filter((l) => l.startsWith(`${pm} `));
      expect(spawnsAfterRecover.length).toBeGreaterThan(0);
    },
    APPLY_TIMEOUT_MS,
  );
});

describe("a stage base out of inodes (permission bits say writable)", () => {
  it(
    "the real write probe sees ENOSPC: the implicit chain falls back to the next candidate; --stage-dir fails naming it",
    async (ctx) => {
      const sb = makeApplySandbox("pnpm");
      if (!(await skipUnless(ctx, sb.at("probe"), "the inode-exhaustion test"))) return;
      const full = sb.at("state-directory"); // will be a tmpfs with no free inode
      const fallback = sb.at("openclaw-state");
      fs.mkdirSync(full);
      fs.mkdirSync(fallback);
      const env = { STATE_DIRECTORY: full, OPENCLAW_STATE_DIR: fallback };
      const ns = await runInNamespace(sb, [
        { sh: `mount -t tmpfs -o size=1m,nr_inodes=1 tmpfs ${shq(full)}` },
        // access(2) says writable: the lie the write probe exists for
        { sh: `test -w ${shq(full)} && ! mkdir ${shq(`${full}/x`)} 2>/dev/null` },
        { run: "implicit", args: ["apply", ...hostArgs(sb, DEMO)], env },
        { run: "explicit", args: ["apply", ...hostArgs(sb, DEMO), "--stage-dir", full] },
        { run: "again", args: ["apply", ...hostArgs(sb, DEMO)], env },
      ]);
      expect(ns.exitCode, ns.stderr).toBe(0);

      const implicit = ran(ns, "implicit");
      expect(implicit.exitCode, describeRun(implicit)).toBe(0);
      const stage = path.join(fallback, "plugin-runtime-deps");
      // plugdeps' root (the link to its generation), not OpenClaw's own root name beside it
      const roots = fs
        .readdirSync(stage)
        .filter(
          (n) =>
            /^openclaw-2026\.4\.29-[0-9a-f]{12}$/.test(n) &&
            fs.lstatSync(path.join(stage, n)).isSymbolicLink(),
        );
      expect(roots).toHaveLength(1);
      expect(implicit.stdout).toContain(`(log: ${stage}/`);
      expect(leftovers(stage)).toEqual([]);
      const plan = decodePlan(
        (await run(sb, ["plan", "--json", ...hostArgs(sb, DEMO), "--stage-dir", stage])).stdout,
      );
      expect(plan.actions).toEqual([]);
      await expectRootValid(plan.desired.targetRoot, plan);
      // the next start finds it converged (it probes the same way), no second install
      const again = ran(ns, "again");
      expect(again.exitCode, describeRun(again)).toBe(0);
      expect(again.stdout).toContain(NO_CHANGES);
      expect(spawnLines(sb)).toHaveLength(2);

      const explicit = ran(ns, "explicit");
      expect(explicit.exitCode, describeRun(explicit)).toBe(1);
      expect(explicit.stderr).toContain(
        `  - ${full} (--stage-dir): ENOSPC: no space left on the device of ${full}`,
      );
      expect(explicit.stderr).toContain("Fix: pass --stage-dir DIR");
      expect(fs.readdirSync(full)).toEqual([]); // the mount point outside the namespace: untouched
    },
    APPLY_TIMEOUT_MS,
  );
});
