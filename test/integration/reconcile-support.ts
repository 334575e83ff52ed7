import * as fs from "node:fs";
import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { execa } from "execa";
import { expect, inject } from "vitest";
import { ReconcileStatus } from "../../src/model/status.js";
import { addPlugin, applyEnv, type ApplySandbox, spawnLines, testPath } from "../support/apply.js";
import { CLI, cliEnv, makeSandbox, REPO_ROOT, targetArgs, writeMinimalHost } from "../support/cli.js";
import type { WaitOptions } from "../support/wait.js";
import { npmrcFor } from "../support/registry.js";
import { waitFor } from "../support/wait.js";

/**
 * Helpers for the `plugdeps reconcile` integration tests: a small OpenClaw-shaped host whose
 * plugins each need one package from the registry, a long-running CLI child, and polling with a
 * deadline (never asserting on how long anything took).
 *
 * The host (`<tmp>/usr/lib/node_modules/openclaw`): `solo` (always on) needs @fixture/retry,
 * `extra` needs @fixture/tokenizer and `third` needs @fixture/markdown; both are enabledByDefault
 * and switched off by the test's config (`plugins.entries.<id>.enabled=false`) until a test
 * switches them on.
 */

export const PLUGINS = {
  solo: { "@fixture/retry": "^2.0.0" },
  extra: { "@fixture/tokenizer": "^0.3.0" },
  third: { "@fixture/markdown": "^2.0.0" },
} as const;
export type PluginId = keyof typeof PLUGINS;

export interface ReconcileSandbox extends ApplySandbox {
  readonly config: string;
  /** The npmrc the CLI reads (npm_config_userconfig): tests rewrite it to move the registry. */
  readonly npmrc: string;
}

export const makeReconcileSandbox = (): ReconcileSandbox => {
  const sb = makeSandbox({ host: null, stage: "empty" });
  const host = sb.at("usr", "lib", "node_modules", "openclaw");
  writeMinimalHost(host);
  for (const [id, dependencies] of Object.entries(PLUGINS)) addPlugin(host, id, dependencies);
  const rsb: ReconcileSandbox = {
    ...sb,
    host,
    pm: "pnpm",
    spawnLog: sb.at("spawn.log"),
    config: sb.at("etc", "openclaw.json"),
    npmrc: sb.at("npmrc"),
  };
  fs.mkdirSync(path.dirname(rsb.config), { recursive: true });
  setPlugins(rsb, ["solo"]);
  pointAtRegistry(rsb, inject("registry").url);
  return rsb;
};

/**
 * Writes the config the way editors and config tools do: a temp file renamed over the original
 * (the inode changes, so only a directory watch keeps seeing it).
 */
export const setPlugins = (sb: ReconcileSandbox, enabled: readonly PluginId[]): void => {
  const entries = Object.fromEntries(
    Object.keys(PLUGINS).map((id) => [id, { enabled: enabled.includes(id as PluginId) }]),
  );
  const temp = `${sb.config}.tmp-${process.pid}`;
  fs.writeFileSync(temp, `${JSON.stringify({ plugins: { entries } }, null, 2)}\n`);
  fs.renameSync(temp, sb.config);
};

/** Points every later run at the registry at `url` (npmrcFor: no retries, a short timeout). */
export const pointAtRegistry = (sb: ReconcileSandbox, url: string): void => {
  fs.writeFileSync(sb.npmrc, npmrcFor(url));
};

export const env = (sb: ReconcileSandbox): Record<string, string> => ({
  ...applyEnv(sb),
  npm_config_userconfig: sb.npmrc,
});

export const reconcileArgs = (sb: ReconcileSandbox, ...extra: string[]): string[] => [
  "reconcile",
  ...targetArgs({ host: sb.host, config: sb.config, stage: sb.stage, pm: "pnpm" }),
  ...extra,
];

