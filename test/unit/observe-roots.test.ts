import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import type { LockOwner } from "../../src/model/lock.js";
import { STATE_DIR, STATE_FILE } from "../../src/model/layout.js";
import { type LockFacts, lockPathFor, OWNER_FILE } from "../../src/observe/lock-holder.js";
import { listOwnedRoots, readRoot } from "../../src/observe/versioned-roots.js";
import { mkdirp, rootState, snapshot, writeFile, writeOwnedRoot } from "../support/trees.js";
import { tempDir } from "../support/temp.js";

const tmp = tempDir("observe-roots");

const HOST = "openclaw";
const NOW = Date.now();
/** Pid 777 runs with start time 5; nothing else runs (in our PID namespace 4026531836). */
const facts: LockFacts = {
  hostname: "box",
  bootId: "boot-a",
  pidNamespace: 4026531836,
  now: NOW,
  isAlive: (pid) => pid === 777,
  startTime: (pid) => (pid === 777 ? 5 : null),
};

const key = (i: number): string => i.toString(16).padStart(12, "0");
const name = (version: string, i: number): string => `${HOST}-${version}-${key(i)}`;

describe("readRoot", () => {
  const base = mkdirp(tmp, "read");

  it("Absent when nothing is there", () => {
    expect(readRoot(path.join(base, name("1.0.0", 1)), HOST, facts)).toEqual({ _tag: "Absent" });
  });

  it("an owned root is decoded, with no lock", () => {
    const root = writeOwnedRoot(base, name("1.0.0", 2), {
      hostName: HOST,
      hostVersion: "1.0.0",
      sets: [{ id: "shared", dir: "", packages: { a: { spec: "^1.0.0", version: "1.2.0" } } }],
    });
    expect(readRoot(root, HOST, facts)).toEqual({
      _tag: "Owned",
      root: {
        path: root,
        state: rootState({
          hostName: HOST,
          hostVersion: "1.0.0",
          sets: [{ id: "shared", dir: "", packages: { a: { spec: "^1.0.0", version: "1.2.0" } } }],
        }),
        lock: null,
      },
    });
  });

  it("a lock beside the root is reported with its verdict", () => {
    const root = writeOwnedRoot(base, name("1.0.0", 3), { hostName: HOST });
    const owner: LockOwner = {
      pid: 777 as LockOwner["pid"],
      hostname: "box",
      starttime: 5,
      createdAt: NOW,
      command: "plugdeps apply",
      pidNamespace: 4026531836,
      bootId: "boot-a",
    };
    writeFile(path.join(lockPathFor(root), OWNER_FILE), JSON.stringify(owner));
    const got = readRoot(root, HOST, facts);
    expect(got._tag).toBe("Owned");
    if (got._tag === "Owned") {
      expect(got.root.lock).toEqual({
        path: `${root}.lock`,
        owner,
        state: "live",
        detail: "pid 777 is running (plugdeps apply)",
      });
    }
  });

  it("a root linking anywhere but to one of its own generations is not owned, even when the target is", () => {
    const real = writeOwnedRoot(base, "real-target", { hostName: HOST });
    const link = path.join(base, name("1.0.0", 4));
    fs.symlinkSync(real, link);
    const got = readRoot(link, HOST, facts);
    expect(got).toEqual({
      _tag: "NotOwned",
      reason: `${link} links to ${real}, not to one of its own generations`,
    });
  });

  it("a root linking to its own generation (`<name>.gen-<id>`, a sibling) is read through the link", () => {
    const rootName = name("1.0.0", 17);
    writeOwnedRoot(base, `${rootName}.gen-abc123`, { hostName: HOST });
    const link = path.join(base, rootName);
    fs.symlinkSync(`${rootName}.gen-abc123`, link);
    const got = readRoot(link, HOST, facts);
    expect(got._tag).toBe("Owned");
    if (got._tag === "Owned") expect(got.root.path).toBe(link);
  });

  it("a generation link with a path in it is not ours", () => {
    const rootName = name("1.0.0", 18);
    writeOwnedRoot(base, `${rootName}.gen-abc123`, { hostName: HOST });
    const link = path.join(base, rootName);
    fs.symlinkSync(`./${rootName}.gen-abc123`, link);
    expect(readRoot(link, HOST, facts)._tag).toBe("NotOwned");
  });

  it("a regular file where the root should be", () => {
    const f = writeFile(path.join(base, name("1.0.0", 5)), "x");
    expect(readRoot(f, HOST, facts)).toEqual({
      _tag: "NotOwned",
      reason: `${f} is neither a directory nor our link`,
    });
  });

  it("a directory without a state record", () => {
    const root = mkdirp(base, name("1.0.0", 6), "node_modules");
    const got = readRoot(path.dirname(root), HOST, facts);
    expect(got._tag).toBe("NotOwned");
    if (got._tag === "NotOwned") expect(got.reason).toMatch(/no state record \(ENOENT on .*state\.json\)/);
  });

  it("a symlinked state.json is not an ownership marker", () => {
    const elsewhere = writeFile(
      path.join(base, "elsewhere.json"),
      JSON.stringify(rootState({ hostName: HOST })),
    );
    const root = mkdirp(base, name("1.0.0", 7));
    mkdirp(root, STATE_DIR);
    fs.symlinkSync(elsewhere, path.join(root, STATE_DIR, STATE_FILE));
    const got = readRoot(root, HOST, facts);
    expect(got._tag).toBe("NotOwned");
    if (got._tag === "NotOwned") expect(got.reason).toMatch(/state\.json is not a regular file/);
  });

  it("a symlinked .plugdeps directory is not an ownership marker either", () => {
    const foreign = writeOwnedRoot(base, "foreign-owned", { hostName: HOST });
    const root = mkdirp(base, name("1.0.0", 8));
    fs.symlinkSync(path.join(foreign, STATE_DIR), path.join(root, STATE_DIR));
    const got = readRoot(root, HOST, facts);
    expect(got._tag).toBe("NotOwned");
    if (got._tag === "NotOwned") expect(got.reason).toMatch(/\.plugdeps is not a directory/);
  });

  it("a truncated state record is not owned, and the reason says why", () => {
    const root = mkdirp(base, name("1.0.0", 9));
    const full = JSON.stringify(rootState({ hostName: HOST }));
    writeFile(path.join(root, STATE_DIR, STATE_FILE), full.slice(0, full.length / 2));
    const got = readRoot(root, HOST, facts);
    expect(got._tag).toBe("NotOwned");
    if (got._tag === "NotOwned")
      expect(got.reason).toMatch(/^unreadable state record: .*state\.json:\d+:\d+: not valid JSON/);
  });

  it("a state record of the wrong shape names the bad key", () => {
    const root = mkdirp(base, name("1.0.0", 10));
    writeFile(
      path.join(root, STATE_DIR, STATE_FILE),
      JSON.stringify({ ...rootState({ hostName: HOST }), formatVersion: 2 }),
    );
    const got = readRoot(root, HOST, facts);
    expect(got._tag).toBe("NotOwned");
    if (got._tag === "NotOwned") expect(got.reason).toMatch(/unreadable state record/);
  });

  it("another host's state record is not ours", () => {
    const root = writeOwnedRoot(base, name("1.0.0", 11), { hostName: "someone-else" });
    expect(readRoot(root, HOST, facts)).toEqual({
      _tag: "NotOwned",
      reason: "state record belongs to host someone-else",
    });
  });

  it("reading writes nothing", () => {
    const before = snapshot(base);
    for (const e of fs.readdirSync(base)) readRoot(path.join(base, e), HOST, facts);
    expect(snapshot(base)).toEqual(before);
  });
});

