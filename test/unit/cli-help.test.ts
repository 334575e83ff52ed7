import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { bashCompletion, completionModel, zshCompletion } from "../../src/cli/completion.js";
import { HELP_EXAMPLES } from "../../src/cli/help-examples.js";
import type { CliIO } from "../../src/cli/io.js";
import { buildProgram, runCli } from "../../src/cli/program.js";

/**
 * Every `--help` ends with an example (issue 16, item 8) whose options the command takes, and the
 * completion scripts are made from the program's own commands and options.
 */

const capture = () => {
  let out = "";
  let err = "";
  const io: CliIO = {
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => {
      err += t;
    },
    isTTY: false,
    env: {},
    homedir: "/nonexistent",
  };
  return { io, out: () => out, err: () => err };
};

const program = buildProgram(capture().io, () => undefined);
const commands = program.commands.filter((c) => c.name() !== "help");

const helpOf = async (argv: readonly string[]): Promise<string> => {
  const c = capture();
  expect(await runCli([...argv, "--help"], c.io)).toBe(0);
  expect(c.err()).toBe("");
  return c.out();
};

/** The `--long` options a command accepts (its own, and --help). */
const longOptions = (cmd: Command): Set<string> =>
  new Set(
    cmd
      .createHelp()
      .visibleOptions(cmd)
      .flatMap((o) => (o.long === undefined ? [] : [o.long])),
  );

describe("--help ends with an example", () => {
  it.each([["plugdeps"], ...commands.map((c) => [c.name()])])("%s", async (name) => {
    const help = await helpOf(name === "plugdeps" ? [] : [name]);
    const lines = help.trimEnd().split("\n");
    const heading = lines.findLastIndex((l) => /^Examples?:$/.test(l));
    expect(heading, `no Example section at the end of:\n${help}`).toBeGreaterThan(0);
    const examples = lines.slice(heading + 1);
    expect(examples.length).toBeGreaterThan(0);
    for (const line of examples) expect(line).toMatch(/^ {2}\$ /);
    // Each example runs this command (or, for the program, one of its commands).
    const cmdPattern = name === "plugdeps" ? "\\w+" : name;
    for (const line of examples)
      expect(line).toMatch(new RegExp(`\\$ (sudo )?(source <\\()?plugdeps ${cmdPattern}\\b`));
  });

  it("every command has an entry in HELP_EXAMPLES, and no entry names a command that is gone", () => {
    const names = ["plugdeps", ...commands.map((c) => c.name())].sort();
    expect(Object.keys(HELP_EXAMPLES).sort()).toEqual(names);
  });

  it("an example's options are options of its command", () => {
    for (const [name, lines] of Object.entries(HELP_EXAMPLES)) {
      for (const line of lines) {
        const words = line.replace(/#.*$/, "").split(/\s+/);
        const at = words.indexOf("plugdeps");
        const cmd = commands.find((c) => c.name() === (name === "plugdeps" ? words[at + 1] : name));
        expect(cmd, line).toBeDefined();
        const known = longOptions(cmd as Command);
        for (const flag of words.filter((w) => w.startsWith("--")))
          expect(known.has(flag.replace(/=.*$/, "")), `${line}: ${flag}`).toBe(true);
      }
    }
  });
});

describe("completion scripts come from the program", () => {
  const model = completionModel(program);

  it("list every command and every option of each", () => {
    expect(model.commands.map((c) => c.name)).toEqual([...commands.map((c) => c.name()), "help"]);
    for (const cmd of commands) {
      const modelled = model.commands.find((c) => c.name === cmd.name());
      expect(new Set(modelled?.options.flatMap((o) => o.names).filter((n) => n.startsWith("--")))).toEqual(
        longOptions(cmd),
      );
    }
  });

  it("know values: choices, files, directories; the help command completes command names", () => {
    const plan = model.commands.find((c) => c.name === "plan");
    const opt = (name: string) => plan?.options.find((o) => o.names.includes(name))?.value;
    expect(opt("--package-manager")).toEqual({ kind: "choices", choices: ["auto", "pnpm", "npm"] });
    expect(opt("--out")).toEqual({ kind: "file" });
    expect(opt("--stage-dir")).toEqual({ kind: "dir" });
    expect(opt("--json")).toBeNull();
    expect(model.commands.find((c) => c.name === "completion")?.args).toEqual([
      { name: "shell", value: { kind: "choices", choices: ["bash", "zsh"] } },
    ]);
    const help = model.commands.find((c) => c.name === "help")?.args[0]?.value;
    expect(help).toEqual({ kind: "choices", choices: commands.map((c) => c.name()) });
  });

  it("a command added to the program is in both scripts, with its options", () => {
    const extended = buildProgram(capture().io, () => undefined).addCommand(
      new Command("extra").option("--input <file>", "a file").option("--level <n>", "a level"),
    );
    const m = completionModel(extended);
    const bash = bashCompletion(m);
    expect(bash).toMatch(/^ {4}extra\)$/m);
    expect(bash).toMatch(/--input\) compopt -o filenames .*compgen -f/);
    expect(bash).toContain("'--input --level -h --help'");
    const zsh = zshCompletion(m);
    expect(zsh).toContain("'extra:'");
    expect(zsh).toContain("'--input=[a file]:file:_files'");
  });

  it("refuses a name it could not put in a script unquoted", () => {
    const odd = new Command("plugdeps").addCommand(new Command("x;rm"));
    expect(() => bashCompletion(completionModel(odd))).toThrow(/not a plain command or option name/);
  });

  it("quote descriptions for zsh: quotes and brackets", () => {
    const p = new Command("plugdeps").addCommand(
      new Command("q").description("it's [odd]").option("--o", "the host's [x]"),
    );
    const zsh = zshCompletion(completionModel(p));
    expect(zsh).toContain(`'q:it'\\''s [odd]'`);
    expect(zsh).toContain(`'--o[the host'\\''s \\[x\\]]'`);
  });
});
