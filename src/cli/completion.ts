import type { Argument, Command, Option } from "commander";

/**
 * Shell completion scripts (`plugdeps completion bash|zsh`), generated from the commander program
 * itself: every command, option, choice and argument the parser knows, and nothing it does not,
 * so the scripts cannot drift from the CLI. Pure: the program in, the script text out.
 */

/** What a value (of an option or a positional argument) completes to. */
export type ValueKind =
  | { readonly kind: "file" }
  | { readonly kind: "dir" }
  | { readonly kind: "choices"; readonly choices: readonly string[] }
  /** Anything (a duration, a port, a specifier): nothing to offer. */
  | { readonly kind: "free"; readonly name: string };

export interface CompletionOption {
  /** `-h`, `--help`: the short name first when there is one. */
  readonly names: readonly string[];
  readonly description: string;
  /** null: a flag without a value. */
  readonly value: ValueKind | null;
  /** What the help calls the value (`planfile` in `--out <planfile>`). */
  readonly valueName: string;
  /** May be given more than once (e.g. `--override`). */
  readonly repeatable: boolean;
}

export interface CompletionCommand {
  readonly name: string;
  readonly description: string;
  readonly options: readonly CompletionOption[];
  /** The positional arguments, in order: their names and what they complete to. */
  readonly args: readonly { readonly name: string; readonly value: ValueKind }[];
}

export interface CompletionModel {
  readonly name: string;
  readonly options: readonly CompletionOption[];
  readonly commands: readonly CompletionCommand[];
}

const FILE_PLACEHOLDERS = /^(file|planfile|path)$/;
const DIR_PLACEHOLDERS = /^(dir|directory)$/;

const firstLine = (text: string): string => (text.split("\n")[0] ?? "").trim();

/** `--out <planfile>` -> file; `--stage-dir <dir>` -> dir; choices as declared; else free. */
const valueKind = (placeholder: string, choices: readonly string[] | undefined): ValueKind => {
  if (choices !== undefined && choices.length > 0) return { kind: "choices", choices };
  if (FILE_PLACEHOLDERS.test(placeholder)) return { kind: "file" };
  if (DIR_PLACEHOLDERS.test(placeholder)) return { kind: "dir" };
  return { kind: "free", name: placeholder };
};

const optionModel = (option: Option): CompletionOption => {
  const names = [option.short, option.long].filter((n): n is string => n !== undefined);
  const placeholder = /[<[]([^>\]]+)[>\]]/.exec(option.flags)?.[1] ?? "value";
  const takesValue = option.required || option.optional;
  return {
    names,
    description: firstLine(option.description),
    value: takesValue ? valueKind(placeholder.replace(/\.\.\.$/, ""), option.argChoices) : null,
    valueName: placeholder.replace(/\.\.\.$/, ""),
    // Variadic, or collected into an array by its parser (`--override`, repeatable).
    repeatable: option.variadic || Array.isArray(option.defaultValue),
  };
};

const argumentModel = (arg: Argument, commandNames: readonly string[]): ValueKind => {
  const name = arg.name();
  // The implicit `help [command]`: its argument is one of the commands.
  if (name === "command") return { kind: "choices", choices: commandNames };
  return valueKind(name, arg.argChoices);
};

/** The program's commands and options as the completion scripts need them. */
export const completionModel = (program: Command): CompletionModel => {
  const help = program.createHelp();
  const subs = help.visibleCommands(program);
  const commandNames = subs.map((c) => c.name()).filter((n) => n !== "help");
  return {
    name: program.name(),
    options: help.visibleOptions(program).map(optionModel),
    commands: subs.map((cmd) => ({
      name: cmd.name(),
      description: firstLine(cmd.description()),
      options: cmd.createHelp().visibleOptions(cmd).map(optionModel),
      // All of them: Help.visibleArguments lists none when none has a description (`help [command]`).
      args: cmd.registeredArguments.map((a) => ({ name: a.name(), value: argumentModel(a, commandNames) })),
    })),
  };
};

// ---------------------------------------------------------------------------------------------
// Shell text

/** A single-quoted shell word (bash and zsh read it the same way). */
const sq = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

