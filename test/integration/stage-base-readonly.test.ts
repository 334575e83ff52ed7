import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { execa } from "execa";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/cli.js";
import { readOnlyMountArgs, readOnlyMountUnavailable } from "../support/readonly-mount.js";
import { tempDir } from "../support/temp.js";
import { mkdirp, writeFile } from "../support/trees.js";

// From test/unit/observe-stage-base.test.ts: the unit tests start no process.
const tmp = tempDir("stage-base-ro");

/**
 * A real read-only mount (openclaw #70163: permission bits said writable, the mount was
 * read-only). Runs a child in a private mount namespace, bind-mounts a directory read-only onto
 * itself and probes it with the current source (transpiled on the fly, so a stale dist/ cannot
 * hide a regression).
 */
describe("probeWritable on a real read-only bind mount", () => {
  const repo = REPO_ROOT;

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

  it("both probe modes see EROFS; chooseStageBase falls through to the next candidate", async (ctx) => {
    const unavailable = await readOnlyMountUnavailable(mkdirp(tmp, "ro-probe"));
    if (unavailable !== null) {
      console.warn(`SKIPPED read-only bind mount test: ${unavailable}`);
      return ctx.skip(unavailable);
    }

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
    const child = await execa(
      "unshare",
      readOnlyMountArgs(ro, [process.execPath, "--input-type=module", "-e", script]),
      { reject: false, timeout: 30_000 },
    );
    expect(child.stderr).toBe("");
    expect(child.exitCode).toBe(0);
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
