/**
 * What makes a plugin id acceptable, for every adapter: the id is a directory name of the host
 * package that becomes part of paths (`plugin:<id>` install sets, their directories), of config
 * keys (`plugins.entries.<id>`) and of every line a human reads. One safe path segment: letters,
 * digits, `.`, `_`, `-`, starting with a letter or digit (so no `..`, no `/`, no control
 * character), at most 214 characters (npm's limit for a package name: ids are package-name-like,
 * and a longer one is no real plugin's).
 */
export const PLUGIN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const MAX_PLUGIN_ID_LENGTH = 214;

/**
 * Why `id` is not a valid plugin id, or null when it is. The id is quoted JSON-style, so a
 * newline or an escape sequence in it reads as `\n` / `\u001b` in the plan (JSON and human) and
 * is never printed raw.
 */
export const pluginIdProblem = (id: string): string | null => {
  const quoted = JSON.stringify(id.length > 80 ? `${id.slice(0, 80)}…` : id);
  if (id.length > MAX_PLUGIN_ID_LENGTH)
    return `directory name ${quoted} is not a valid plugin id: ${id.length} characters, more than ${MAX_PLUGIN_ID_LENGTH}`;
  if (!PLUGIN_ID_PATTERN.test(id))
    return `directory name ${quoted} is not a valid plugin id (${PLUGIN_ID_PATTERN.source})`;
  return null;
};
