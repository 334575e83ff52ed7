/**
 * The README's examples as data, for test/integration/readme-examples.test.ts. Pure.
 *
 * A fenced block is an example. What the test does with it is said by its language and by an
 * optional marker, an HTML comment on the line before its fence:
 *
 *   ```sh                                  run, line by line, on the operator's machine the test builds
 *   <!-- readme-example: ci --> ```sh      run by .ci/run (the test checks .ci/run holds every command)
 *   <!-- readme-example: after a config change --> ```sh   run after the test edits the config
 *   ```js                                  run as an ES module in a project that installed plugdeps
 *   <!-- readme-example: output ... --> ```text            the real output of the first `plugdeps plan`
 *   <!-- readme-example: error NAME --> ```text            `$ COMMAND` then its real output, in scenario NAME
 *
 * Any other block fails the test: nothing in the README is an example nobody runs.
 */

export interface ReadmeBlock {
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly lang: string;
  /** The marker's text after `readme-example:`, or null. */
  readonly marker: string | null;
  readonly body: string;
}

const MARKER = /^<!--\s*readme-example:\s*(.*?)\s*-->\s*$/;

export const readmeBlocks = (text: string): ReadmeBlock[] => {
  const lines = text.split("\n");
  const blocks: ReadmeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i] as string);
    if (open === null) continue;
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
    if (end === -1) throw new Error(`README.md:${i + 1}: a fence that is never closed`);
    const before = i > 0 ? MARKER.exec(lines[i - 1] as string) : null;
    blocks.push({
      line: i + 1,
      lang: open[1] ?? "",
      marker: before?.[1] ?? null,
      body: lines.slice(i + 1, end).join("\n"),
    });
    i = end;
  }
  return blocks;
};

/** The shell command lines of a block: comments-only and empty lines dropped, `\` continuations joined. */
export const commandLines = (body: string): string[] => {
  const out: string[] = [];
  let pending = "";
  for (const raw of body.split("\n")) {
    const line = pending + raw;
    pending = "";
    if (line.trimEnd().endsWith("\\")) {
      pending = `${line.trimEnd().slice(0, -1)} `;
      continue;
    }
    if (line.trim() === "" || line.trim().startsWith("#")) continue;
    out.push(line);
  }
  return out;
};

/**
 * What a command line's comment promises it prints: every "double-quoted" text in the `# ...`
 * comment (`plugdeps apply     # again: "No changes."`).
 */
export const promisedOutput = (line: string): string[] => {
  const hash = line.indexOf(" # ");
  if (hash === -1) return [];
  return [...line.slice(hash).matchAll(/"([^"]+)"/g)].map((m) => m[1] as string);
};

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * One README output line as a pattern for one real line: `…` stands for any text, `<hash>` for a
 * root's 12 hex digits; the rest is literal. Trailing blanks do not count.
 */
export const linePattern = (line: string): RegExp =>
  new RegExp(
    `^${line
      .trimEnd()
      .split(/(…|<hash>)/)
      .map((part) => (part === "…" ? ".*?" : part === "<hash>" ? "[0-9a-f]{12}" : escapeRegExp(part)))
      .join("")}$`,
  );

/**
 * The README's output is the real output with lines left out: every README line (but a line that
 * is only `…`, which marks the cut) matches a real line, in order. Returns the first README line
 * that has no match after the previous one's, or null when all match.
 */
export const unmatchedLine = (readme: string, real: string): string | null => {
  const realLines = real.split("\n").map((l) => l.trimEnd());
  let at = 0;
  for (const line of readme.split("\n")) {
    if (line.trim() === "…") continue;
    const pattern = linePattern(line);
    const found = realLines.findIndex((l, i) => i >= at && pattern.test(l));
    if (found === -1) return line;
    at = found + 1;
  }
  return null;
};
