import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import * as ofs from "../../src/util/observed-fs.js";
import { compactObservations } from "../../src/fastpath/compact.js";
import { makeMemo } from "../../src/fastpath/memo.js";
import { recordingEnv } from "../../src/fastpath/recording-env.js";
import { replayNoop } from "../../src/fastpath/replay.js";
import {
  decodeStamp,
  firstChanged,
  readStamp,
  untrustworthy,
  RACY_WINDOW_MS,
  STAMP_FORMAT,
  stampKey,
  stampKeyMaterial,
  stampPath,
} from "../../src/fastpath/stamp.js";
import { tempDir } from "../support/temp.js";

/**
 * The observation journal and the checks the no-op stamp relies on: every kind of read is
 * recorded, every kind of change to what was read is seen, and a journal that cannot be trusted
 * (racy, tainted) is recognized.
 */

const tmp = (): string => {
  const d = tempDir("fastpath");
  return d;
};
/** Past the racy window: a change after this is visible in ctime. */
const tick = () => new Promise((resolve) => setTimeout(resolve, RACY_WINDOW_MS + 10));

const journalOf = (fn: () => void) => [...ofs.withJournal(fn).journal.observations.values()];

describe("observed-fs journal", () => {
  it("records nothing without an open journal, and behaves exactly like node:fs", () => {
    const d = tmp();
    fs.writeFileSync(path.join(d, "a"), "x");
    expect(ofs.readFileSync(path.join(d, "a"), "utf8")).toBe("x");
    expect(ofs.readdirSync(d)).toEqual(["a"]);
    expect(ofs.existsSync(path.join(d, "b"))).toBe(false);
    expect(() => ofs.statSync(path.join(d, "b"))).toThrow(/ENOENT/);
  });

  it("a file read, then rewritten with the same size, is seen as changed", async () => {
    const d = tmp();
    const f = path.join(d, "package.json");
    fs.writeFileSync(f, '{"version":"1.0.0"}');
    await tick();
    const obs = journalOf(() => ofs.readFileSync(f, "utf8"));
    expect(obs).toHaveLength(1);
    expect(firstChanged(obs)).toBeNull();
    fs.writeFileSync(f, '{"version":"2.0.0"}');
    expect(firstChanged(obs)?.path).toBe(f);
  });

  it("a directory listing is seen as changed when an entry is added, removed or renamed", async () => {
    const d = tmp();
    fs.writeFileSync(path.join(d, "a"), "");
    for (const change of [
      () => fs.writeFileSync(path.join(d, "b"), ""),
      () => fs.rmSync(path.join(d, "b")),
      () => fs.renameSync(path.join(d, "a"), path.join(d, "c")),
    ]) {
      await tick();
      const obs = journalOf(() => ofs.readdirSync(d));
      expect(firstChanged(obs)).toBeNull();
      change();
      expect(firstChanged(obs)?.path).toBe(d);
    }
  });

  it("a missing path that appears, a symlink retargeted, an access(2) outcome that changes", async () => {
    const d = tmp();
    const missing = path.join(d, "node_modules", "x", "package.json");
    const link = path.join(d, "root");
    fs.mkdirSync(path.join(d, "gen-1"));
    fs.mkdirSync(path.join(d, "gen-2"));
    fs.symlinkSync("gen-1", link);
    const file = path.join(d, "f");
    fs.writeFileSync(file, "");
    await tick();
    const obs = journalOf(() => {
      expect(ofs.existsSync(missing)).toBe(false);
      expect(ofs.readlinkSync(link)).toBe("gen-1");
      expect(ofs.realpathSync(link)).toBe(path.join(fs.realpathSync(d), "gen-1"));
      ofs.accessSync(file, fs.constants.R_OK);
    });
    expect(obs.map((o) => o.kind).sort()).toEqual(["access", "readlink", "realpath", "stat"]);
    expect(firstChanged(obs)).toBeNull();
    // the swap plugdeps itself does: a new symlink renamed over the old one
    fs.symlinkSync("gen-2", `${link}.new`);
    fs.renameSync(`${link}.new`, link);
    expect(firstChanged(obs)?.kind).toBe("readlink");
    fs.rmSync(link);
    fs.symlinkSync("gen-1", link);
    expect(firstChanged(obs)).toBeNull();
    fs.mkdirSync(path.dirname(path.dirname(missing)), { recursive: true });
    fs.mkdirSync(path.dirname(missing));
    fs.writeFileSync(missing, "{}");
    expect(firstChanged(obs)?.path).toBe(missing);
  });

  it("fast-glob walks through the journal (its fs option)", async () => {
    const { default: fg } = await import("fast-glob");
    const d = tmp();
    fs.mkdirSync(path.join(d, "p1"));
    fs.writeFileSync(path.join(d, "p1", "package.json"), "{}");
    await tick();
    const obs = journalOf(() => fg.sync("*/package.json", { cwd: d, fs: ofs.globFs }));
    expect(firstChanged(obs)).toBeNull();
    fs.mkdirSync(path.join(d, "p2"));
    expect(firstChanged(obs)).not.toBeNull();
  });

  it("a journal is untrustworthy when something it saw changed within the racy window, or it was tainted", async () => {
    const d = tmp();
    const f = path.join(d, "f");
    fs.writeFileSync(f, "");
    const racy = ofs.withJournal(() => ofs.statSync(f)).journal;
    expect(untrustworthy(racy)).toMatch(/changed just before/);
    await tick();
    const calm = ofs.withJournal(() => ofs.statSync(f)).journal;
    expect(untrustworthy(calm)).toBeNull();
    const tainted = ofs.withJournal(() => ofs.noteUnrepeatable("a lock exists")).journal;
    expect(untrustworthy(tainted)).toBe("a lock exists");
  });
});

