import { spawnSync } from "node:child_process";
import fsDefault from "node:fs";
import * as fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as E from "fp-ts/lib/Either.js";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import type { StageCandidateSpec } from "../../src/hosts/types.js";
import { probeWritable } from "../../src/util/probe-writable.js";
import { chooseStageBase } from "../../src/observe/stage-base.js";
import { mkdirp, snapshot, tempDir, writeFile } from "../support/trees.js";

const tmp = tempDir("observe-stage");
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const VARS = "--stage-dir, OPENCLAW_PLUGIN_STAGE_DIR, STATE_DIRECTORY or OPENCLAW_STATE_DIR";

const target = (p: string, source = p): StageCandidateSpec => ({ path: p, source, role: "target" });
const layer = (p: string, source = p): StageCandidateSpec => ({ path: p, source, role: "layer" });

/**
 * Records every probing call (access(2), mkdir) the code under test makes. The source imports
 * `node:fs` as a namespace; patching the default export and syncing the builtin ESM exports is
 * what makes the namespace see the wrapper.
 */
const recordProbes = <T>(run: () => T): { result: T; probed: string[] } => {
  const probed: string[] = [];
  const access = fsDefault.accessSync;
  const mkdir = fsDefault.mkdirSync;
  fsDefault.accessSync = ((p: fs.PathLike, mode?: number) => {
    probed.push(`access ${String(p)}`);
    return access(p, mode);
  }) as typeof access;
  fsDefault.mkdirSync = ((p: fs.PathLike, opts?: fs.MakeDirectoryOptions) => {
    probed.push(`mkdir ${path.dirname(String(p))}`);
    return mkdir(p, opts);
  }) as typeof mkdir;
  syncBuiltinESMExports();
  try {
    return { result: run(), probed };
  } finally {
    fsDefault.accessSync = access;
    fsDefault.mkdirSync = mkdir;
    syncBuiltinESMExports();
  }
};

/** A path where a regular file sits in the way of a directory. */
const fileInTheWay = (): string => writeFile(path.join(mkdirp(tmp, "blocked"), "a-file"), "x");
/** A symlink loop: stat(2) fails with ELOOP. */
const loop = (): string => {
  const d = mkdirp(tmp, "loop");
  if (!fs.existsSync(path.join(d, "a")) && !isLink(path.join(d, "a"))) {
    fs.symlinkSync(path.join(d, "b"), path.join(d, "a"));
    fs.symlinkSync(path.join(d, "a"), path.join(d, "b"));
  }
  return path.join(d, "a", "stage");
};
const isLink = (p: string): boolean => {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
};

describe("probeWritable", () => {
  it("a writable directory, both modes; the write probe leaves nothing behind", () => {
    const d = mkdirp(tmp, "rw");
    writeFile(path.join(d, "keep"), "k");
    const before = fs.readdirSync(d).sort();
    expect(probeWritable(d, "write")).toEqual({ writable: true, probedAt: d });
    expect(fs.readdirSync(d).sort()).toEqual(before);
    expect(probeWritable(d, "access")).toEqual({ writable: true, probedAt: d });
  });

  it("access mode writes nothing: entries and mtimes unchanged", () => {
    const d = mkdirp(tmp, "access-only");
    writeFile(path.join(d, "sub", "file"), "x");
    const before = snapshot(tmp);
    for (let i = 0; i < 5; i++) {
      probeWritable(d, "access");
      probeWritable(path.join(d, "not", "yet"), "access");
    }
    expect(snapshot(tmp)).toEqual(before);
  });

  it("a directory that does not exist yet is judged by its nearest existing ancestor", () => {
    const d = mkdirp(tmp, "ancestor");
    const deep = path.join(d, "x", "y", "z");
    expect(probeWritable(deep, "write")).toEqual({ writable: true, probedAt: d });
    expect(probeWritable(deep, "access")).toEqual({ writable: true, probedAt: d });
    expect(fs.existsSync(path.join(d, "x"))).toBe(false);
  });

  it("a file in the way: ENOTDIR, at the file", () => {
    const f = fileInTheWay();
    for (const p of [f, path.join(f, "below", "it")]) {
      expect(probeWritable(p, "write")).toEqual({
        writable: false,
        probedAt: f,
        code: "ENOTDIR",
        error: `${f} is not a directory`,
      });
    }
  });

  it("a path that cannot be inspected reports its own error code, not ENOTDIR", () => {
    const p = loop();
    const got = probeWritable(p, "write");
    expect(got.writable).toBe(false);
    if (!got.writable) {
      expect(got.code).toBe("ELOOP");
      expect(got.error).toContain("ELOOP");
      expect(got.error).toContain(path.dirname(p));
    }
  });
});

