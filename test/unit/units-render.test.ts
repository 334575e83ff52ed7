import * as path from "node:path";
import { describe, expect, it } from "vitest";
import {
  environmentLine,
  execLine,
  randomizedDelayMs,
  timeSpan,
  timerSchedule,
  unitWord,
} from "../../src/units/systemd-syntax.js";
import {
  renderHostDropIn,
  renderService,
  renderTimer,
  protectHome,
  renderUnits,
  stateDirectoryFor,
  type UnitsSpec,
} from "../../src/units/units.js";
import { fleetSpec, goldenUnitSpecs, systemSpec, userSpec } from "../golden/units-specs.js";
import { matchGolden } from "../support/golden.js";

/**
 * `plugdeps units` rendering: golden files (`UPDATE_GOLDEN=1` rewrites them; review the diff),
 * the directives that must be there whatever the input, quoting. `systemd-analyze verify` on the
 * output: test/integration/units-verify.test.ts.
 */

/** `Key=value` lines of one section (comments and other sections left out). */
const directives = (unit: string, section: string): string[] => {
  const out: string[] = [];
  let current = "";
  for (const line of unit.split("\n")) {
    const header = /^\[(.+)\]$/.exec(line);
    if (header) current = header[1] ?? "";
    else if (current === section && line !== "" && !line.startsWith("#")) out.push(line);
  }
  return out;
};

const value = (unit: string, section: string, key: string): string[] =>
  directives(unit, section)
    .filter((l) => l.startsWith(`${key}=`))
    .map((l) => l.slice(key.length + 1));

describe("units golden files", () => {
  for (const [stem, spec] of Object.entries(goldenUnitSpecs)) {
    it(`${stem}.service`, () => matchGolden(`${stem}.service`, renderService(spec)));
    it(`${stem}.timer`, () => matchGolden(`${stem}.timer`, renderTimer(spec)));
    it(`${stem}-dropin.conf`, () => matchGolden(`${stem}-dropin.conf`, renderHostDropIn(spec)));
  }
});

