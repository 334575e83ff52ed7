// The cache of generated workloads, bench/.cache/<id>-g<version>/ (gitignored): the generator's
// output (host, configs, ...) and a Verdaccio storage dir with every package already published.
// The first run generates and publishes (both timed, kept in meta.json); later runs start
// Verdaccio on the stored storage and publish nothing. A directory without meta.json is an
// interrupted generation and is regenerated. Bumping a generator's version makes a new entry.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { startRegistry } from "../../fixtures/registry/local-registry.mjs";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const CACHE_ROOT = path.join(repo, "bench", ".cache");

const since = (t0) => Math.round(performance.now() - t0);

/**
 * `generate(dir, packagesDir)` writes the workload into `dir` and the packages to publish into
 * `packagesDir` (a temp dir, removed afterwards), and returns a summary for meta.json.
 * @param {{ id: string, version: number, generate: (dir: string, packagesDir: string) => Record<string, unknown>,
 *   log: (line: string) => void }} spec
 * @returns {Promise<{ dir: string, meta: Record<string, any>, cached: boolean }>}
 */
export const ensureGenerated = async ({ id, version, generate, log }) => {
  const dir = path.join(CACHE_ROOT, `${id}-g${version}`);
  const metaFile = path.join(dir, "meta.json");
  if (fs.existsSync(metaFile))
    return { dir, meta: JSON.parse(fs.readFileSync(metaFile, "utf8")), cached: true };
  log(`${id}: generating into ${path.relative(repo, dir)} (first run; cached afterwards)`);
  removeOtherVersions(id, dir);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  // The package sources go to a temp dir, never into the repository (eslint and tsc would see them).
  const packagesDir = fs.mkdtempSync(path.join(os.tmpdir(), `plugdeps-bench-${id}-packages-`));
  try {
    return await generateAndPublish({ id, version, generate, log, dir, metaFile, packagesDir });
  } finally {
    fs.rmSync(packagesDir, { recursive: true, force: true });
  }
};

const generateAndPublish = async ({ id, version, generate, log, dir, metaFile, packagesDir }) => {
  let t0 = performance.now();
  const summary = generate(dir, packagesDir);
  const generateMs = since(t0);
  log(`${id}: generated in ${(generateMs / 1000).toFixed(1)} s; publishing into Verdaccio`);
  t0 = performance.now();
  const registry = await startRegistry({
    storageDir: path.join(dir, "storage"),
    packagesDir,
    publishConcurrency: 4,
  });
  await registry.stop();
  const publishMs = since(t0);
  log(`${id}: published in ${(publishMs / 1000).toFixed(1)} s`);
  const meta = {
    id,
    version,
    createdAt: new Date().toISOString(),
    generateMs,
    publishMs,
    summary: relativize(dir, summary),
  };
  fs.writeFileSync(metaFile, `${JSON.stringify(meta, null, 2)}\n`);
  return { dir, meta, cached: false };
};

/** Entries of earlier generator versions of the same workload are obsolete: removed. */
const removeOtherVersions = (id, keep) => {
  if (!fs.existsSync(CACHE_ROOT)) return;
  for (const name of fs.readdirSync(CACHE_ROOT)) {
    const dir = path.join(CACHE_ROOT, name);
    if (new RegExp(`^${id}-g\\d+$`).test(name) && dir !== keep)
      fs.rmSync(dir, { recursive: true, force: true });
  }
};

/** Absolute paths inside `dir` made relative to it (the cache can move with the repository). */
const relativize = (dir, value) => {
  if (typeof value === "string") return path.isAbsolute(value) ? path.relative(dir, value) : value;
  if (Array.isArray(value) || value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, relativize(dir, v)]));
};

/** A cached entry's path (as stored in meta.json) made absolute again. */
export const cachePath = (dir, rel) => path.resolve(dir, rel);

/** Verdaccio on a cached storage, nothing published; how long the start took. */
export const startCachedRegistry = async (dir) => {
  const t0 = performance.now();
  const registry = await startRegistry({ storageDir: path.join(dir, "storage"), publish: false });
  return { registry, startMs: since(t0) };
};

/** Records extra facts (e.g. how long building an installed root took) in an entry's meta.json. */
export const updateMeta = (dir, patch) => {
  const file = path.join(dir, "meta.json");
  const meta = { ...JSON.parse(fs.readFileSync(file, "utf8")), ...patch };
  fs.writeFileSync(file, `${JSON.stringify(meta, null, 2)}\n`);
  return meta;
};