/** A reconcile loop running as a child process, with its output collected as it arrives. */
export interface Running {
  readonly isRunning: () => boolean;
  readonly output: () => string;
  /** JSON log lines so far (run with --log-format json). */
  readonly events: () => Record<string, unknown>[];
  /** Sends a signal and waits for the exit. */
  readonly stop: (signal?: NodeJS.Signals) => Promise<{ exitCode: number | undefined; output: string }>;
}

export const startReconcile = (sb: ReconcileSandbox, extra: readonly string[]): Running => {
  let text = "";
  const child = execa(process.execPath, [CLI, ...reconcileArgs(sb, "--log-format", "json", ...extra)], {
    reject: false,
    extendEnv: false,
    env: cliEnv(sb.home, env(sb)),
    cwd: REPO_ROOT,
    stdin: "ignore",
    buffer: false,
    // a safety net only: every test stops its child itself
    timeout: 120_000,
  });
  child.stdout?.on("data", (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (text += chunk.toString()));
  const events = () =>
    text
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
  let exited = false;
  void child.then(() => (exited = true));
  return {
    isRunning: () => !exited,
    output: () => text,
    events,
    stop: async (signal = "SIGTERM") => {
      child.kill(signal);
      const r = await child;
      return { exitCode: r.exitCode, output: text };
    },
  };
};

/** Pass results logged so far: `{pass, trigger, outcome, ready, reason?}`. */
export const passes = (run: Running) =>
  run.events().filter((e) => typeof e["outcome"] === "string") as {
    pass: number;
    trigger: string;
    outcome: string;
    ready: string;
    reason?: string;
  }[];

/** What a loop test shows when a wait times out: the loop's output so far and the spawn log. */
export const showRun = (run: Running, sb: ReconcileSandbox) => (): string =>
  `${run.output()}\nspawn log:\n${spawnLines(sb).join("\n")}`;

/** How the loop tests wait (waitFor in test/support/wait.ts): every 100 ms, 45 s at most, `show` on timeout. */
export const loopWait = (show: () => string): WaitOptions => ({
  describe: show,
  timeoutMs: 45_000,
  intervalMs: 100,
});

export const statusFile = (sb: ReconcileSandbox): string => path.join(sb.stage, ".plugdeps", "status.json");

/** The decoded status record, or undefined while there is none. Throws when it does not decode. */
export const readStatus = (sb: ReconcileSandbox): ReconcileStatus | undefined => {
  let text: string;
  try {
    text = fs.readFileSync(statusFile(sb), "utf8");
  } catch {
    return undefined;
  }
  const decoded = ReconcileStatus.decode(JSON.parse(text));
  if (E.isLeft(decoded)) throw new Error(`${statusFile(sb)} does not decode as ReconcileStatus:\n${text}`);
  return decoded.right;
};

export const condition = (status: ReconcileStatus | undefined, type: "Ready" | "Progressing" | "Degraded") =>
  status?.conditions.find((c) => c.type === type);

/** The versioned root directory (there is one host identity per sandbox). */
export const rootOf = (sb: ReconcileSandbox): string | undefined =>
  fs
    .readdirSync(sb.stage)
    .filter((n) => /^openclaw-.*-[0-9a-f]{12}$/.test(n))
    .map((n) => path.join(sb.stage, n))[0];

export const hasPackage = (root: string | undefined, name: string): boolean =>
  root !== undefined && fs.existsSync(path.join(root, "node_modules", name, "package.json"));

export const expectExit0 = (r: { exitCode: number | undefined; output: string }): void => {
  expect(r.exitCode, r.output).toBe(0);
};

export { testPath };

/** Waits for the status record to say Ready=True (the first pass converged). */
export const untilReady = (sb: ReconcileSandbox, show: () => string): Promise<boolean> =>
  waitFor(
    "the first pass to converge",
    () => condition(readStatus(sb), "Ready")?.status === "True",
    loopWait(show),
  );
