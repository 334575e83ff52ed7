import * as fs from "node:fs";

/** This package's name and version, read once from its own package.json. */
let cached: { name: string; version: string } | undefined;

export const toolInfo = (): { name: string; version: string } => {
  if (cached) return cached;
  // dist/src/util/ and src/util/ are both three levels below the package root... but not the
  // same three: try both layouts.
  for (const rel of ["../../../package.json", "../../package.json"]) {
    try {
      const pkg = JSON.parse(fs.readFileSync(new URL(rel, import.meta.url), "utf8")) as {
        name?: unknown;
        version?: unknown;
      };
      if (pkg.name === "plugdeps" && typeof pkg.version === "string") {
        cached = { name: "plugdeps", version: pkg.version };
        return cached;
      }
    } catch {
      // try the next layout
    }
  }
  cached = { name: "plugdeps", version: "0.0.0-unknown" };
  return cached;
};
