import { spawn } from "node:child_process";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { CLI, cliEnv, configFixture, makeSandbox, REPO_ROOT, sandboxArgs } from "../support/cli.js";

/**
 * A reader that stops early closes the pipe (`plugdeps apply --help | head -1`, a pager quit
 * before the end). Found by the new-operator walk (scripts/walk-new-operator.sh):
 * `plugdeps doctor --help | head -30` printed Node's "Unhandled 'error' event ... write EPIPE"
 * stack trace and exited 1. Now writes to a closed pipe are dropped and the command exits with its
 * own code.
 */

interface Closed {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

/** Runs the packaged CLI with its stdout pipe closed by the reader before anything is written. */
const withStdoutClosed = (args: readonly string[], home: string): Promise<Closed> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: REPO_ROOT,
      env: cliEnv(home),
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.destroy();
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.once("error", reject);
    child.once("close", (exitCode, signal) => resolve({ exitCode, signal, stderr }));
  });

describe("a reader that closes the pipe early", () => {
  it.each(["--help", "apply --help", "doctor --help", "completion bash"])(
    "plugdeps %s: exit 0, no stack trace",
    async (line) => {
      const sb = makeSandbox();
      const r = await withStdoutClosed(line.split(" "), sb.home);
      expect(r.stderr).toBe("");
      expect(r.exitCode).toBe(0);
    },
  );

  it("plan --detailed-exitcode keeps its own exit code (2: changes pending)", async () => {
    const sb = makeSandbox({ stage: "demo" });
    const r = await withStdoutClosed(
      sandboxArgs("plan", sb, configFixture("demo.json5"), "--detailed-exitcode"),
      sb.home,
    );
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(2);
  });

  it("in a shell: `plugdeps doctor --help | head -n 1` prints the usage line, nothing else", async () => {
    const sb = makeSandbox();
    const r = await execa(
      "bash",
      ["-o", "pipefail", "-c", `"$0" "$1" doctor --help | head -n 1`, process.execPath, CLI],
      {
        reject: false,
        extendEnv: false,
        env: cliEnv(sb.home),
      },
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("Usage: plugdeps doctor [options]");
    expect(r.exitCode).toBe(0);
  });
});
