import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PUBLIC_REGISTRY } from "../../scripts/fetch-openclaw.mjs";
import {
  HOST_VERSIONS,
  hostBin,
  hostPackageRoot,
  hostPrefix,
} from "../../scripts/install-openclaw-hosts.mjs";
import { CLI, REPO_ROOT, cliEnv } from "../support/cli.js";
import { NODE22_DIR, findNode22 } from "../support/node22.js";
import { missingFromRoot } from "./support/closure.js";
import { type HostDropIn, parseHostDropIn } from "./support/dropin.js";
import {
  type FakePackageManagers,
  type GatewayRun,
  createMountPoints,
  freePort,
  gatewayScript,
  interestingLines,
  logTail,
  makeFakePackageManagers,
  mountPlan,
  readOnlyArgs,
  runGateway,
  systemPackageManagers,
} from "./support/gateway.js";
import { showDiff, statTree, treeDiff } from "./support/tree-stat.js";

/**
 * `npm run test:host`: the REAL OpenClaw gateway loads the selected channel plugins from what
 * `plugdeps apply` materialized, starts NO package manager, and never writes its package root.
 *
 * For 2026.4.20, 2026.4.22 and 2026.4.29 (one per staging band with a gateway loader, SPEC §5), the
 * published package is installed as an operator installs it (`npm i -g`, for Node 22, by
 * scripts/install-openclaw-hosts.mjs into .cache/openclaw-hosts/, from the public registry) and
 * used in place. In a temp dir: HOME, an OpenClaw state dir whose openclaw.json enables the slack
 * and telegram channels with dummy tokens (gateway local mode), and an empty stage base. Then:
 *
 * 1. `plugdeps apply --package-root --config --stage-dir` (Node 20, `npm_config_registry` the
 *    public registry: the plugins' dependencies really are installed), as plugdeps-openclaw.service
 *    runs it under `ProtectSystem=strict`: the package root bind-mounted read-only in a private
 *    mount namespace. Apply must not have written the package root (a snapshot before and after:
 *    lstat of every entry, support/tree-stat.ts) — the mount also keeps the cached install intact
 *    for the next run.
 * 2. `plugdeps units` with the same flags: the host drop-in it prints (the section after
 *    `### <dir>/openclaw.service.d/plugdeps.conf`) is parsed the way systemd reads it — only active lines of
 *    its [Service]: `Environment=`, `BindReadOnlyPaths=`, `ReadWritePaths=` — and applied as is.
 *    An active setting the emulation does not know fails the test by name.
 * 3. The gateway starts the way systemd would start the host's unit with `ProtectSystem=strict`
 *    plus that drop-in, emulated with a real private mount namespace (support/gateway.ts): the
 *    package root read-only, the stage base read-only unless a `ReadWritePaths=` entry covers it,
 *    each `BindReadOnlyPaths=SRC:DEST` mounted read-only. `openclaw gateway run --allow-unconfigured
 *    --port <free> --bind loopback --auth none`, env: the drop-in's Environment= values, HOME,
 *    OPENCLAW_STATE_DIR, the OPENCLAW_SKIP_* / OPENCLAW_DISABLE_BONJOUR switches for cron, gmail,
 *    canvas, browser control, bonjour and model prewarm (NOT OPENCLAW_SKIP_CHANNELS: the channels
 *    load and start), and PATH = <fakebin>:<Node 22 bin>:/usr/bin:/bin, where fakebin's `npm`,
 *    `pnpm` (and `npx`, `yarn`, `corepack`) only record that they were started and fail. Node 22
 *    has no npm-cli.js beside it, so 2026.4.20/4.22 run `npm` from PATH, and 2026.4.29 prefers a
 *    `pnpm` on PATH (without one it fails with "Unable to resolve a safe npm executable", counted
 *    too). 2026.4.22 puts the system directories before the fakes on the PATH of what it spawns,
 *    so in the namespace the system's own npm, npx and corepack are shadowed by the fakes as well.
 * 4. The ready line — `ready (N plugins: a, b; X.Xs)` (4.20/4.22), `http server listening (...)`
 *    (4.29) — must list slack and telegram. The gateway keeps running 15 s more (the channels start
 *    after that line; an observation window, not a timing assertion) and its process group is then
 *    stopped. Asserted: both plugins listed; no package-manager start; no "installed bundled
 *    runtime deps" line with a failed or impossible npm; the materialized packages (node_modules
 *    of the stage's roots) and the package root unchanged by the gateway. An `npx <agent>` start is
 *    counted apart and reported, not asserted: it is acpx launching its coding agent (2026.4.22:
 *    `npx @zed-industries/codex-acp`), not the host installing runtime dependencies.
 *
 * Why these mounts: 2026.4.20 looks for `<r>/node_modules/<dep>/package.json` with r in the plugin
 * dir, dist/extensions, dist and the package root, and installs (npm, in the plugin dir) when one is
 * missing; the drop-in is expected to make the materialized node_modules appear there by
 * `BindReadOnlyPaths=` (at `<pkgroot>/dist/extensions/node_modules`: at `dist/node_modules` the
 * root's hoisted tree shadowed the host's own dependencies for its core code, and 2026.4.20 exited
 * at startup). 2026.4.22+ write their stage root
 * at every start (mirror, lock), so the drop-in is expected to make the stage base writable by
 * `ReadWritePaths=`. A missing line is reported by name (expect.soft) and the gateway is still
 * started, so the report says what OpenClaw then did.
 *
 * Upgrade (2026.4.22 → 2026.4.29, on the 4.22 stage base after its gateway ran, same state dir):
 * `plugdeps plan --json` for 4.29 must not `install` a package that a root the 4.22 run left
 * already holds (SPEC §4 point 4) — "holds" judged independently of plugdeps (support/closure.ts:
 * present, its version satisfies the spec, its dependency closure resolves inside that root the
 * way Node resolves it); then `apply`, and the 4.29 gateway is held to step 4.
 *
 * The numbers (apply seconds, time to ready, stage size) go to .cache/gateway-report.json and a
 * table at the end; nothing asserts on them. Linux and root only (mount namespaces): elsewhere the
 * suite fails saying so, it never passes vacuously. PLUGDEPS_KEEP_GATEWAY_TMP=1 keeps the temp dir
 * (each gateway's gateway.sh reruns it by hand).
 */

