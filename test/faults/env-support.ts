import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { execa } from "execa";
import { expect } from "vitest";
import { GENERATION_INFIX } from "../../src/observe/generations.js";
import {
  addPlugin,
  type ApplySandbox,
  type Manager,
  runWrapped,
  testPath,
  writeConfig,
} from "../support/apply.js";
import { CLI, copyFixture, fixture, makeSandbox, type RunResult, targetArgs } from "../support/cli.js";
import { npmrcFor, packTarball, type Registry } from "../support/registry.js";
import { tempDir } from "../support/temp.js";
import { runsHere } from "../support/readonly-mount.js";

/**
 * Helpers for the environment fault tests (issue 4 items 4–6): read-only mounts, registry
 * failures, a full disk. Every fault is REAL: a private mount namespace (`unshare -m`) with
 * read-only bind mounts or a size-limited tmpfs, a Verdaccio of the test's own that is stopped or
 * serves a tampered tarball. The CLI under test is always the built one, run as a subprocess.
 */

// ---------------------------------------------------------------------------------------------
// Can this machine inject the fault at all?

/**
 * Null when root, `unshare -m`, a read-only bind mount that really refuses writes, and a tmpfs
 * mount all work here; otherwise the reason (the caller warns and skips: never a silent pass).
 */
export const mountFaultsUnavailable = async (probeDir: string): Promise<string | null> => {
  if (typeof process.getuid !== "function" || process.getuid() !== 0) return "not running as root";
  fs.mkdirSync(path.join(probeDir, "ro"), { recursive: true });
  fs.mkdirSync(path.join(probeDir, "tmpfs"), { recursive: true });
  const r = await execa(
    "unshare",
    [
      "-m",
      "--propagation",
      "private",
      "sh",
      "-c",
      [
        'mount --bind -o ro "$1/ro" "$1/ro" || exit 1',
        'if touch "$1/ro/probe" 2>/dev/null; then echo "the read-only bind mount accepted a write"; exit 1; fi',
        'mount -t tmpfs -o size=64k tmpfs "$1/tmpfs" || exit 1',
        'mount -o remount,size=128k "$1/tmpfs" || exit 1',
      ].join("\n"),
      "sh",
      probeDir,
    ],
    { reject: false, extendEnv: false, env: { PATH: testPath() }, all: true },
  );
  if (r.failed || r.exitCode !== 0) return `unshare -m with bind/tmpfs mounts did not work: ${r.all ?? ""}`;
  return null;
};

/** Warns with the reason and skips the test when the fault cannot be injected here. */
export const skipUnless = async (
  ctx: { skip: (note?: string) => void },
  probeDir: string,
  what: string,
): Promise<boolean> => runsHere(ctx, what, await mountFaultsUnavailable(probeDir));

// ---------------------------------------------------------------------------------------------
// Scripts run inside one private mount namespace

export type NsStep =
  /** A shell line that sets the fault up (mount, remount): the script stops (exit 90) if it fails. */
  | { readonly sh: string }
  /** One CLI run: exit code, stdout and stderr land in `<out>/<name>.{rc,stdout,stderr}`. */
  | {
      readonly run: string;
      readonly args: readonly string[];
      readonly env?: Readonly<Record<string, string>>;
      readonly unset?: readonly string[];
    }
  /** A copy of a tree as it is now (`cp -a`, symlinks and hard links kept) to `<out>/<name>/`. */
  | { readonly copy: string; readonly from: string };

/** POSIX single-quoting. */
export const shq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export interface NsResult {
  /** The namespace script's own exit code (90: a setup line failed). */
  readonly exitCode: number;
  readonly stderr: string;
  readonly runs: Readonly<Record<string, RunResult>>;
  /** `<out>/<name>` for a `copy` step. */
  readonly copies: Readonly<Record<string, string>>;
  /** The lines a `sh` step printed to stdout, in order. */
  readonly stdout: string;
}

