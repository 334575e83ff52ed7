import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  addPlugin,
  APPLY_TIMEOUT_MS,
  type ApplySandbox,
  decodePlan,
  expectRootValid,
  leftovers,
  liveTarget,
  loadFromRoot,
  type Manager,
  run,
  spawnLines,
} from "../support/apply.js";
import { describeRun, type RunResult } from "../support/cli.js";
import { diagnoseInstallLog } from "../../src/execute/package-manager.js";
import type { Registry } from "../support/registry.js";
import { fixtureSubset, ownRegistry, portOf, publish, stopOwnRegistries } from "../support/registry.js";
import {
  filesContaining,
  generationDirs,
  hasConnectionTo,
  hostArgs,
  makeSmallSandbox,
  processesUnder,
  publishTampered,
  publishTarball,
  registryPid,
  TAMPER_MARKER,
  writeNpmrc,
  writePackage,
} from "./env-support.js";
import { waitFor } from "../support/wait.js";

/**
 * Registry failures (issue 4 item 5): each against a Verdaccio of the test's own (never the
 * shared one), with a host that converged once before the fault, so "the previous root is
 * intact" means something:
 *
 * - the registry stopped while the package manager runs;
 * - a dependency the registry does not have (404);
 * - a tarball that does not match the integrity its packument advertises (a tampered mirror).
 *
 * Every one: exit 1 with the log's tail and the log's path, a cause that names the failure, the
 * previous root live, unchanged and valid, no stage leftovers, nothing of the failed run live;
 * the next run converges once the registry is fixed.
 */

afterAll(stopOwnRegistries);

/** Only what these tests install: alpha's retry, the new plugin's cli-tool. */
const PACKAGES = ["@fixture/retry", "@fixture/cli-tool"];

type Small = ApplySandbox & { readonly config: string };

const applyIn = (sb: Small, npmrc: string): Promise<RunResult> =>
  run(sb, ["apply", ...hostArgs(sb, sb.config), "--stage-dir", sb.stage], { npm_config_userconfig: npmrc });

const planIn = async (sb: Small, npmrc: string) => {
  const r = await run(sb, ["plan", "--json", ...hostArgs(sb, sb.config), "--stage-dir", sb.stage], {
    npm_config_userconfig: npmrc,
  });
  expect(r.exitCode, describeRun(r)).toBe(0);
  return decodePlan(r.stdout);
};

/** A small host converged once against `registry`: what a failed run must leave untouched. */
const convergedSandbox = async (pm: Manager, registry: Registry) => {
  const sb = makeSmallSandbox(pm);
  const npmrc = writeNpmrc(sb, registry.url);
  const first = await applyIn(sb, npmrc);
  expect(first.exitCode, describeRun(first)).toBe(0);
  const plan = await planIn(sb, npmrc);
  expect(plan.actions).toEqual([]);
  const root = plan.desired.targetRoot;
  const before = {
    plan,
    root,
    target: liveTarget(root),
    generations: generationDirs(sb.stage, root),
    spawns: spawnLines(sb).length,
  };
  expect(before.target).not.toBeNull();
  return { sb, npmrc, before };
};

/** The failed run: exit 1, the log's tail and path shown, the cause named, no stack trace. */
const expectInstallFailure = (r: RunResult, pm: Manager, code: RegExp): string => {
  expect(r.exitCode, describeRun(r)).toBe(1);
  expect(r.stderr).toMatch(
    new RegExp(`^Error: ${pm} install exited with code \\d+ .*; the live root is unchanged\\.$`, "m"),
  );
  const logLine = /^Last lines of (\S+\.log):$/m.exec(r.stderr);
  expect(logLine, describeRun(r)).not.toBeNull();
  const log = logLine?.[1] ?? "";
  expect(fs.readFileSync(log, "utf8")).toContain(`$ ${pm} `);
  expect(r.stderr).toMatch(/^ {2}\| /m); // the tail itself
  expect(r.stderr).toMatch(new RegExp(`^Cause: ${code.source}`, "m"));
  expect(r.stderr).toMatch(/^Fix: /m);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  return log;
};

