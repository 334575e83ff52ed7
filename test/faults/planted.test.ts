import * as fs from "node:fs";
import * as path from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import {
  addPlugin,
  type ApplySandbox,
  commonArgs,
  type Manager,
  testPath,
  writeConfig,
} from "../support/apply.js";
import { makeSandbox, REPO_ROOT } from "../support/cli.js";
import {
  asUser,
  chownTree,
  type SecondUser,
  secondUser,
  secondUserUnavailable,
  snapshotTree,
} from "./security-support.js";
import { applyArgs, describeEnded, type Ended, expectExit0, runCliProcess } from "./support.js";

/**
 * Issue 17: a root, a generation or a single package planted by another user in the stage base
 * must never run in the host. Done for real: a real second uid (`plugdeps-svc`) owns the planted
 * tree, the host is `node --import <dist>/src/resolve/register.js` run as root (the test's uid),
 * and the planted code writes a marker file when it is loaded. Each case failed before the fix
 * (the host ran her code, apply printed "No changes" and kept her tree live).
 *
 * The host: OpenClaw 2026.4.20 (the band where the register hook is the mechanism), one plugin
 * `alpha` importing @fixture/retry ^2.0.0.
 */

const REGISTER = path.join(REPO_ROOT, "dist", "src", "resolve", "register.js");

let svc: SecondUser | null = null;
const unavailable = secondUserUnavailable();
beforeAll(() => {
  if (unavailable === null) svc = secondUser();
});
const user = (): SecondUser => {
  if (svc === null) throw new Error(`no second user: ${unavailable ?? "?"}`);
  return svc;
};

type Host = ApplySandbox & { readonly config: string; readonly marker: string; readonly probe: string };

const PROBE = `const out = {};
try {
  const mod = await import("@fixture/retry");
  const value = mod.default ?? mod;
  out.version = value.version;
  out.file = (await import("node:url")).fileURLToPath(import.meta.resolve("@fixture/retry"));
} catch (err) {
  out.error = err.code ?? String(err);
}
process.stdout.write(JSON.stringify(out));
`;

const makeHost = (pm: Manager): Host => {
  const sb = makeSandbox({ host: null, stage: "empty" });
  const host = sb.at("usr", "lib", "node_modules", "openclaw");
  fs.mkdirSync(host, { recursive: true });
  fs.writeFileSync(
    path.join(host, "package.json"),
    `${JSON.stringify({ name: "openclaw", version: "2026.4.20", type: "module" }, null, 2)}\n`,
  );
  addPlugin(host, "alpha", { "@fixture/retry": "^2.0.0" });
  const probe = path.join(host, "dist", "extensions", "alpha", "probe.mjs");
  fs.writeFileSync(probe, PROBE);
  // The sandbox is 0700: the second user must be able to reach the stage base.
  fs.chmodSync(sb.root, 0o711);
  return {
    ...sb,
    host,
    pm,
    spawnLog: sb.at("spawn.log"),
    config: writeConfig(sb, "config", {}),
    marker: sb.at("planted-code-ran"),
    probe,
  };
};

const applyOf = (sb: Host) => applyArgs(sb, sb.config);

/** The host (as root, the test's uid) with the register hook: what it imported, and its warnings. */
const runHost = async (
  sb: Host,
): Promise<{ out: { version?: string; file?: string; error?: string }; stderr: string }> => {
  const r = await execa(process.execPath, ["--import", REGISTER, sb.probe], {
    reject: false,
    extendEnv: false,
    env: { PATH: testPath(), HOME: sb.home, LANG: "C.UTF-8", PLUGDEPS_STAGE_DIR: sb.stage },
    cwd: sb.root,
  });
  expect(r.exitCode, `host failed:\n${String(r.stderr)}`).toBe(0);
  return {
    out: JSON.parse(String(r.stdout)) as { version?: string; error?: string },
    stderr: String(r.stderr),
  };
};

/** The live root: the only `openclaw-*-<12 hex>` entry that is a link to a generation. */
const rootOf = (sb: Host): string => {
  const name = fs
    .readdirSync(sb.stage)
    .find(
      (n) => /^openclaw-.+-[0-9a-f]{12}$/.test(n) && fs.lstatSync(path.join(sb.stage, n)).isSymbolicLink(),
    );
  if (name === undefined) throw new Error(`no root in ${sb.stage}: ${fs.readdirSync(sb.stage).join(", ")}`);
  return path.join(sb.stage, name);
};

const converged = async (pm: Manager): Promise<Host> => {
  const sb = makeHost(pm);
  expectExit0(await runCliProcess(sb, applyOf(sb)));
  const genuine = await runHost(sb);
  expect(genuine.out.version, genuine.stderr).toBe("2.1.0");
  expect(genuine.stderr).toBe("");
  return sb;
};

/** Her code: @fixture/retry's entry, writing the marker when loaded. */
const EVIL = (marker: string) =>
  `"use strict";\nrequire("node:fs").writeFileSync(${JSON.stringify(marker)}, "ran as uid " + process.getuid());\n` +
  `module.exports = { name: "@fixture/retry", version: "2.1.0" };\n`;

/** In a copy of a generation (or a root), @fixture/retry's real directory (pnpm: inside .pnpm). */
const retryIn = (tree: string): string =>
  fs.realpathSync(path.join(tree, "node_modules", "@fixture", "retry"));

/** Replaces @fixture/retry's code in `tree` with hers. */
const plantCode = (sb: Host, tree: string): void => {
  fs.writeFileSync(path.join(retryIn(tree), "index.js"), EVIL(sb.marker));
};

/** A new link `name` -> `target` over the old one, by rename (as root). */
const relink = (link: string, target: string): void => {
  const tmp = `${link}.relink-tmp`;
  fs.symlinkSync(target, tmp);
  fs.renameSync(tmp, link);
};