/**
 * Runs `steps` as ONE `sh` script inside ONE private mount namespace, so a fault set up by a step
 * (a tmpfs, a remount) is seen by every later CLI run, and vanishes with the namespace. Results
 * are written to files under `out` (outside every mount the steps make) and read back here.
 */
export const runInNamespace = async (
  sb: ApplySandbox,
  steps: readonly NsStep[],
  env: Readonly<Record<string, string>> = {},
): Promise<NsResult> => {
  const out = fs.mkdtempSync(path.join(sb.root, "ns-out-"));
  const lines = ["set -u"];
  const runs: string[] = [];
  const copies: Record<string, string> = {};
  for (const step of steps) {
    if ("sh" in step) {
      lines.push(`{ ${step.sh}; } || { echo ${shq(`setup failed: ${step.sh}`)} >&2; exit 90; }`);
    } else if ("run" in step) {
      const vars = Object.entries(step.env ?? {}).map(([k, v]) => `${k}=${shq(v)}`);
      const unset = (step.unset ?? []).flatMap((u) => ["-u", u]);
      const file = (ext: string) => shq(path.join(out, `${step.run}.${ext}`));
      lines.push(
        `env ${[...unset, ...vars].join(" ")} ${shq(process.execPath)} ${shq(CLI)} ${step.args.map(shq).join(" ")}` +
          ` >${file("stdout")} 2>${file("stderr")} </dev/null; echo $? >${file("rc")}`,
      );
      runs.push(step.run);
    } else {
      const to = path.join(out, step.copy);
      lines.push(`mkdir -p ${shq(to)} && cp -a ${shq(`${step.from}/.`)} ${shq(`${to}/`)}`);
      copies[step.copy] = to;
    }
  }
  const r = await runWrapped(
    sb,
    "unshare",
    ["-m", "--propagation", "private", "sh", "-c", lines.join("\n")],
    env,
  );
  const read = (name: string, ext: string): string => {
    try {
      return fs.readFileSync(path.join(out, `${name}.${ext}`), "utf8");
    } catch {
      return "";
    }
  };
  const results: Record<string, RunResult> = {};
  for (const name of runs) {
    const step = steps.find((s) => "run" in s && s.run === name) as { args: readonly string[] };
    const rc = read(name, "rc").trim();
    results[name] = {
      exitCode: rc === "" ? -1 : Number(rc),
      stdout: read(name, "stdout"),
      stderr: read(name, "stderr"),
      durationMs: 0,
      command: `[in namespace] plugdeps ${step.args.join(" ")}`,
    };
  }
  return { exitCode: r.exitCode, stderr: r.stderr, stdout: r.stdout, runs: results, copies };
};

/** The mount line making `dir` read-only inside the namespace (a bind mount onto itself). */
export const roBind = (dir: string): NsStep => ({ sh: `mount --bind -o ro ${shq(dir)} ${shq(dir)}` });

/** The result of a namespace step that must have run (a missing one means the script stopped). */
export const ran = (ns: NsResult, name: string): RunResult => {
  const r = ns.runs[name];
  expect(r, `namespace script stopped before ${name}: exit ${ns.exitCode}\n${ns.stderr}`).toBeDefined();
  if (r === undefined) throw new Error("unreachable");
  expect(r.exitCode, `${name} did not run (namespace exit ${ns.exitCode}):\n${ns.stderr}`).not.toBe(-1);
  return r;
};

// ---------------------------------------------------------------------------------------------
// A small host, for faults that need a quick first convergence

/**
 * A sandbox laid out like makeApplySandbox, but with a small OpenClaw-shaped host: `alpha`
 * (enabledByDefault, staged) needs `@fixture/retry ^2.0.0`, so the first apply is one short
 * package-manager run. Later phases add a plugin with the dependency the fault is about.
 */
export const makeSmallSandbox = (pm: Manager): ApplySandbox & { readonly config: string } => {
  const sb = makeSandbox({ host: null, stage: "empty" });
  const host = sb.at("usr", "lib", "node_modules", "openclaw");
  const write = (rel: string, value: unknown) => {
    const p = path.join(host, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, `${JSON.stringify(value, null, 2)}\n`);
  };
  write("package.json", { name: "openclaw", version: "2026.4.29", type: "module" });
  addPlugin(host, "alpha", { "@fixture/retry": "^2.0.0" });
  return { ...sb, host, pm, spawnLog: sb.at("spawn.log"), config: writeConfig(sb, "config", {}) };
};