const PLUGDEPS_CLI = process.env["PLUGDEPS_HOST_CLI"] ? path.resolve(process.env["PLUGDEPS_HOST_CLI"]) : CLI;
const REPORT = path.join(REPO_ROOT, ".cache", "gateway-report.json");
const SEC = 1000;
const MIN = 60 * SEC;
const APPLY_TIMEOUT_MS = 5 * MIN;
const READY_TIMEOUT_MS = 4 * MIN;
const SETTLE_MS = 15 * SEC;
const KEEP_TMP = process.env["PLUGDEPS_KEEP_GATEWAY_TMP"] === "1";

const [V420, V422, V429] = ["2026.4.20", "2026.4.22", "2026.4.29"] as const;

/** What the gateway-test environment switches off (not the channels). */
const SKIPS: Readonly<Record<string, string>> = {
  OPENCLAW_SKIP_CRON: "1",
  OPENCLAW_SKIP_GMAIL_WATCHER: "1",
  OPENCLAW_SKIP_CANVAS_HOST: "1",
  OPENCLAW_SKIP_BROWSER_CONTROL_SERVER: "1",
  OPENCLAW_DISABLE_BONJOUR: "1",
  OPENCLAW_SKIP_STARTUP_MODEL_PREWARM: "1",
};

const CONFIG = {
  gateway: { mode: "local", port: 18789 },
  channels: {
    slack: { enabled: true, botToken: "xoxb-1-2-abc", appToken: "xapp-1-abc" },
    telegram: { enabled: true, botToken: "123456:ABCdef" },
  },
};

