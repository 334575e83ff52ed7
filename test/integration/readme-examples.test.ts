import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import * as tar from "tar";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  configFixture,
  describeRun,
  fixture,
  REPO_ROOT,
  runCommand,
  type RunResult,
} from "../support/cli.js";
import { APPLY_TIMEOUT_MS } from "../support/apply.js";
import { npmrcFor, publish } from "../support/registry.js";
import {
  commandLines,
  promisedOutput,
  type ReadmeBlock,
  readmeBlocks,
  unmatchedLine,
} from "../support/readme.js";
import { tempDir } from "../support/temp.js";

/**
 * Every example in README.md is run (issue 16, item 2), on an operator's machine built from
 * scratch: plugdeps packed, published to the local registry and installed with the README's own
 * `sudo npm install -g plugdeps` into a fresh global prefix (`npm_config_prefix`, as an operator's
 * `/usr`); the OpenClaw-shaped demo host installed there as `openclaw`; the operator's HOME with
 * the demo config at `~/.openclaw/openclaw.json` and a stage directory holding the previous host
 * version's root and legacy debris (fixtures/stages/demo); npm's registry the local Verdaccio.
 * Nothing runs from the repository: PATH is `sudo` and `systemctl` stand-ins, the prefix's bin,
 * node's own directory and the system's.
 *
 * How each block is used is in test/support/readme.ts. Paths in the README read as on a real
 * machine (`/usr/lib/node_modules/openclaw`, `/home/operator`): the sandbox's own directory is
 * taken out of the real output before it is compared. A block the test does not know fails it.
 *
 * The systemd recipe runs in a private mount namespace whose /etc is a copy (with an `openclaw`
 * user and /etc/openclaw/openclaw.json): `sudo plugdeps units ... --out /etc/systemd/system`
 * writes there, and the `systemctl` stand-in checks that what the recipe starts was written.
 */

const README = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
const blocks = readmeBlocks(README);
const registry = inject("registry");

const machine = fs.realpathSync(tempDir("readme-machine"));
const at = (...parts: string[]) => path.join(machine, ...parts);
const prefix = at("usr");
const home = at("home", "operator");
const work = at("work");
const shims = at("shims");
const npmrc = at("npmrc");
const systemctlLog = at("systemctl.log");
const PATH = [shims, path.join(prefix, "bin"), path.dirname(process.execPath), "/usr/bin", "/bin"].join(
  path.delimiter,
);
const baseEnv: Record<string, string> = {
  PATH,
  npm_config_prefix: prefix,
  npm_config_userconfig: npmrc,
  npm_config_cache: at("npm-cache"),
  npm_config_update_notifier: "false",
  npm_config_fund: "false",
  npm_config_audit: "false",
  PLUGDEPS_README_SYSTEMCTL_LOG: systemctlLog,
};

/** The operator's HOME: the demo config, and a stage directory an older OpenClaw left behind. */
const makeHome = (dir: string): void => {
  fs.mkdirSync(path.join(dir, ".openclaw"), { recursive: true });
  fs.copyFileSync(configFixture("demo.json5"), path.join(dir, ".openclaw", "openclaw.json"));
  const stage = path.join(dir, ".openclaw", "plugin-runtime-deps");
  fs.cpSync(fixture("stages", "demo"), stage, { recursive: true });
  // As the demo does: an old leftover is a day old (OpenClaw keeps young openclaw-unknown-* roots).
  const dayAgo = new Date(Date.now() - 24 * 3600 * 1000);
  for (const name of fs.readdirSync(stage))
    if (name.startsWith("openclaw-unknown-")) fs.utimesSync(path.join(stage, name), dayAgo, dayAgo);
};

/** The real output as the README shows it: the sandbox directories taken out of every path. */
const asOnMachine = (text: string, ...roots: string[]): string =>
  [machine, ...roots].reduce((t, root) => t.split(root).join(""), text);