/** The previous root is live, points where it did, validates; no leftovers, no new generation. */
const expectPreviousIntact = async (
  sb: Small,
  before: Awaited<ReturnType<typeof convergedSandbox>>["before"],
) => {
  expect(liveTarget(before.root)).toBe(before.target);
  expect(generationDirs(sb.stage, before.root)).toEqual(before.generations);
  expect(leftovers(sb.stage)).toEqual([]);
  await expectRootValid(before.root, before.plan);
};

describe("registry failures", () => {
  it(
    "the registry stopped mid-install (pnpm): exit 1 with the log, the previous root intact; converges once it is back on the same port",
    async () => {
      const registry = await ownRegistry(fixtureSubset(PACKAGES));
      const port = portOf(registry);
      const { sb, npmrc, before } = await convergedSandbox("pnpm", registry);
      addPlugin(sb.host, "beta", { "@fixture/cli-tool": "^1.0.0" });

      const pending = applyIn(sb, npmrc);
      // The package manager has been started for the new generation and has a request open to
      // the registry: the registry is frozen (SIGSTOP) as soon as the manager starts, so that
      // request cannot complete, then killed with it in flight (a crash, not a polite drain).
      await waitFor("the package manager to start", () => spawnLines(sb).length > before.spawns, {
        timeoutMs: 60_000,
        describe: () => spawnLines(sb).join("\n"),
      });
      const pid = registryPid(registry);
      expect(pid, "the registry's Verdaccio process").not.toBeNull();
      process.kill(pid ?? 0, "SIGSTOP");
      await waitFor(
        "the package manager to connect to the registry",
        () => hasConnectionTo(processesUnder(sb.stage), port),
        {
          timeoutMs: 30_000,
          describe: () => `processes in the stage: ${processesUnder(sb.stage).join(", ")}`,
        },
      );
      process.kill(pid ?? 0, "SIGKILL");
      await registry.stop();
      expect(fs.existsSync(`/proc/${pid ?? 0}`), "the registry process is gone").toBe(false);
      const failed = await pending;
      // the request in flight was cut: the manager reports the reset, plugdeps names it as the
      // cause, with the registry and the setting that chose it (issue 15)
      expectInstallFailure(
        failed,
        "pnpm",
        new RegExp(
          `the registry http://127\\.0\\.0\\.1:${port}/ \\(registry= in ${npmrc.replace(/\./g, "\\.")}\\) could not be reached \\((ECONNRESET|socket hang up)\\)`,
        ),
      );
      await expectPreviousIntact(sb, before);
      expect(fs.existsSync(path.join(before.root, "node_modules", "@fixture", "cli-tool"))).toBe(false);

      // the registry is back on the same port (the clients' configuration does not change)
      await ownRegistry(fixtureSubset(PACKAGES), port);
      const recovered = await applyIn(sb, npmrc);
      expect(recovered.exitCode, describeRun(recovered)).toBe(0);
      const plan = await planIn(sb, npmrc);
      expect(plan.actions).toEqual([]);
      expect(plan.desired.sets.flatMap((s) => s.packages.map((p) => p.name))).toContain("@fixture/cli-tool");
      await expectRootValid(plan.desired.targetRoot, plan);
      expect(liveTarget(before.root)).not.toBe(before.target);
      expect(leftovers(sb.stage)).toEqual([]);
    },
    APPLY_TIMEOUT_MS,
  );

  it(
    "a dependency the registry does not have (404): exit 1 naming it, the previous root intact; converges once it is published",
    async () => {
      const registry = await ownRegistry(fixtureSubset(PACKAGES));
      const { sb, npmrc, before } = await convergedSandbox("pnpm", registry);
      addPlugin(sb.host, "beta", { "@fixture/does-not-exist": "^1.0.0" });

      const failed = await applyIn(sb, npmrc);
      expectInstallFailure(failed, "pnpm", /E404: the registry has no package @fixture\/does-not-exist$/);
      await expectPreviousIntact(sb, before);

      // once the registry has it, the next run converges
      const dir = writePackage(sb.at("published", "does-not-exist"), "@fixture/does-not-exist", "1.0.0");
      await publish(registry.url, registry.token, dir);
      const recovered = await applyIn(sb, npmrc);
      expect(recovered.exitCode, describeRun(recovered)).toBe(0);
      const plan = await planIn(sb, npmrc);
      expect(plan.actions).toEqual([]);
      await expectRootValid(plan.desired.targetRoot, plan);
      expect(leftovers(sb.stage)).toEqual([]);
    },
    APPLY_TIMEOUT_MS,
  );

  describe.each<Manager>(["pnpm", "npm"])("a tampered tarball (%s)", (pm) => {
    it(
      "integrity mismatch: exit 1 (EINTEGRITY), nothing of it anywhere in the stage base; converges once the registry serves the genuine one",
      async () => {
        const packages = fixtureSubset(PACKAGES);
        const registry = await ownRegistry(packages);
        const port = portOf(registry);
        const { sb, npmrc, before } = await convergedSandbox(pm, registry);
        const genuine = await publishTampered(registry, "@fixture/tampered", "1.0.0");
        addPlugin(sb.host, "beta", { "@fixture/tampered": "1.0.0" });

        const failed = await applyIn(sb, npmrc);
        expectInstallFailure(failed, pm, /EINTEGRITY: a downloaded tarball does not match the integrity/);
        await expectPreviousIntact(sb, before);
        // not live, not in a stage, not in the package manager's cache or store
        expect(filesContaining(sb.stage, TAMPER_MARKER)).toEqual([]);

        // the mirror is fixed (same port, genuine tarball): the next run converges and loads it
        await registry.stop();
        const fixed = await ownRegistry(packages, port);
        await publishTarball(fixed, "@fixture/tampered", "1.0.0", genuine);
        const recovered = await applyIn(sb, npmrc);
        expect(recovered.exitCode, describeRun(recovered)).toBe(0);
        const plan = await planIn(sb, npmrc);
        expect(plan.actions).toEqual([]);
        await expectRootValid(plan.desired.targetRoot, plan);
        const [loaded] = await loadFromRoot([{ name: "@fixture/tampered", from: plan.desired.targetRoot }]);
        expect(loaded?.version).toBe("1.0.0");
        expect(filesContaining(sb.stage, TAMPER_MARKER)).toEqual([]);
        expect(leftovers(sb.stage)).toEqual([]);
      },
      APPLY_TIMEOUT_MS,
    );
  });
});

