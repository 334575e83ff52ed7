// The roots oracle of `npm run test:host` (test/host/roots.test.ts): OpenClaw's OWN
// `pruneUnknownBundledRuntimeDepsRoots`, loaded from a published tarball
// (scripts/fetch-openclaw.mjs) and called the way OpenClaw's gateway calls it: with the process
// environment, OPENCLAW_PLUGIN_STAGE_DIR naming the stage base. Run under Node 22 (OpenClaw's
// engines field), never imported by the tests:
//
//   node prune.mjs <version dir> <stage base>
//
// <version dir> is .cache/openclaw/<version> (package/ inside it). It prunes <stage base> IN PLACE
// (give it a copy) and prints one JSON document: {function, chunk, alias, result} where result is
// OpenClaw's own {scanned, removed, skippedLocked}. Lock liveness is OpenClaw's too: it runs in
// this process, on this machine, against the same processes. Nothing of OpenClaw's is copied
// here: the function is located by its real name in dist/*.js, mapped to its minified export
// alias through the chunk's last `export { ... }` statement, imported and called.
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { findChunksDefining } from "../../../scripts/fetch-openclaw.mjs";
import { exportAliases } from "./chunks.mjs";

const FUNCTION = "pruneUnknownBundledRuntimeDepsRoots";

const main = async () => {
  const [versionDir, stageBase] = process.argv.slice(2);
  if (!versionDir || !stageBase) throw new Error("usage: node prune.mjs <version dir> <stage base>");
  const distDir = path.join(versionDir, "package", "dist");
  const chunks = findChunksDefining(distDir, FUNCTION);
  if (chunks.length !== 1)
    throw new Error(`${FUNCTION}: expected one defining chunk, found ${chunks.join(", ") || "none"}`);
  const chunk = chunks[0];
  const alias = exportAliases(fs.readFileSync(path.join(distDir, chunk), "utf8")).get(FUNCTION);
  if (!alias) throw new Error(`${chunk} defines ${FUNCTION} but does not export it`);
  const mod = await import(pathToFileURL(path.join(distDir, chunk)).href);
  const prune = mod[alias];
  if (typeof prune !== "function")
    throw new Error(`${chunk}: export ${alias} (${FUNCTION}) is not a function`);
  const warnings = [];
  // Only the stage base: no STATE_DIRECTORY, no OPENCLAW_STATE_DIR fallback to a real home.
  const env = { OPENCLAW_PLUGIN_STAGE_DIR: path.resolve(stageBase) };
  const result = prune({ env, warn: (message) => warnings.push(message) });
  process.stdout.write(`${JSON.stringify({ function: FUNCTION, chunk, alias, result, warnings })}\n`);
};

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