describe("chooseStageBase", () => {
  it("the first writable target wins; later targets are skipped and never probed; layers never probed", () => {
    const blocked = fileInTheWay();
    const first = path.join(blocked, "stage"); // not writable: a file in the way
    const second = mkdirp(tmp, "second");
    const third = mkdirp(tmp, "third");
    const ro1 = mkdirp(tmp, "layer-1");
    const ro2 = path.join(blocked, "layer-2"); // would fail a probe, but layers are not probed
    for (const mode of ["write", "access"] as const) {
      const { result, probed } = recordProbes(() =>
        chooseStageBase(
          [
            layer(ro1, "ENV[0]"),
            target(first, "--stage-dir"),
            layer(ro2, "ENV[1]"),
            target(second, "ENV[2]"),
            target(third, "default"),
          ],
          mode,
          VARS,
        ),
      );
      expect(E.isRight(result)).toBe(true);
      if (E.isLeft(result)) continue;
      const choice = result.right;
      expect(choice.target).toEqual({
        path: second,
        source: "ENV[2]",
        role: "target",
        writable: true,
        detail: `writable (${mode === "write" ? "write probe" : "access(2) W_OK"} at ${second})`,
      });
      expect(choice.layers.map((l) => [l.path, l.role, l.writable])).toEqual([
        [ro1, "layer", false],
        [ro2, "layer", false],
      ]);
      expect(choice.all.map((c) => [c.path, c.role, c.writable])).toEqual([
        [ro1, "layer", false],
        [first, "skipped", false],
        [ro2, "layer", false],
        [second, "target", true],
        [third, "skipped", null],
      ]);
      expect(choice.all[1]?.detail).toBe(`${blocked} is not a directory`);
      expect(choice.all[4]?.detail).toMatch(/not probed: an earlier candidate is writable/);
      // Only `second` was probed for writing (`first` failed before any probe: its ancestor is a file).
      expect(probed).toEqual([mode === "write" ? `mkdir ${second}` : `access ${second}`]);
    }
  });

  it("resolves relative candidate paths", () => {
    const rel = path.relative(process.cwd(), mkdirp(tmp, "relative"));
    const got = chooseStageBase([target(rel)], "access", VARS);
    expect(E.isRight(got) && got.right.target.path).toBe(path.resolve(rel));
  });

  it("none writable: NoWritableStageBase lists each candidate with its error and names the variables", () => {
    const blocked = fileInTheWay();
    const looped = loop();
    const got = chooseStageBase(
      [
        target(path.join(blocked, "s"), "--stage-dir"),
        layer(mkdirp(tmp, "ro-layer"), "ENV[0]"),
        target(looped, "default"),
      ],
      "write",
      VARS,
    );
    expect(E.isLeft(got)).toBe(true);
    if (E.isRight(got)) return;
    const err = got.left;
    expect(err._tag).toBe("NoWritableStageBase");
    if (err._tag !== "NoWritableStageBase") return;
    expect(err.candidates).toEqual([
      { path: path.join(blocked, "s"), source: "--stage-dir", error: `${blocked} is not a directory` },
      { path: looped, source: "default", error: expect.stringContaining("ELOOP") as unknown as string },
    ]);
    expect(err.message).toContain(`${path.join(blocked, "s")} (--stage-dir): ${blocked} is not a directory`);
    expect(err.message).toContain(`${looped} (default): ELOOP`);
    expect(err.message).toContain(`set ${VARS}`);
    expect(err.message).toContain("--stage-dir DIR");
    // The read-only layer is not a failed candidate.
    expect(err.message).not.toContain("ro-layer");
  });

  it("no candidates at all is an error too", () => {
    const got = chooseStageBase([], "write", VARS);
    expect(E.isLeft(got) && got.left._tag).toBe("NoWritableStageBase");
  });
});

/**
 * A real read-only mount (openclaw #70163: permission bits said writable, the mount was
 * read-only). Runs a child in a private mount namespace, bind-mounts a directory read-only onto
 * itself and probes it with the current source (transpiled on the fly, so a stale dist/ cannot
 * hide a regression).
 */
