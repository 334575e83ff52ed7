import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { beforeAll, describe, expect, it } from "vitest";
import { decodePlanJson } from "../../src/render/plan-json.js";
import { tempDir } from "../support/temp.js";

/**
 * Issue 13 point 3: a third host is a new folder plus one line in the catalog. A copy of src/,
 * reconcilers/ and the tsconfig gets a tiny adapter in src/hosts/tiny/ (plugins in
 * `<packageRoot>/plugins/<id>/package.json`, all active, no config) and ONE added line in
 * src/hosts/catalog.ts; the project's tsc compiles the copy, and its CLI plans for the tiny host.
 * Nothing else of the copy is edited: help, errors, detection and the plan come from that line.
 */

const REPO = path.resolve(import.meta.dirname, "../..");
const MARKER = "// hosts: one line per adapter";
const CATALOG_LINE = 'export { tinyHost } from "./tiny/index.js";';

/** The whole third adapter: what a contributor would write in src/hosts/tiny/index.ts. */
const TINY_ADAPTER = `import * as fs from "node:fs";
import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { fsError, packageRootNotFound } from "../../model/errors.js";
import { defineHost, right } from "../shared/define-host.js";
import { mergeDependencies } from "../shared/dependencies.js";
import { nonEmpty, resolveUserPath } from "../shared/paths.js";
import { selectionOf } from "../shared/selection.js";
import type { DiscoveredPlugin, HostAdapter, HostFacts, HostInput, StageCandidateSpec } from "../types.js";

const stageCandidates = (input: HostInput): StageCandidateSpec[] => {
  const flag = nonEmpty(input.flags.stageDir);
  return [
    flag === undefined
      ? { path: resolveUserPath("~/.tiny/deps", input.homedir), source: "default", role: "target" }
      : { path: resolveUserPath(flag, input.homedir), source: "--stage-dir", role: "target" },
  ];
};

const FACTS: HostFacts = { label: "tiny", slug: "tiny", packageName: "tiny-host", stageCandidates };

const discoverPlugins = (packageRoot: string): E.Either<ReturnType<typeof fsError>, DiscoveredPlugin[]> => {
  const dir = path.join(packageRoot, "plugins");
  try {
    return E.right(
      fs.readdirSync(dir).sort().map((id): DiscoveredPlugin => {
        const pluginDir = fs.realpathSync(path.join(dir, id));
        const pkg = JSON.parse(fs.readFileSync(path.join(pluginDir, "package.json"), "utf8"));
        return {
          _tag: "Valid",
          id,
          dir: pluginDir,
          dependencies: mergeDependencies(pkg.dependencies, pkg.optionalDependencies),
          staged: true,
          channels: [],
          providers: [],
          enabledByDefault: true,
          legacyIds: [],
        };
      }),
    );
  } catch (err) {
    return E.left(fsError("list plugins", dir, err));
  }
};

const tinyAdapter: HostAdapter = {
  name: FACTS.label,
  slug: FACTS.slug,
  stageVariables: "--stage-dir",
  findPackageRoot: (input) => {
    const root = nonEmpty(input.flags.packageRoot);
    return root === undefined
      ? E.left(packageRootNotFound([], "pass --package-root"))
      : E.right(resolveUserPath(root, input.homedir));
  },
  locateConfig: (input) => ({ path: path.join(input.homedir, ".tiny", "none"), source: "none", required: false }),
  loadActivation: () => E.right(selectionOf(() => ({ active: true, reason: "tiny: every plugin is active" }))),
  discoverPlugins,
  stageCandidates,
  findDebris: () => [],
};

export const tinyHost = defineHost({
  name: "tiny",
  envPrefixes: ["TINY_"],
  detect: (packageName) => packageName === FACTS.packageName,
  facts: () => right(FACTS),
  adapter: () => E.right(tinyAdapter),
});
`;

const writeJson = (file: string, value: unknown): void => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
};

