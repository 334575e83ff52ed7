import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  addPlugin,
  APPLY_TIMEOUT_MS,
  leftovers,
  liveTarget,
  type Manager,
  spawnLines,
} from "../support/apply.js";
import { snapshotTree } from "../support/cli.js";
import { waitFor } from "../support/wait.js";
import { hasConnectionTo, hostArgs, makeSmallSandbox, processesUnder, writeNpmrc } from "./env-support.js";
import { describeEnded, type Ended, expectExit0, runCliProcess, startCli } from "./support.js";

/**
 * Bounded and interruptible installs (issue 15 items 11 and 12), with real processes and a real
 * registry that misbehaves:
 *
 * - a black hole: a TCP server on 127.0.0.1 that accepts connections and never writes a byte
 *   (the registry behind a broken proxy that held `apply` and its lock for ~16 minutes);
 * - a refused connection: a port nothing listens on.
 *
 * A small host converges once against the shared registry; then a plugin that needs a new package
 * is added and the registry is pointed at the fault (npm_config_userconfig), so the next apply
 * runs a package manager that cannot finish. Every case must end (the test's own timeout is the
 * only clock), say what happened with the registry URL, and leave: no package-manager process,
 * no `.plugdeps-stage-*`, no lock directory, the live root exactly as it was (tree snapshot).
 */

type Small = ReturnType<typeof makeSmallSandbox>;

interface Converged {
  readonly sb: Small;
  readonly root: string;
  readonly target: string;
  readonly snapshot: ReturnType<typeof snapshotTree>;
  readonly spawns: number;
}

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A server that accepts every connection and never answers (nor closes). */
const blackHole = async (): Promise<{ url: string; port: number }> => {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${port}/`, port };
};

/** A port on 127.0.0.1 that nothing listens on (bound, then closed: connect gets ECONNREFUSED). */
const refusingPort = async (): Promise<{ url: string; port: number }> => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return { url: `http://127.0.0.1:${port}/`, port };
};

/** Converged once against the shared registry; then `beta` wants a package that is not installed. */
const convergedThenWanting = async (pm: Manager): Promise<Converged> => {
  const sb = makeSmallSandbox(pm);
  const first = await runCliProcess(sb, applyArgs(sb));
  expectExit0(first);
  const root = await rootOf(sb);
  const target = liveTarget(root);
  expect(target, "the root is live after the first apply").not.toBeNull();
  addPlugin(sb.host, "beta", { "@fixture/cli-tool": "^1.0.0" });
  cleanups.push(() => killLeftovers(sb));
  return {
    sb,
    root,
    target: target ?? "",
    snapshot: snapshotTree(path.join(sb.stage, target ?? "")),
    spawns: spawnLines(sb).length,
  };
};

const applyArgs = (sb: Small, ...extra: string[]): string[] => [
  "apply",
  ...hostArgs(sb, sb.config),
  "--stage-dir",
  sb.stage,
  ...extra,
];

/** The target root, as `plan --json` names it. */
const rootOf = async (sb: Small): Promise<string> => {
  const r = await runCliProcess(sb, ["plan", "--json", ...hostArgs(sb, sb.config), "--stage-dir", sb.stage]);
  expectExit0(r);
  return (JSON.parse(r.stdout) as { desired: { targetRoot: string } }).desired.targetRoot;
};

/** An npmrc with only `registry=`: no retry or fetch-timeout settings to shorten anything. */
const plainNpmrc = (sb: Small, url: string): string => {
  const file = sb.at("npmrc-plain");
  fs.writeFileSync(file, `registry=${url}\n`);
  return file;
};

/** Processes working in the stage base, or with the sandbox anywhere in their command line. */
const sandboxProcesses = (sb: Small): string[] => {
  const found = new Set<string>();
  for (const pid of processesUnder(sb.stage)) found.add(`${pid} (cwd in the stage base)`);
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").replace(/\0/g, " ");
      const state = fs.readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1]?.[0];
      if (cmdline.includes(sb.root) && state !== "Z") found.add(`${entry}: ${cmdline.trim()}`);
    } catch {
      // gone meanwhile
    }
  }
  return [...found];
};

/** Test cleanup only: whatever of the sandbox still runs (the failure it shows is asserted). */
const killLeftovers = (sb: Small): void => {
  for (const line of sandboxProcesses(sb)) {
    try {
      process.kill(Number(line.split(/[ :]/)[0]), "SIGKILL");
    } catch {
      // gone
    }
  }
};

/** What every case must leave: no manager, no stage, no lock, the live root as it was. */
const expectCleanAfter = async (c: Converged, r: Ended): Promise<void> => {
  // The CLI has exited; give a killed process group a moment to be reaped by init, no more.
  await waitFor("no package manager left", () => sandboxProcesses(c.sb).length === 0, {
    timeoutMs: 5_000,
    describe: () => `still running:\n${sandboxProcesses(c.sb).join("\n")}\n${describeEnded(r)}`,
  });
  expect(leftovers(c.sb.stage), describeEnded(r)).toEqual([]);
  expect(fs.existsSync(`${c.root}.lock`), `${c.root}.lock is gone`).toBe(false);
  expect(
    fs.readdirSync(c.sb.stage).filter((n) => n.endsWith(".lock") || n.includes(".lock.")),
    "no lock directory anywhere in the stage base",
  ).toEqual([]);
  expect(liveTarget(c.root), "the root points where it did").toBe(c.target);
  expect(snapshotTree(path.join(c.sb.stage, c.target)), "the live generation is unchanged").toEqual(
    c.snapshot,
  );
  expect(fs.existsSync(path.join(c.root, "node_modules", "@fixture", "cli-tool"))).toBe(false);
  expect(r.stderr, "no stack trace").not.toMatch(/\n\s+at /);
};

