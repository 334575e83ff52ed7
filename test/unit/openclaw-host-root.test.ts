import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import {
  OPENCLAW_MANIFEST_NAME,
  openclawHostRoot,
  openclawRootHash,
  openclawRootName,
  openclawSees,
  openclawVersionSegment,
} from "../../src/hosts/openclaw/host-root.js";
import { OPENCLAW_LOCK_DIR } from "../../src/hosts/openclaw/openclaw-lock.js";
import type { HostRootContext } from "../../src/hosts/types.js";
import { mkdirp, writeFile } from "../support/trees.js";
import { tempDir } from "../support/temp.js";

/**
 * The name of the root the real OpenClaw reads (src/hosts/openclaw/host-root.ts): if plugdeps
 * computes another name than OpenClaw's own `resolveExternalBundledRuntimeDepsInstallRoots`, the
 * host never sees the materialization and starts a package manager. So every expected hash here
 * is computed independently with node:crypto, and one is pinned as a literal so that a change of
 * the algorithm on both sides at once still fails.
 */
const tmp = tempDir("openclaw-host-root");
let n = 0;

const GLOBAL_ROOT = "/usr/lib/node_modules/openclaw";
const sha12 = (...parts: (string | Buffer)[]): string => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest("hex").slice(0, 12);
};

/** A package root holding these files (relative path -> text); returns its path. */
const packageRootWith = (files: Record<string, string>): string => {
  const root = mkdirp(tmp, `pkg-${++n}`);
  for (const [rel, text] of Object.entries(files)) writeFile(path.join(root, rel), text);
  return root;
};

const PACKAGE_JSON = '{"name":"openclaw","version":"2026.4.30"}\n';
const INVENTORY = '{"files":["dist/index.js"]}\n';

describe("openclawRootHash, 2026.4.22 – 4.29: sha256 of the package root's path, 12 hex", () => {
  it("is the first 12 hex of sha256(packageRoot) for every version of the band", () => {
    for (const version of ["2026.4.22", "2026.4.25", "2026.4.28", "2026.4.29", "2026.4.29-beta.2"])
      expect(openclawRootHash(version, GLOBAL_ROOT), version).toBe(sha12(GLOBAL_ROOT));
  });

  it("is pinned: 4eca5026e977 for /usr/lib/node_modules/openclaw (computed once with node -e)", () => {
    // `node -e 'console.log(require("crypto").createHash("sha256").update("/usr/lib/node_modules/openclaw").digest("hex").slice(0,12))'`
    expect(openclawRootHash("2026.4.29", GLOBAL_ROOT)).toBe("4eca5026e977");
    expect(openclawRootName("2026.4.22", GLOBAL_ROOT)).toBe("openclaw-2026.4.22-4eca5026e977");
  });

  it("ignores the package's bytes before 2026.4.30: changing package.json keeps the name", () => {
    const a = packageRootWith({ "package.json": PACKAGE_JSON, "dist/postinstall-inventory.json": INVENTORY });
    const before = openclawRootHash("2026.4.29", a);
    fs.writeFileSync(path.join(a, "package.json"), '{"name":"openclaw","version":"other"}\n');
    expect(openclawRootHash("2026.4.29", a)).toBe(before);
    expect(before).toBe(sha12(a));
  });

  it("a version that is not YYYY.M.D gets the 2026.4.29 rule (path only), as its band does", () => {
    const a = packageRootWith({ "package.json": PACKAGE_JSON });
    expect(openclawRootHash("nightly", a)).toBe(sha12(a));
  });
});