/**
 * The cause plugdeps reads from a failed manager's log, on lines captured from real pnpm 10 and
 * npm 10 runs against these faults (the tests above produce them live; these pin the parsing).
 */
describe("the cause read from a package-manager log", () => {
  const cwd = "/stage/.plugdeps-stage-x";
  it.each([
    [
      "pnpm 404",
      " ERR_PNPM_FETCH_404  GET http://127.0.0.1:4873/@fixture%2Fdoes-not-exist: Not Found - 404",
      "E404",
      "@fixture/does-not-exist",
    ],
    [
      "npm 404",
      "npm error code E404\nnpm error 404 Not Found - GET http://127.0.0.1:4873/@fixture%2fdoes-not-exist - no such package available",
      "E404",
      "@fixture/does-not-exist",
    ],
    [
      "pnpm integrity",
      ' ERR_PNPM_TARBALL_INTEGRITY  Got unexpected checksum for "http://127.0.0.1:4873/@fixture/tampered/-/tampered-1.0.0.tgz". Wanted "sha512-A". Got "sha512-B".',
      "EINTEGRITY",
      "tampered-1.0.0.tgz",
    ],
    [
      "npm integrity",
      "npm error code EINTEGRITY\nnpm error sha512-A integrity checksum failed when using sha512: wanted sha512-A but got sha512-B. (269 bytes)",
      "EINTEGRITY",
      "does not match the integrity",
    ],
    [
      "pnpm reset mid-request",
      " ERR_PNPM_META_FETCH_FAIL  GET http://127.0.0.1:4873/@fixture%2Fcli-tool: request to http://127.0.0.1:4873/@fixture%2Fcli-tool failed, reason: read ECONNRESET",
      "ECONNRESET",
      "could not be reached",
    ],
    ["pnpm disk full", " ENOSPC  ENOSPC: no space left on device, write", "ENOSPC", cwd],
    [
      "npm disk full",
      "npm error code ENOSPC\nnpm error nospc ENOSPC: no space left on device, write",
      "ENOSPC",
      cwd,
    ],
    ["npm read-only", "npm error code EROFS\nnpm error syscall mkdir", "EROFS", "read-only filesystem"],
  ])("%s", (_name, log, code, named) => {
    const d = diagnoseInstallLog(`$ manager install\n# cwd ${cwd}\n${log}\n`, cwd);
    expect(d?.code).toBe(code);
    expect(d?.cause).toContain(named);
    expect(d?.fix).not.toBe("");
  });

  it("says nothing it cannot read from the log", () => {
    expect(diagnoseInstallLog("$ pnpm install\nsomething unexpected happened\n", cwd)).toBeNull();
  });
});