describe("the service", () => {
  const HARDENING = [
    "ProtectSystem=strict",
    "NoNewPrivileges=yes",
    "PrivateTmp=yes",
    "PrivateDevices=yes",
    "PrivateUsers=yes",
    "CapabilityBoundingSet=",
    "AmbientCapabilities=",
    "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
    "SystemCallFilter=@system-service",
    "SystemCallArchitectures=native",
    "LockPersonality=yes",
    "RestrictNamespaces=yes",
    "RestrictRealtime=yes",
    "RestrictSUIDSGID=yes",
    "ProtectKernelTunables=yes",
    "ProtectKernelModules=yes",
    "ProtectKernelLogs=yes",
    "ProtectControlGroups=yes",
    "ProtectClock=yes",
    "ProtectHostname=yes",
    "ProtectProc=invisible",
    "RemoveIPC=yes",
    "UMask=0022",
  ];

  it.each(Object.entries(goldenUnitSpecs))("%s carries every hardening directive", (_stem, spec) => {
    const service = directives(renderService(spec), "Service");
    for (const d of HARDENING) expect(service).toContain(d);
    expect(service).toContain("Type=oneshot");
    expect(value(renderService(spec), "Service", "ProtectHome")).toEqual([protectHome(spec).value]);
    // V8's JIT needs W+X memory (node aborts under it); /proc subset=pid hides the boot id
    expect(value(renderService(spec), "Service", "MemoryDenyWriteExecute")).toEqual([]);
    expect(value(renderService(spec), "Service", "ProcSubset")).toEqual([]);
  });

  it("system units run as the host's service user; user units as their manager's user", () => {
    expect(value(renderService(systemSpec), "Service", "User")).toEqual(["openclaw"]);
    expect(value(renderService(systemSpec), "Service", "Group")).toEqual([]);
    expect(value(renderService(fleetSpec), "Service", "Group")).toEqual(["openclaw"]);
    // a stage base outside /var/lib is created for that user by the operator
    expect(renderService(fleetSpec)).toContain(
      "#   install -d -m 0755 -o openclaw -g openclaw /srv/openclaw/plugin-runtime-deps",
    );
    expect(value(renderService(userSpec), "Service", "User")).toEqual([]);
  });

  it("ProtectHome=yes only when nothing the service reads is in a home directory", () => {
    expect(protectHome(systemSpec).value).toBe("yes");
    // the service user's ~/.npmrc is under /home
    expect(protectHome(fleetSpec)).toMatchObject({
      value: "read-only",
      why: expect.stringContaining("/home/openclaw"),
    });
    // its home unknown
    expect(protectHome({ ...systemSpec, runAs: { user: "svc", group: null, home: null } }).value).toBe(
      "read-only",
    );
    // a config under /root, or a config found at run time from HOME
    const withConfig = (config: string[]): UnitsSpec => ({
      ...systemSpec,
      options: ["--package-root", "/usr/lib/node_modules/openclaw", ...config],
    });
    expect(protectHome(withConfig(["--config", "/root/.openclaw/openclaw.json"]))).toMatchObject({
      value: "read-only",
      why: "/root/.openclaw/openclaw.json is in a home directory",
    });
    expect(protectHome(withConfig([])).value).toBe("read-only");
    // a profile host named by a file in a home directory
    expect(
      protectHome({ ...systemSpec, options: ["--host", "profile:/home/a/acme.json", ...systemSpec.options] })
        .value,
    ).toBe("read-only");
    // the user units' stage base is in the home directory
    expect(protectHome(userSpec)).toMatchObject({
      value: "read-only",
      why: expect.stringContaining("/home/alice/.openclaw"),
    });
  });

  it("runs one reconcile pass (`reconcile --once --every <timer period>`) with absolute paths and the chosen options", () => {
    const [execStart] = value(renderService(systemSpec), "Service", "ExecStart");
    const words = (execStart ?? "").split(" ");
    expect(path.isAbsolute(words[0] ?? "")).toBe(true);
    expect(words[1]).toMatch(/^\/.*\/dist\/src\/cli\/plugdeps\.cjs$/);
    // --every matches the timer so status/doctor can tell a timer that stopped firing.
    expect(words.slice(2, 7)).toEqual([
      "reconcile",
      "--once",
      "--every",
      `${systemSpec.everyMs / 1000}s`,
      "--quiet",
    ]);
    expect(words).toContain("--package-root");
    expect(words).toContain("--config");
  });

  it("system units under /var/lib get StateDirectory=, others ReadWritePaths=", () => {
    const system = renderService(systemSpec);
    expect(value(system, "Service", "StateDirectory")).toEqual(["openclaw/plugin-runtime-deps"]);
    expect(value(system, "Service", "ReadWritePaths")).toEqual([]);
    const fleet = renderService(fleetSpec);
    expect(value(fleet, "Service", "StateDirectory")).toEqual([]);
    expect(value(fleet, "Service", "ReadWritePaths")).toEqual(["/srv/openclaw/plugin-runtime-deps"]);
    expect(stateDirectoryFor("system", "/var/lib")).toBeNull();
    expect(stateDirectoryFor("system", "/var/library/x")).toBeNull();
    expect(stateDirectoryFor("system", "/var/lib/a/b")).toBe("a/b");
  });

  it("sets the stage variable to the whole layered list, but only the target is writable", () => {
    const fleet = renderService(fleetSpec);
    expect(value(fleet, "Service", "Environment")).toEqual([
      "OPENCLAW_PLUGIN_STAGE_DIR=/opt/openclaw/baked-deps:/srv/openclaw/plugin-runtime-deps",
    ]);
    // the flag would drop the layers: the variable carries the stage
    expect(value(fleet, "Service", "ExecStart")[0]).not.toContain("--stage-dir");
  });

  it("--user: no StateDirectory=, ReadWritePaths= the stage dir, default.target, no system targets", () => {
    const user = renderService(userSpec);
    expect(value(user, "Service", "StateDirectory")).toEqual([]);
    expect(value(user, "Service", "ReadWritePaths")).toEqual(["/home/alice/.openclaw/plugin-runtime-deps"]);
    expect(value(user, "Install", "WantedBy")).toEqual(["default.target"]);
    expect(value(user, "Unit", "Wants")).toEqual([]);
    expect(value(renderService(systemSpec), "Install", "WantedBy")).toEqual(["multi-user.target"]);
    expect(value(renderService(systemSpec), "Unit", "After")).toEqual(["network-online.target"]);
  });

  it("a host without a stage variable gets --stage-dir, and its hook gets PLUGDEPS_STAGE_DIR", () => {
    const spec: UnitsSpec = {
      ...systemSpec,
      host: "acme",
      options: ["--host", "profile:/etc/acme/profile.json", "--package-root", "/opt/acme"],
      stage: { target: "/var/lib/acme/plugin-deps", layers: ["/var/lib/acme/plugin-deps"], variable: null },
      hostService: { readOnlyBinds: [], writable: [], stageList: true },
    };
    const service = renderService(spec);
    expect(value(service, "Service", "ExecStart")[0]).toMatch(/ --stage-dir \/var\/lib\/acme\/plugin-deps$/);
    expect(value(service, "Service", "Environment")).toEqual([]);
    const hook = value(renderHostDropIn(spec), "Service", "Environment");
    expect(hook).toContain("PLUGDEPS_STAGE_DIR=/var/lib/acme/plugin-deps");
    // the hook assumes OpenClaw unless told which host it serves
    expect(hook).toContain("PLUGDEPS_HOST=profile:/etc/acme/profile.json");
    expect(value(renderHostDropIn(systemSpec), "Service", "Environment").join(" ")).not.toContain(
      "PLUGDEPS_HOST",
    );
  });
});