describe("compacting observations", () => {
  it("missing paths under a missing directory become one observation of that directory, and still see the path appear", async () => {
    const d = tmp();
    fs.mkdirSync(path.join(d, "plugin"));
    await tick();
    const deep = (name: string) => path.join(d, "plugin", "node_modules", name, "package.json");
    const obs = journalOf(() => {
      for (const name of ["a", "b", "c"]) ofs.existsSync(deep(name));
      ofs.existsSync(path.join(d, "plugin", "index.js"));
    });
    expect(obs).toHaveLength(4);
    const compact = compactObservations(obs);
    expect(compact.map((o) => o.path).sort()).toEqual(
      [path.join(d, "plugin", "index.js"), path.join(d, "plugin", "node_modules")].sort(),
    );
    expect(firstChanged(compact)).toBeNull();
    fs.mkdirSync(path.dirname(deep("b")), { recursive: true });
    fs.writeFileSync(deep("b"), "{}");
    expect(firstChanged(compact)?.path).toBe(path.join(d, "plugin", "node_modules"));
  });

  it("keeps what is not provably missing (a path under a file: ENOTDIR) as it was observed", () => {
    const d = tmp();
    fs.writeFileSync(path.join(d, "file"), "");
    const obs = journalOf(() => ofs.existsSync(path.join(d, "file", "x", "y")));
    expect(compactObservations(obs)).toEqual(obs);
  });
});

describe("stamp decoding (untrusted input)", () => {
  const valid = {
    format: STAMP_FORMAT,
    key: '["plugdeps-noop-stamp/2",["apply"],"/",false,0,0]',
    createdAt: 1,
    env: { A: "1", B: null },
    observations: [{ kind: "stat", path: "/x", seen: { error: "ENOENT" } }],
    output: { stdout: "No changes.\n", stderr: "", exitCode: 0 },
  };

  it("accepts a well-formed stamp", () => {
    expect(decodeStamp(JSON.stringify(valid))).toEqual(valid);
  });

  it("refuses relative paths, unknown kinds, wrong types, another format", () => {
    for (const bad of [
      { ...valid, format: "other/1" },
      { ...valid, key: 1 },
      { ...valid, observations: [{ kind: "stat", path: "relative", seen: { error: "ENOENT" } }] },
      { ...valid, observations: [{ kind: "unlink", path: "/x", seen: "ok" }] },
      { ...valid, observations: [{ kind: "stat", path: "/x", seen: { ino: "1" } }] },
      { ...valid, env: { A: 1 } },
      { ...valid, output: { stdout: 1, stderr: "", exitCode: 0 } },
      [],
      null,
    ]) {
      expect(decodeStamp(JSON.stringify(bad))).toBeNull();
    }
  });

  it("never throws on arbitrary JSON or text", () => {
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.string()), (text) => {
        const decoded = decodeStamp(text);
        return decoded === null || decoded.format === STAMP_FORMAT;
      }),
      { numRuns: 500 },
    );
  });

  // Not a FIFO either (without blocking): test/integration/stamp-fifo.test.ts (mkfifo is a process).
  it("reads only a regular file: not through a symlink, not a directory", () => {
    const d = tmp();
    const file = path.join(d, "s.json");
    fs.writeFileSync(file, JSON.stringify(valid));
    expect(readStamp(file)).toEqual(valid);
    fs.symlinkSync(file, path.join(d, "link.json"));
    expect(readStamp(path.join(d, "link.json"))).toBeNull();
    fs.mkdirSync(path.join(d, "dir.json"));
    expect(readStamp(path.join(d, "dir.json"))).toBeNull();
  });
});