/** Sends `sig` to the CLI once its package manager has a connection open to the black hole. */
const interruptMidInstall = async (
  c: Converged,
  hole: { url: string; port: number },
  sig: NodeJS.Signals,
) => {
  const npmrc = plainNpmrc(c.sb, hole.url);
  const started = startCli(c.sb, applyArgs(c.sb), { npm_config_userconfig: npmrc });
  await waitFor("the package manager to start", () => spawnLines(c.sb).length > c.spawns, {
    timeoutMs: 60_000,
    describe: started.output,
  });
  await waitFor(
    "the package manager to connect to the black hole",
    () => hasConnectionTo(processesUnder(c.sb.stage), hole.port),
    { timeoutMs: 30_000, describe: () => `${sandboxProcesses(c.sb).join("\n")}\n${started.output()}` },
  );
  process.kill(started.pid, sig);
  return started.done;
};

describe("bounded and interruptible installs", () => {
  it(
    "a registry that accepts connections and never answers: --install-timeout 5s ends the apply, naming the timeout and the registry",
    async () => {
      const c = await convergedThenWanting("pnpm");
      const hole = await blackHole();
      const npmrc = plainNpmrc(c.sb, hole.url);
      const r = await runCliProcess(c.sb, applyArgs(c.sb, "--install-timeout", "5s"), {
        npm_config_userconfig: npmrc,
      });
      expect({ exitCode: r.exitCode, signal: r.signal }, describeEnded(r)).toEqual({
        exitCode: 1,
        signal: null,
      });
      expect(r.stderr).toMatch(
        /^Error: the install of \[shared\] @fixture\/cli-tool@\^1\.0\.0 with pnpm did not finish within 5s/m,
      );
      expect(r.stderr).toContain(`The registry ${hole.url} (registry= in ${npmrc}) did not answer in time`);
      expect(r.stderr).toMatch(/^Fix: .*raise --install-timeout/m);
      expect(r.stderr).toMatch(/^Last lines of \S+\.log:$/m);
      await expectCleanAfter(c, r);
    },
    APPLY_TIMEOUT_MS,
  );

  it.each<[NodeJS.Signals, number]>([
    ["SIGTERM", 143],
    ["SIGINT", 130],
  ])(
    "%s while the package manager waits on the registry: exit %d, the package manager's group stopped, the stage removed, the lock released",
    async (sig, code) => {
      const c = await convergedThenWanting("pnpm");
      const hole = await blackHole();
      const r = await interruptMidInstall(c, hole, sig);
      expect({ exitCode: r.exitCode, signal: r.signal }, describeEnded(r)).toEqual({
        exitCode: code,
        signal: null,
      });
      expect(r.stderr).toContain(
        `interrupted by ${sig}: stopped the package manager, removed the stage, released the lock; the live root is unchanged`,
      );
      await expectCleanAfter(c, r);
      // and the next run converges once the registry answers again
      const next = await runCliProcess(c.sb, applyArgs(c.sb));
      expectExit0(next);
      expect(fs.existsSync(path.join(c.root, "node_modules", "@fixture", "cli-tool", "package.json"))).toBe(
        true,
      );
    },
    APPLY_TIMEOUT_MS,
  );

  it.each<Manager>(["pnpm", "npm"])(
    "a registry that refuses connections, the managers' own retries left on (%s): the same --install-timeout bounds it (issue 17)",
    async (pm) => {
      const c = await convergedThenWanting(pm);
      const refused = await refusingPort();
      // Only `registry=`: pnpm and npm retry a refused connection for minutes by default.
      const npmrc = plainNpmrc(c.sb, refused.url);
      const r = await runCliProcess(c.sb, applyArgs(c.sb, "--install-timeout", "5s"), {
        npm_config_userconfig: npmrc,
      });
      expect({ exitCode: r.exitCode, signal: r.signal }, describeEnded(r)).toEqual({
        exitCode: 1,
        signal: null,
      });
      expect(r.stderr, describeEnded(r)).toContain("did not finish within 5s");
      expect(r.stderr, describeEnded(r)).toContain(refused.url);
      await expectCleanAfter(c, r);
    },
    APPLY_TIMEOUT_MS,
  );

  it.each<Manager>(["pnpm", "npm"])(
    "a registry that refuses connections (%s): a bounded failure naming the registry URL and the setting that chose it",
    async (pm) => {
      const c = await convergedThenWanting(pm);
      const refused = await refusingPort();
      // The operator's npmrc: no retries, as a site that wants a quick failure sets it.
      const npmrc = writeNpmrc(c.sb, refused.url);
      const r = await runCliProcess(c.sb, applyArgs(c.sb), { npm_config_userconfig: npmrc });
      expect({ exitCode: r.exitCode, signal: r.signal }, describeEnded(r)).toEqual({
        exitCode: 1,
        signal: null,
      });
      expect(r.stderr).toMatch(
        new RegExp(
          `^Cause: the registry ${refused.url.replace(/[.]/g, "\\.")} \\(registry= in ${npmrc.replace(/[.]/g, "\\.")}\\) could not be reached \\(ECONNREFUSED\\)`,
          "m",
        ),
      );
      expect(r.stderr).toMatch(/^Fix: .*registry= in \.npmrc/m);
      await expectCleanAfter(c, r);
    },
    APPLY_TIMEOUT_MS,
  );
});
