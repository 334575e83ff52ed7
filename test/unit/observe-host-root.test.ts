import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openclawHostRoot } from "../../src/hosts/openclaw/host-root.js";
import { OPENCLAW_LOCK_DIR } from "../../src/hosts/openclaw/openclaw-lock.js";
import type { HostRootSpec } from "../../src/hosts/types.js";
import { linkTextFor, manifestProblem, observeHostRoot } from "../../src/observe/host-root.js";
import { mkdirp, writeFile } from "../support/trees.js";
import { tempDir } from "../support/temp.js";

/**
 * Does the host's own root show the target root (src/observe/host-root.ts)? Every problem here is
 * work for apply, and an empty list is the host root "in place": a missed problem leaves the real
 * OpenClaw starting a package manager, a false one makes every apply rewrite the host's files.
 */
const tmp = tempDir("observe-host-root");
let n = 0;

const MANIFEST_NAME = "openclaw-runtime-deps-install";
const WANT = { "@slack/bolt": "^4.1.0", zod: "^3.23.0" };

/** A fresh stage base with the names a host root and plugdeps' target root would have there. */
const stage = (): { base: string; hostRoot: string; targetRoot: string; want: string } => {
  const base = mkdirp(tmp, `stage-${++n}`);
  const targetRoot = path.join(base, "openclaw-plugdeps-2026.4.29-0123456789ab");
  return {
    base,
    hostRoot: path.join(base, "openclaw-2026.4.29-4eca5026e977"),
    targetRoot,
    want: linkTextFor(targetRoot),
  };
};

const specAt = (
  dir: string,
  manifest: HostRootSpec["manifest"] = null,
  aliases: readonly string[] = [],
): HostRootSpec => ({
  path: dir,
  aliases,
  manifest,
  lock: { dir: path.join(dir, OPENCLAW_LOCK_DIR), ownerText: () => "", judge: () => null },
  why: "test",
});

const manifest = (keep: "any" | "superset", dependencies: Record<string, string> = WANT) => ({
  name: MANIFEST_NAME,
  dependencies,
  keep,
});

/** A host root made the way apply leaves it: a real dir whose node_modules is the relative link. */
const inPlace = (dir: string, linkText: string): string => {
  mkdirp(dir);
  fs.symlinkSync(linkText, path.join(dir, "node_modules"));
  return dir;
};

const writeManifest = (dir: string, doc: unknown): string =>
  writeFile(path.join(dir, "package.json"), typeof doc === "string" ? doc : JSON.stringify(doc, null, 2));

describe("linkTextFor", () => {
  it("is ../<target root name>/node_modules: relative, through the target root's own link", () => {
    expect(linkTextFor("/var/lib/stage/openclaw-plugdeps-x")).toBe("../openclaw-plugdeps-x/node_modules");
  });
});

