import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import { decodeWith } from "../model/decode.js";
import { configNotFound, decodeError, type PlugdepsError, usageError } from "../model/errors.js";
import { Settings } from "../model/settings.js";
import { checkPackageName, checkSpec } from "../desired/dependency-spec.js";
import { parseDuration } from "../util/duration.js";
import { parseJson5, readTextFile } from "../util/read-json.js";

/** Reads the settings file when one is named; no file named means no settings. */
export const loadSettings = (file: string | undefined): E.Either<PlugdepsError, Settings> => {
  if (file === undefined || file === "") return E.right({});
  const text = readTextFile(file);
  if (E.isLeft(text)) {
    return E.left(
      text.left._tag === "Missing"
        ? configNotFound(
            file,
            "named by --settings or PLUGDEPS_SETTINGS",
            "point --settings / PLUGDEPS_SETTINGS at the right file",
          )
        : text.left.error,
    );
  }
  return pipe(
    parseJson5(file, text.right),
    E.chain(decodeWith(Settings, "plugdeps settings", file)),
    E.chain((settings) =>
      settings.installTimeout === undefined || (parseDuration(settings.installTimeout) ?? 0) > 0
        ? E.right(settings)
        : E.left(
            decodeError(file, "plugdeps settings", [
              `installTimeout: ${JSON.stringify(settings.installTimeout)} is not a positive duration (e.g. "10m", "90s", "1h")`,
            ]),
          ),
    ),
  );
};

/**
 * `--override NAME=SPEC` flags, parsed. Later flags win over earlier ones and over the settings
 * file. Names and specs get the same validation as manifest dependencies: a registry name and a
 * semver range, nothing that points at a path, a repository or a URL.
 */
export const mergeOverrides = (
  fromSettings: Readonly<Record<string, string>>,
  flags: readonly string[],
  source: string,
): E.Either<PlugdepsError, Record<string, string>> => {
  const merged: Record<string, string> = {};
  const problems: string[] = [];
  const add = (name: string, spec: string, where: string) => {
    const badName = checkPackageName(name);
    const verdict = checkSpec(spec);
    if (badName !== null) problems.push(`${where}: ${JSON.stringify(name)}: ${badName}`);
    else if (verdict._tag !== "Accepted")
      problems.push(`${where}: ${name}=${JSON.stringify(spec)}: ${verdict.reason}`);
    else merged[name] = verdict.range;
  };
  for (const [name, spec] of Object.entries(fromSettings)) add(name, spec, `${source} overrides`);
  for (const flag of flags) {
    const at = flag.lastIndexOf("=");
    if (at <= 0) {
      problems.push(`--override ${JSON.stringify(flag)}: expected NAME=SPEC`);
      continue;
    }
    add(flag.slice(0, at), flag.slice(at + 1), "--override");
  }
  return problems.length > 0
    ? E.left(
        usageError(
          `invalid overrides:\n${problems.map((p) => `  - ${p}`).join("\n")}\nFix: use NAME=SEMVER-RANGE with a registry package name.`,
        ),
      )
    : E.right(merged);
};