/** Log lines that mean the host tried to run a package manager itself (and could not). */
const HOST_INSTALL_LINES = [/Unable to resolve a safe npm/i, /npm install failed/i];
/**
 * "<id> installed bundled runtime deps in 5ms": 2026.4.29 logs it with NO package-manager start
 * when its config-less channel entry (19 specs) and its loader (the full set) take turns
 * rewriting the root's manifest, which each compares for exact equality, so no one manifest
 * quiets both. Counted and reported; what matters is asserted directly: no package-manager
 * start, and the materialized packages unchanged.
 */
const HOST_MANIFEST_REWRITES = /installed bundled runtime deps/i;

// ---------------------------------------------------------------------------------------------

interface Scenario {
  readonly name: string;
  readonly dir: string;
  readonly home: string;
  readonly state: string;
  readonly config: string;
  readonly stage: string;
  readonly pm: FakePackageManagers;
  /**
   * Read-only layers before the stage base in OPENCLAW_PLUGIN_STAGE_DIR (an image-baked layer):
   * then the variable names the stage list and no --stage-dir is passed (it would beat it), and
   * every layer is mounted read-only for apply and for the gateway.
   */
  readonly layers?: readonly string[];
}

interface Row {
  scenario: string;
  version: string;
  applySeconds?: number;
  applyManager?: string | null;
  readySeconds?: number | null;
  gatewayLabel?: string | null;
  plugins?: readonly string[];
  pmStarts?: number;
  /** `npx <agent>` runs (acpx's agent launcher, not a runtime-deps install): reported, not asserted. */
  npxRuns?: number;
  hostInstallLines?: number;
  /** 2026.4.29's manifest rewrites logged as "installed ..." (HOST_MANIFEST_REWRITES): reported. */
  manifestRewrites?: number;
  stageBytes?: number;
  upgradePlan?: { reuse: number; install: number; alreadyHeld: readonly string[] };
}

let tmp = "";
const scenarios = new Map<string, Scenario>();
const rows: Row[] = [];
/** Mount points this test created in the cached installs (removed again afterwards). */
const createdMountPoints: string[] = [];
let unavailable: string | null = null;

const makeScenario = (name: string): Scenario => {
  const dir = path.join(tmp, name);
  const home = path.join(dir, "home");
  const state = path.join(dir, "state");
  const stage = path.join(dir, "stage");
  for (const d of [home, state, stage]) fs.mkdirSync(d, { recursive: true });
  const config = path.join(state, "openclaw.json");
  fs.writeFileSync(config, `${JSON.stringify(CONFIG, null, 2)}\n`);
  const s = { name, dir, home, state, config, stage, pm: makeFakePackageManagers(dir) };
  scenarios.set(name, s);
  return s;
};

const packageRootOf = (version: string): string => {
  if (!fs.existsSync(path.join(hostPrefix(version), ".complete")))
    throw new Error(`openclaw@${version} is not installed: run \`node scripts/install-openclaw-hosts.mjs\``);
  // The path as an operator's unit names it; realpath so that OpenClaw (which realpaths its own
  // root) and plugdeps (given this path) hash the same string.
  return fs.realpathSync(hostPackageRoot(version));
};