describe("openclawRootHash from 2026.4.30: the path, then each file's `\\0rel\\0` prefix and bytes", () => {
  it("covers package.json and dist/postinstall-inventory.json, prereleases of 4.30 included", () => {
    const root = packageRootWith({
      "package.json": PACKAGE_JSON,
      "dist/postinstall-inventory.json": INVENTORY,
    });
    const expected = sha12(
      root,
      "\0package.json\0",
      Buffer.from(PACKAGE_JSON),
      "\0dist/postinstall-inventory.json\0",
      Buffer.from(INVENTORY),
    );
    for (const version of ["2026.4.30", "2026.4.30-beta.1", "2026.5.1", "2027.1.1"])
      expect(openclawRootHash(version, root), version).toBe(expected);
    expect(openclawRootName("2026.4.30-beta.1", root)).toBe(`openclaw-2026.4.30-beta.1-${expected}`);
  });

  it("different package.json bytes at the same path give a different root name", () => {
    const root = packageRootWith({
      "package.json": PACKAGE_JSON,
      "dist/postinstall-inventory.json": INVENTORY,
    });
    const before = openclawRootName("2026.4.30", root);
    // One byte more (a trailing newline an upgrade might add) is another package for OpenClaw.
    fs.writeFileSync(path.join(root, "package.json"), `${PACKAGE_JSON}\n`);
    const after = openclawRootName("2026.4.30", root);
    expect(after).not.toBe(before);
    expect(after.startsWith("openclaw-2026.4.30-")).toBe(true);
  });

  it("a missing inventory ends the hash right after its prefix (OpenClaw's one try block)", () => {
    const root = packageRootWith({ "package.json": PACKAGE_JSON });
    expect(openclawRootHash("2026.4.30", root)).toBe(
      sha12(root, "\0package.json\0", Buffer.from(PACKAGE_JSON), "\0dist/postinstall-inventory.json\0"),
    );
  });

  it("a missing package.json ends it after the first prefix: the inventory is not read then", () => {
    const root = packageRootWith({ "dist/postinstall-inventory.json": INVENTORY });
    expect(openclawRootHash("2026.4.30", root)).toBe(sha12(root, "\0package.json\0"));
  });

  it("is pinned for a root that does not exist: sha256('/nonexistent/openclaw\\0package.json\\0')", () => {
    // `node -e 'console.log(require("crypto").createHash("sha256").update("/nonexistent/openclaw\0package.json\0").digest("hex").slice(0,12))'`
    expect(openclawRootHash("2026.4.30", "/nonexistent/openclaw")).toBe(
      sha12("/nonexistent/openclaw", "\0package.json\0"),
    );
    expect(openclawRootHash("2026.4.30", "/nonexistent/openclaw")).toBe("c26cd8db7d08");
  });
});

describe("openclawVersionSegment: the version as one path segment (sanitizePathSegment)", () => {
  it("keeps [A-Za-z0-9._-], so a prerelease stays as it is", () => {
    expect(openclawVersionSegment("2026.4.30-beta.1")).toBe("2026.4.30-beta.1");
    expect(openclawVersionSegment("2026.4.29")).toBe("2026.4.29");
  });

  it("turns every run of other characters into one `-`, trimmed at both ends", () => {
    expect(openclawVersionSegment("2026.4.30 beta/1")).toBe("2026.4.30-beta-1");
    expect(openclawVersionSegment("a  //  b")).toBe("a-b");
    expect(openclawVersionSegment("  2026.4.29  ")).toBe("2026.4.29");
    expect(openclawVersionSegment("/2026.4.29+build/")).toBe("2026.4.29-build");
    // Never a path separator or a `..` parent step that escapes the stage base.
    expect(openclawVersionSegment("../../etc")).toBe("..-..-etc");
  });

  it("is `unknown` when nothing is left", () => {
    expect(openclawVersionSegment("")).toBe("unknown");
    expect(openclawVersionSegment("   ")).toBe("unknown");
    expect(openclawVersionSegment("/// ")).toBe("unknown");
  });
});

