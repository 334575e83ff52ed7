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
  readState,
  run,
  spawnLines,
  wantedInRoot,
  writeConfig,
} from "../support/apply.js";
import {
  configFixture,
  copyFixture,
  describeRun,
  fixture,
  NO_CHANGES,
  snapshotTree,
} from "../support/cli.js";
import { copyStageFixture, hostArgs, ran, roBind, runInNamespace, skipUnless } from "./env-support.js";

/**
 * Read-only filesystems (issue 4 item 4, SPEC §4.1, §4.2): real read-only mounts, made inside a
 * private mount namespace (`unshare -m`, `mount --bind -o ro`) with the built CLI run inside it.
 *
 * - the host package root read-only (systemd ProtectSystem=strict): apply succeeds through the
 *   stage and writes nothing under the host (or HOME);
 * - the stage base read-only: exit 1, every candidate listed with its EROFS, and the flag and the
 *   adapter's variable named; the same for the implicit chain down to /var/lib/openclaw; a
 *   converged root on a read-only stage is still a no-op success (openclaw #71420);
 * - OPENCLAW_PLUGIN_STAGE_DIR with a read-only first entry: used as a layer in place, never
 *   written; the last entry is the target.
 */

const DEMO = configFixture("demo.json5");
const VARIABLE = "OPENCLAW_PLUGIN_STAGE_DIR";
/** The lines of a NoWritableStageBase error that list candidates: `  - <path> (<source>): <error>`. */
const candidateLines = (stderr: string): string[] =>
  stderr.split("\n").filter((l) => /^ {2}- .+ \(.+\): /.test(l));

describe.each(MANAGERS)("read-only host package root (%s)", (pm) => {
  it(
    "apply succeeds through the stage; the host tree and HOME stay byte-identical",
    async (ctx) => {
      const sb = makeApplySandbox(pm); // the demo host (with its legacy debris), an empty stage
      if (!(await skipUnless(ctx, sb.at("probe"), "the read-only host test"))) return;
      const hostBefore = snapshotTree(sb.host);
      const homeBefore = snapshotTree(sb.home);
      const args = commonArgs(sb, DEMO);

      const ns = await runInNamespace(sb, [
        roBind(sb.host),
        { run: "apply", args: ["apply", ...args] },
        { run: "again", args: ["apply", ...args] },
        { run: "plan", args: ["plan", "--json", ...args] },
      ]);
      expect(ns.exitCode, ns.stderr).toBe(0);
      const applied = ran(ns, "apply");
      expect(applied.exitCode, describeRun(applied)).toBe(0);
      expect(applied.stdout).toMatch(
        /Apply complete! \d+ reused, [1-9]\d* installed, 0 pruned, 0 legacy cleaned\./,
      );
      // the debris it cannot remove is a warning naming the command that removes it, never an error
      expect(applied.stderr).toContain("Warning: legacy debris under a read-only path");
      expect(applied.stderr).not.toMatch(/^Error/m);

      // zero writes under the host and HOME: the same bytes, modes, mtimes
      expect(snapshotTree(sb.host)).toEqual(hostBefore);
      expect(snapshotTree(sb.home)).toEqual(homeBefore);

      const plan = decodePlan(ran(ns, "plan").stdout);
      expect(plan.actions).toEqual([]);
      expect(plan.desired.targetRoot.startsWith(`${sb.stage}/`)).toBe(true);
      await expectRootValid(plan.desired.targetRoot, plan);
      expect(leftovers(sb.stage)).toEqual([]);

      // a read-only host does not make every start reinstall (openclaw #71420)
      const again = ran(ns, "again");
      expect(again.exitCode, describeRun(again)).toBe(0);
      expect(again.stdout).toContain(NO_CHANGES);
      expect(spawnLines(sb)).toHaveLength(2); // the first apply's two sets, none for the second
    },
    APPLY_TIMEOUT_MS,
  );
});

