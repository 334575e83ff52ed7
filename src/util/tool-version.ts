import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * plugdeps' own package.json: the nearest one named `plugdeps` above this module. Searched rather
 * than fixed because this code runs from several places: src/util (tests), dist/src/util, and
 * inside the CLI bundle dist/src/cli/main.bundle.cjs.
 */
let ownManifest: { file: string; version: string } | null | undefined;

export const ownPackageJson = (): { file: string; version: string } | null => {
  if (ownManifest !== undefined) return ownManifest;
  ownManifest = null;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 8; depth++) {
    const file = path.join(dir, "package.json");
    try {
      const pkg = JSON.parse(fs.readFileSync(file, "utf8")) as { name?: unknown; version?: unknown };
      if (pkg.name === "plugdeps" && typeof pkg.version === "string") {
        ownManifest = { file, version: pkg.version };
        break;
      }
    } catch {
      // none here (or unreadable): look further up
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return ownManifest;
};

/** This package's name and version, read once from its own package.json. */
export const toolInfo = (): { name: string; version: string } => ({
  name: "plugdeps",
  version: ownPackageJson()?.version ?? "0.0.0-unknown",
});