const sh = (
  line: string,
  options: { home?: string; cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<RunResult> =>
  runCommand("bash", ["-euo", "pipefail", "-c", line], {
    home: options.home ?? home,
    cwd: options.cwd ?? work,
    env: { ...baseEnv, ...options.env },
    timeoutMs: options.timeoutMs ?? APPLY_TIMEOUT_MS,
  });

const ok = (r: RunResult): RunResult => {
  expect(r.exitCode, describeRun(r)).toBe(0);
  return r;
};

const writeShim = (name: string, text: string) => {
  fs.writeFileSync(path.join(shims, name), text, { mode: 0o755 });
};

/** Runs a block's lines one by one; each must exit 0 and print what its comment quotes. */
const runLines = async (block: ReadmeBlock, outputs: Map<string, string>): Promise<void> => {
  for (const line of commandLines(block.body)) {
    const r = ok(await sh(line));
    const printed = r.stdout + r.stderr;
    for (const promised of promisedOutput(line))
      expect(printed, `README.md:${block.line}: ${line}\n${describeRun(r)}`).toContain(promised);
    const command = line.replace(/\s+#.*$/, "").trim();
    if (!outputs.has(command)) outputs.set(command, asOnMachine(r.stdout));
  }
};

// ---------------------------------------------------------------------------------------------
// The error scenarios of "Troubleshooting": each in a fresh HOME of its own, its command run as
// the README writes it (a path under /srv is the scenario's own).

/** A registry that accepts connections and never answers. */
let blackhole: net.Server | null = null;
const held = new Set<net.Socket>();
const blackholeUrl = async (): Promise<string> => {
  if (blackhole === null) {
    const server = net.createServer((socket) => {
      held.add(socket);
      socket.on("error", () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    blackhole = server;
  }
  const address = blackhole.address() as net.AddressInfo;
  return `http://127.0.0.1:${address.port}/`;
};

interface Scenario {
  /** Prepares the scenario's sandbox; returns extra environment and what runs beside the command. */
  readonly setup: (s: { root: string; home: string; cwd: string }) => Promise<{
    env?: Record<string, string>;
    beside?: () => Promise<() => Promise<void>>;
  }>;
  readonly exitCode: number;
}

/** plugdeps' install-root lock of the demo host's root (the fixture stage has OpenClaw's own lock too). */
const lockDirOf = (stage: string): string | undefined =>
  fs.existsSync(stage)
    ? fs.readdirSync(stage).find((n) => /^openclaw-2026\.4\.29-[0-9a-f]{12}\.lock$/.test(n))
    : undefined;

const scenarios: Record<string, Scenario> = {
  "no-host": {
    setup: async ({ root }) => {
      const empty = path.join(root, "usr", "local");
      fs.mkdirSync(empty, { recursive: true });
      return { env: { npm_config_prefix: empty } };
    },
    exitCode: 1,
  },
  "config-syntax": {
    setup: async ({ home: h }) => {
      fs.copyFileSync(configFixture("broken-syntax.json5"), path.join(h, ".openclaw", "openclaw.json"));
      return {};
    },
    exitCode: 1,
  },
  "stage-world-writable": {
    setup: async ({ root }) => {
      fs.mkdirSync(path.join(root, "srv", "deps"), { recursive: true });
      fs.chmodSync(path.join(root, "srv", "deps"), 0o777);
      return {};
    },
    exitCode: 1,
  },
  "lock-held": {
    // A real apply holds the lock while its npm waits on a registry that never answers.
    setup: async ({ home: h, cwd }) => {
      const env = { npm_config_registry: await blackholeUrl() };
      const stage = path.join(h, ".openclaw", "plugin-runtime-deps");
      return {
        env,
        beside: async () => {
          const holder: ChildProcess = spawn("bash", ["-c", "exec plugdeps apply --install-timeout 60s"], {
            cwd,
            env: { ...baseEnv, ...env, HOME: h, NO_COLOR: "1" },
            stdio: "ignore",
          });
          const deadline = Date.now() + 30_000;
          while (lockDirOf(stage) === undefined && Date.now() < deadline)
            await new Promise((r) => setTimeout(r, 100));
          expect(lockDirOf(stage), "the holder never took the lock").toBeDefined();
          return async () => {
            holder.kill("SIGTERM");
            await new Promise((r) => holder.once("exit", r));
          };
        },
      };
    },
    exitCode: 1,
  },
  "registry-down": {
    setup: async () => ({ env: { npm_config_registry: await blackholeUrl() } }),
    exitCode: 1,
  },
  "stale-plan": {
    setup: async ({ home: h, cwd }) => {
      ok(await sh("plugdeps plan --out openclaw.plan", { home: h, cwd }));
      const config = path.join(h, ".openclaw", "openclaw.json");
      fs.writeFileSync(
        config,
        fs.readFileSync(config, "utf8").replace("slack: { enabled: true", "slack: { enabled: false"),
      );
      return {};
    },
    exitCode: 1,
  },
  "no-rollback": { setup: async () => ({}), exitCode: 1 },
  "doctor-before-apply": { setup: async () => ({}), exitCode: 1 },
};

const runErrorExample = async (block: ReadmeBlock, name: string): Promise<void> => {
  const scenario = scenarios[name];
  expect(scenario, `README.md:${block.line}: no scenario "${name}" in readme-examples.test.ts`).toBeDefined();
  if (scenario === undefined) return;
  const [first, ...expected] = block.body.split("\n");
  expect(first, `README.md:${block.line}: an error example starts with "$ COMMAND"`).toMatch(/^\$ plugdeps /);
  const root = fs.realpathSync(tempDir(`readme-${name}`));
  const h = path.join(root, "home", "operator");
  const cwd = path.join(root, "work");
  makeHome(h);
  fs.mkdirSync(cwd, { recursive: true });
  const { env = {}, beside } = await scenario.setup({ root, home: h, cwd });
  const stop = beside === undefined ? null : await beside();
  try {
    const command = (first as string).slice(2).replace(/(^|\s)\/srv\//g, `$1${root}/srv/`);
    const r = await sh(command, { home: h, cwd, env });
    expect(r.exitCode, describeRun(r)).toBe(scenario.exitCode);
    const real = asOnMachine(`${r.stdout}\n${r.stderr}`, root);
    const missing = unmatchedLine(expected.join("\n"), real);
    expect(
      missing,
      `README.md:${block.line} (${name}): this line is not in the real output:\n${missing}\n--- real output:\n${real}`,
    ).toBeNull();
  } finally {
    await stop?.();
  }
};

// ---------------------------------------------------------------------------------------------

beforeAll(async () => {
  for (const dir of [prefix, home, work, shims, at("pack")]) fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    npmrc,
    `${npmrcFor(registry.url)}//${new URL(registry.url).host}/:_authToken=${registry.token}\n`,
  );
  // sudo: the test already runs as root; the README's commands keep their environment.
  writeShim("sudo", '#!/bin/sh\nexec "$@"\n');
  // systemctl: only the README's recipe, each step checked against what `units --out` wrote.
  writeShim(
    "systemctl",
    [
      "#!/bin/bash",
      'echo "systemctl $*" >> "$PLUGDEPS_README_SYSTEMCTL_LOG"',
      'case "$1" in',
      "  daemon-reload) exit 0 ;;",
      '  enable) unit="${*: -1}"; test -f "/etc/systemd/system/$unit" || { echo "systemctl (test stand-in): /etc/systemd/system/$unit does not exist" >&2; exit 1; } ;;',
      '  restart) test -f "/etc/systemd/system/$2.d/plugdeps.conf" || { echo "systemctl (test stand-in): no drop-in /etc/systemd/system/$2.d/plugdeps.conf" >&2; exit 1; } ;;',
      '  *) echo "systemctl (test stand-in): $1 is not in the README recipe" >&2; exit 1 ;;',
      "esac",
      "",
    ].join("\n"),
  );
  // The demo host, installed as `npm i -g openclaw` leaves it, and the operator's HOME.
  fs.cpSync(fixture("hosts", "openclaw-demo"), path.join(prefix, "lib", "node_modules", "openclaw"), {
    recursive: true,
  });
  makeHome(home);
  // plugdeps as the registry serves it: packed, then published to the local registry.
  const packed = ok(
    await runCommand("npm", ["pack", "--json", "--pack-destination", at("pack")], {
      home,
      cwd: REPO_ROOT,
      env: baseEnv,
      timeoutMs: APPLY_TIMEOUT_MS,
    }),
  );
  const [info] = JSON.parse(packed.stdout) as { filename: string }[];
  const unpacked = at("pack", "unpacked");
  fs.mkdirSync(unpacked);
  await tar.x({ file: at("pack", info?.filename ?? ""), cwd: unpacked });
  await publish(registry.url, registry.token, path.join(unpacked, "package"));
}, APPLY_TIMEOUT_MS * 2);

afterAll(async () => {
  for (const socket of held) socket.destroy();
  await new Promise<void>((resolve) => (blackhole === null ? resolve() : blackhole.close(() => resolve())));
});

describe("README.md: every example runs", () => {
  /** What each command printed first (the sandbox taken out), by command line. */
  const outputs = new Map<string, string>();

  it("has examples, and each is one the test knows how to run", () => {
    expect(blocks.length).toBeGreaterThan(10);
    const unknown = blocks.filter(
      (b) =>
        !(
          (b.lang === "sh" &&
            (b.marker === null || ["ci", "systemd", "after a config change"].includes(b.marker))) ||
          (b.lang === "js" && b.marker === null) ||
          (b.lang === "text" && b.marker !== null && /^(output |error )/.test(b.marker))
        ),
    );
    expect(unknown.map((b) => `README.md:${b.line} \`\`\`${b.lang} ${b.marker ?? ""}`)).toEqual([]);
  });

  for (const block of blocks) {
    const title = `README.md:${block.line} ${block.lang}${block.marker === null ? "" : ` (${block.marker})`}: ${block.body.split("\n")[0]}`;

    if (block.lang === "sh" && block.marker === "ci") {
      it(`${title} — .ci/run runs it`, () => {
        const ci = fs.readFileSync(path.join(REPO_ROOT, ".ci", "run"), "utf8").split("\n");
        for (const line of commandLines(block.body))
          for (const command of line.split("&&").map((c) => c.trim()))
            expect(ci, `.ci/run must run \`${command}\``).toContain(command);
      });
    } else if (block.lang === "sh" && block.marker === "systemd") {
      it(
        title,
        async (ctx) => {
          const canUnshare = await runCommand("unshare", ["-m", "true"], { home }).catch(() => null);
          if (canUnshare?.exitCode !== 0) return ctx.skip("no private mount namespace here (unshare -m)");
          // /etc as a copy, with the host's service user and its config where the recipe names them.
          const etc = at("etc");
          ok(await runCommand("cp", ["-a", "/etc", etc], { home }));
          fs.mkdirSync(path.join(etc, "systemd", "system"), { recursive: true });
          fs.mkdirSync(path.join(etc, "openclaw"), { recursive: true });
          fs.copyFileSync(configFixture("demo.json5"), path.join(etc, "openclaw", "openclaw.json"));
          fs.appendFileSync(
            path.join(etc, "passwd"),
            "openclaw:x:990:990::/var/lib/openclaw:/usr/sbin/nologin\n",
          );
          fs.appendFileSync(path.join(etc, "group"), "openclaw:x:990:\n");
          const script = [`mount --bind ${etc} /etc`, ...commandLines(block.body)].join("\n");
          const r = ok(
            await runCommand(
              "unshare",
              ["-m", "--propagation", "private", "bash", "-euo", "pipefail", "-c", script],
              {
                home,
                cwd: work,
                env: baseEnv,
                timeoutMs: APPLY_TIMEOUT_MS,
              },
            ),
          );
          const unitDir = path.join(etc, "systemd", "system");
          const service = fs.readFileSync(path.join(unitDir, "plugdeps-openclaw.service"), "utf8");
          expect(service, describeRun(r)).toMatch(/^User=openclaw$/m);
          expect(service).toMatch(/^ExecStart=\S+ \S+ reconcile --once /m);
          expect(service).toContain("--config /etc/openclaw/openclaw.json");
          expect(fs.existsSync(path.join(unitDir, "plugdeps-openclaw.timer"))).toBe(true);
          expect(fs.readFileSync(path.join(unitDir, "openclaw.service.d", "plugdeps.conf"), "utf8")).toMatch(
            /^After=plugdeps-openclaw\.service$/m,
          );
          expect(fs.readFileSync(systemctlLog, "utf8").trim().split("\n")).toEqual([
            "systemctl daemon-reload",
            "systemctl enable --now plugdeps-openclaw.timer",
            "systemctl restart openclaw.service",
          ]);
        },
        APPLY_TIMEOUT_MS,
      );
    } else if (block.lang === "sh") {
      it(
        title,
        async () => {
          if (block.marker === "after a config change") {
            const config = path.join(home, ".openclaw", "openclaw.json");
            const text = fs.readFileSync(config, "utf8");
            fs.writeFileSync(
              config,
              text.replace("telegram: { enabled: true }", "telegram: { enabled: false }"),
            );
            expect(fs.readFileSync(config, "utf8")).not.toBe(text);
          }
          await runLines(block, outputs);
        },
        APPLY_TIMEOUT_MS * 4,
      );
    } else if (block.lang === "js") {
      it(
        title,
        async () => {
          const project = at("project");
          fs.mkdirSync(project, { recursive: true });
          fs.writeFileSync(
            path.join(project, "package.json"),
            `${JSON.stringify({ name: "operator-scripts", version: "1.0.0", private: true, type: "module" })}\n`,
          );
          ok(await sh("npm install plugdeps", { cwd: project }));
          fs.writeFileSync(path.join(project, "example.mjs"), block.body);
          const r = ok(await sh("node example.mjs", { cwd: project }));
          expect(r.stdout.trim()).toMatch(/^(in sync|out of sync)$/);
        },
        APPLY_TIMEOUT_MS * 2,
      );
    } else if (block.lang === "text" && block.marker?.startsWith("output ") === true) {
      it(title, () => {
        const real = outputs.get("plugdeps plan");
        expect(real, "the quick start's `plugdeps plan` ran before this block").toBeDefined();
        const missing = unmatchedLine(block.body, real ?? "");
        expect(
          missing,
          `README.md:${block.line}: not in the real output:\n${missing}\n--- real:\n${real}`,
        ).toBeNull();
      });
    } else if (block.lang === "text" && block.marker?.startsWith("error ") === true) {
      it(
        title,
        () => runErrorExample(block, (block.marker as string).slice("error ".length)),
        APPLY_TIMEOUT_MS * 2,
      );
    }
  }
});
