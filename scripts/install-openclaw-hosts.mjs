#!/usr/bin/env node
// Installs the REAL published `openclaw` hosts that test/host/gateway.test.ts starts: a global
// install (`npm i -g --prefix`) with all of openclaw's own dependencies, exactly as an operator's
// `npm i -g openclaw` makes it, for Node 22 (OpenClaw's engines). Node 20, no dependencies.
//
//   .cache/openclaw-hosts/<version>/bin/openclaw                    the host's executable
//   .cache/openclaw-hosts/<version>/lib/node_modules/openclaw/      its package root
//   .cache/openclaw-hosts/<version>/.complete                       written last: a rerun does nothing
//
// Node 22 (scripts/fetch-node22.sh, .cache/node22/bin) is put first on PATH, so npm (the system
// npm, run by `#!/usr/bin/env node`) and openclaw's install scripts see the Node the gateway will
// run on. The public npm registry is named explicitly: the other suites configure a local
// registry that does not hold openclaw, and this is the one suite that installs from the public one.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { PUBLIC_REGISTRY, REPO_ROOT } from "./fetch-openclaw.mjs";

/** The versions the gateway test starts: one per staging band (SPEC §5) that has a gateway loader. */
export const HOST_VERSIONS = Object.freeze(["2026.4.20", "2026.4.22", "2026.4.29"]);

export const HOSTS_DIR = path.join(REPO_ROOT, ".cache", "openclaw-hosts");
export const NODE22_BIN = path.join(REPO_ROOT, ".cache", "node22", "bin");

/** `.cache/openclaw-hosts/<version>`: the npm global prefix. */
export const hostPrefix = (version) => path.join(HOSTS_DIR, version);
/** The installed package root (what `--package-root` names). */
export const hostPackageRoot = (version) => path.join(hostPrefix(version), "lib", "node_modules", "openclaw");
/** The `openclaw` executable npm linked into the prefix. */
export const hostBin = (version) => path.join(hostPrefix(version), "bin", "openclaw");

/** An npm environment without what an enclosing `npm run` or the developer's shell would leak in. */
const npmEnv = () => {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    if (/^npm_/i.test(key) || key.startsWith("OPENCLAW_") || key === "NODE_OPTIONS") continue;
    env[key] = value;
  }
  env.PATH = [NODE22_BIN, process.env.PATH ?? "/usr/bin:/bin"].join(path.delimiter);
  return env;
};

const readJson = (file) => JSON.parse(fs.readFileSync(file, "utf8"));

/** Installs one version into .cache/openclaw-hosts/<version>/ unless it is already complete. */
export const installOpenClawHost = (version, log = console.log) => {
  const dest = hostPrefix(version);
  const marker = path.join(dest, ".complete");
  if (fs.existsSync(marker)) return readJson(marker);
  if (!fs.existsSync(path.join(NODE22_BIN, "node"))) {
    throw new Error(`no Node 22 at ${NODE22_BIN}/node (run \`bash scripts/fetch-node22.sh\`)`);
  }

  // npm's global layout is relocatable (bin/openclaw is a relative symlink), so the install is
  // made beside the destination and renamed into place: an interrupted run leaves no half prefix.
  fs.mkdirSync(HOSTS_DIR, { recursive: true });
  const work = `${dest}.tmp-${process.pid}`;
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  try {
    log(`openclaw@${version}: npm i -g --prefix ${path.relative(REPO_ROOT, dest)} from ${PUBLIC_REGISTRY}`);
    const started = Date.now();
    const result = spawnSync(
      "npm",
      [
        "install",
        "--global",
        "--prefix",
        work,
        `openclaw@${version}`,
        `--registry=${PUBLIC_REGISTRY}`,
        "--no-audit",
        "--no-fund",
        "--loglevel=error",
      ],
      {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
        maxBuffer: 64 * 1024 * 1024,
        env: npmEnv(),
        cwd: work,
      },
    );
    if (result.status !== 0) {
      throw new Error(
        `npm install openclaw@${version} failed (exit ${result.status ?? result.signal}):\n${result.stderr}${result.stdout}`,
      );
    }
    const root = path.join(work, "lib", "node_modules", "openclaw");
    const pkg = readJson(path.join(root, "package.json"));
    if (pkg.version !== version) throw new Error(`openclaw@${version}: npm installed ${pkg.version}`);
    const bin = path.join(work, "bin", "openclaw");
    if (!fs.existsSync(bin)) throw new Error(`openclaw@${version}: npm linked no bin/openclaw`);
    if (path.isAbsolute(fs.readlinkSync(bin))) {
      throw new Error(`openclaw@${version}: bin/openclaw is an absolute link, the prefix cannot be moved`);
    }

    const record = {
      version,
      registry: PUBLIC_REGISTRY,
      node: spawnSync(path.join(NODE22_BIN, "node"), ["--version"], { encoding: "utf8" }).stdout.trim(),
      seconds: Math.round((Date.now() - started) / 100) / 10,
      installedAt: new Date().toISOString(),
    };
    fs.writeFileSync(path.join(work, ".complete"), `${JSON.stringify(record, null, 2)}\n`);
    fs.rmSync(dest, { recursive: true, force: true });
    fs.renameSync(work, dest);
    return record;
  } catch (error) {
    fs.rmSync(work, { recursive: true, force: true });
    throw error;
  }
};

const main = () => {
  const wanted = process.argv.slice(2);
  const versions = wanted.length > 0 ? wanted : HOST_VERSIONS;
  for (const version of versions) {
    const record = installOpenClawHost(version);
    console.log(
      `openclaw@${version}: ready at ${path.relative(REPO_ROOT, hostPackageRoot(version))} (${record.node})`,
    );
  }
};

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  try {
    main();
  } catch (error) {
    console.error(String(error instanceof Error ? error.message : error));
    process.exit(1);
  }
}
