/**
 * The tagged error union. Every failure plugdeps reports is one of these values: a test can assert
 * on `_tag`, and `message` always says what failed, where, and how to fix it (LESSONS: openclaw
 * #69923 swallowed an EROFS and plugins died later with `Cannot find module`).
 */

export type PlugdepsError =
  | { readonly _tag: "ConfigNotFound"; readonly path: string; readonly message: string }
  | {
      readonly _tag: "ConfigParseError";
      readonly path: string;
      readonly line: number;
      readonly column: number;
      readonly message: string;
    }
  | { readonly _tag: "DecodeError"; readonly path: string; readonly what: string; readonly message: string }
  | { readonly _tag: "PackageRootNotFound"; readonly tried: readonly string[]; readonly message: string }
  | { readonly _tag: "HostUnknown"; readonly packageRoot: string; readonly message: string }
  | { readonly _tag: "ProfileInvalid"; readonly path: string; readonly message: string }
  | {
      readonly _tag: "NoWritableStageBase";
      readonly candidates: readonly {
        readonly path: string;
        readonly source: string;
        readonly error: string;
      }[];
      readonly message: string;
    }
  | {
      readonly _tag: "FsError";
      readonly op: string;
      readonly path: string;
      readonly code: string;
      readonly message: string;
    }
  | { readonly _tag: "PlanFileInvalid"; readonly path: string; readonly message: string }
  | { readonly _tag: "UsageError"; readonly message: string };

export type ErrorTag = PlugdepsError["_tag"];

export const configNotFound = (path: string, how: string): PlugdepsError => ({
  _tag: "ConfigNotFound",
  path,
  message: `config file not found: ${path} (${how}). Fix: create it, or point --config / OPENCLAW_CONFIG_PATH at the right file.`,
});

/** A syntax error in a JSON or JSON5 file; `what` names the kind of file ("JSON5", "JSON"). */
export const configParseError = (
  path: string,
  line: number,
  column: number,
  detail: string,
  what = "JSON5",
): PlugdepsError => ({
  _tag: "ConfigParseError",
  path,
  line,
  column,
  message: `${path}:${line}:${column}: not valid ${what}: ${detail}. Fix the syntax at that position.`,
});

export const decodeError = (path: string, what: string, problems: readonly string[]): PlugdepsError => ({
  _tag: "DecodeError",
  path,
  what,
  message: `${path}: invalid ${what}:\n${problems.map((p) => `  - ${p}`).join("\n")}\nFix the listed keys.`,
});

export const packageRootNotFound = (tried: readonly string[], hint: string): PlugdepsError => ({
  _tag: "PackageRootNotFound",
  tried,
  message: `host package root not found; tried:\n${tried.map((t) => `  - ${t}`).join("\n")}\nFix: ${hint}`,
});

export const hostUnknown = (packageRoot: string, detail: string): PlugdepsError => ({
  _tag: "HostUnknown",
  packageRoot,
  message: `cannot tell which host lives at ${packageRoot}: ${detail}. Fix: pass --host openclaw or --host profile:FILE.`,
});

export const profileInvalid = (path: string, detail: string): PlugdepsError => ({
  _tag: "ProfileInvalid",
  path,
  message: `host profile ${path} is invalid: ${detail}. Fix the profile (see fixtures/profiles/ for an example).`,
});

export const noWritableStageBase = (
  candidates: readonly { path: string; source: string; error: string }[],
  variables: string,
): PlugdepsError => ({
  _tag: "NoWritableStageBase",
  candidates,
  message:
    `no writable stage base; every candidate failed:\n` +
    candidates.map((c) => `  - ${c.path} (${c.source}): ${c.error}`).join("\n") +
    `\nFix: pass --stage-dir DIR or set ${variables} to a writable directory (under systemd, add it to ReadWritePaths= or use StateDirectory=).`,
});

/** Wraps a Node fs error (or anything thrown by fs) with the operation and path. */
export const fsError = (op: string, path: string, err: unknown, fix?: string): PlugdepsError => {
  const code = errnoCode(err);
  const detail = err instanceof Error ? err.message : String(err);
  return {
    _tag: "FsError",
    op,
    path,
    code,
    message: `${op} failed for ${path}: ${code}: ${detail}${fix ? `. Fix: ${fix}` : ""}`,
  };
};

export const planFileInvalid = (path: string, detail: string): PlugdepsError => ({
  _tag: "PlanFileInvalid",
  path,
  message: `plan file ${path} is not a plugdeps plan: ${detail}. Fix: re-create it with \`plugdeps plan --out ${path}\`.`,
});

export const usageError = (detail: string): PlugdepsError => ({ _tag: "UsageError", message: detail });

export const errnoCode = (err: unknown): string =>
  typeof err === "object" && err !== null && "code" in err && typeof err.code === "string"
    ? err.code
    : "EUNKNOWN";
