import fsDefault from "node:fs";
import * as fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import type { StageCandidateSpec } from "../../src/hosts/types.js";
import { probeWritable } from "../../src/util/probe-writable.js";
import { chooseStageBase } from "../../src/observe/stage-base.js";
import { mkdirp, snapshot, writeFile } from "../support/trees.js";
import { tempDir } from "../support/temp.js";

const tmp = tempDir("observe-stage");

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