describe("stamp keys", () => {
  const stamped = (base: string, material: string) => {
    const input = { argv: ["apply", "--stage-dir", base], env: {}, homedir: base, cwd: "/", isTTY: false };
    const file = stampPath(base, stampKey(input));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const observations = [{ kind: "stat", path: path.join(base, "absent"), seen: { error: "ENOENT" } }];
    const output = { stdout: "No changes.\n", stderr: "", exitCode: 0 };
    fs.writeFileSync(
      file,
      JSON.stringify({ format: STAMP_FORMAT, key: material, createdAt: 1, env: {}, observations, output }),
    );
    return input;
  };

  it("a stamp is replayed for its own command line", () => {
    const base = tmp();
    const input = stamped(
      base,
      stampKeyMaterial({ argv: ["apply", "--stage-dir", base], cwd: "/", isTTY: false }),
    );
    expect(replayNoop(input)._tag).toBe("Replayed");
  });

  it("a stamp written by another plugdeps install (another program path) is not replayed", () => {
    const base = tmp();
    const input = stamped(
      base,
      stampKeyMaterial({ argv: ["apply", "--stage-dir", base], cwd: "/", isTTY: false }),
    );
    const own = process.argv[1];
    process.argv[1] = "/opt/other-plugdeps/dist/src/cli/plugdeps.cjs";
    try {
      expect(replayNoop(input)._tag).toBe("NotReplayed");
    } finally {
      process.argv[1] = own as string;
    }
    expect(replayNoop(input)._tag).toBe("Replayed");
  });

  it("a stamp under the right name that holds another command line's key is not replayed", () => {
    const base = tmp();
    const input = stamped(base, stampKeyMaterial({ argv: ["apply", "--quiet"], cwd: "/", isTTY: false }));
    const outcome = replayNoop(input);
    expect(outcome).toMatchObject({ _tag: "NotReplayed" });
    expect(outcome._tag === "NotReplayed" ? outcome.why : "").toContain("a stamp of another command line");
  });

  it("names are 32 hex digits and differ for different command lines", () => {
    fc.assert(
      fc.property(
        fc.array(fc.string(), { maxLength: 6 }),
        fc.array(fc.string(), { maxLength: 6 }),
        (a, b) => {
          const ka = stampKey({ argv: a, cwd: "/", isTTY: false });
          expect(ka).toMatch(/^[0-9a-f]{32}$/);
          if (JSON.stringify(a) !== JSON.stringify(b))
            expect(stampKey({ argv: b, cwd: "/", isTTY: false })).not.toBe(ka);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("recording env", () => {
  it("records reads (present and absent) and notices enumeration", () => {
    const rec = recordingEnv({ A: "1" });
    expect(rec.env["A"]).toBe("1");
    expect(rec.env["MISSING"]).toBeUndefined();
    expect("B" in rec.env).toBe(false);
    expect(rec.read).toEqual({ A: "1", MISSING: null, B: null });
    expect(rec.enumerated).toBe(false);
    expect({ ...rec.env }).toEqual({ A: "1" });
    expect(rec.enumerated).toBe(true);
  });
});

describe("in-process memo (createPlan)", () => {
  it("returns the same result while nothing observed changed, recomputes after a change or another env", async () => {
    const d = tmp();
    const f = path.join(d, "config.json");
    fs.writeFileSync(f, "1");
    await tick();
    const memo = makeMemo<string, { n: number }>();
    let computed = 0;
    // As the observe step does with recordReads: the reads of the computation travel with it.
    const compute = (env: Readonly<Record<string, string | undefined>>) => {
      computed++;
      const { result, journal } = ofs.withJournal(() => Number(ofs.readFileSync(f, "utf8")));
      return E.right({ value: { n: result + Number(env["ADD"] ?? 0) }, reads: journal });
    };
    const a = memo("k", { ADD: "1" }, compute);
    const b = memo("k", { ADD: "1" }, compute);
    expect(computed).toBe(1);
    expect(E.isRight(b) && E.isRight(a) && b.right === a.right).toBe(true);
    expect(memo("k", { ADD: "2" }, compute)).toEqual(E.right({ n: 3 }));
    expect(computed).toBe(2);
    await tick();
    fs.writeFileSync(f, "5");
    expect(memo("k", { ADD: "2" }, compute)).toEqual(E.right({ n: 7 }));
    expect(computed).toBe(3);
  });

  it("does not keep a result whose computation was unrepeatable (a lock holder judged, the clock read)", () => {
    const memo = makeMemo<string, number>();
    let computed = 0;
    const compute = () => {
      computed++;
      const { journal } = ofs.withJournal(() => ofs.noteUnrepeatable("a lock exists"));
      return E.right({ value: 1, reads: journal });
    };
    memo("k", {}, compute);
    memo("k", {}, compute);
    expect(computed).toBe(2);
  });
});