describe("observeHostRoot: problems, each one work for apply", () => {
  it("a host root that is absent: it does not exist yet", () => {
    const s = stage();
    const seen = observeHostRoot(specAt(s.hostRoot), s.targetRoot, null);
    expect(seen.problems).toEqual(["it does not exist yet"]);
    expect(seen.linksTo).toBe(s.want);
    expect(seen.path).toBe(s.hostRoot);
  });

  it("a host root that is a symlink, even to a directory set up right, is not in place", () => {
    const s = stage();
    // OpenClaw would follow the link; plugdeps never does, and never counts it as its own.
    const elsewhere = inPlace(path.join(s.base, "elsewhere"), s.want);
    fs.symlinkSync(elsewhere, s.hostRoot);
    expect(observeHostRoot(specAt(s.hostRoot), s.targetRoot, null).problems).toEqual([
      "it is a symlink; the host needs a real directory",
    ]);
  });

  it("a host root that is a file is not a directory", () => {
    const s = stage();
    writeFile(s.hostRoot, "x");
    expect(observeHostRoot(specAt(s.hostRoot), s.targetRoot, null).problems).toEqual([
      "it is not a directory; the host needs a real directory",
    ]);
  });

  it("a real directory without node_modules", () => {
    const s = stage();
    mkdirp(s.hostRoot);
    expect(observeHostRoot(specAt(s.hostRoot), s.targetRoot, null).problems).toEqual([
      "node_modules does not exist",
    ]);
  });

  it("a node_modules that is a real directory is the host's own install", () => {
    const s = stage();
    writeFile(
      path.join(s.hostRoot, "node_modules", "zod", "package.json"),
      '{"name":"zod","version":"3.23.8"}',
    );
    expect(observeHostRoot(specAt(s.hostRoot), s.targetRoot, null).problems).toEqual([
      "node_modules is the host's own install, not a link to the target root",
    ]);
  });

  it("a node_modules linking elsewhere names both texts", () => {
    const s = stage();
    inPlace(s.hostRoot, "../openclaw-plugdeps-old/node_modules");
    expect(observeHostRoot(specAt(s.hostRoot), s.targetRoot, null).problems).toEqual([
      `node_modules links to ../openclaw-plugdeps-old/node_modules, not ${s.want}`,
    ]);
  });

  it("an absolute link to the right place is still not the link apply makes (the text must be exact)", () => {
    const s = stage();
    const absolute = path.join(s.targetRoot, "node_modules");
    inPlace(s.hostRoot, absolute);
    expect(observeHostRoot(specAt(s.hostRoot), s.targetRoot, null).problems).toEqual([
      `node_modules links to ${absolute}, not ${s.want}`,
    ]);
  });

  it("the right link and no manifest read (2026.4.22): in place, whatever else the host keeps there", () => {
    const s = stage();
    inPlace(s.hostRoot, s.want);
    // The host's lock and its mirror of its code are the host's: not looked at.
    mkdirp(s.hostRoot, OPENCLAW_LOCK_DIR);
    writeFile(path.join(s.hostRoot, "dist", "index.js"), "");
    const seen = observeHostRoot(specAt(s.hostRoot), s.targetRoot, null);
    expect(seen.problems).toEqual([]);
    expect(seen.manifest).toBeNull();
  });

  it("the real 2026.4.22 spec is in place once the root and its openclaw-unknown alias both link", () => {
    const s = stage();
    const spec = openclawHostRoot({
      version: "2026.4.22",
      packageRoot: "/usr/lib/node_modules/openclaw",
      stageBase: s.base,
      shared: WANT,
    });
    if (spec === null) throw new Error("2026.4.22 has a host root");
    inPlace(spec.path, s.want);
    const alias = spec.aliases[0] ?? "";
    // Without the alias, the problem names it (the host root's own path is printed beside).
    expect(observeHostRoot(spec, s.targetRoot, null).problems).toEqual([
      `${path.basename(alias)}: it does not exist yet`,
    ]);
    inPlace(alias, s.want);
    expect(observeHostRoot(spec, s.targetRoot, null).problems).toEqual([]);
  });

  it("a complete root in a read-only layer: the link is its absolute node_modules", () => {
    const s = stage();
    const layerRoot = "/opt/layer/openclaw-plugdeps-2026.4.29-0123456789ab";
    inPlace(s.hostRoot, s.want);
    const seen = observeHostRoot(specAt(s.hostRoot), s.targetRoot, { root: layerRoot });
    expect(seen.linksTo).toBe(`${layerRoot}/node_modules`);
    expect(seen.problems).toEqual([`node_modules links to ${s.want}, not ${layerRoot}/node_modules`]);
  });

  it("with a manifest read: the right link and a missing package.json is one problem", () => {
    const s = stage();
    inPlace(s.hostRoot, s.want);
    const seen = observeHostRoot(specAt(s.hostRoot, manifest("superset")), s.targetRoot, null);
    expect(seen.problems).toEqual(["package.json does not exist"]);
    expect(seen.manifest).toEqual(WANT);
    writeManifest(s.hostRoot, { name: MANIFEST_NAME, dependencies: WANT });
    expect(observeHostRoot(specAt(s.hostRoot, manifest("superset")), s.targetRoot, null).problems).toEqual(
      [],
    );
  });
});