const plugdeps = async (s: Scenario, version: string, command: readonly string[]) => {
  if (unavailable !== null) throw new Error(`cannot emulate the units here: ${unavailable}`);
  const packageRoot = packageRootOf(version);
  const layers = s.layers ?? [];
  const args = [
    ...command,
    "--package-root",
    packageRoot,
    "--config",
    s.config,
    ...(layers.length === 0 ? ["--stage-dir", s.stage] : []),
  ];
  const started = performance.now();
  // As plugdeps-openclaw.service runs it (ProtectSystem=strict, ReadWritePaths= the stage base):
  // the package root (and each layer) read-only, in a private mount namespace.
  const cli = [process.execPath, PLUGDEPS_CLI, ...args];
  const inner =
    layers.length === 0
      ? cli
      : [
          "sh",
          "-c",
          'for l in $LAYERS; do mount --bind -o ro "$l" "$l" || exit 90; done; exec "$@"',
          "sh",
          ...cli,
        ];
  const r = await execa("unshare", readOnlyArgs(packageRoot, inner), {
    reject: false,
    extendEnv: false,
    env: cliEnv(s.home, {
      // Node 20's pnpm (a devDependency) and npm: `--package-manager auto` finds one either way.
      PATH: [path.join(REPO_ROOT, "node_modules", ".bin"), process.env["PATH"] ?? "/usr/bin:/bin"].join(
        path.delimiter,
      ),
      npm_config_registry: PUBLIC_REGISTRY,
      // `plugdeps doctor` runs the host's own check (`openclaw plugins deps --json`) with it
      PLUGDEPS_HOST_NODE: path.join(NODE22_DIR, "bin", "node"),
      ...(layers.length === 0
        ? {}
        : { OPENCLAW_PLUGIN_STAGE_DIR: [...layers, s.stage].join(path.delimiter), LAYERS: layers.join(" ") }),
    }),
    cwd: REPO_ROOT,
    stdin: "ignore",
    timeout: APPLY_TIMEOUT_MS,
  });
  const seconds = (performance.now() - started) / SEC;
  const text = `plugdeps ${args.join(" ")} (package root read-only)\n--- exit ${r.exitCode}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
  return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, seconds, text };
};

/**
 * The materialized packages: the node_modules of every root in the stage base (followed through
 * links, each real directory once), as one snapshot keyed by real path.
 */
const statMaterialized = (stage: string): Map<string, string> => {
  const out = new Map<string, string>();
  const seen = new Set<string>();
  for (const name of fs.readdirSync(stage)) {
    if (name.startsWith(".")) continue;
    const nm = path.join(stage, name, "node_modules");
    if (!fs.existsSync(nm)) continue;
    const real = fs.realpathSync(nm);
    if (seen.has(real)) continue;
    seen.add(real);
    for (const [rel, st] of statTree(real)) out.set(`${real}/${rel}`, st);
  }
  return out;
};

const duBytes = (dir: string): number =>
  Number(execFileSync("du", ["-sb", dir], { encoding: "utf8" }).split("\t")[0]);

const reproduce = (run: GatewayRun): string =>
  `reproduce: unshare -m --propagation private sh ${run.script}   (log: ${run.logFile}; keep the temp dir with PLUGDEPS_KEEP_GATEWAY_TMP=1)`;

/** Steps 1-4 of the comment at the top, for `version` on the scenario's stage base; fills `row`. */
const applyAndStart = async (s: Scenario, version: string, row: Row): Promise<void> => {
  if (unavailable !== null) throw new Error(`cannot emulate the unit here: ${unavailable}`);
  const packageRoot = packageRootOf(version);

  // 1. apply, which writes nothing under the package root
  const beforeApply = statTree(packageRoot);
  const applied = await plugdeps(s, version, ["apply"]);
  row.applySeconds = Math.round(applied.seconds * 10) / 10;
  row.applyManager = /\bwith (pnpm|npm)\b/.exec(applied.stdout)?.[1] ?? null;
  expect(applied.exitCode, applied.text).toBe(0);
  expect
    .soft(showDiff(treeDiff(beforeApply, statTree(packageRoot))), "plugdeps apply wrote the package root")
    .toBe("");

  // 2. the drop-in
  const units = await plugdeps(s, version, ["units"]);
  expect(units.exitCode, units.text).toBe(0);
  const dropIn: HostDropIn = parseHostDropIn(units.stdout);
  expect(dropIn.unsupported, `active drop-in settings this test cannot emulate:\n${dropIn.text}`).toEqual([]);
  const basePlan = mountPlan(packageRoot, s.stage, dropIn);
  const plan = { ...basePlan, readOnly: [...basePlan.readOnly, ...(s.layers ?? [])] };
  if (version === V420) {
    const wanted = path.join(packageRoot, "dist", "extensions", "node_modules");
    expect
      .soft(
        plan.binds.map((b) => b.destination),
        `2026.4.20 searches ${wanted} (and not the stage base): the drop-in needs BindReadOnlyPaths=<materialized node_modules>:${wanted}\n${dropIn.text}`,
      )
      .toContain(wanted);
  } else {
    expect
      .soft(
        plan.stageWritableBy,
        `${version} writes its stage root at every start (mirror, lock): the drop-in needs ReadWritePaths= covering ${s.stage}\n${dropIn.text}`,
      )
      .not.toBeNull();
  }
  // systemd creates a missing BindReadOnlyPaths= destination on first start; so does the test,
  // before the snapshot (the namespace cannot: the package root is read-only there).
  createdMountPoints.push(...createMountPoints(plan));

  // 3. the gateway
  const beforeGateway = statTree(packageRoot);
  const materializedBefore = statMaterialized(s.stage);
  const node22 = findNode22();
  if ("missing" in node22) throw new Error(node22.missing);
  const env: Record<string, string> = {
    PATH: [s.pm.bin, path.join(NODE22_DIR, "bin"), "/usr/bin", "/bin"].join(path.delimiter),
    HOME: s.home,
    OPENCLAW_STATE_DIR: s.state,
    ...SKIPS,
    ...dropIn.environment,
  };
  const argv = [
    hostBin(version),
    "gateway",
    "run",
    "--allow-unconfigured",
    "--port",
    String(await freePort()),
    "--bind",
    "loopback",
    "--auth",
    "none",
  ];
  const runDir = path.join(s.dir, `gateway-${version}`);
  fs.mkdirSync(runDir, { recursive: true });
  const pmBefore = s.pm.starts().length;
  const run = await runGateway({
    dir: runDir,
    script: gatewayScript(plan, systemPackageManagers(s.pm), env, argv),
    readyTimeoutMs: READY_TIMEOUT_MS,
    settleMs: SETTLE_MS,
  });
  const afterGateway = statTree(packageRoot);
  const materializedAfter = statMaterialized(s.stage);

  // 4. what it did
  const started = s.pm.starts().slice(pmBefore);
  const npxRuns = started.filter((l) => l.startsWith("npx "));
  const pmStarts = started.filter((l) => !l.startsWith("npx "));
  const hostInstalls = run.log.split("\n").filter((l) => HOST_INSTALL_LINES.some((re) => re.test(l)));
  row.readySeconds = run.readyMs === null ? null : Math.round(run.readyMs / 100) / 10;
  row.gatewayLabel = run.ready?.durationLabel ?? null;
  row.plugins = run.ready?.plugins ?? [];
  row.pmStarts = pmStarts.length;
  row.npxRuns = npxRuns.length;
  row.hostInstallLines = hostInstalls.length;
  row.manifestRewrites = run.log.split("\n").filter((l) => HOST_MANIFEST_REWRITES.test(l)).length;
  row.stageBytes = duBytes(s.stage);

  const context = [
    interestingLines(run.log),
    ...(run.ready === null ? [`--- the log's last lines:\n${logTail(run.log)}`] : []),
    reproduce(run),
  ].join("\n");
  expect
    .soft(
      run.ready?.line ?? null,
      `no ready line within ${READY_TIMEOUT_MS / SEC}s${run.earlyExit === null ? "" : ` (the gateway ended: ${run.earlyExit})`}:\n${context}`,
    )
    .not.toBeNull();
  expect
    .soft(run.ready?.plugins, `the gateway's plugins:\n${context}`)
    .toEqual(expect.arrayContaining(["slack", "telegram"]));
  expect.soft(pmStarts, `package managers the gateway started:\n${context}`).toEqual([]);
  expect.soft(hostInstalls, `the gateway installed runtime deps itself:\n${context}`).toEqual([]);
  // What the log lines above cannot tell: whether the installed packages changed.
  expect
    .soft(
      showDiff(treeDiff(materializedBefore, materializedAfter)),
      `the gateway changed the materialized packages (node_modules of the stage's roots):\n${reproduce(run)}`,
    )
    .toBe("");
  expect
    .soft(
      showDiff(treeDiff(beforeGateway, afterGateway)),
      `the gateway changed the package root:\n${reproduce(run)}`,
    )
    .toBe("");

  // 5. doctor runs the host's own check where the version has one (2026.4.29: `openclaw plugins
  // deps --json`) and must find it agreeing with the plan: same install root, same set, none missing.
  if (version === V429) {
    const doctor = await plugdeps(s, version, ["doctor", "--json"]);
    const report = JSON.parse(doctor.stdout) as { findings: { id: string; detail: string }[] };
    expect
      .soft(
        report.findings.filter((f) => f.id.startsWith("host-check")).map((f) => f.id),
        doctor.text,
      )
      .toEqual(["host-check-agrees"]);
    expect.soft(doctor.exitCode, doctor.text).toBe(0);
  }
};

