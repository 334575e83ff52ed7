import * as fs from "node:fs";
import * as path from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { CLI, REPO_ROOT } from "../support/cli.js";
import { tempDir } from "../support/temp.js";

/**
 * The executable runs the full CLI bundle with the V8 code cache the build made for it
 * (src/cli/load-bundle.ts, scripts/bundle.mjs). The cache must be accepted as built (else every
 * run pays the compile again, silently), and a missing or corrupt cache must cost only speed.
 */
const CLI_DIR = path.dirname(CLI);
const tmp = tempDir("code-cache");

/** The executable, the bundle and (optionally) a cache in a directory of their own. */
const copyOfCli = (name: string, cache: Buffer | null): string => {
  const dir = path.join(tmp, name, "dist", "src", "cli");
  fs.mkdirSync(dir, { recursive: true });
  for (const f of ["plugdeps.cjs", "main.bundle.cjs"])
    fs.copyFileSync(path.join(CLI_DIR, f), path.join(dir, f));
  if (cache !== null) fs.writeFileSync(path.join(dir, "main.bundle.cjs.cache"), cache);
  fs.copyFileSync(path.join(REPO_ROOT, "package.json"), path.join(tmp, name, "package.json"));
  return path.join(dir, "plugdeps.cjs");
};

const plan = (cli: string) =>
  execa(
    process.execPath,
    [
      cli,
      "plan",
      "--package-root",
      path.join(REPO_ROOT, "fixtures", "hosts", "openclaw-demo"),
      "--config",
      path.join(REPO_ROOT, "fixtures", "configs", "demo.json5"),
      "--stage-dir",
      path.join(tmp, "no-stage"),
    ],
    {
      reject: false,
      extendEnv: false,
      env: { PATH: process.env["PATH"] ?? "", HOME: tmp, NO_COLOR: "1", PLUGDEPS_DEBUG_CODE_CACHE: "1" },
    },
  );

describe("the CLI bundle's code cache", () => {
  it("the built cache is used", async () => {
    const r = await plan(CLI);
    expect(r.stderr).toContain("plugdeps: code cache: used");
    expect(r.stdout).toMatch(/Plan: \d+ to reuse/);
  });

  it("without a cache, or with a corrupt one, the CLI prints the very same plan", async () => {
    const reference = await plan(CLI);
    const none = await plan(copyOfCli("none", null));
    const corrupt = await plan(copyOfCli("corrupt", Buffer.from("not a V8 code cache at all".repeat(100))));
    expect(none.stderr).toContain("plugdeps: code cache: none");
    expect(corrupt.stderr).toContain("plugdeps: code cache: rejected");
    for (const r of [none, corrupt]) {
      expect(r.exitCode).toBe(reference.exitCode);
      expect(r.stdout).toBe(reference.stdout);
    }
  });
});
