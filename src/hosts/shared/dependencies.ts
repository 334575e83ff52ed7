/**
 * `optionalDependencies` override `dependencies` of the same name and are required (SPEC §5):
 * npm itself lists an optional dependency in both maps with the optional spec winning. Keys are
 * sorted so the plan is stable; Object.fromEntries defines own properties, so even a `__proto__`
 * name could not reach the prototype.
 */
export const mergeDependencies = (
  dependencies: Readonly<Record<string, string>> | undefined,
  optional: Readonly<Record<string, string>> | undefined,
): Record<string, string> => {
  const merged = new Map<string, string>([
    ...Object.entries(dependencies ?? {}),
    ...Object.entries(optional ?? {}),
  ]);
  return Object.fromEntries([...merged].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
};