describe("a third host adapter: a new folder and one catalog line", () => {
  const tmp = tempDir("tiny");
  const copy = path.join(tmp, "plugdeps");
  const host = path.join(tmp, "tiny-host");
  const stage = path.join(tmp, "stage");
  const home = path.join(tmp, "home");

  const cli = (...args: string[]) => {
    const r = spawnSync(process.execPath, [path.join(copy, "dist/src/cli/main.js"), ...args], {
      cwd: tmp,
      encoding: "utf8",
      env: { PATH: process.env["PATH"] ?? "", HOME: home },
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  beforeAll(() => {
    for (const dir of ["src", "reconcilers"])
      fs.cpSync(path.join(REPO, dir), path.join(copy, dir), { recursive: true });
    for (const file of ["tsconfig.json", "package.json"])
      fs.copyFileSync(path.join(REPO, file), path.join(copy, file));
    fs.symlinkSync(path.join(REPO, "node_modules"), path.join(copy, "node_modules"), "dir");

    // The new folder, and the one line.
    fs.mkdirSync(path.join(copy, "src/hosts/tiny"));
    fs.writeFileSync(path.join(copy, "src/hosts/tiny/index.ts"), TINY_ADAPTER);
    const catalog = path.join(copy, "src/hosts/catalog.ts");
    const before = fs.readFileSync(catalog, "utf8");
    expect(before.split(MARKER)).toHaveLength(2);
    const after = before.replace(MARKER, `${MARKER}\n${CATALOG_LINE}`);
    fs.writeFileSync(catalog, after);
    expect(after.split("\n").length - before.split("\n").length).toBe(1);

    const tsc = spawnSync(
      process.execPath,
      [path.join(REPO, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"],
      {
        cwd: copy,
        encoding: "utf8",
      },
    );
    expect(tsc.status, `tsc:\n${tsc.stdout}${tsc.stderr}`).toBe(0);

    writeJson(path.join(host, "package.json"), { name: "tiny-host", version: "1.0.0" });
    writeJson(path.join(host, "plugins/alpha/package.json"), {
      name: "@tiny/alpha",
      version: "1.0.0",
      dependencies: { "@fixture/logger": "^1.4.0" },
    });
    writeJson(path.join(host, "plugins/beta/package.json"), {
      name: "@tiny/beta",
      version: "1.0.0",
      dependencies: { "@fixture/markdown": "^2.1.0" },
      optionalDependencies: { "@fixture/http-kit": "^1.2.0" },
    });
    fs.mkdirSync(home);
  }, 120_000);

  const planOf = (stdout: string) => {
    const decoded = decodePlanJson(stdout, "plan --json");
    if (E.isLeft(decoded)) throw new Error(decoded.left.message);
    return decoded.right;
  };

  it("plan --host tiny lists the tiny host's plugins and the installs they need", () => {
    const r = cli("plan", "--host", "tiny", "--package-root", host, "--stage-dir", stage, "--json");
    expect(r.code, r.stderr).toBe(0);
    const plan = planOf(r.stdout);
    expect(plan.host).toMatchObject({ name: "tiny-host", version: "1.0.0", adapter: "tiny" });
    expect(plan.plugins.map((p) => [p.id, p.active, p.reason, p.dependencies])).toEqual([
      ["alpha", true, "tiny: every plugin is active", { "@fixture/logger": "^1.4.0" }],
      [
        "beta",
        true,
        "tiny: every plugin is active",
        { "@fixture/http-kit": "^1.2.0", "@fixture/markdown": "^2.1.0" },
      ],
    ]);
    expect(path.dirname(plan.desired.targetRoot)).toBe(stage);
    expect(path.basename(plan.desired.targetRoot)).toMatch(/^tiny-1\.0\.0-[0-9a-f]{12}$/);
    const installs = plan.actions.filter((a) => a.type === "install");
    expect(plan.actions.length).toBe(installs.length);
    expect(installs.flatMap((a) => a.packages.map((p) => `${p.name}@${p.spec ?? "?"}`)).sort()).toEqual([
      "@fixture/http-kit@^1.2.0",
      "@fixture/logger@^1.4.0",
      "@fixture/markdown@^2.1.0",
    ]);
    for (const a of installs)
      expect(a.targets.every((t) => t.startsWith(`${plan.desired.targetRoot}/`))).toBe(true);
  });

  it("without --host the tiny host is detected from its package.json name", () => {
    const r = cli("plan", "--package-root", host, "--stage-dir", stage, "--json");
    expect(r.code, r.stderr).toBe(0);
    expect(planOf(r.stdout).host.adapter).toBe("tiny");
  });

  it("help and errors list it beside the other hosts", () => {
    const unknown = cli("plan", "--host", "nope", "--package-root", host, "--stage-dir", stage);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('unknown --host "nope": use openclaw or profile:FILE or tiny');
    expect(cli("plan", "--help").stdout).toContain("host adapter: openclaw | profile:FILE | tiny");
  });
});