/** `--package-root`, `--config`, `--package-manager` (no stage flag: the caller chooses). */
export const hostArgs = (sb: ApplySandbox, config: string): string[] =>
  targetArgs({ host: sb.host, config, pm: sb.pm });

// ---------------------------------------------------------------------------------------------
// Registries of a test's own

/**
 * The npmrc the CLI reads (`npm_config_userconfig`): this registry, no retries, a short fetch
 * timeout. Operators' registry settings pass through plugdeps untouched (SPEC §4.10); without
 * these, pnpm retries a dead registry for ~70 s and npm for minutes before failing.
 */
export const writeNpmrc = (sb: ApplySandbox, url: string): string => {
  const file = sb.at("npmrc");
  fs.writeFileSync(file, npmrcFor(url));
  return file;
};

/**
 * The pid of a registry's Verdaccio process: the one whose working directory is the registry's
 * dir (Verdaccio rewrites its own command line, so that cannot be matched).
 */
export const registryPid = (registry: Registry): number | null => {
  const dir = fs.realpathSync(registry.dir);
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readlinkSync(path.join("/proc", entry, "cwd")) === dir) return Number(entry);
    } catch {
      // gone meanwhile, or not ours to inspect
    }
  }
  return null;
};

/** Pids of processes whose working directory is under `dir` (e.g. a package manager in a stage). */
export const processesUnder = (dir: string): number[] => {
  const pids: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cwd = fs.readlinkSync(path.join("/proc", entry, "cwd"));
      if (cwd.startsWith(`${dir}/`)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
};

/**
 * Whether one of `pids` holds an established TCP connection to 127.0.0.1:`port`: its socket
 * inodes (from /proc/<pid>/fd) matched against /proc/net/tcp. A package manager with a request
 * open to the registry is "mid-install" for certain, not merely started.
 */
export const hasConnectionTo = (pids: readonly number[], port: number): boolean => {
  const inodes = new Set<string>();
  for (const pid of pids) {
    let fds: string[] = [];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m?.[1] !== undefined) inodes.add(m[1]);
      } catch {
        // closed meanwhile
      }
    }
  }
  if (inodes.size === 0) return false;
  const portHex = port.toString(16).toUpperCase().padStart(4, "0");
  return fs
    .readFileSync("/proc/net/tcp", "utf8")
    .split("\n")
    .slice(1)
    .some((line) => {
      const f = line.trim().split(/\s+/);
      // f[2] remote address:port, f[3] state (01 = ESTABLISHED), f[9] inode
      return f[2]?.endsWith(`:${portHex}`) === true && f[3] === "01" && inodes.has(f[9] ?? "");
    });
};

/** A package dir `{package.json, index.js}` exporting `{ name, version, ...extra }`. */
export const writePackage = (
  dir: string,
  name: string,
  version: string,
  body = `module.exports = { name: ${JSON.stringify(name)}, version: ${JSON.stringify(version)} };\n`,
): string => {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, "package.json"),
    `${JSON.stringify({ name, version, license: "MIT", main: "index.js" }, null, 2)}\n`,
  );
  fs.writeFileSync(path.join(dir, "index.js"), `"use strict";\n${body}`);
  return dir;
};

/** Publishes `name@version` with exactly these tarball bytes (hashes computed over them). */
export const publishTarball = async (
  registry: Registry,
  name: string,
  version: string,
  data: Buffer,
): Promise<void> => putPackument(registry, name, version, data, data);