/**
 * Registry diagnoses that name the registry and the setting that fixes it (issue 15). The log
 * lines have the shape pnpm 10 and npm 10 print (the refused, black-hole and reset cases run live
 * in interrupt.test.ts and above); the registry comes from the environment the manager ran with.
 */
describe("the registry named in a diagnosis", () => {
  const cwd = "/stage/.plugdeps-stage-x";
  const registry = {
    url: "https://npm.example.internal/",
    from: "registry= in /etc/plugdeps/npmrc",
    scoped: [],
  };
  it.each([
    [
      "pnpm 401",
      " ERR_PNPM_FETCH_401  GET https://npm.example.internal/@acme%2Fprivate: Unauthorized - 401",
      "E401",
      "//npm.example.internal/:_authToken=",
    ],
    [
      "npm 403",
      "npm error code E403\nnpm error 403 403 Forbidden - GET https://npm.example.internal/@acme%2fprivate",
      "E403",
      "//npm.example.internal/:_authToken=",
    ],
    [
      "npm DNS",
      "npm error code ENOTFOUND\nnpm error FetchError: request to https://npm.example.internal/@acme%2fprivate failed, reason: getaddrinfo ENOTFOUND npm.example.internal",
      "ENOTFOUND",
      "registry= in .npmrc",
    ],
  ])("%s", (_name, log, code, fix) => {
    const d = diagnoseInstallLog(`$ manager install\n# cwd ${cwd}\n${log}\n`, cwd, undefined, registry);
    expect(d?.code).toBe(code);
    expect(d?.cause).toContain("https://npm.example.internal/ (registry= in /etc/plugdeps/npmrc)");
    expect(d?.fix).toContain(fix);
  });

  it("a request to another registry than the configured one names both", () => {
    const d = diagnoseInstallLog(
      " ERR_PNPM_META_FETCH_FAIL  GET http://10.0.0.9:4873/x: request to http://10.0.0.9:4873/x failed, reason: connect ECONNREFUSED 10.0.0.9:4873",
      cwd,
      undefined,
      registry,
    );
    expect(d?.cause).toBe(
      "the registry http://10.0.0.9:4873/ (configured: https://npm.example.internal/ (registry= in /etc/plugdeps/npmrc)) could not be reached (ECONNREFUSED)",
    );
  });
});
