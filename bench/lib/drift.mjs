// Drift: what an operator or a stray script does to a live root by hand — one declared package
// deleted (`rm -rf node_modules/<name>`), another replaced by an older release's package.json.
// The replacement is written as a new file renamed over the old one (what `cp
// --remove-destination` or an editor's atomic save does): an in-place write would go through the
// hard links into the package manager's store and poison every later run of the benchmark.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import semver from "semver";

/**
 * Two packages of the shared set that are installed in `rootDir`: one to delete, and one that has
 * a published version outside its spec, whose registry manifest becomes the replacement.
 */
export const pickDriftTargets = async (registryUrl, plan, rootDir) => {
  const shared = plan.desired.sets.find((s) => s.kind === "shared");
  const installed = shared.packages
    .filter((p) => fs.existsSync(path.join(rootDir, "node_modules", p.name, "package.json")))
    .sort((a, b) => a.name.localeCompare(b.name));
  let replace = null;
  for (const p of installed) {
    const versions = (await packument(`${registryUrl}${p.name.replace("/", "%2f")}`)).versions ?? {};
    const [other] = Object.keys(versions)
      .filter((v) => !semver.satisfies(v, p.spec))
      .sort(semver.rcompare);
    if (other !== undefined) {
      replace = { name: p.name, spec: p.spec, version: other, manifest: cleanManifest(versions[other]) };
      break;
    }
  }
  const remove = installed.find((p) => p.name !== replace?.name);
  if (replace === null || remove === undefined) throw new Error("no drift targets in the shared set");
  return { remove: { name: remove.name, spec: remove.spec }, replace };
};

/** GET a packument; a connection error is retried twice (a busy registry), then reported. */
const packument = async (url, attempts = 3) => {
  try {
    const res = await globalThis.fetch(url);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return await res.json();
  } catch (err) {
    if (attempts > 1 && !String(err.message).startsWith("HTTP")) return packument(url, attempts - 1);
    throw new Error(`GET ${url}: ${err.message}${err.cause ? ` (${err.cause.message ?? err.cause})` : ""}`);
  }
};

/** A registry manifest as the package.json inside the tarball looks (no registry fields). */
const cleanManifest = (m) =>
  Object.fromEntries(Object.entries(m).filter(([k]) => !k.startsWith("_") && k !== "dist"));

/** Applies the drift to an installed root (a plugdeps root or a raw set directory). */
export const applyDrift = (rootDir, targets) => {
  fs.rmSync(path.join(rootDir, "node_modules", targets.remove.name), { recursive: true, force: true });
  const file = path.join(rootDir, "node_modules", targets.replace.name, "package.json");
  fs.writeFileSync(`${file}.bench-drift`, `${JSON.stringify(targets.replace.manifest, null, 2)}\n`);
  fs.renameSync(`${file}.bench-drift`, file);
};

/** Is the root repaired: both packages present with a version inside their spec? */
export const driftRepaired = (rootDir, targets) => {
  const problems = [targets.remove, targets.replace].flatMap((t) => {
    const file = path.join(rootDir, "node_modules", t.name, "package.json");
    if (!fs.existsSync(file)) return [`${t.name} missing`];
    const { version } = JSON.parse(fs.readFileSync(file, "utf8"));
    return semver.satisfies(version, t.spec) ? [] : [`${t.name}@${version} outside ${t.spec}`];
  });
  return { ok: problems.length === 0, problems };
};

/** Does a plan (its actions) name both drifted packages? */
export const planNamesDrift = (plan, targets) => {
  const named = new Set(plan.actions.flatMap((a) => a.packages.map((p) => p.name)));
  return named.has(targets.remove.name) && named.has(targets.replace.name);
};

/**
 * A hard-linked copy of a whole stage base (`cp -al`: roots, symlinks, state, the stage's
 * .plugdeps/) with the drift applied to the copy's live root: the originals are not touched,
 * and the copy differs from the original only by the drift.
 */
export const driftedStageCopy = (stage, copy, targetRootName, targets) => {
  fs.mkdirSync(copy, { recursive: true });
  for (const entry of fs.readdirSync(stage)) {
    const r = spawnSync("cp", ["-al", path.join(stage, entry), path.join(copy, entry)], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`cp -al ${entry} failed: ${r.stderr}`);
  }
  const live = fs.realpathSync(path.join(copy, targetRootName));
  applyDrift(live, targets);
  return copy;
};