/** Names that go unquoted into `case` patterns and function names: checked, not escaped. */
const plainName = (name: string): string => {
  if (!/^[A-Za-z0-9][-A-Za-z0-9_.]*$/.test(name.replace(/^-+/, ""))) {
    throw new Error(`completion: ${JSON.stringify(name)} is not a plain command or option name`);
  }
  return name;
};

const allNames = (options: readonly CompletionOption[]): string[] => options.flatMap((o) => o.names);

/** The bash statements that complete a value of this kind into COMPREPLY. */
const bashValue = (value: ValueKind): string => {
  switch (value.kind) {
    case "choices":
      return `mapfile -t COMPREPLY < <(compgen -W ${sq(value.choices.join(" "))} -- "$cur")`;
    case "file":
      return 'compopt -o filenames 2>/dev/null || :; mapfile -t COMPREPLY < <(compgen -f -- "$cur")';
    case "dir":
      return 'compopt -o filenames 2>/dev/null || :; mapfile -t COMPREPLY < <(compgen -d -- "$cur")';
    case "free":
      return "compopt +o default 2>/dev/null || :";
  }
};

const bashCommand = (cmd: CompletionCommand): string[] => {
  const lines = [`    ${plainName(cmd.name)})`];
  const valued = cmd.options.filter((o) => o.value !== null);
  if (valued.length > 0) {
    lines.push('      case "$prev" in');
    for (const o of valued) {
      lines.push(
        `        ${o.names.map(plainName).join("|")}) ${bashValue(o.value as ValueKind)}; return ;;`,
      );
    }
    lines.push("      esac");
  }
  if (cmd.args.length > 0) {
    // Which positional argument this word is: the words after the command that are neither an
    // option nor an option's value, counted.
    lines.push(
      '      if [[ "$cur" != -* ]]; then',
      "        local n=0 j",
      "        for ((j = i + 1; j < COMP_CWORD; j++)); do",
      '          case "${COMP_WORDS[j]}" in',
      "            -*|=) ;;",
      `            *) case "\${COMP_WORDS[j-1]}" in ${[...valued.flatMap((o) => o.names), "="].join("|")}) ;; *) n=$((n + 1)) ;; esac ;;`,
      "          esac",
      "        done",
      '        case "$n" in',
      ...cmd.args.map((a, k) => `          ${k}) ${bashValue(a.value)}; return ;;`),
      "        esac",
      "      fi",
    );
  }
  lines.push(
    `      mapfile -t COMPREPLY < <(compgen -W ${sq(allNames(cmd.options).join(" "))} -- "$cur")`,
    "      ;;",
  );
  return lines;
};

/** `plugdeps completion bash`: a script to `source` (or to drop into bash-completion's dir). */
export const bashCompletion = (model: CompletionModel): string => {
  const fn = `_${plainName(model.name)}`;
  return [
    `# bash completion for ${model.name}, generated by \`${model.name} completion bash\` from its own`,
    "# commands and options. Load it in the current shell:",
    `#   source <(${model.name} completion bash)`,
    "# or for every shell (bash-completion loads it on first use):",
    `#   ${model.name} completion bash > /usr/share/bash-completion/completions/${model.name}`,
    `${fn}() {`,
    '  local cur="${COMP_WORDS[COMP_CWORD]}" prev="" cmd="" i',
    '  (( COMP_CWORD > 0 )) && prev="${COMP_WORDS[COMP_CWORD-1]}"',
    "  # --opt=value: bash splits it at the = (COMP_WORDBREAKS).",
    '  if [[ "$cur" == "=" ]]; then cur=""',
    '  elif [[ "$prev" == "=" ]] && (( COMP_CWORD > 1 )); then prev="${COMP_WORDS[COMP_CWORD-2]}"; fi',
    "  # The command: the first word that is not an option (the program's own options take no value).",
    "  for ((i = 1; i < COMP_CWORD; i++)); do",
    '    case "${COMP_WORDS[i]}" in',
    "      -*) ;;",
    '      *) cmd="${COMP_WORDS[i]}"; break ;;',
    "    esac",
    "  done",
    "  COMPREPLY=()",
    '  case "$cmd" in',
    '    "")',
    '      case "$cur" in',
    `        -*) mapfile -t COMPREPLY < <(compgen -W ${sq(allNames(model.options).join(" "))} -- "$cur") ;;`,
    `        *) mapfile -t COMPREPLY < <(compgen -W ${sq(model.commands.map((c) => c.name).join(" "))} -- "$cur") ;;`,
    "      esac",
    "      ;;",
    ...model.commands.flatMap(bashCommand),
    "  esac",
    "}",
    `complete -o default -F ${fn} ${model.name}`,
    "",
  ].join("\n");
};