describe("the timer", () => {
  it("15m (default): monotonic, jittered ~10%, no Persistent= (it only applies to OnCalendar=)", () => {
    const timer = renderTimer(systemSpec);
    expect(value(timer, "Timer", "OnUnitActiveSec")).toEqual(["15min"]);
    expect(value(timer, "Timer", "OnBootSec")).toEqual(["5min"]);
    expect(value(timer, "Timer", "RandomizedDelaySec")).toEqual(["1min30s"]);
    expect(value(timer, "Timer", "AccuracySec")).toEqual(["1s"]);
    expect(value(timer, "Timer", "Persistent")).toEqual([]);
    expect(value(timer, "Timer", "OnCalendar")).toEqual([]);
    expect(value(timer, "Install", "WantedBy")).toEqual(["timers.target"]);
  });

  it("6h: a wall-clock schedule with Persistent=true", () => {
    const timer = renderTimer(fleetSpec);
    expect(value(timer, "Timer", "OnCalendar")).toEqual(["*-*-* 00/6:00:00"]);
    expect(value(timer, "Timer", "Persistent")).toEqual(["true"]);
    expect(value(timer, "Timer", "RandomizedDelaySec")).toEqual(["36min"]);
    expect(value(timer, "Timer", "OnUnitActiveSec")).toEqual([]);
  });

  it("chooses the calendar only where it is exact", () => {
    const h = 3_600_000;
    expect(timerSchedule(h)).toMatchObject({ kind: "calendar", onCalendar: "*-*-* *:00:00" });
    expect(timerSchedule(24 * h)).toMatchObject({ kind: "calendar", onCalendar: "*-*-* 00:00:00" });
    expect(timerSchedule(7 * 24 * h)).toMatchObject({ kind: "calendar", onCalendar: "Mon *-*-* 00:00:00" });
    expect(timerSchedule(12 * h)).toMatchObject({ kind: "calendar", onCalendar: "*-*-* 00/12:00:00" });
    // 5h does not divide a day, 2d restarts at month ends, 30m is short: monotonic
    for (const ms of [5 * h, 48 * h, 30 * 60_000, 90 * 60_000])
      expect(timerSchedule(ms).kind).toBe("monotonic");
    expect(timerSchedule(2 * 60_000)).toMatchObject({ onBootMs: 2 * 60_000 });
  });

  it("time spans and jitter", () => {
    expect(timeSpan(90_000)).toBe("1min30s");
    expect(timeSpan(3_600_000 + 30 * 60_000)).toBe("1h30min");
    expect(timeSpan(2 * 86_400_000)).toBe("2d");
    expect(randomizedDelayMs(60_000)).toBe(6_000);
    expect(randomizedDelayMs(1_000)).toBe(1_000);
  });
});