describe("openclawHostRoot: the directory OpenClaw 2026.4.22 – 4.30 reads", () => {
  const STAGE = "/var/lib/openclaw/plugin-runtime-deps";
  const ctx = (
    version: string,
    shared: Record<string, string> = { zod: "^3.23.0", "@slack/bolt": "^4.1.0" },
  ) => ({ version, packageRoot: GLOBAL_ROOT, stageBase: STAGE, shared }) satisfies HostRootContext;

  it("is null where OpenClaw stages inside its package (2026.4.20) or not at all (2026.5.2)", () => {
    expect(openclawHostRoot(ctx("2026.4.20"))).toBeNull();
    expect(openclawHostRoot(ctx("2026.3.22"))).toBeNull();
    expect(openclawHostRoot(ctx("2026.5.2"))).toBeNull();
  });

  it("is null with an empty shared set: the host stages nothing and reads no root then", () => {
    expect(openclawHostRoot(ctx("2026.4.29", {}))).toBeNull();
  });

  it("2026.4.22: the root under the stage base, no manifest, and the openclaw-unknown alias", () => {
    const spec = openclawHostRoot(ctx("2026.4.22"));
    expect(spec).not.toBeNull();
    if (spec === null) return;
    expect(spec.path).toBe(path.join(STAGE, "openclaw-2026.4.22-4eca5026e977"));
    expect(path.dirname(spec.path)).toBe(STAGE);
    expect(spec.manifest).toBeNull();
    // 4.22's channel entry takes the host root for its package root and finds no version there.
    expect(spec.aliases).toEqual([path.join(STAGE, `openclaw-unknown-${sha12(spec.path)}`)]);
    expect(spec.lock?.dir).toBe(path.join(spec.path, OPENCLAW_LOCK_DIR));
  });

  it("2026.4.29: manifest named for OpenClaw, dependencies sorted by name, keep any, no alias", () => {
    const spec = openclawHostRoot(ctx("2026.4.29", { zod: "^3.23.0", "@slack/bolt": "^4.1.0", ajv: "^8" }));
    expect(spec).not.toBeNull();
    if (spec === null) return;
    expect(spec.path).toBe(path.join(STAGE, "openclaw-2026.4.29-4eca5026e977"));
    expect(spec.aliases).toEqual([]);
    expect(spec.manifest?.name).toBe(OPENCLAW_MANIFEST_NAME);
    expect(spec.manifest?.name).toBe("openclaw-runtime-deps-install");
    expect(spec.manifest?.keep).toBe("any");
    // Object key order is what JSON.stringify writes into the manifest.
    expect(Object.keys(spec.manifest?.dependencies ?? {})).toEqual(["@slack/bolt", "ajv", "zod"]);
    expect(spec.manifest?.dependencies).toEqual({ "@slack/bolt": "^4.1.0", ajv: "^8", zod: "^3.23.0" });
  });

  it("2026.4.30-beta.1: keep superset, and the name hashes the package's bytes", () => {
    const root = packageRootWith({
      "package.json": PACKAGE_JSON,
      "dist/postinstall-inventory.json": INVENTORY,
    });
    const spec = openclawHostRoot({ ...ctx("2026.4.30-beta.1"), packageRoot: root });
    expect(spec).not.toBeNull();
    if (spec === null) return;
    expect(spec.manifest?.keep).toBe("superset");
    expect(spec.path).toBe(path.join(STAGE, openclawRootName("2026.4.30-beta.1", root)));
    expect(path.basename(spec.path)).not.toBe(`openclaw-2026.4.30-beta.1-${sha12(root)}`);
  });

  it("the lock's owner record is OpenClaw's {pid, starttime?, createdAtMs}, pretty-printed", () => {
    const spec = openclawHostRoot(ctx("2026.4.29"));
    if (spec === null) throw new Error("no host root");
    expect(spec.lock?.ownerText(42, 7, 1000)).toBe(
      `${JSON.stringify({ pid: 42, starttime: 7, createdAtMs: 1000 }, null, 2)}\n`,
    );
    expect(JSON.parse(spec.lock?.ownerText(42, null, 1000) ?? "null")).toEqual({
      pid: 42,
      createdAtMs: 1000,
    });
  });
});

describe("openclawSees: what OpenClaw counts as installed besides the target root", () => {
  it("2026.4.20 (in-package band): its package's node_modules, never a read-only layer", () => {
    expect(openclawSees("2026.4.20")).toMatchObject({ packageNodeModules: true, layers: false });
  });

  it("2026.4.22 and 4.29: only their own root, neither the package nor the layers", () => {
    for (const version of ["2026.4.22", "2026.4.29", "2026.4.30-beta.1"])
      expect(openclawSees(version), version).toMatchObject({ packageNodeModules: false, layers: false });
  });

  it("2026.5.2: stages nothing itself, so both count (Node's resolution through the hook)", () => {
    expect(openclawSees("2026.5.2")).toMatchObject({ packageNodeModules: true, layers: true });
  });

  it("says why whenever it restricts what counts", () => {
    expect(openclawSees("2026.4.20").why).not.toBe("");
    expect(openclawSees("2026.4.29").why).toContain("2026.4.29");
  });
});