/** Text inside an `_arguments` explanation `[...]`, in a single-quoted word. */
const zshExplanation = (text: string): string =>
  text.replace(/\\/g, "\\\\").replace(/[[\]]/g, (c) => `\\${c}`);

/** `:message:action` for a value of this kind. */
const zshValue = (value: ValueKind, message: string): string => {
  const msg = message.replace(/:/g, "-");
  switch (value.kind) {
    case "choices":
      return `:${msg}:(${value.choices.join(" ")})`;
    case "file":
      return `:${msg}:_files`;
    case "dir":
      return `:${msg}:_files -/`;
    case "free":
      return `:${msg}: `;
  }
};

const zshOption = (o: CompletionOption): string => {
  const names = o.names.map(plainName);
  const eq = o.value === null ? "" : "=";
  const tail = `[${zshExplanation(o.description)}]${o.value === null ? "" : zshValue(o.value, o.valueName)}`;
  const rep = o.repeatable ? "*" : "";
  if (names.length === 1) return sq(`${rep}${names[0] ?? ""}${eq}${tail}`);
  // -h and --help: one exclusive pair, zsh's brace expansion making the two specs.
  return `${sq(`${rep}(${names.join(" ")})`)}{${names.map((n) => `${n}${eq}`).join(",")}}${sq(tail)}`;
};

const zshArgument = (arg: { readonly name: string; readonly value: ValueKind }, k: number): string =>
  sq(`${k + 1}${zshValue(arg.value, arg.name)}`);

/** `plugdeps completion zsh`: a script to `source` after compinit, or to install as `_plugdeps`. */
export const zshCompletion = (model: CompletionModel): string => {
  const fn = `_${plainName(model.name)}`;
  const indent = (lines: readonly string[], n: number) => lines.map((l) => `${" ".repeat(n)}${l}`);
  const argumentsCall = (specs: readonly string[], n: number): string[] =>
    indent(["_arguments -s -S \\", ...specs.map((s) => `  ${s} \\`), "  && ret=0"], n);
  return [
    `#compdef ${model.name}`,
    `# zsh completion for ${model.name}, generated by \`${model.name} completion zsh\` from its own`,
    "# commands and options. Load it in the current shell (after compinit):",
    `#   source <(${model.name} completion zsh)`,
    "# or for every shell: save it as _plugdeps in a directory of $fpath, e.g.",
    `#   ${model.name} completion zsh > "\${fpath[1]}/${fn}"`,
    `${fn}() {`,
    '  local curcontext="$curcontext" state line ret=1',
    "  local -a commands",
    "  commands=(",
    ...model.commands.map((c) => `    ${sq(`${plainName(c.name)}:${c.description}`)}`),
    "  )",
    "  _arguments -C \\",
    ...model.options.map((o) => `    ${zshOption(o)} \\`),
    "    '1: :->command' \\",
    "    '*:: :->args' \\",
    "    && ret=0",
    '  case "$state" in',
    "    command)",
    `      _describe -t commands ${sq(`${model.name} command`)} commands && ret=0`,
    "      ;;",
    "    args)",
    `      curcontext="\${curcontext%:*:*}:${model.name}-$words[1]:"`,
    '      case "$words[1]" in',
    ...model.commands.flatMap((c) => [
      `        ${c.name})`,
      ...argumentsCall([...c.options.map(zshOption), ...c.args.map(zshArgument)], 10),
      "          ;;",
    ]),
    "      esac",
    "      ;;",
    "  esac",
    "  return ret",
    "}",
    `if [ "$funcstack[1]" = "${fn}" ]; then`,
    `  ${fn} "$@"`,
    "else",
    `  compdef ${fn} ${model.name}`,
    "fi",
    "",
  ].join("\n");
};