describe("the host's drop-in", () => {
  it("sets NODE_OPTIONS=--import with the absolute hook path, quoted (it contains a space)", () => {
    const dropIn = renderHostDropIn(systemSpec);
    expect(directives(dropIn, "Service")).toContain(
      `Environment="NODE_OPTIONS=--import ${systemSpec.register}"`,
    );
    expect(directives(dropIn, "Service")).toContain(
      "Environment=OPENCLAW_PLUGIN_STAGE_DIR=/var/lib/openclaw/plugin-runtime-deps",
    );
    expect(value(dropIn, "Unit", "After")).toEqual(["plugdeps-openclaw.service"]);
    // the ExecStartPre= alternative, commented out, with the same apply command
    expect(dropIn).toMatch(
      /^#ExecStartPre=\/usr\/bin\/node \S+\/cli\/plugdeps\.cjs apply --quiet --lock-timeout 2m /m,
    );
  });

  it("names the install commands for the scope", () => {
    expect(renderUnits(userSpec, "/home/alice/.config/systemd/user").installCommands).toEqual([
      "systemctl --user daemon-reload",
      "systemctl --user enable --now plugdeps-openclaw.timer",
      "systemctl --user restart openclaw.service",
    ]);
  });

  it("is written by --out as <host unit>.d/plugdeps.conf, named in its own first line", () => {
    const units = renderUnits({ ...userSpec, hostUnit: "gateway@main.service" }, "/x");
    expect(units.hostDropInName).toBe("gateway@main.service.d/plugdeps.conf");
    expect(units.hostDropIn.split("\n").slice(0, 2).join("\n")).toContain(
      "DIR/gateway@main.service.d/plugdeps.conf",
    );
    expect(units.installCommands.at(-1)).toBe("systemctl --user restart gateway@main.service");
  });
});

describe("quoting", () => {
  it("escapes specifiers, quotes whitespace and backslashes, doubles $ in command lines", () => {
    expect(unitWord("/srv/50%/deps")).toBe("/srv/50%%/deps");
    expect(unitWord("/srv/my deps")).toBe('"/srv/my deps"');
    expect(unitWord('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(unitWord("")).toBe('""');
    expect(execLine(["/usr/bin/node", "/opt/$HOME/x y"])).toBe('/usr/bin/node "/opt/$$HOME/x y"');
    expect(environmentLine("V", "/a b")).toBe('Environment="V=/a b"');
  });

  it("a stage base with a space stays one path in every directive", () => {
    const spec: UnitsSpec = {
      ...fleetSpec,
      stage: {
        target: "/srv/plugin deps",
        layers: ["/srv/plugin deps"],
        variable: "OPENCLAW_PLUGIN_STAGE_DIR",
      },
    };
    const service = renderService(spec);
    expect(value(service, "Service", "ReadWritePaths")).toEqual(['"/srv/plugin deps"']);
    expect(value(service, "Service", "Environment")).toEqual([
      '"OPENCLAW_PLUGIN_STAGE_DIR=/srv/plugin deps"',
    ]);
  });
});
