import * as fs from "node:fs";
import * as path from "node:path";
import { STATE_DIR, STATE_FILE } from "../../src/model/layout.js";
import type { RootState } from "../../src/model/state.js";

/**
 * Small builders for fake on-disk trees used by the observe and reconciler tests: installed
 * packages in a `node_modules` directory and owned versioned roots carrying a valid state record.
 */

export const writeFile = (file: string, text = ""): string => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
};

export const mkdirp = (...parts: string[]): string => {
  const dir = path.join(...parts);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
};

export interface FakePackage {
  readonly name: string;
  readonly version: string;
  readonly main?: string;
  readonly exports?: unknown;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
  /**
   * Files to create inside the package (relative paths). Default: the entry file the manifest
   * names (`main`, a string `exports`, else `index.js`). Pass `[]` for a package whose code is
   * missing (an interrupted install).
   */
  readonly files?: readonly string[];
}

/** Writes `<nodeModules>/<name>/package.json` plus its files; returns the package dir. */
export const writePackage = (nodeModules: string, pkg: FakePackage): string => {
  const dir = path.join(nodeModules, pkg.name);
  const manifest: Record<string, unknown> = { name: pkg.name, version: pkg.version };
  if (pkg.main !== undefined) manifest["main"] = pkg.main;
  if (pkg.exports !== undefined) manifest["exports"] = pkg.exports;
  if (pkg.dependencies !== undefined) manifest["dependencies"] = pkg.dependencies;
  if (pkg.optionalDependencies !== undefined) manifest["optionalDependencies"] = pkg.optionalDependencies;
  writeFile(path.join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  const files = pkg.files ?? [
    pkg.main ?? (typeof pkg.exports === "string" ? pkg.exports : undefined) ?? "index.js",
  ];
  for (const f of files) writeFile(path.join(dir, f), "module.exports = {};\n");
  return dir;
};

export interface RootStateInput {
  readonly hostName: string;
  readonly hostVersion?: string;
  readonly packageRoot?: string;
  readonly identity?: string;
  readonly planFingerprint?: string;
  readonly updatedAt?: string;
  readonly sets?: RootState["sets"];
}

/** A valid state record (decodes with the RootState codec). */
export const rootState = (input: RootStateInput): RootState => ({
  formatVersion: 1,
  tool: { name: "plugdeps", version: "0.1.0" },
  layoutVersion: 1,
  host: {
    name: input.hostName,
    version: input.hostVersion ?? "1.0.0",
    packageRoot: input.packageRoot ?? "/usr/lib/node_modules/host",
    identity: input.identity ?? "0123456789ab",
  },
  planFingerprint: input.planFingerprint ?? "sha256:0",
  sets: input.sets ?? [{ id: "shared", dir: "", packages: {} }],
  createdAt: input.updatedAt ?? "2026-01-01T00:00:00.000Z",
  updatedAt: input.updatedAt ?? "2026-01-01T00:00:00.000Z",
});

/** Creates `<stageBase>/<name>/` with `.plugdeps/state.json`; returns the root path. */
export const writeOwnedRoot = (stageBase: string, name: string, input: RootStateInput): string => {
  const root = mkdirp(stageBase, name);
  writeFile(path.join(root, STATE_DIR, STATE_FILE), `${JSON.stringify(rootState(input), null, 2)}\n`);
  return root;
};

/** Directory entries (recursive) with their mtimes: to show that something wrote nothing. */
export const snapshot = (dir: string): Record<string, number> => {
  const out: Record<string, number> = {};
  const walk = (d: string): void => {
    out[path.relative(dir, d) || "."] = fs.lstatSync(d).mtimeMs;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = fs.lstatSync(p).mtimeMs;
    }
  };
  walk(dir);
  return out;
};