describe("probeWritable on a real read-only bind mount", () => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const repo = path.resolve(here, "..", "..");

  const transpile = (): string => {
    const out = mkdirp(tmp, "child");
    writeFile(path.join(out, "package.json"), '{"type":"module"}');
    fs.symlinkSync(path.join(repo, "node_modules"), path.join(out, "node_modules"));
    for (const rel of [
      "src/util/probe-writable.ts",
      "src/observe/stage-base.ts",
      "src/util/observed-fs.ts",
      "src/model/errors.ts",
    ]) {
      const js = ts.transpileModule(fs.readFileSync(path.join(repo, rel), "utf8"), {
        compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
      }).outputText;
      writeFile(path.join(out, rel.replace(/\.ts$/, ".js")), js);
    }
    return out;
  };

  it("both probe modes see EROFS; chooseStageBase falls through to the next candidate", (ctx) => {
    const why = (reason: string): never => {
      console.warn(`SKIPPED read-only bind mount test: ${reason}`);
      return ctx.skip(reason);
    };
    if (process.platform !== "linux") why("needs Linux mount namespaces");
    if (typeof process.getuid !== "function" || process.getuid() !== 0) why("needs root for mount --bind");
    const hasUnshare = spawnSync("unshare", ["--version"]).status === 0;
    if (!hasUnshare) why("unshare(1) is not available");

    const ro = mkdirp(tmp, "ro-mount");
    writeFile(path.join(ro, "existing"), "x");
    const fallback = mkdirp(tmp, "rw-fallback");
    const out = transpile();
    const script = `
      import * as fs from "node:fs";
      const { probeWritable } = await import(${JSON.stringify(pathToFileURL(path.join(out, "src/util/probe-writable.js")).href)});
      const { chooseStageBase } = await import(${JSON.stringify(pathToFileURL(path.join(out, "src/observe/stage-base.js")).href)});
      const D = ${JSON.stringify(ro)};
      const st = fs.statSync(D);
      let plainMkdir = "ok";
      try { fs.mkdirSync(D + "/plain"); } catch (e) { plainMkdir = e.code; }
      const choice = chooseStageBase(
        [{ path: D + "/stage", source: "--stage-dir", role: "target" }, { path: ${JSON.stringify(fallback)}, source: "default", role: "target" }],
        "write", "X");
      console.log(JSON.stringify({
        modeBitsSayWritable: (st.mode & 0o200) !== 0 && st.uid === process.getuid(),
        plainMkdir,
        write: probeWritable(D, "write"),
        access: probeWritable(D, "access"),
        notYet: probeWritable(D + "/not/yet", "write"),
        choice: choice.right.all.map((c) => [c.path, c.role, c.writable, c.detail]),
        // status on a read-only stage (a host container's read-only volume): observed, not written
        strict: chooseStageBase([{ path: D, source: "--stage-dir", role: "target" }], "access", "X")._tag,
        lenient: chooseStageBase([{ path: D, source: "--stage-dir", role: "target" }], "access", "X", true).right?.target,
      }));
    `;
    const child = spawnSync(
      "unshare",
      [
        "-m",
        "--propagation",
        "private",
        "sh",
        "-c",
        'mount --bind -o ro "$1" "$1" && exec node --input-type=module -e "$2"',
        "sh",
        ro,
        script,
      ],
      { encoding: "utf8", timeout: 30_000 },
    );
    if (child.status !== 0 && /unshare|mount/i.test(child.stderr) && !/at file:/.test(child.stderr)) {
      why(`unshare/mount failed: ${child.stderr.trim().split("\n")[0] ?? ""}`);
    }
    expect(child.stderr).toBe("");
    expect(child.status).toBe(0);
    const got = JSON.parse(child.stdout) as Record<string, unknown>;
    expect(got["modeBitsSayWritable"]).toBe(true); // the permission bits lie...
    expect(got["plainMkdir"]).toBe("EROFS"); // ...a real write does not
    for (const key of ["write", "access", "notYet"]) {
      expect(got[key], key).toEqual({
        writable: false,
        probedAt: ro,
        code: "EROFS",
        error: `EROFS: ${ro} is on a read-only filesystem`,
      });
    }
    expect(got["choice"]).toEqual([
      [path.join(ro, "stage"), "skipped", false, `EROFS: ${ro} is on a read-only filesystem`],
      [fallback, "target", true, `writable (write probe at ${fallback})`],
    ]);
    expect(got["strict"]).toBe("Left");
    expect(got["lenient"]).toEqual({
      path: ro,
      source: "--stage-dir",
      role: "target",
      writable: false,
      detail: `EROFS: ${ro} is on a read-only filesystem; observed read-only (apply needs it writable)`,
    });
    // Outside the child's namespace nothing was mounted and nothing was written.
    expect(fs.readdirSync(ro)).toEqual(["existing"]);
  });
});