describe("manifestProblem: why plugdeps must (re)write the host's manifest, or null", () => {
  const dirWith = (doc?: unknown): string => {
    const dir = mkdirp(tmp, `manifest-${++n}`);
    if (doc !== undefined) writeManifest(dir, doc);
    return dir;
  };
  const problem = (dir: string, keep: "any" | "superset" = "superset", want = WANT): string | null =>
    manifestProblem(path.join(dir, "package.json"), manifest(keep, want));

  it("missing", () => {
    expect(problem(dirWith())).toBe("package.json does not exist");
  });

  it("not valid JSON", () => {
    expect(problem(dirWith('{"name": "openclaw-runtime-deps-install", '))).toBe(
      "package.json is not valid JSON",
    );
  });

  it("named otherwise, or not an object at all", () => {
    expect(problem(dirWith({ name: "openclaw", dependencies: WANT }))).toBe(
      `package.json is not named ${MANIFEST_NAME}`,
    );
    expect(problem(dirWith("null"))).toBe(`package.json is not named ${MANIFEST_NAME}`);
    expect(problem(dirWith("[1]"))).toBe(`package.json is not named ${MANIFEST_NAME}`);
  });

  it("the right name without a dependencies object", () => {
    expect(problem(dirWith({ name: MANIFEST_NAME }))).toBe("package.json lists no dependencies");
    expect(problem(dirWith({ name: MANIFEST_NAME, dependencies: ["zod"] }))).toBe(
      "package.json lists no dependencies",
    );
  });

  it('keep "any" (2026.4.29): the host\'s own manifest with other specs will do', () => {
    // 4.29 rewrites it to each caller's exact spec set itself, starting no package manager.
    const dir = dirWith({ name: MANIFEST_NAME, dependencies: { zod: "^3.0.0", other: "1.0.0" } });
    expect(problem(dir, "any")).toBeNull();
    expect(problem(dirWith({ name: MANIFEST_NAME, dependencies: {} }), "any")).toBeNull();
  });

  it('keep "superset" (2026.4.30): a missing or different spec is named', () => {
    const missing = dirWith({ name: MANIFEST_NAME, dependencies: { "@slack/bolt": "^4.1.0" } });
    expect(problem(missing)).toBe("package.json does not list zod@^3.23.0");
    const other = dirWith({ name: MANIFEST_NAME, dependencies: { "@slack/bolt": "^4.0.0", zod: "^3.23.0" } });
    expect(problem(other)).toBe("package.json does not list @slack/bolt@^4.1.0");
  });

  it('keep "superset": extra specs beside every desired one will do', () => {
    const dir = dirWith({ name: MANIFEST_NAME, dependencies: { ...WANT, extra: "^1.0.0" } });
    expect(problem(dir)).toBeNull();
  });

  describe("never reads what is not a regular file of a sane size (and so never blocks)", () => {
    // A FIFO cannot be made here (node has no mkfifo and unit tests start no process): these are
    // the in-process stand-ins. A link to /dev/zero would never end if it were followed and read.
    const sockets: net.Server[] = [];
    afterAll(async () => {
      await Promise.all(sockets.map((s) => new Promise((resolve) => s.close(resolve))));
    });

    it("a symlink to /dev/zero", () => {
      const dir = dirWith();
      fs.symlinkSync("/dev/zero", path.join(dir, "package.json"));
      expect(problem(dir)).toBe("package.json is not a regular file of a sane size");
    });

    it("a symlink to a good manifest (a link is never followed)", () => {
      const good = dirWith({ name: MANIFEST_NAME, dependencies: WANT });
      const dir = dirWith();
      fs.symlinkSync(path.join(good, "package.json"), path.join(dir, "package.json"));
      expect(problem(dir)).toBe("package.json is not a regular file of a sane size");
    });

    it("a unix socket (a special file like a FIFO)", async () => {
      const dir = dirWith();
      const server = net.createServer();
      sockets.push(server);
      await new Promise<void>((resolve) => server.listen(path.join(dir, "package.json"), resolve));
      expect(fs.lstatSync(path.join(dir, "package.json")).isSocket()).toBe(true);
      expect(problem(dir)).toBe("package.json is not a regular file of a sane size");
    });

    it("a directory", () => {
      const dir = dirWith();
      mkdirp(dir, "package.json");
      expect(problem(dir)).toBe("package.json is not a regular file of a sane size");
    });

    it("a file above 4 MiB (sparse), though it starts as a valid manifest", () => {
      const dir = dirWith({ name: MANIFEST_NAME, dependencies: WANT });
      fs.truncateSync(path.join(dir, "package.json"), 4 * 1024 * 1024 + 1);
      expect(problem(dir)).toBe("package.json is not a regular file of a sane size");
    });
  });

  it("a path that cannot be inspected says why (its parent is a file)", () => {
    const file = writeFile(path.join(tmp, `not-a-dir-${++n}`), "x");
    expect(problem(file)).toBe("cannot inspect package.json: ENOTDIR");
  });
});
