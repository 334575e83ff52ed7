import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { renderUnits } from "../../src/units/units.js";
import { systemSpec } from "../golden/units-specs.js";
import { CLI, configFixture, describeRun, makeSandbox, runCli, type Sandbox } from "../support/cli.js";
import { tempDir } from "../support/temp.js";

/**
 * The service `plugdeps units` generates, as systemd itself judges it (issue 16, point 3): it
 * passes `systemd-analyze verify` without a warning, and `systemd-analyze security --offline=true`
 * rates its exposure at most 2.5 (the goal is 2.0; before this test the unit ran as root and
 * scored 9.0 UNSAFE). `--offline` appeared in systemd 250; an older or missing systemd-analyze
 * skips the test and says why (`.ci/run` installs it: scripts/ensure-systemd-analyze.sh).
 */

const MAX_EXPOSURE = 2.5;
const GOAL_EXPOSURE = 2.0;
const OFFLINE_SINCE = 250;

const analyzer = (): { readonly bin: string } | { readonly skip: string } => {
  const which = spawnSync("sh", ["-c", "command -v systemd-analyze"], { encoding: "utf8" });
  const bin = which.stdout.trim();
  if (which.status !== 0 || bin === "") {
    return { skip: "systemd-analyze is not installed (apt-get install systemd provides it)" };
  }
  const version = spawnSync(bin, ["--version"], { encoding: "utf8" });
  const number = Number(/^systemd (\d+)/m.exec(version.stdout)?.[1]);
  if (!Number.isInteger(number))
    return { skip: `cannot read the version of ${bin}: ${version.stdout.trim()}` };
  if (number < OFFLINE_SINCE) {
    return { skip: `systemd-analyze ${number} has no security --offline (systemd ${OFFLINE_SINCE}+)` };
  }
  return { bin };
};

const ANALYZER = analyzer();

/** The `Overall exposure level for X: 1.3 OK` number. */
const exposureOf = (output: string): number | null => {
  const m = /Overall exposure level for \S+: (\d+(?:\.\d+)?)/.exec(output);
  return m === null ? null : Number(m[1]);
};

const generate = async (sb: Sandbox, ...extra: string[]): Promise<string> => {
  const out = sb.at("units");
  const r = await runCli(
    [
      "units",
      "--package-root",
      sb.host,
      "--config",
      configFixture("demo.json5"),
      "--out",
      out,
      "--quiet",
      ...extra,
    ],
    { home: sb.home },
  );
  expect(r.exitCode, describeRun(r)).toBe(0);
  return path.join(out, "plugdeps-openclaw.service");
};

const analyze = (bin: string, args: readonly string[]) => {
  const r = spawnSync(bin, args, { encoding: "utf8", env: { ...process.env, SYSTEMD_LOG_LEVEL: "warning" } });
  return { status: r.status, output: `${r.stdout}${r.stderr}`, command: `systemd-analyze ${args.join(" ")}` };
};

describe("the generated plugdeps service, judged by systemd-analyze", () => {
  const cases: [string, string[]][] = [
    ["the default (StateDirectory=, the host's service user)", []],
    // a named user and group, a stage base outside /var/lib: ReadWritePaths=. (Not nobody:
    // systemd-analyze rates a service running as nobody as exposed, its files being everyone's.)
    [
      "--user-name, --group, --stage-dir outside /var/lib",
      ["--user-name", "oc-svc", "--group", "oc-svc", "--stage-dir", "/srv/openclaw/plugin-runtime-deps"],
    ],
  ];
  for (const [name, extra] of cases) {
    it(`${name}: verify is clean and the exposure is at most ${MAX_EXPOSURE}`, async (ctx) => {
      if ("skip" in ANALYZER) {
        console.log(`skipped: ${ANALYZER.skip}`);
        return ctx.skip();
      }
      const sb = makeSandbox({ stage: "absent" });
      const service = await generate(sb, ...extra);
      const text = fs.readFileSync(service, "utf8");
      expect(text).toMatch(/^User=/m);

      const verify = analyze(ANALYZER.bin, ["verify", service]);
      // verify exits 0 on unknown keys and bad values, printing a warning: none may appear.
      expect(verify.output, verify.command).toBe("");
      expect(verify.status, verify.command).toBe(0);

      const security = analyze(ANALYZER.bin, ["security", "--offline=true", service]);
      const exposure = exposureOf(security.output);
      expect(exposure, `${security.command}\n${security.output}`).not.toBeNull();
      console.log(
        `${security.command}: exposure ${exposure} (at most ${MAX_EXPOSURE}, goal ${GOAL_EXPOSURE})`,
      );
      expect(exposure, `${security.command}\n${security.output}`).toBeLessThanOrEqual(MAX_EXPOSURE);
    });
  }

  it(`the golden system unit (ProtectHome=yes: the user's home is outside /home) meets the goal, ${GOAL_EXPOSURE}`, (ctx) => {
    if ("skip" in ANALYZER) return ctx.skip();
    // The home of the service user comes from this machine's passwd, so the case where it is
    // known and outside /home is rendered from the golden spec rather than through the CLI.
    const dir = tempDir("units-security");
    const units = renderUnits({ ...systemSpec, node: process.execPath, cli: CLI }, dir);
    const service = path.join(dir, units.serviceName);
    fs.writeFileSync(service, units.service);
    expect(units.service).toMatch(/^ProtectHome=yes$/m);
    const verify = analyze(ANALYZER.bin, ["verify", service]);
    expect(verify.output, verify.command).toBe("");
    const security = analyze(ANALYZER.bin, ["security", "--offline=true", service]);
    const exposure = exposureOf(security.output);
    console.log(`${security.command}: exposure ${exposure} (goal ${GOAL_EXPOSURE})`);
    expect(exposure, `${security.command}\n${security.output}`).toBeLessThanOrEqual(GOAL_EXPOSURE);
  });

  it("would catch a unit that runs as root without a sandbox (the check is not vacuous)", async (ctx) => {
    if ("skip" in ANALYZER) return ctx.skip();
    const sb = makeSandbox({ stage: "absent" });
    const service = await generate(sb);
    // The service as it was before issue 16: root, ProtectSystem/ProtectHome/NoNewPrivileges/PrivateTmp.
    const keep =
      /^(\[|Description=|Wants=|After=|Type=|ExecStart=|Environment=|StateDirectory=|ProtectSystem=|PrivateTmp=|UMask=|TimeoutStartSec=|WantedBy=|$)/;
    const bare = fs
      .readFileSync(service, "utf8")
      .split("\n")
      .filter((l) => keep.test(l))
      .join("\n")
      .replace(
        "ProtectSystem=strict\n",
        "ProtectSystem=strict\nProtectHome=read-only\nNoNewPrivileges=yes\n",
      );
    fs.writeFileSync(service, bare);
    const exposure = exposureOf(analyze(ANALYZER.bin, ["security", "--offline=true", service]).output);
    console.log(`the pre-issue-16 service: exposure ${exposure}`);
    expect(exposure).toBeGreaterThan(MAX_EXPOSURE);
  });
});