describe("read-only stage base", () => {
  it(
    "--stage-dir read-only: exit 1 naming the candidate, EROFS, --stage-dir and the variable; a converged root stays a no-op",
    async (ctx) => {
      const sb = makeApplySandbox("pnpm");
      if (!(await skipUnless(ctx, sb.at("probe"), "the read-only stage test"))) return;
      // converge once with the stage writable, then make it read-only
      const first = await run(sb, ["apply", ...commonArgs(sb, DEMO)]);
      expect(first.exitCode, describeRun(first)).toBe(0);
      const spawns = spawnLines(sb).length;
      const stageBefore = snapshotTree(sb.stage);
      const fewer = writeConfig(sb, "fewer", { channels: { slack: { enabled: true } } });
      const fresh = sb.at("fresh-stage");
      fs.mkdirSync(fresh);

      const ns = await runInNamespace(sb, [
        roBind(sb.stage),
        roBind(fresh),
        // unchanged plan, converged root: the no-op path needs no write
        { run: "noop", args: ["apply", ...commonArgs(sb, DEMO)] },
        // a changed plan needs a writable stage
        { run: "changed", args: ["apply", ...commonArgs(sb, fewer)] },
        // an empty read-only stage
        {
          run: "fresh",
          args: ["apply", ...hostArgs(sb, DEMO), "--stage-dir", fresh, "--log-format", "json"],
        },
      ]);
      expect(ns.exitCode, ns.stderr).toBe(0);

      const noop = ran(ns, "noop");
      expect(noop.exitCode, describeRun(noop)).toBe(0);
      expect(noop.stdout).toContain(NO_CHANGES);

      const changed = ran(ns, "changed");
      expect(changed.exitCode, describeRun(changed)).toBe(1);
      expect(changed.stderr).toMatch(/^Error: no writable stage base; every candidate failed:$/m);
      expect(candidateLines(changed.stderr)).toEqual([
        `  - ${sb.stage} (--stage-dir): EROFS: ${sb.stage} is on a read-only filesystem`,
      ]);
      expect(changed.stderr).toContain("Fix: pass --stage-dir DIR");
      expect(changed.stderr).toContain(VARIABLE);
      expect(changed.stderr).not.toMatch(/\n\s+at /); // no stack trace

      const freshRun = ran(ns, "fresh");
      expect(freshRun.exitCode, describeRun(freshRun)).toBe(1);
      const reported = JSON.parse(freshRun.stderr.trim()) as { tag: string; message: string };
      expect(reported.tag).toBe("NoWritableStageBase");
      expect(reported.message).toContain(`${fresh} (--stage-dir): EROFS`);
      expect(reported.message).toContain(VARIABLE);

      // nothing was written: not the stage, not the empty stage, no package manager
      expect(snapshotTree(sb.stage)).toEqual(stageBefore);
      expect(fs.readdirSync(fresh)).toEqual([]);
      expect(spawnLines(sb)).toHaveLength(spawns);
    },
    APPLY_TIMEOUT_MS,
  );

  it(
    "the implicit chain read-only (STATE_DIRECTORY, OPENCLAW_STATE_DIR or ~/.openclaw, /var/lib/openclaw): every candidate listed with its EROFS",
    async (ctx) => {
      const sb = makeApplySandbox("pnpm");
      if (!(await skipUnless(ctx, sb.at("probe"), "the implicit stage chain test"))) return;
      const stateDirectory = sb.at("state-directory");
      const openclawState = sb.at("openclaw-state");
      fs.mkdirSync(stateDirectory);
      fs.mkdirSync(openclawState);
      const before = {
        stateDirectory: snapshotTree(stateDirectory),
        openclawState: snapshotTree(openclawState),
        home: snapshotTree(sb.home),
      };
      const varLibBefore = fs.existsSync("/var/lib/openclaw");
      // `/var/lib` read-only is exactly what systemd's ProtectSystem=strict does to it: the final
      // default is refused for the same reason a sandboxed unit would see, nothing is faked. No
      // --stage-dir, and no OPENCLAW_PLUGIN_STAGE_DIR: the implicit defaults decide.
      const args = ["apply", ...hostArgs(sb, DEMO)];
      const ns = await runInNamespace(sb, [
        roBind(stateDirectory),
        roBind(openclawState),
        roBind(sb.home), // ProtectHome=read-only
        roBind("/var/lib"),
        {
          run: "with-state-dir",
          args,
          env: {
            STATE_DIRECTORY: `${stateDirectory}:${sb.at("second-state-dir")}`,
            OPENCLAW_STATE_DIR: openclawState,
          },
        },
        { run: "with-home", args, env: { STATE_DIRECTORY: stateDirectory }, unset: ["OPENCLAW_STATE_DIR"] },
        { run: "plan", args: ["plan", ...hostArgs(sb, DEMO)], env: { STATE_DIRECTORY: stateDirectory } },
      ]);
      expect(ns.exitCode, ns.stderr).toBe(0);

      const withStateDir = ran(ns, "with-state-dir");
      expect(withStateDir.exitCode, describeRun(withStateDir)).toBe(1);
      expect(withStateDir.stderr).toMatch(/^Error: no writable stage base; every candidate failed:$/m);
      expect(candidateLines(withStateDir.stderr)).toEqual([
        `  - ${stateDirectory}/plugin-runtime-deps (STATE_DIRECTORY): EROFS: ${stateDirectory} is on a read-only filesystem`,
        `  - ${openclawState}/plugin-runtime-deps (OPENCLAW_STATE_DIR): EROFS: ${openclawState} is on a read-only filesystem`,
        expect.stringMatching(
          /^ {2}- \/var\/lib\/openclaw\/plugin-runtime-deps \(default\): EROFS: \/var\/lib(\/openclaw(\/plugin-runtime-deps)?)? is on a read-only filesystem$/,
        ),
      ]);
      expect(withStateDir.stderr).toContain("Fix: pass --stage-dir DIR");
      expect(withStateDir.stderr).toContain(VARIABLE);

      const withHome = ran(ns, "with-home");
      expect(withHome.exitCode, describeRun(withHome)).toBe(1);
      expect(candidateLines(withHome.stderr)).toEqual([
        `  - ${stateDirectory}/plugin-runtime-deps (STATE_DIRECTORY): EROFS: ${stateDirectory} is on a read-only filesystem`,
        `  - ${sb.home}/.openclaw/plugin-runtime-deps (~/.openclaw): EROFS: ${sb.home} is on a read-only filesystem`,
        expect.stringMatching(/^ {2}- \/var\/lib\/openclaw\/plugin-runtime-deps \(default\): EROFS: /),
      ]);

      // `plan` (read-only, access(2) probe) gives the same answer, also without writing
      const plan = ran(ns, "plan");
      expect(plan.exitCode, describeRun(plan)).toBe(1);
      expect(candidateLines(plan.stderr)).toHaveLength(3);

      expect(snapshotTree(stateDirectory)).toEqual(before.stateDirectory);
      expect(snapshotTree(openclawState)).toEqual(before.openclawState);
      expect(snapshotTree(sb.home)).toEqual(before.home);
      expect(fs.existsSync(sb.at("second-state-dir"))).toBe(false);
      expect(fs.existsSync("/var/lib/openclaw")).toBe(varLibBefore);
      expect(spawnLines(sb)).toEqual([]);
    },
    APPLY_TIMEOUT_MS,
  );
});