// ---------------------------------------------------------------------------------------------

beforeAll(async () => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "plugdeps-host-gateway-")));
  if (process.platform !== "linux") unavailable = "needs Linux mount namespaces";
  else if (process.getuid?.() !== 0) unavailable = "needs root (unshare -m, mount --bind)";
  else {
    const probe = path.join(tmp, "probe");
    fs.mkdirSync(probe);
    const r = await execa(
      "unshare",
      [
        "-m",
        "--propagation",
        "private",
        "sh",
        "-c",
        'mount --bind -o ro "$1" "$1" && ! touch "$1/x" 2>/dev/null',
        "sh",
        probe,
      ],
      { reject: false, all: true },
    );
    if (r.exitCode !== 0 || fs.existsSync(path.join(probe, "x")))
      unavailable = `a read-only bind mount in a private namespace did not work: ${r.all ?? ""}`;
  }
});

afterAll(() => {
  // The cached installs go back to how npm left them.
  for (const dir of createdMountPoints.reverse()) {
    try {
      fs.rmdirSync(dir);
    } catch {
      // not empty or already gone: leave it
    }
  }
  if (tmp !== "" && !KEEP_TMP) fs.rmSync(tmp, { recursive: true, force: true });
  else if (tmp !== "") console.log(`gateway test: temp dir kept at ${tmp}`);
  if (rows.length === 0) return;
  fs.mkdirSync(path.dirname(REPORT), { recursive: true });
  fs.writeFileSync(REPORT, `${JSON.stringify({ cli: PLUGDEPS_CLI, rows }, null, 2)}\n`);
  const table = rows.map((r) => ({
    scenario: r.scenario,
    "apply s": r.applySeconds ?? "-",
    pm: r.applyManager ?? "-",
    "ready s": r.readySeconds ?? "-",
    "gateway says": r.gatewayLabel ?? "-",
    plugins: (r.plugins ?? []).join(", ") || "-",
    "PM starts": r.pmStarts ?? "-",
    "npx runs": r.npxRuns ?? "-",
    "manifest rewrites": r.manifestRewrites ?? "-",
    "stage MB": r.stageBytes === undefined ? "-" : Math.round(r.stageBytes / 1e5) / 10,
  }));
  console.log(`gateway report (${REPORT}):`);
  console.table(table);
});

