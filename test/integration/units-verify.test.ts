import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { renderUnits, type UnitsSpec } from "../../src/units/units.js";
import { fleetSpec, systemSpec, userSpec } from "../golden/units-specs.js";
import { REPO_ROOT } from "../support/cli.js";
import { tempDir } from "../support/temp.js";

/**
 * `systemd-analyze verify` on the units `plugdeps units` renders, when the binary exists (from
 * test/unit/units-render.test.ts: the unit tests start no process).
 */

const which = (bin: string): string | null => {
  const r = spawnSync("sh", ["-c", `command -v ${bin}`], { encoding: "utf8" });
  return r.status === 0 && r.stdout.trim() !== "" ? r.stdout.trim() : null;
};

const SYSTEMD_ANALYZE = which("systemd-analyze");

/** A spec whose executables exist on this machine (verify checks ExecStart's binary). */
const realSpec = (spec: UnitsSpec, stageTarget: string): UnitsSpec => ({
  ...spec,
  node: process.execPath,
  cli: path.join(REPO_ROOT, "dist", "src", "cli", "plugdeps.cjs"),
  register: path.join(REPO_ROOT, "dist", "src", "resolve", "register.js"),
  stage: { ...spec.stage, target: stageTarget, layers: [...spec.stage.layers.slice(0, -1), stageTarget] },
});

describe("systemd-analyze verify", () => {
  const cases: [string, UnitsSpec, string][] = [
    ["system, StateDirectory=", systemSpec, "/var/lib/openclaw/plugin-runtime-deps"],
    ["system, ReadWritePaths= and a calendar timer", fleetSpec, "/srv/openclaw/plugin-runtime-deps"],
    ["user", userSpec, "/home/alice/.openclaw/plugin-runtime-deps"],
  ];
  for (const [name, spec, target] of cases) {
    it(`accepts the ${name} units without a warning`, (ctx) => {
      if (SYSTEMD_ANALYZE === null) {
        console.log("skipped: systemd-analyze is not installed (apt-get install systemd provides it)");
        ctx.skip();
        return;
      }
      const dir = tempDir("units-verify");
      const units = renderUnits(realSpec(spec, target), dir);
      fs.writeFileSync(path.join(dir, units.serviceName), units.service);
      fs.writeFileSync(path.join(dir, units.timerName), units.timer);
      // A user manager needs a runtime directory even offline; a container has none.
      const runtime = tempDir("units-xdg");
      fs.chmodSync(runtime, 0o700);
      const args = [
        ...(spec.scope === "user" ? ["--user"] : []),
        "verify",
        path.join(dir, units.serviceName),
        path.join(dir, units.timerName),
      ];
      const r = spawnSync(SYSTEMD_ANALYZE, args, {
        encoding: "utf8",
        env: { ...process.env, XDG_RUNTIME_DIR: runtime, SYSTEMD_LOG_LEVEL: "warning" },
      });
      // verify exits 0 on unknown keys and unparseable values, printing a warning: none may appear.
      expect(r.stderr + r.stdout, `systemd-analyze ${args.join(" ")}`).toBe("");
      expect(r.status).toBe(0);
    });
  }

  it("would catch a broken directive (the check is not vacuous)", (ctx) => {
    if (SYSTEMD_ANALYZE === null) return ctx.skip();
    const dir = tempDir("units-verify-bad");
    const units = renderUnits(realSpec(systemSpec, "/var/lib/openclaw/plugin-runtime-deps"), dir);
    fs.writeFileSync(
      path.join(dir, units.serviceName),
      units.service.replace("PrivateTmp=yes", "PrivateTmp=maybe"),
    );
    fs.writeFileSync(path.join(dir, units.timerName), units.timer);
    const r = spawnSync(SYSTEMD_ANALYZE, ["verify", path.join(dir, units.serviceName)], { encoding: "utf8" });
    expect(r.stderr).toMatch(/plugdeps-openclaw\.service:\d+: Failed to parse boolean value/);
  });
});
