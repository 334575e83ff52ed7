// Timing one child process: wall time around spawnSync (what a user waits for) and its peak
// memory from GNU time (`/usr/bin/time -f %M`: the largest resident set of the process and the
// children it waited for). Plus the statistics the tables print (medians) and number formats.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const TIME_BIN = "/usr/bin/time";
export const HAS_GNU_TIME =
  fs.existsSync(TIME_BIN) && spawnSync(TIME_BIN, ["-f", "%M", "true"], { stdio: "ignore" }).status === 0;

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "plugdeps-bench-rss-"));
process.on("exit", () => fs.rmSync(scratch, { recursive: true, force: true }));
let counter = 0;

/** A file name for one measurement's side output (GNU time, the RSS preload). */
export const scratchFile = (stem) => path.join(scratch, `${stem}-${++counter}`);

/**
 * Runs `cmd args` to completion. Never throws on a non-zero exit: the caller decides (and prints)
 * what a failure means. `ms` is wall time, `rssMb` the peak RSS of the process tree (null when GNU
 * time is missing).
 * @returns {{ ms: number, status: number | null, stdout: string, stderr: string, rssMb: number | null, command: string }}
 */
export const runTimed = (cmd, args, { cwd, env } = {}) => {
  const rssFile = scratchFile("time");
  const [bin, argv] = HAS_GNU_TIME ? [TIME_BIN, ["-f", "%M", "-o", rssFile, cmd, ...args]] : [cmd, args];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(bin, argv, {
    cwd,
    env,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 512 * 1024 * 1024,
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return {
    ms,
    status: r.status,
    stdout: r.stdout ?? "",
    stderr: `${r.stderr ?? ""}${r.error ? String(r.error) : ""}`,
    rssMb: readKb(rssFile),
    command: [cmd, ...args].join(" "),
  };
};

/** The last number in a file written by GNU time or the preload, in MB (KB / 1024). */
export const readKb = (file) => {
  try {
    const lines = fs.readFileSync(file, "utf8").trim().split("\n");
    fs.rmSync(file, { force: true });
    const kb = Number(lines[lines.length - 1]);
    return Number.isFinite(kb) && kb > 0 ? kb / 1024 : null;
  } catch {
    return null;
  }
};

export const median = (xs) => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

export const fmtMs = (ms) => {
  if (ms === null || ms === undefined) return "n/a";
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
};

export const fmtMb = (mb) => (mb === null || mb === undefined ? "" : `${mb.toFixed(0)} MB`);

export const fmtInt = (n) => n.toLocaleString("en-US");

/** A list rotated by `by` places: alternatives change places from run to run. */
export const rotate = (items, by) => items.map((_, i) => items[(i + by) % items.length]);