const putPackument = async (
  registry: Registry,
  name: string,
  version: string,
  advertised: Buffer,
  served: Buffer,
): Promise<void> => {
  const file = `${name.split("/").pop() ?? name}-${version}.tgz`;
  const body = {
    _id: name,
    name,
    "dist-tags": { latest: version },
    versions: {
      [version]: {
        name,
        version,
        license: "MIT",
        main: "index.js",
        _id: `${name}@${version}`,
        dist: {
          // Verdaccio refuses a publish whose sha1 does not match the attachment; it does not
          // check sha512, which is what npm and pnpm verify.
          shasum: createHash("sha1").update(served).digest("hex"),
          integrity: `sha512-${createHash("sha512").update(advertised).digest("base64")}`,
          tarball: `${registry.url}${name}/-/${file}`,
        },
      },
    },
    _attachments: {
      [file]: {
        content_type: "application/octet-stream",
        data: served.toString("base64"),
        length: served.length,
      },
    },
  };
  const res = await fetch(`${registry.url}${name.replace("/", "%2f")}`, {
    method: "PUT",
    headers: { "content-type": "application/json", authorization: `Bearer ${registry.token}` },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`publish of ${name}@${version} failed: ${res.status} ${await res.text()}`);
};

/** What a tampered tarball carries: it must appear nowhere under the stage base. */
export const TAMPER_MARKER = "PLUGDEPS-TAMPERED-TARBALL";

/**
 * Publishes `name@version` with a TAMPERED tarball: the packument's `dist.integrity` (sha512, what
 * npm and pnpm verify) is computed over the genuine tarball, but the attached bytes are another
 * valid tarball whose index.js carries TAMPER_MARKER — what a compromised mirror or proxy serves.
 * `dist.shasum` matches the served bytes, because Verdaccio itself refuses a publish whose sha1
 * does not match the attachment. Returns the genuine tarball (what a fixed mirror serves again).
 */
export const publishTampered = async (registry: Registry, name: string, version: string): Promise<Buffer> => {
  const base = tempDir("tampered");
  const good = packTarball(writePackage(path.join(base, "genuine"), name, version));
  const served = packTarball(
    writePackage(
      path.join(base, "tampered"),
      name,
      version,
      `module.exports = { name: ${JSON.stringify(name)}, version: ${JSON.stringify(version)}, marker: "${TAMPER_MARKER}" };\n`,
    ),
  );
  await putPackument(registry, name, version, good, served);
  // The registry really serves a tarball that does not match the integrity it advertises.
  const packument = (await (await fetch(`${registry.url}${name.replace("/", "%2f")}`)).json()) as {
    versions: Record<string, { dist: { integrity: string; tarball: string } }>;
  };
  const dist = packument.versions[version]?.dist;
  if (dist === undefined) throw new Error(`${name}@${version} missing from its packument`);
  const bytes = Buffer.from(await (await fetch(dist.tarball)).arrayBuffer());
  const servedIntegrity = `sha512-${createHash("sha512").update(bytes).digest("base64")}`;
  if (servedIntegrity === dist.integrity)
    throw new Error("the tampered tarball matches its integrity: not tampered");
  if (!bytes.equals(served)) throw new Error("the registry does not serve the attached tarball");
  return good;
};

// ---------------------------------------------------------------------------------------------
// What a stage base holds

/** `<root>.gen-*` directories beside a root (every generation, live or not). */
export const generationDirs = (stage: string, root: string): string[] => {
  const prefix = `${path.basename(root)}${GENERATION_INFIX}`;
  try {
    return fs
      .readdirSync(stage)
      .filter((n) => n.startsWith(prefix))
      .sort();
  } catch {
    return [];
  }
};

/** Every file under `dir` whose bytes contain `needle` (symlinks not followed). */
export const filesContaining = (dir: string, needle: string): string[] => {
  const hits: string[] = [];
  const walk = (d: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && fs.readFileSync(p).includes(needle)) hits.push(p);
    }
  };
  walk(dir);
  return hits;
};

/** Copies a fixture stage entry (e.g. an owned root) into `dir`. */
export const copyStageFixture = (name: string, dir: string): string => {
  const to = path.join(dir, name);
  copyFixture(fixture("stages", "demo", name), to);
  return to;
};
