// What the oracles (prune.mjs, select.mjs) share to find OpenClaw's own functions in its dist:
// plain JavaScript, run under Node 22 with them, never imported by the tests.

/** `realName -> alias` from the chunk's last `export { realName as alias, other, ... };`. */
export const exportAliases = (source) => {
  const statements = [...source.matchAll(/^export\s*\{([^}]*)\}\s*;?\s*$/gm)];
  const aliases = new Map();
  const last = statements.at(-1);
  if (!last) return aliases;
  for (const part of last[1].split(",")) {
    const m = part.trim().match(/^([\w$]+)(?:\s+as\s+([\w$]+))?$/);
    if (m) aliases.set(m[1], m[2] ?? m[1]);
  }
  return aliases;
};
