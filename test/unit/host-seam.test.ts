import * as fs from "node:fs";
import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import * as catalog from "../../src/hosts/catalog.js";
import { FALLBACK_HOST, findHost, HOSTS } from "../../src/hosts/lookup.js";
import { selectAdapter } from "../../src/hosts/registry.js";
import type { HostInput } from "../../src/hosts/types.js";

/**
 * Issue 13 point 3: nothing outside src/hosts/ names a host. Every file of src/ (but src/hosts/)
 * and reconcilers/ is parsed with the TypeScript compiler; its identifiers, string and template
 * literals and regular expressions (never its comments: a comment may cite `openclaw #71420` or
 * explain a host's behaviour as a lesson) must not contain a catalogued host's name or one of
 * its environment variable prefixes. Before the seam was closed this failed on replay.ts,
 * stage-bases.ts, errors.ts, units.ts, common-options.ts, index.ts, checks.ts and locate.ts.
 */

const REPO = path.resolve(import.meta.dirname, "../..");

/**
 * What may stay, and why. The error union is closed in model/ and its tags are public (tests and
 * library users match on `ProfileInvalid`); the profile adapter words the message itself.
 */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  "src/model/errors.ts": ["ProfileInvalid"],
};

const sourceFiles = (dir: string): string[] =>
  fs
    .readdirSync(path.join(REPO, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .map((f) => path.join(dir, f).split(path.sep).join("/"))
    .filter((f) => !f.startsWith("src/hosts/"))
    .sort();

/** The code words of a file: identifiers, string/template/regexp literal texts. No comments. */
const codeWords = (file: string, text: string): { text: string; line: number }[] => {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const words: { text: string; line: number }[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isIdentifier(node) ||
      ts.isPrivateIdentifier(node) ||
      ts.isStringLiteral(node) ||
      ts.isNoSubstitutionTemplateLiteral(node) ||
      ts.isTemplateHead(node) ||
      ts.isTemplateMiddle(node) ||
      ts.isTemplateTail(node) ||
      ts.isRegularExpressionLiteral(node)
    ) {
      words.push({ text: node.text, line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return words;
};

/**
 * Does this code word name a catalogued host? Its name anywhere in it (any case), or one of its
 * environment prefixes. A citation of an upstream issue (`openclaw #74346`) in a message or a
 * generated file's comment is a lesson's source, as in a code comment, not a naming.
 */
const namesAHost = (word: string): boolean =>
  HOSTS.some((h) => {
    const uncited = word.replace(new RegExp(`${h.name} #\\d+`, "gi"), "");
    return (
      uncited.toLowerCase().includes(h.name.toLowerCase()) || h.envPrefixes.some((p) => uncited.includes(p))
    );
  });

/** `file:line: word` for every code word naming a catalogued host outside src/hosts/. */
const hostNamesOutsideHosts = (): string[] =>
  [...sourceFiles("src"), ...sourceFiles("reconcilers")].flatMap((file) =>
    codeWords(file, fs.readFileSync(path.join(REPO, file), "utf8"))
      .filter((w) => namesAHost(w.text) && !(ALLOWED[file] ?? []).includes(w.text))
      .map((w) => `${file}:${w.line}: ${JSON.stringify(w.text)}`),
  );

describe("the host seam", () => {
  it("the catalog lists hosts with their env prefixes, and the check would see them", () => {
    expect(HOSTS.map((h) => h.name)).toEqual(["openclaw", "profile"]);
    expect(HOSTS.filter((h) => h.fallback === true)).toEqual([FALLBACK_HOST]);
    expect(FALLBACK_HOST.name).toBe("openclaw");
    expect(HOSTS.flatMap((h) => h.envPrefixes)).toEqual(["OPENCLAW_"]);
    // The scan reads code, not comments: a sample with both proves it is not vacuous.
    const sample =
      "// openclaw #1: a comment may cite a host\n/* so may OPENCLAW_X here */\n" +
      'export const x = process.env["OPENCLAW_X"] ?? `${1}openclaw` ?? /openclaw-/;\n';
    expect(codeWords("sample.ts", sample).map((w) => w.text)).toEqual([
      "x",
      "process",
      "env",
      "OPENCLAW_X",
      "",
      "openclaw",
      "/openclaw-/",
    ]);
    expect(
      [
        "openclaw #74346: a lesson",
        "(see openclaw #1)",
        "openclaw",
        "OpenClaw: x",
        "OPENCLAW_X",
        "openclaw #x",
      ].map(namesAHost),
    ).toEqual([false, false, true, true, true, true]);
  });

  it("nothing outside src/hosts/ names a host in code", () => {
    expect(hostNamesOutsideHosts()).toEqual([]);
  });
});

describe("a host's light entry agrees with its adapter", () => {
  // Only resolved against, never read or written.
  const home = "/home/seam";
  const envs: Record<string, string>[] = [
    {},
    { OPENCLAW_PLUGIN_STAGE_DIR: ["/ro", "/rw"].join(path.delimiter) },
    { STATE_DIRECTORY: "/var/lib/x:/y", OPENCLAW_STATE_DIR: "~/oc" },
    { ACME_PLUGIN_STAGE_DIR: "/acme/a" },
  ];
  const input = (env: Record<string, string>, stageDir?: string): HostInput => ({
    env,
    homedir: home,
    flags: stageDir === undefined ? {} : { stageDir },
  });

  it.each([["openclaw"], [`profile:${path.join(REPO, "fixtures/profiles/acme.json")}`]])(
    "%s: label, slug and stage candidates",
    (spec) => {
      const named = findHost(spec);
      if (named === undefined) throw new Error(`${spec}: not catalogued`);
      for (const env of envs) {
        for (const stageDir of [undefined, "~/stage"]) {
          const facts = named.entry.facts(named.argument, input(env, stageDir));
          const adapter = selectAdapter(spec, input(env, stageDir));
          if (E.isLeft(facts) || E.isLeft(adapter)) throw new Error(`${spec}: not selectable`);
          expect(facts.right.label).toBe(adapter.right.name);
          expect(facts.right.slug).toBe(adapter.right.slug);
          expect(facts.right.stageCandidates(input(env, stageDir))).toEqual(
            adapter.right.stageCandidates(input(env, stageDir)),
          );
        }
      }
    },
  );

  it("every catalogued host has an adapter (its own or registry.ts's)", () => {
    expect(Object.keys(catalog).length).toBe(HOSTS.length);
    for (const h of HOSTS) {
      const spec =
        h.argument === undefined ? h.name : `${h.name}:${path.join(REPO, "fixtures/profiles/acme.json")}`;
      expect(E.isRight(selectAdapter(spec, input({}))), spec).toBe(true);
    }
  });
});
