import * as fs from "node:fs";
import * as path from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { completionModel } from "../../src/cli/completion.js";
import type { CliIO } from "../../src/cli/io.js";
import { buildProgram } from "../../src/cli/program.js";
import { CLI } from "../support/cli.js";
import { tempDir } from "../support/temp.js";

/**
 * `plugdeps completion bash|zsh` (issue 16, item 8) loaded into real shells, with the built CLI
 * on PATH as `plugdeps`: bash registers it and offers the right words for a prefix (the
 * completion function called as bash calls it); zsh parses it and, driven through a pseudo
 * terminal, completes a command line. The zsh part is skipped, with the reason, where there is
 * no zsh (or no zsh/zpty module).
 */

const tmp = tempDir("completion");
const binDir = path.join(tmp, "bin");
fs.mkdirSync(binDir);
fs.symlinkSync(CLI, path.join(binDir, "plugdeps"));
const env = { PATH: [binDir, path.dirname(process.execPath), "/usr/bin", "/bin"].join(":"), HOME: tmp };

const silent: CliIO = {
  stdout: () => undefined,
  stderr: () => undefined,
  isTTY: false,
  env: {},
  homedir: tmp,
};
const model = completionModel(buildProgram(silent, () => undefined));

const bash = (script: string) => execa("bash", ["-c", script], { env, extendEnv: false, reject: false });

/** `source <(plugdeps completion bash)`, then one line per query: the words offered for it. */
const bashComplete = async (...lines: string[][]): Promise<string[][]> => {
  const queries = lines
    .map((words) => {
      const quoted = words.map((w) => `'${w}'`).join(" ");
      return `COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; COMPREPLY=(); _plugdeps; echo "\${COMPREPLY[*]}"`;
    })
    .join("\n");
  const r = await bash(`set -e\nsource <(plugdeps completion bash)\n${queries}`);
  expect(r.exitCode, r.stderr).toBe(0);
  return r.stdout.split("\n").map((l) => l.split(" ").filter((w) => w !== ""));
};

describe("plugdeps completion bash", () => {
  it("registers a completion function for plugdeps", async () => {
    const r = await bash("source <(plugdeps completion bash); complete -p plugdeps");
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("complete -o default -F _plugdeps plugdeps");
  });

  it("completes commands, options, choices and arguments from a prefix", async () => {
    const [pl, all, pa, pm, pmEq, lf, shell, lock, helpU, dir] = await bashComplete(
      ["plugdeps", "pl"],
      ["plugdeps", ""],
      ["plugdeps", "plan", "--pa"],
      ["plugdeps", "plan", "--package-manager", ""],
      ["plugdeps", "apply", "--package-manager", "=", "p"],
      ["plugdeps", "status", "--log-format", "j"],
      ["plugdeps", "completion", ""],
      ["plugdeps", "apply", "--lock"],
      ["plugdeps", "help", "u"],
      ["plugdeps", "units", "--out", `${tmp}/b`],
    );
    expect(pl).toEqual(["plan"]);
    expect(all).toEqual(model.commands.map((c) => c.name));
    expect(pa).toEqual(["--package-root", "--package-manager"]);
    expect(pm).toEqual(["auto", "pnpm", "npm"]);
    expect(pmEq).toEqual(["pnpm"]);
    expect(lf).toEqual(["json"]);
    expect(shell).toEqual(["bash", "zsh"]);
    expect(lock).toEqual(["--lock-timeout"]);
    expect(helpU).toEqual(["units"]);
    expect(dir).toEqual([binDir]);
  });

  it("offers every option of every command after `--`", async () => {
    const subs = model.commands.filter((c) => c.name !== "help");
    const offered = await bashComplete(...subs.map((c) => ["plugdeps", c.name, "--"]));
    subs.forEach((c, k) => {
      const longs = c.options.flatMap((o) => o.names).filter((n) => n.startsWith("--"));
      expect(new Set(offered[k]), c.name).toEqual(new Set(longs));
    });
  });
});

/** Why zsh cannot be tested here, or null. */
const zshUnavailable = async (): Promise<string | null> => {
  const r = await execa("zsh", ["-f", "-c", "zmodload zsh/zpty"], { env, extendEnv: false, reject: false });
  if (r.failed && (r as { code?: string }).code === "ENOENT") return "no zsh on PATH";
  return r.exitCode === 0 ? null : `zsh has no zsh/zpty module: ${r.stderr.trim()}`;
};

/**
 * An interactive zsh in a pseudo terminal (zsh/zpty) with compinit and the script loaded: types
 * `line` and TAB twice (complete, then list), and returns what the terminal showed, escape
 * sequences removed.
 */
const ZSH_DRIVER = String.raw`
zmodload zsh/zpty
typeset out="" chunk=""
waitfor() {
  local deadline=$(( SECONDS + 30 ))
  while (( SECONDS < deadline )); do
    zpty -r -t z chunk 2>/dev/null && out+="$chunk"
    [[ "$out" == *"$1"* ]] && return 0
    sleep 0.1
  done
  print -u2 "timed out waiting for $1"; print -r -- "$out" >&2; return 1
}
zpty z zsh -f -i
zpty -w z 'PS1="> "; autoload -U compinit; compinit -u -D; source <(plugdeps completion zsh); zstyle ":completion:*" list-prompt ""; LISTMAX=0; echo READY""1'
waitfor READY1 || exit 1
out=""
zpty -n -w z "$1"$'\t'
sleep 1
zpty -n -w z $'\t'
sleep 1
zpty -w z $'\C-u echo DONE""1'
waitfor DONE1 || exit 1
print -r -- "$out"
zpty -d z
`;

const zshComplete = async (line: string): Promise<string> => {
  fs.writeFileSync(path.join(tmp, "driver.zsh"), ZSH_DRIVER);
  const r = await execa("zsh", ["-f", path.join(tmp, "driver.zsh"), line], {
    env: { ...env, TERM: "xterm" },
    extendEnv: false,
    reject: false,
    timeout: 60_000,
  });
  expect(r.exitCode, r.stderr).toBe(0);
  // eslint-disable-next-line no-control-regex
  return r.stdout.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, " ").replace(/[\r\b]/g, "\n");
};

describe("plugdeps completion zsh", () => {
  it("is valid zsh (zsh -n)", async (ctx) => {
    const why = await zshUnavailable();
    if (why !== null) return ctx.skip(why);
    const script = path.join(tmp, "_plugdeps");
    fs.writeFileSync(script, (await execa(CLI, ["completion", "zsh"], { env, extendEnv: false })).stdout);
    const r = await execa("zsh", ["-n", script], { env, extendEnv: false, reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
  });

  it("completes a command, an option and its choices in an interactive zsh", async (ctx) => {
    const why = await zshUnavailable();
    if (why !== null) return ctx.skip(why);
    expect(await zshComplete("plugdeps pl")).toContain("plugdeps plan");
    const pm = await zshComplete("plugdeps plan --package-m");
    expect(pm).toContain("plugdeps plan --package-manager=");
    for (const choice of ["auto", "npm", "pnpm"]) expect(pm).toMatch(new RegExp(`\\b${choice}\\b`));
    const shells = await zshComplete("plugdeps completion ");
    expect(shells).toMatch(/\bbash\b/);
    expect(shells).toMatch(/\bzsh\b/);
  }, 120_000);
});
