import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import {
  CLI,
  REPO_ROOT,
  configFixture,
  describeRun,
  makeSandbox,
  runCli,
  type Sandbox,
  snapshotTree,
} from "../support/cli.js";

/**
 * `plugdeps units` end to end: the built CLI prints the units with this installation's absolute
 * paths, `--out` writes exactly three files (the drop-in as <host unit>.d/plugdeps.conf) (and refuses to overwrite different ones without
 * `--force`), and the written files pass `systemd-analyze verify` where it exists.
 */

const args = (sb: Sandbox, ...extra: string[]): string[] => [
  "units",
  "--package-root",
  sb.host,
  "--config",
  configFixture("demo.json5"),
  ...extra,
];

const section = (stdout: string, heading: RegExp): string => {
  const parts = stdout.split(/^### /m);
  return parts.find((p) => heading.test(p.split("\n")[0] ?? "")) ?? "";
};

describe("plugdeps units", () => {
  it("prints the service, the timer and the host drop-in, with this installation's absolute paths", async () => {
    const sb = makeSandbox({ stage: "absent" });
    const before = snapshotTree(sb.root);
    const r = await runCli(args(sb), { home: sb.home });
    expect(r.exitCode, describeRun(r)).toBe(0);
    const service = section(r.stdout, /plugdeps-openclaw\.service$/);
    const execStart = /^ExecStart=(.*)$/m.exec(service)?.[1] ?? "";
    expect(execStart.split(" ").slice(0, 7)).toEqual([
      process.execPath,
      CLI,
      "reconcile",
      "--once",
      "--every",
      "900s",
      "--quiet",
    ]);
    expect(execStart).toContain(`--package-root ${sb.host}`);
    expect(execStart).toContain(`--config ${configFixture("demo.json5")}`);
    expect(service).toMatch(/^StateDirectory=openclaw\/plugin-runtime-deps$/m);
    expect(section(r.stdout, /plugdeps-openclaw\.timer$/)).toMatch(/^OnUnitActiveSec=15min$/m);
    const register = path.join(REPO_ROOT, "dist", "src", "resolve", "register.js");
    expect(section(r.stdout, /openclaw\.service\.d\/plugdeps\.conf$/)).toContain(
      `Environment="NODE_OPTIONS=--import ${register}"`,
    );
    // printing writes nothing
    expect(snapshotTree(sb.root)).toEqual(before);
  });

  it("--out writes the service, the timer and the host's drop-in, is a no-op the second time, refuses a changed file without --force", async () => {
    const sb = makeSandbox({ stage: "absent" });
    const out = sb.at("units");
    const first = await runCli(args(sb, "--out", out, "--every", "1h"), { home: sb.home });
    expect(first.exitCode, describeRun(first)).toBe(0);
    expect(fs.readdirSync(out).sort()).toEqual([
      "openclaw.service.d",
      "plugdeps-openclaw.service",
      "plugdeps-openclaw.timer",
    ]);
    expect(first.stdout).toContain(`created: ${path.join(out, "plugdeps-openclaw.service")}`);
    const dropIn = path.join(out, "openclaw.service.d", "plugdeps.conf");
    expect(first.stdout).toContain(`created: ${dropIn}`);
    expect(fs.readFileSync(dropIn, "utf8")).toMatch(/^After=plugdeps-openclaw\.service$/m);
    // What remains to do (on stderr, beside the result), and nothing to paste by hand.
    expect(first.stderr).toContain("systemctl restart openclaw.service");
    expect(first.stdout + first.stderr).not.toContain("[Service]");
    expect(fs.readFileSync(path.join(out, "plugdeps-openclaw.timer"), "utf8")).toMatch(
      /^OnCalendar=\*-\*-\* \*:00:00$/m,
    );

    const again = await runCli(args(sb, "--out", out, "--every", "1h"), { home: sb.home });
    expect(again.stdout).toContain(`unchanged: ${path.join(out, "plugdeps-openclaw.timer")}`);

    const service = path.join(out, "plugdeps-openclaw.service");
    const timer = path.join(out, "plugdeps-openclaw.timer");
    fs.appendFileSync(service, "# local edit\n");
    const edited = fs.readFileSync(service, "utf8");
    const refused = await runCli(args(sb, "--out", out, "--every", "2h"), { home: sb.home });
    expect(refused.exitCode, describeRun(refused)).toBe(1);
    expect(refused.stderr).toMatch(/EEXIST/);
    expect(refused.stderr).toContain("--force");
    expect(fs.readFileSync(service, "utf8")).toBe(edited);
    // all-or-nothing: the timer (which would change to 2h) was not rewritten either
    expect(fs.readFileSync(timer, "utf8")).toMatch(/^OnCalendar=\*-\*-\* \*:00:00$/m);

    const forced = await runCli(args(sb, "--out", out, "--every", "2h", "--force"), { home: sb.home });
    expect(forced.exitCode, describeRun(forced)).toBe(0);
    expect(fs.readFileSync(timer, "utf8")).toMatch(/^OnCalendar=\*-\*-\* 00\/2:00:00$/m);
  });

  it("--user writes user units that pass systemd-analyze verify", async (ctx) => {
    const sb = makeSandbox({ stage: "absent" });
    const out = sb.at("user-units");
    const r = await runCli(args(sb, "--user", "--out", out, "--quiet"), { home: sb.home });
    expect(r.exitCode, describeRun(r)).toBe(0);
    const service = fs.readFileSync(path.join(out, "plugdeps-openclaw.service"), "utf8");
    expect(service).toContain(`ReadWritePaths=${path.join(sb.home, ".openclaw", "plugin-runtime-deps")}`);
    expect(service).not.toMatch(/^StateDirectory=/m);
    const analyze = spawnSync("sh", ["-c", "command -v systemd-analyze"], { encoding: "utf8" }).stdout.trim();
    if (analyze === "") {
      console.log("skipped verify: systemd-analyze is not installed");
      return ctx.skip();
    }
    const runtime = sb.at("xdg-runtime");
    fs.mkdirSync(runtime, { mode: 0o700 });
    const v = spawnSync(
      analyze,
      [
        "--user",
        "verify",
        path.join(out, "plugdeps-openclaw.service"),
        path.join(out, "plugdeps-openclaw.timer"),
      ],
      { encoding: "utf8", env: { ...process.env, XDG_RUNTIME_DIR: runtime } },
    );
    expect(v.stderr + v.stdout).toBe("");
    expect(v.status).toBe(0);
  });

  it("--user-name/--group set User=/Group=; relative paths are pinned absolute; the default user is said", async () => {
    const sb = makeSandbox({ stage: "absent" });
    fs.copyFileSync(configFixture("demo.json5"), sb.at("openclaw.json"));
    const r = await runCli(
      [
        "units",
        "--package-root",
        sb.host,
        "--config",
        "openclaw.json",
        "--user-name",
        "oc-svc",
        "--group",
        "oc-svc",
      ],
      { home: sb.home, cwd: sb.root },
    );
    expect(r.exitCode, describeRun(r)).toBe(0);
    const service = section(r.stdout, /plugdeps-openclaw\.service$/);
    expect(service).toMatch(/^User=oc-svc$/m);
    expect(service).toMatch(/^Group=oc-svc$/m);
    expect(/^ExecStart=(.*)$/m.exec(service)?.[1]).toContain(
      `--config ${fs.realpathSync(sb.root)}/openclaw.json`,
    );
    expect(r.stderr).not.toMatch(/no --user-name given/);

    const byDefault = await runCli(args(sb), { home: sb.home });
    expect(section(byDefault.stdout, /plugdeps-openclaw\.service$/)).toMatch(/^User=openclaw$/m);
    expect(byDefault.stderr).toMatch(/^note: the service runs as user openclaw \(no --user-name given\)/m);

    const user = await runCli(args(sb, "--user", "--user-name", "oc-svc"), { home: sb.home });
    expect(user.exitCode).toBe(1);
    expect(user.stderr).toMatch(/^Error: --user-name applies to system units/);
  });

  it("rejects a bad --every and a missing host with a one-line error", async () => {
    const sb = makeSandbox({ stage: "absent" });
    const bad = await runCli(args(sb, "--every", "soon"), { home: sb.home });
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toMatch(/^Error: --every "soon" is not a duration/);
    const missing = await runCli(["units", "--package-root", sb.at("nope")], { home: sb.home });
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(/^Error: host package root not found/);
    expect(missing.stdout).toBe("");
  });
});
