import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { entryDistrust, packageDistrust, trustChecker } from "../../src/util/trusted-tree.js";
import { mkdirp, writeFile } from "../support/trees.js";
import { tempDir } from "../support/temp.js";

/**
 * Who may have written the code the host runs (issue 17): ssh's StrictModes for the chain from
 * the stage base down to a package. The owner cases need root (chown to a uid that is neither
 * ours nor root); the real second-user cases are test/faults/planted.test.ts.
 */

const tmp = tempDir("trusted-tree");
let n = 0;
const fresh = (): string => {
  const dir = mkdirp(tmp, `case-${++n}`);
  fs.chmodSync(dir, 0o755);
  return dir;
};
const OTHER = 54_321;
const isRoot = process.getuid?.() === 0;

describe("entryDistrust", () => {
  it("ours and 0755 / 0644: trusted; group- or world-writable: not, unless a root-owned sticky directory", () => {
    const base = fresh();
    const file = writeFile(path.join(base, "f.js"), "x");
    fs.chmodSync(file, 0o644);
    expect(entryDistrust(base, fs.lstatSync(base))).toBeNull();
    expect(entryDistrust(file, fs.lstatSync(file))).toBeNull();
    fs.chmodSync(file, 0o664);
    expect(entryDistrust(file, fs.lstatSync(file))?.reason).toMatch(/mode 0664\) is writable by its group/);
    fs.chmodSync(base, 0o777);
    expect(entryDistrust(base, fs.lstatSync(base))?.reason).toMatch(/is writable by group and others/);
    fs.chmodSync(base, 0o1777);
    const sticky = entryDistrust(base, fs.lstatSync(base));
    if (isRoot) expect(sticky).toBeNull();
    else expect(sticky?.reason).toMatch(/writable by group and others/); // only root's sticky dirs
  });

  it.skipIf(!isRoot)("another uid's entry (directory, file, or link) is never trusted", () => {
    const base = fresh();
    const dir = mkdirp(base, "d");
    const link = path.join(base, "l");
    fs.symlinkSync("d", link);
    fs.lchownSync(link, OTHER, OTHER);
    fs.chownSync(dir, OTHER, OTHER);
    expect(entryDistrust(dir, fs.lstatSync(dir))).toMatchObject({ path: dir, uid: OTHER });
    expect(entryDistrust(link, fs.lstatSync(link))?.reason).toContain(`owned by uid ${OTHER}`);
    // A sticky world-writable directory of someone else's is not a safe place either.
    fs.chmodSync(dir, 0o1777);
    expect(entryDistrust(dir, fs.lstatSync(dir))?.uid).toBe(OTHER);
  });
});

describe("trustChecker().chain", () => {
  /** base/root -> root.gen-1 ; root.gen-1/node_modules/.pnpm/p@1/node_modules/p ; node_modules/p -> .pnpm/... */
  const layout = () => {
    const base = fresh();
    const gen = mkdirp(base, "root.gen-1");
    const real = mkdirp(gen, "node_modules", ".pnpm", "p@1", "node_modules", "p");
    writeFile(path.join(real, "index.js"), "x");
    fs.symlinkSync(path.join(".pnpm", "p@1", "node_modules", "p"), path.join(gen, "node_modules", "p"));
    fs.symlinkSync("root.gen-1", path.join(base, "root"));
    return { base, gen, real, pkg: path.join(base, "root", "node_modules", "p") };
  };

  it("a genuine chain (through the root link and pnpm's link) is trusted; a missing target is not distrusted", () => {
    const { base, pkg } = layout();
    const c = trustChecker();
    expect(c.chain(base, pkg)).toBeNull();
    expect(c.chain(base, pkg, { includeBase: true })).toBeNull();
    expect(c.chain(base, path.join(base, "root", "node_modules", "gone"))).toBeNull();
  });

  it.skipIf(!isRoot)(
    "another uid's directory anywhere on the chain (the real .pnpm dir too) is named",
    () => {
      const { base, gen, real, pkg } = layout();
      fs.chownSync(real, OTHER, OTHER);
      expect(trustChecker().chain(base, pkg)).toMatchObject({ path: real, uid: OTHER });
      fs.chownSync(real, 0, 0);
      fs.chownSync(path.join(gen, "node_modules"), OTHER, OTHER);
      expect(trustChecker().chain(base, pkg)?.path).toBe(path.join(gen, "node_modules"));
      fs.chownSync(path.join(gen, "node_modules"), 0, 0);
      fs.lchownSync(path.join(base, "root"), OTHER, OTHER);
      expect(trustChecker().chain(base, pkg)?.path).toBe(path.join(base, "root"));
    },
  );

  it("a group-writable generation, a base judged only when asked, a real path leaving the base", () => {
    const { base, gen, pkg } = layout();
    fs.chmodSync(gen, 0o775);
    expect(trustChecker().chain(base, pkg)?.path).toBe(gen);
    fs.chmodSync(gen, 0o755);
    fs.chmodSync(base, 0o777);
    expect(trustChecker().chain(base, pkg)).toBeNull();
    expect(trustChecker().chain(base, pkg, { includeBase: true })?.path).toBe(fs.realpathSync(base));
    fs.chmodSync(base, 0o755);
    const elsewhere = mkdirp(fresh(), "q");
    fs.symlinkSync(elsewhere, path.join(gen, "node_modules", "q"));
    expect(trustChecker().chain(base, path.join(base, "root", "node_modules", "q"))?.reason).toMatch(
      /outside the stage base/,
    );
  });

  it.skipIf(!isRoot)(
    "packageDistrust: a file inside the package owned by another uid (a seeded hard link)",
    () => {
      const { base, real, pkg } = layout();
      const c = trustChecker();
      expect(packageDistrust(c, base, pkg)).toBeNull();
      fs.chownSync(path.join(real, "index.js"), OTHER, OTHER);
      expect(packageDistrust(trustChecker(), base, pkg)).toMatchObject({
        path: path.join(pkg, "index.js"),
        uid: OTHER,
      });
    },
  );
});
