/**
 * The host drop-in that `plugdeps units` prints (the section headed `### <dir>/<host unit>.d/plugdeps.conf`,
 * the file `units --out` writes), read the way systemd reads it, so that test/host/gateway.test.ts starts the gateway with
 * exactly what an operator would add to the host's unit. Pure.
 *
 * Only the ACTIVE lines of its `[Service]` section count (a line starting with `#` or `;` is a
 * comment: the printed alternative `#ReadWritePaths=` is not applied). Three settings are
 * understood: `Environment=`, `BindReadOnlyPaths=`, `ReadWritePaths=`. Any other active setting is
 * returned in `unsupported`, so the test fails naming it instead of silently not emulating it.
 */

export interface BindReadOnlyPath {
  readonly source: string;
  readonly destination: string;
  /** `-SRC`: systemd skips the mount when the source does not exist. */
  readonly ignoreMissingSource: boolean;
  /** The third field (`rbind` / `norbind`), if any. */
  readonly options: string | null;
}

export interface ReadWritePath {
  readonly path: string;
  /** `-PATH`: ignored when missing. */
  readonly ignoreMissing: boolean;
}

export interface HostDropIn {
  /** The drop-in's text (for assertion messages). */
  readonly text: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly bindReadOnlyPaths: readonly BindReadOnlyPath[];
  readonly readWritePaths: readonly ReadWritePath[];
  /** Active `[Service]` lines this emulation does not know, verbatim. */
  readonly unsupported: readonly string[];
}

/** The heading of the drop-in's section: `### /etc/systemd/system/openclaw.service.d/plugdeps.conf`. */
export const DROP_IN_HEADING = /^### \S+\.service\.d\/plugdeps\.conf$/;

/**
 * systemd's word splitting for list settings (`extract_first_word` with unquoting): words are
 * separated by whitespace outside quotes; `"..."` and `'...'` quote; a backslash escapes the next
 * character. `%%` is a literal `%`; any other specifier is refused (the test does not expand them).
 */
export const splitUnitWords = (value: string): string[] => {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (c === "\\" && i + 1 < value.length) {
      word += value[++i];
      inWord = true;
    } else if (quote !== null) {
      if (c === quote) quote = null;
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote !== null) throw new Error(`unterminated quote in unit value: ${value}`);
  if (inWord) words.push(word);
  return words.map(expandSpecifiers);
};

const expandSpecifiers = (word: string): string =>
  word.replace(/%(.)/g, (match, c: string) => {
    if (c === "%") return "%";
    throw new Error(`unit specifier ${match} in "${word}": the gateway test does not expand specifiers`);
  });

/** The drop-in's text: from the heading to the next `### ` heading. */
export const hostDropInText = (unitsOutput: string): string => {
  const lines = unitsOutput.split("\n");
  const start = lines.findIndex((l) => DROP_IN_HEADING.test(l.trim()));
  if (start === -1)
    throw new Error(`\`plugdeps units\` printed no "${DROP_IN_HEADING.source}" section:\n${unitsOutput}`);
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((l) => l.startsWith("### "));
  return (end === -1 ? rest : rest.slice(0, end)).join("\n");
};

/** The active `[Service]` settings of the drop-in, continuation lines joined: `[key, value]`. */
const serviceSettings = (text: string): [string, string][] => {
  const out: [string, string][] = [];
  let section = "";
  let pending = "";
  for (const raw of text.split("\n")) {
    const line = pending + raw.trim();
    pending = "";
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    if (line.endsWith("\\")) {
      pending = `${line.slice(0, -1)} `;
      continue;
    }
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1] as string;
      continue;
    }
    if (section !== "Service") continue;
    const eq = line.indexOf("=");
    if (eq === -1) throw new Error(`not a setting in the drop-in's [Service]: ${line}`);
    out.push([line.slice(0, eq).trim(), line.slice(eq + 1).trim()]);
  }
  return out;
};

export const parseHostDropIn = (unitsOutput: string): HostDropIn => {
  const text = hostDropInText(unitsOutput);
  const environment: Record<string, string> = {};
  let bindReadOnlyPaths: BindReadOnlyPath[] = [];
  let readWritePaths: ReadWritePath[] = [];
  const unsupported: string[] = [];
  for (const [key, value] of serviceSettings(text)) {
    switch (key) {
      case "Environment":
        for (const word of splitUnitWords(value)) {
          const eq = word.indexOf("=");
          if (eq <= 0) throw new Error(`Environment= assignment without a name: ${word}`);
          environment[word.slice(0, eq)] = word.slice(eq + 1);
        }
        break;
      case "BindReadOnlyPaths":
        // An empty assignment resets the list (systemd).
        if (value === "") bindReadOnlyPaths = [];
        for (const word of splitUnitWords(value)) {
          const ignoreMissingSource = word.startsWith("-");
          const [source = "", destination, options] = (ignoreMissingSource ? word.slice(1) : word).split(":");
          if (!source.startsWith("/") || (destination !== undefined && !destination.startsWith("/")))
            throw new Error(`BindReadOnlyPaths= needs absolute paths: ${word}`);
          bindReadOnlyPaths.push({
            source,
            destination: destination ?? source,
            ignoreMissingSource,
            options: options ?? null,
          });
        }
        break;
      case "ReadWritePaths":
        if (value === "") readWritePaths = [];
        for (const word of splitUnitWords(value)) {
          const ignoreMissing = word.startsWith("-");
          const p = word.replace(/^[-+]+/, "");
          if (!p.startsWith("/")) throw new Error(`ReadWritePaths= needs absolute paths: ${word}`);
          readWritePaths.push({ path: p, ignoreMissing });
        }
        break;
      default:
        unsupported.push(`${key}=${value}`);
    }
  }
  return { text, environment, bindReadOnlyPaths, readWritePaths, unsupported };
};