describe("the real OpenClaw gateway runs on what plugdeps materialized, read-only, with no package manager", () => {
  it("the pinned host versions are the ones this test knows", () => {
    expect([...HOST_VERSIONS]).toEqual([V420, V422, V429]);
  });

  for (const version of [V420, V422, V429]) {
    it(`${version}: fresh stage base`, async () => {
      const row: Row = { scenario: version, version };
      rows.push(row);
      await applyAndStart(makeScenario(version), version, row);
    });
  }

  it(`${V429} with an image-baked read-only layer first in OPENCLAW_PLUGIN_STAGE_DIR: nothing shared installed, the host root links into the layer`, async () => {
    const s = makeScenario(`${V429}-layer`);
    const layer = path.join(s.dir, "image-layer");
    fs.mkdirSync(layer);
    // The image build: apply into the layer while it is writable (same config).
    const baked = await plugdeps({ ...s, stage: layer }, V429, ["apply"]);
    expect(baked.exitCode, baked.text).toBe(0);
    const layered: Scenario = { ...s, layers: [layer] };
    const layerBefore = statTree(layer);
    const row: Row = { scenario: `${V429}, image layer`, version: V429 };
    rows.push(row);

    await applyAndStart(layered, V429, row);

    const planned = await plugdeps(layered, V429, ["plan", "--json"]);
    expect(planned.exitCode, planned.text).toBe(0);
    const doc = JSON.parse(planned.stdout) as {
      actions: { type: string; set: string | null }[];
      desired: { targetRoot: string };
      observed: { hostRoot?: { linksTo: string; problems: string[] } };
    };
    expect(doc.actions, planned.text).toEqual([]);
    expect(doc.observed.hostRoot?.linksTo).toBe(
      path.join(layer, path.basename(doc.desired.targetRoot), "node_modules"),
    );
    expect(doc.observed.hostRoot?.problems).toEqual([]);
    expect(showDiff(treeDiff(layerBefore, statTree(layer))), "the read-only layer changed").toBe("");
  });

  it(`${V422} → ${V429} on the same stage base: reuses what 4.22 holds, then the 4.29 gateway runs`, async () => {
    const s = scenarios.get(V422);
    if (s === undefined) throw new Error(`needs the ${V422} stage base its own test materialized`);
    const row: Row = { scenario: `${V422} → ${V429}`, version: V429 };
    rows.push(row);

    // What the 4.22 apply and gateway left in the stage base: every root (followed through its
    // link) with a node_modules.
    const heldRoots = [
      ...new Set(
        fs
          .readdirSync(s.stage)
          .filter((n) => !n.startsWith("."))
          .map((n) => fs.realpathSync(path.join(s.stage, n)))
          .filter((p) => fs.existsSync(path.join(p, "node_modules"))),
      ),
    ];
    expect(heldRoots, `the ${V422} stage base holds no materialized root`).not.toEqual([]);
    const planned = await plugdeps(s, V429, ["plan", "--json"]);
    expect(planned.exitCode, planned.text).toBe(0);
    const doc = JSON.parse(planned.stdout) as {
      actions: { type: string; packages: { name: string; spec: string | null }[]; reason: string }[];
    };
    const installs = doc.actions.filter((a) => a.type === "install");
    // An install of a package whose wanted spec a 4.22 root already satisfies, complete with its
    // dependencies, is one SPEC §4 point 4 forbids (it should have been a reuse).
    const alreadyHeld = installs.flatMap((a) =>
      a.packages.flatMap((p) => {
        if (p.spec === null) return [];
        const held = heldRoots.find((root) => missingFromRoot(root, p.name, p.spec as string) === null);
        return held === undefined ? [] : [`${p.name}@${p.spec} (held by ${held}; plan: ${a.reason})`];
      }),
    );
    row.upgradePlan = {
      reuse: doc.actions.filter((a) => a.type === "reuse").length,
      install: installs.length,
      alreadyHeld,
    };
    expect.soft(alreadyHeld, "install actions for packages the 4.22 root already holds").toEqual([]);

    await applyAndStart(s, V429, row);
  });
});