const warnings = (stderr: string): string[] =>
  stderr.split("\n").filter((l) => l.startsWith("plugdeps/register:"));

/** The host refused what she planted: her code did not run, one warning names `what` and her uid. */
const expectRefused = (
  sb: Host,
  run: { out: { version?: string; error?: string }; stderr: string },
  what: string,
) => {
  expect(fs.existsSync(sb.marker), `her code ran in the host: ${JSON.stringify(run)}`).toBe(false);
  expect(run.out.version, JSON.stringify(run)).toBeUndefined(); // fell back to Node, which has none
  const lines = warnings(run.stderr);
  expect(lines, run.stderr).toHaveLength(1);
  expect(lines[0]).toContain(what);
  expect(lines[0]).toContain(`uid ${user().uid}`);
};

const jsonOf = async (sb: Host, cmd: string): Promise<{ r: Ended; json: Record<string, unknown> }> => {
  const r = await runCliProcess(sb, [cmd, ...commonArgs(sb, sb.config), "--json"]);
  return { r, json: JSON.parse(r.stdout) as Record<string, unknown> };
};

/** status and doctor call it what it is: not in sync, a foreign root with its fix. */
const expectReportedForeign = async (sb: Host): Promise<void> => {
  const status = await jsonOf(sb, "status");
  expect(status.json["inSync"], describeEnded(status.r)).toBe(false);
  const doctor = await jsonOf(sb, "doctor");
  const findings = (doctor.json["findings"] ?? []) as { id: string; detail: string; fix: string }[];
  const foreign = findings.find((f) => f.id === "materialization-foreign");
  expect(foreign, describeEnded(doctor.r)).toBeDefined();
  expect(foreign?.detail).toContain(`uid ${user().uid}`);
  expect(foreign?.fix).toMatch(/remove/);
};

/** Root's apply: not "No changes"; its own generation live (a root-owned link); her host code gone. */
const expectApplyRebuilds = async (sb: Host, untouched: string | null): Promise<void> => {
  const before = untouched === null ? null : snapshotTree(untouched);
  const r = await runCliProcess(sb, applyOf(sb));
  expectExit0(r);
  expect(r.stdout, describeEnded(r)).not.toContain("No changes");
  const root = rootOf(sb);
  expect(fs.lstatSync(root).uid).toBe(0);
  const live = fs.realpathSync(root);
  expect(fs.statSync(live).uid).toBe(0);
  expect(fs.statSync(retryIn(root)).uid).toBe(0);
  expect(fs.statSync(path.join(retryIn(root), "index.js")).uid).toBe(0);
  if (untouched !== null) {
    expect(live).not.toBe(fs.realpathSync(untouched));
    expect(snapshotTree(untouched), "her files are hers: left alone").toEqual(before);
  }
  const after = await runHost(sb);
  expect(after.out.version, after.stderr).toBe("2.1.0");
  expect(fs.existsSync(sb.marker), "her code ran after apply").toBe(false);
  // Converged now: the next apply has nothing to do.
  const again = await runCliProcess(sb, applyOf(sb));
  expectExit0(again);
  expect(again.stdout, describeEnded(again)).toContain("No changes");
};

describe.skipIf(unavailable !== null)(
  "a root planted by another user never runs in the host (issue 17)",
  () => {
    it("planted root: her copy of a genuine root, her link in a 1777 sticky stage base", async () => {
      const sb = await converged("pnpm");
      const root = rootOf(sb);
      const genuine = fs.realpathSync(root);
      // The shared stage base: root-owned, world-writable, sticky.
      fs.chmodSync(sb.stage, 0o1777);
      const evil = `${root}.gen-planted0001`;
      await execa("cp", ["-a", genuine, evil]);
      plantCode(sb, evil);
      chownTree(evil, user());
      // Root's own link cannot be replaced by her in a sticky base: it is gone (pruned, say), and
      // she makes hers at its name.
      fs.rmSync(root);
      const ln = await asUser(user(), "ln", ["-s", path.basename(evil), root]);
      expect(ln.exitCode, ln.stderr).toBe(0);
      expect(fs.lstatSync(root).uid).toBe(user().uid);

      expectRefused(sb, await runHost(sb), root);
      await expectReportedForeign(sb);
      await expectApplyRebuilds(sb, evil);
    });

    it("planted generation: root's own link points to her generation", async () => {
      const sb = await converged("pnpm");
      const root = rootOf(sb);
      const evil = `${root}.gen-planted0002`;
      await execa("cp", ["-a", fs.realpathSync(root), evil]);
      plantCode(sb, evil);
      chownTree(evil, user());
      relink(root, path.basename(evil));
      expect(fs.lstatSync(root).uid).toBe(0);

      expectRefused(sb, await runHost(sb), evil);
      await expectReportedForeign(sb);
      await expectApplyRebuilds(sb, evil);
    });

    it.each(["pnpm", "npm"] as const)(
      "planted single package (%s): her package dir inside root's own generation",
      async (pm) => {
        const sb = await converged(pm);
        const root = rootOf(sb);
        const pkg = retryIn(root);
        const hers = `${pkg}.planted`;
        await execa("cp", ["-a", pkg, hers]);
        fs.writeFileSync(path.join(hers, "index.js"), EVIL(sb.marker));
        chownTree(hers, user());
        fs.rmSync(pkg, { recursive: true });
        fs.renameSync(hers, pkg);

        expectRefused(sb, await runHost(sb), pkg);
        const status = await jsonOf(sb, "status");
        expect(status.json["inSync"], describeEnded(status.r)).toBe(false);
        await expectApplyRebuilds(sb, null);
      },
    );
  },
);