describe("a layered stage dir: <read-only layer>:<writable target>", () => {
  it(
    "a host that reads layers (profile acme): the read-only first entry is used in place (neither installed nor copied), the last is the target",
    async (ctx) => {
      const sb = makeApplySandbox("pnpm", { host: "acme-demo" });
      if (!(await skipUnless(ctx, sb.at("probe"), "the layered stage test"))) return;
      // an image-baked layer holding node_modules directly: its http-kit 1.3.2 satisfies search's
      // ^1.2.0; nothing there satisfies logger ^1.4.0 or markdown ^2.1.0
      const layer = sb.at("layer");
      copyFixture(
        fixture("stages", "demo", "openclaw-2026.4.20-0a1b2c3d4e5f", "node_modules"),
        path.join(layer, "node_modules"),
      );
      const layerBefore = snapshotTree(layer);
      const env = { ACME_PLUGIN_STAGE_DIR: [layer, sb.stage].join(path.delimiter) };
      // no --stage-dir: it would beat the variable
      const args = [
        "--host",
        `profile:${fixture("profiles", "acme.json")}`,
        "--package-root",
        sb.host,
        "--config",
        configFixture("acme.json"),
        "--package-manager",
        sb.pm,
      ];

      const ns = await runInNamespace(
        sb,
        [
          roBind(layer),
          { run: "apply", args: ["apply", ...args] },
          { run: "plan", args: ["plan", "--json", ...args] },
          { run: "resolve", args: ["resolve", "--json", "--plugin", "search", "@fixture/http-kit", ...args] },
        ],
        env,
      );
      expect(ns.exitCode, ns.stderr).toBe(0);
      const applied = ran(ns, "apply");
      expect(applied.exitCode, describeRun(applied)).toBe(0);
      expect(applied.stdout).toContain("Apply complete!");

      // the layer: not one byte changed
      expect(snapshotTree(layer)).toEqual(layerBefore);

      const plan = decodePlan(ran(ns, "plan").stdout);
      expect(plan.actions).toEqual([]);
      expect(plan.observed.candidates.map((c) => [c.path, c.role, c.writable])).toEqual([
        [layer, "layer", false],
        [sb.stage, "target", true],
      ]);
      expect(path.dirname(plan.desired.targetRoot)).toBe(sb.stage);
      const fromLayer = plan.observed.layers
        .filter((l) => l.kind === "read-only-stage")
        .flatMap((l) => l.satisfies);
      expect(fromLayer.map((s) => s.name)).toEqual(["@fixture/http-kit"]);
      for (const s of fromLayer) expect(s.path.startsWith(`${layer}/`), s.path).toBe(true);

      // neither installed nor copied: not asked of the package manager, not in the record's sets,
      // listed as external, nowhere in the target root
      const root = plan.desired.targetRoot;
      const state = readState(root);
      const recorded = state.sets.flatMap((s) => Object.keys(s.packages));
      const manifests = state.sets.flatMap((s) => {
        const manifest = JSON.parse(fs.readFileSync(path.join(root, s.dir, "package.json"), "utf8")) as {
          dependencies?: Record<string, string>;
        };
        return Object.keys(manifest.dependencies ?? {});
      });
      expect(recorded).not.toContain("@fixture/http-kit");
      expect(manifests).not.toContain("@fixture/http-kit");
      expect((state.external ?? []).map((e) => e.name)).toEqual(["@fixture/http-kit"]);
      expect(fs.existsSync(path.join(root, "node_modules", "@fixture", "http-kit"))).toBe(false);
      expect(applied.stdout).not.toMatch(/http-kit/);
      // what the layer does not satisfy was installed into the target
      expect(
        wantedInRoot(plan)
          .map((w) => w.name)
          .sort(),
      ).toEqual(["@fixture/logger", "@fixture/markdown"]);
      await expectRootValid(root, plan);
      expect(liveTarget(root)).not.toBeNull();
      expect(leftovers(sb.stage)).toEqual([]);

      // and the plugin's import resolves from the layer, in place
      const resolved = ran(ns, "resolve");
      expect(resolved.exitCode, describeRun(resolved)).toBe(0);
      const x = JSON.parse(resolved.stdout) as { lands: { via: string; packageDir: string } | null };
      expect(x.lands?.via).toBe("external");
      expect(x.lands?.packageDir).toBe(path.join(layer, "node_modules", "@fixture", "http-kit"));
    },
    APPLY_TIMEOUT_MS,
  );

  it(
    "OpenClaw 2026.4.29 and a complete root in an image-baked layer: nothing shared is installed, the host root links into the layer",
    async (ctx) => {
      // The layout measured with the real 2026.4.29 (issue 14): OPENCLAW_PLUGIN_STAGE_DIR=<read-only
      // layer>:<writable entry>, <writable entry>/<host root>/node_modules -> the layer's
      // generation: 0 package-manager starts, both plugins listening.
      const sb = makeApplySandbox("pnpm");
      if (!(await skipUnless(ctx, sb.at("probe"), "the layered stage test"))) return;
      const layer = sb.at("layer");
      fs.mkdirSync(layer);
      const args = hostArgs(sb, DEMO);
      const ns = await runInNamespace(
        sb,
        [
          // the image build: apply into the layer while it is still writable
          { run: "bake", args: ["apply", ...args, "--stage-dir", layer] },
          roBind(layer),
          { run: "apply", args: ["apply", ...args] },
          { run: "plan", args: ["plan", "--json", ...args] },
        ],
        { [VARIABLE]: [layer, sb.stage].join(path.delimiter) },
      );
      expect(ns.exitCode, ns.stderr).toBe(0);
      expect(ran(ns, "bake").exitCode, describeRun(ran(ns, "bake"))).toBe(0);
      const applied = ran(ns, "apply");
      expect(applied.exitCode, describeRun(applied)).toBe(0);

      const plan = decodePlan(ran(ns, "plan").stdout);
      expect(plan.actions).toEqual([]);
      const layerRoot = path.join(layer, path.basename(plan.desired.targetRoot));
      expect(plan.observed.notes.join("\n")).toContain(
        `${layerRoot} in the read-only layer holds every shared package`,
      );
      // the host root links into the layer's root, and shows every shared package through it
      const hostRoot = plan.observed.hostRoot;
      expect(hostRoot?.linksTo).toBe(path.join(layerRoot, "node_modules"));
      expect(hostRoot?.problems).toEqual([]);
      expect(path.dirname(hostRoot?.path ?? "")).toBe(sb.stage);
      const shared = plan.desired.sets.find((set) => set.id === "shared")?.packages ?? [];
      expect(shared.length).toBeGreaterThan(0);
      for (const p of shared) {
        expect(
          fs.existsSync(path.join(hostRoot?.path ?? "", "node_modules", p.name, "package.json")),
          p.name,
        ).toBe(true);
        // nothing shared was installed into the writable stage base
        expect(fs.existsSync(path.join(plan.desired.targetRoot, "node_modules", p.name)), p.name).toBe(false);
      }
      expect(applied.stdout).not.toMatch(/\+ installing .*\[shared\]/);
    },
    APPLY_TIMEOUT_MS * 2,
  );

  it(
    "OpenClaw 2026.4.29, which reads only its own root: the layer counts for nothing, the plan says so, and the host root shows the target",
    async (ctx) => {
      const sb = makeApplySandbox("pnpm");
      if (!(await skipUnless(ctx, sb.at("probe"), "the layered stage test"))) return;
      const layer = sb.at("layer");
      fs.mkdirSync(layer);
      copyStageFixture("openclaw-2026.4.20-0a1b2c3d4e5f", layer);
      const layerBefore = snapshotTree(layer);
      const env = { [VARIABLE]: [layer, sb.stage].join(path.delimiter) };
      const args = hostArgs(sb, DEMO); // no --stage-dir: it would beat the variable

      const ns = await runInNamespace(
        sb,
        [
          roBind(layer),
          { run: "plan-before", args: ["plan", ...args] },
          { run: "apply", args: ["apply", ...args] },
          { run: "plan", args: ["plan", "--json", ...args] },
        ],
        env,
      );
      expect(ns.exitCode, ns.stderr).toBe(0);
      const before = ran(ns, "plan-before");
      expect(before.stdout).toContain(
        `read-only layers ${layer} count for nothing: OpenClaw 2026.4.29 reads only`,
      );
      expect(ran(ns, "apply").exitCode, describeRun(ran(ns, "apply"))).toBe(0);
      expect(snapshotTree(layer)).toEqual(layerBefore);

      const plan = decodePlan(ran(ns, "plan").stdout);
      expect(plan.actions).toEqual([]);
      expect(
        plan.observed.layers.filter((l) => l.kind === "read-only-stage").flatMap((l) => l.satisfies),
      ).toEqual([]);
      const root = plan.desired.targetRoot;
      for (const name of ["@fixture/http-kit", "@fixture/slack-sdk"])
        expect(fs.existsSync(path.join(root, "node_modules", name, "package.json")), name).toBe(true);
      expect(plan.observed.hostRoot?.problems).toEqual([]);
      expect(path.dirname(plan.observed.hostRoot?.path ?? "")).toBe(sb.stage);
    },
    APPLY_TIMEOUT_MS,
  );
});
