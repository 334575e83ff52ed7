import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { decodePlan, expectOk, makeApplySandbox, run } from "../support/apply.js";
import { configFixture, describeRun, fixture, NO_CHANGES } from "../support/cli.js";

/**
 * A generic host that checks paths of its own, like OpenClaw (issue 14, point 3): its profile says
 * where (`hostLooks`), and plugdeps serves it the way it serves OpenClaw: a stage directory kept
 * linked to the live root (`stageDir`), and a package directory its unit binds the live root onto
 * (`packageDir`, printed by `plugdeps units`). The acme demo host, with the acme profile plus
 * `hostLooks`.
 */

const profileWith = (dir: string, hostLooks: Record<string, string>): string => {
  const base = JSON.parse(fs.readFileSync(fixture("profiles", "acme.json"), "utf8")) as Record<
    string,
    unknown
  >;
  const file = path.join(dir, "acme-looks.json");
  fs.writeFileSync(file, `${JSON.stringify({ ...base, hostLooks }, null, 2)}\n`);
  return file;
};

const setUp = () => {
  const sb = makeApplySandbox("pnpm", { host: "acme-demo" });
  const profile = profileWith(sb.root, { stageDir: "acme-deps", packageDir: "node_modules" });
  const flags = [
    "--host",
    `profile:${profile}`,
    "--package-root",
    sb.host,
    "--stage-dir",
    sb.stage,
    "--package-manager",
    "pnpm",
  ];
  const env = { ACME_CONFIG: configFixture("acme.json") };
  return { sb, profile, flags, env };
};

describe("profile hostLooks: a generic host that checks its own paths", () => {
  it("stageDir: apply keeps <stage>/<stageDir>/node_modules linked to the live root; the host finds every dependency there", async () => {
    const { sb, flags, env } = setUp();
    expectOk(await run(sb, ["apply", ...flags], env));
    const dir = path.join(sb.stage, "acme-deps");
    expect(fs.lstatSync(dir).isDirectory()).toBe(true);
    const link = path.join(dir, "node_modules");
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);

    const plan = decodePlan((await run(sb, ["plan", "--json", ...flags], env)).stdout);
    expect(plan.observed.hostRoot).toMatchObject({ path: dir, problems: [] });
    expect(fs.readlinkSync(link)).toBe(`../${path.basename(plan.desired.targetRoot)}/node_modules`);
    // What the host would do: look in its own directory, and find each staged dependency there.
    const fromHostDir = createRequire(path.join(dir, "host.js"));
    const shared = plan.desired.sets.find((s) => s.kind === "shared");
    expect(shared?.packages.length).toBeGreaterThan(0);
    for (const p of shared?.packages ?? []) {
      expect(fs.existsSync(path.join(dir, "node_modules", p.name, "package.json")), p.name).toBe(true);
      expect(() => fromHostDir.resolve(p.name), p.name).not.toThrow();
    }

    const again = expectOk(await run(sb, ["apply", ...flags], env));
    expect(again.stdout).toContain(NO_CHANGES);
  });

  it("stageDir: a link planted at the name is refused, never written through", async () => {
    const { sb, flags, env } = setUp();
    const elsewhere = sb.at("elsewhere");
    fs.mkdirSync(elsewhere);
    fs.mkdirSync(sb.stage, { recursive: true });
    fs.symlinkSync(elsewhere, path.join(sb.stage, "acme-deps"));
    const r = await run(sb, ["apply", ...flags], env);
    expect(r.exitCode, describeRun(r)).toBe(1);
    expect(r.stderr).toContain("acme-deps");
    expect(fs.readdirSync(elsewhere)).toEqual([]);
  });

  it("packageDir: plugdeps units binds the live root's node_modules onto <package>/<packageDir>, read-only", async () => {
    const { sb, flags, env } = setUp();
    const r = expectOk(await run(sb, ["units", ...flags], env));
    const plan = decodePlan((await run(sb, ["plan", "--json", ...flags], env)).stdout);
    expect(r.stdout, describeRun(r)).toContain(
      `BindReadOnlyPaths=-${path.join(plan.desired.targetRoot, "node_modules")}:${path.join(plan.host.packageRoot, "node_modules")}`,
    );
  });

  it("a profile whose hostLooks points outside the package is refused with the reason", async () => {
    const sb = makeApplySandbox("pnpm", { host: "acme-demo" });
    const profile = profileWith(sb.root, { packageDir: "../etc/node_modules" });
    const r = await run(sb, ["plan", "--host", `profile:${profile}`, "--package-root", sb.host], {
      ACME_CONFIG: configFixture("acme.json"),
    });
    expect(r.exitCode, describeRun(r)).toBe(1);
    expect(r.stderr).toContain("hostLooks.packageDir");
  });
});
