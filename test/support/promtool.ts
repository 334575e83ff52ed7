import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "./cli.js";

/**
 * Prometheus' own checker, `promtool`, for the test of the reconcile loop's /metrics. Not an npm
 * package: scripts/fetch-promtool.sh extracts it from Debian's `prometheus` package into
 * `.cache/promtool/` (`.ci/run` calls it; findPromtool calls it once more when the binary is
 * missing, so `npm test` on a clean clone runs the check too). PLUGDEPS_TEST_PROMTOOL names another
 * binary; a `promtool` on the PATH is the last resort. Returns the binary, or why there is none
 * (the caller skips, saying so).
 */
export const PROMTOOL = path.join(REPO_ROOT, ".cache", "promtool", "promtool");

const runs = (bin: string): string | null => {
  const r = spawnSync(bin, ["--version"], { encoding: "utf8" });
  if (r.status !== 0) return null;
  return `${r.stdout}${r.stderr}`.split("\n")[0]?.trim() ?? "";
};

export const findPromtool = (): { promtool: string; version: string } | { missing: string } => {
  const wanted = process.env["PLUGDEPS_TEST_PROMTOOL"];
  if (wanted !== undefined) {
    const version = runs(wanted);
    return version === null
      ? { missing: `PLUGDEPS_TEST_PROMTOOL=${wanted} does not run` }
      : { promtool: wanted, version };
  }
  let fetched = "";
  if (!fs.existsSync(PROMTOOL)) {
    const r = spawnSync("bash", [path.join(REPO_ROOT, "scripts", "fetch-promtool.sh")], {
      encoding: "utf8",
      cwd: REPO_ROOT,
      timeout: 180_000,
    });
    fetched = `${r.stderr}${r.error ? String(r.error) : ""}`.trim();
  }
  for (const bin of [PROMTOOL, "promtool"]) {
    const version = runs(bin);
    if (version !== null) return { promtool: bin, version };
  }
  return {
    missing: `no promtool at ${PROMTOOL} nor on the PATH (scripts/fetch-promtool.sh: ${fetched || "no output"})`,
  };
};