describe("listOwnedRoots", () => {
  const base = mkdirp(tmp, "list");
  const a = writeOwnedRoot(base, name("1.0.0", 1), { hostName: HOST, updatedAt: "2026-01-01T00:00:00.000Z" });
  const b = writeOwnedRoot(base, name("3.0.0", 2), { hostName: HOST, updatedAt: "2026-03-01T00:00:00.000Z" });
  const c = writeOwnedRoot(base, name("2.0.0", 3), { hostName: HOST, updatedAt: "2026-02-01T00:00:00.000Z" });
  const current = writeOwnedRoot(base, name("4.0.0", 4), {
    hostName: HOST,
    updatedAt: "2026-04-01T00:00:00.000Z",
  });
  // Names that do not match `<slug>-<version>-<key12>` are ignored entirely, owned or not.
  writeOwnedRoot(base, `${HOST}-unknown`, { hostName: HOST });
  writeOwnedRoot(base, `${HOST}-1.0.0-ABCDEF012345`, { hostName: HOST });
  writeOwnedRoot(base, `other-1.0.0-${key(5)}`, { hostName: HOST });
  writeOwnedRoot(base, `${HOST}-1.0.0-${key(6)}.lock`, { hostName: HOST });
  mkdirp(base, "plugin-cache");
  // Matching names that are not ours are noted and left alone.
  const foreign = writeOwnedRoot(base, name("1.5.0", 7), { hostName: "not-openclaw" });
  const bare = mkdirp(base, name("1.6.0", 8));
  // A lock beside root b.
  writeFile(path.join(lockPathFor(b), OWNER_FILE), "garbage");

  it("owned roots of this host, newest first by updatedAt, current excluded", () => {
    const got = listOwnedRoots(base, HOST, HOST, current, facts);
    expect(got.roots.map((r) => r.path)).toEqual([b, c, a]);
    expect(got.roots[0]?.lock).toMatchObject({ path: `${b}.lock`, owner: null, state: "unknown" });
    expect(got.roots[1]?.lock).toBeNull();
    expect(got.notes).toHaveLength(2);
    expect(got.notes[0]).toMatch(
      new RegExp(`^${foreign}: not owned, left alone \\(state record belongs to host not-openclaw\\)`),
    );
    expect(got.notes[1]).toMatch(new RegExp(`^${bare}: not owned, left alone \\(no state record`));
  });

  it("without an exception the current root is listed too", () => {
    expect(listOwnedRoots(base, HOST, HOST, null, facts).roots.map((r) => r.path)).toEqual([
      current,
      b,
      c,
      a,
    ]);
  });

  it("a missing stage base is empty and silent; an unreadable one is a note", () => {
    expect(listOwnedRoots(path.join(base, "nope"), HOST, HOST, null, facts)).toEqual({
      roots: [],
      notes: [],
    });
    const file = writeFile(path.join(tmp, "a-file"), "");
    const got = listOwnedRoots(file, HOST, HOST, null, facts);
    expect(got.roots).toEqual([]);
    expect(got.notes).toEqual([`cannot list ${file}: ENOTDIR`]);
  });

  it("a slug with regex characters matches literally", () => {
    const odd = mkdirp(tmp, "odd");
    const r = writeOwnedRoot(odd, `a.b+c-1.0.0-${key(1)}`, { hostName: HOST });
    writeOwnedRoot(odd, `aXb+c-1.0.0-${key(2)}`, { hostName: HOST });
    expect(listOwnedRoots(odd, "a.b+c", HOST, null, facts).roots.map((x) => x.path)).toEqual([r]);
  });
});
