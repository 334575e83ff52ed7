import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { diskUseFinding } from "../../src/doctor/checks.js";
import {
  DISK_USE_INFO_BYTES,
  type DiskUse,
  formatBytes,
  LOG_KEEP_COUNT,
  LOG_MAX_AGE_MS,
} from "../../src/model/disk-use.js";
import { measureDiskUse } from "../../src/observe/disk-use.js";
import { beyondRetention } from "../../src/observe/leftovers.js";
import { recordedDrift } from "../../src/observe/runtime-packages.js";
import { tempDir } from "../support/temp.js";

const tmp = tempDir("disk-use");

/** A file of `kib` KiB of real (non-sparse) data. */
const writeData = (p: string, kib: number): void => {
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, Buffer.alloc(kib * 1024, 1));
};

const blocksOf = (p: string): number => fs.lstatSync(p).blocks * 512;

describe("measureDiskUse", () => {
  it("counts a file hard-linked into two generations once, and in neither one's exclusive bytes", () => {
    const base = fs.mkdtempSync(path.join(tmp, "base-"));
    const root = path.join(base, "openclaw-1.0.0-aaaaaaaaaaaa");
    const g1 = `${path.basename(root)}.gen-0000000010000aa`;
    const g2 = `${path.basename(root)}.gen-0000000020000aa`;
    writeData(path.join(base, g1, "node_modules", "a", "shared.js"), 64);
    writeData(path.join(base, g1, "node_modules", "a", "old.js"), 8);
    fs.mkdirSync(path.join(base, g2, "node_modules", "a"), { recursive: true });
    fs.linkSync(
      path.join(base, g1, "node_modules", "a", "shared.js"),
      path.join(base, g2, "node_modules", "a", "shared.js"),
    );
    writeData(path.join(base, g2, "node_modules", "a", "new.js"), 16);
    fs.symlinkSync(g2, root);
    // A link inside a generation is counted as a link, never followed.
    fs.symlinkSync("/usr", path.join(base, g2, "node_modules", "escape"));
    writeData(path.join(base, ".plugdeps", "logs", "x.log"), 4);

    const use = measureDiskUse(base, [root]);
    const [r] = use.roots;
    expect(r?.current).toBe(true);
    const live = r?.generations.find((g) => g.live);
    const previous = r?.generations.find((g) => g.previous);
    expect(live?.name).toBe(g2);
    expect(previous?.name).toBe(g1);
    const shared = blocksOf(path.join(base, g1, "node_modules", "a", "shared.js"));
    const newer = blocksOf(path.join(base, g2, "node_modules", "a", "new.js"));
    const older = blocksOf(path.join(base, g1, "node_modules", "a", "old.js"));
    // Each generation alone holds the shared file; only its own file is exclusive (plus its dirs).
    expect(live?.bytes).toBeGreaterThanOrEqual(shared + newer);
    expect(live?.exclusiveBytes).toBeGreaterThanOrEqual(newer);
    expect(live?.exclusiveBytes).toBeLessThan(shared);
    expect(previous?.exclusiveBytes).toBeLessThan(shared);
    // The root counts the shared file once.
    expect(r?.bytes).toBeLessThan((live?.bytes ?? 0) + (previous?.bytes ?? 0));
    expect(r?.bytes).toBeGreaterThanOrEqual(shared + newer + older);
    expect(use.logs?.files).toBe(1);
    expect(use.cache).toBeNull();
    expect(use.totalBytes).toBeGreaterThanOrEqual((r?.bytes ?? 0) + (use.logs?.bytes ?? 0));
    expect(use.truncated).toBe(false);
  });

  it("leaves out a root that does not exist yet (found by the new-operator walk: `(current) 0 B` under `current root: none yet`)", () => {
    const base = fs.mkdtempSync(path.join(tmp, "base-"));
    const target = path.join(base, "openclaw-1.0.0-aaaaaaaaaaaa");
    const previous = path.join(base, "openclaw-0.9.0-bbbbbbbbbbbb");
    fs.mkdirSync(path.join(previous, "node_modules"), { recursive: true });
    writeData(path.join(previous, "node_modules", "a", "index.js"), 4);
    const use = measureDiskUse(base, [target, previous]);
    expect(use.roots.map((r) => [path.basename(r.path), r.current])).toEqual([
      [path.basename(previous), false],
    ]);
    expect(measureDiskUse(base, [target]).roots).toEqual([]);
  });

  it("does not follow a .plugdeps/cache that is a link", () => {
    const base = fs.mkdtempSync(path.join(tmp, "base-"));
    fs.mkdirSync(path.join(base, ".plugdeps"));
    fs.symlinkSync("/usr", path.join(base, ".plugdeps", "cache"));
    expect(measureDiskUse(base, []).cache).toBeNull();
  });

  it("formats sizes for people", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(3 * 1024 ** 3)).toBe("3.0 GiB");
  });
});

describe("beyondRetention (logs)", () => {
  it("keeps the newest LOG_KEEP_COUNT logs younger than LOG_MAX_AGE_MS; only plugdeps' names, never a link", () => {
    const base = fs.mkdtempSync(path.join(tmp, "base-"));
    const logs = path.join(base, ".plugdeps", "logs");
    fs.mkdirSync(logs, { recursive: true });
    const now = Date.now();
    const at = (name: string, ageMs: number) => {
      const p = path.join(logs, name);
      fs.writeFileSync(p, "x");
      fs.utimesSync(p, new Date(now - ageMs), new Date(now - ageMs));
      return p;
    };
    const kept = Array.from({ length: LOG_KEEP_COUNT }, (_, i) => at(`r-${i}-shared.log`, (i + 1) * 1000));
    const surplus = at("r-surplus-shared.log", (LOG_KEEP_COUNT + 5) * 1000);
    const ancient = at("r-ancient-shared.log", LOG_MAX_AGE_MS + 1000);
    at("README", LOG_MAX_AGE_MS * 2);
    fs.symlinkSync("/etc/hostname", path.join(logs, "link.log"));
    const found = beyondRetention(base, now);
    expect(found.map((l) => l.path).sort()).toEqual([ancient, surplus].sort());
    expect(found.every((l) => l.kind === "log")).toBe(true);
    expect(kept.every((p) => !found.some((l) => l.path === p))).toBe(true);
  });

  it("nothing when .plugdeps is a link", () => {
    const base = fs.mkdtempSync(path.join(tmp, "base-"));
    const elsewhere = fs.mkdtempSync(path.join(tmp, "elsewhere-"));
    fs.mkdirSync(path.join(elsewhere, "logs"));
    fs.writeFileSync(path.join(elsewhere, "logs", "old.log"), "x");
    fs.utimesSync(path.join(elsewhere, "logs", "old.log"), new Date(0), new Date(0));
    fs.symlinkSync(elsewhere, path.join(base, ".plugdeps"));
    expect(beyondRetention(base, Date.now())).toEqual([]);
  });

  it("a fresh cache is kept; an aged one is listed (birth time)", () => {
    const base = fs.mkdtempSync(path.join(tmp, "base-"));
    const store = path.join(base, ".plugdeps", "cache", "pnpm-store");
    fs.mkdirSync(store, { recursive: true });
    fs.mkdirSync(path.join(base, ".plugdeps", "cache", "not-ours"));
    expect(beyondRetention(base, Date.now())).toEqual([]);
    const born = fs.lstatSync(store).birthtimeMs;
    if (born === 0) return; // a filesystem without birth times never ages a cache out
    const later = born + 31 * 24 * 3_600_000;
    expect(beyondRetention(base, later)).toEqual([{ kind: "cache", path: store }]);
  });
});

describe("recordedDrift", () => {
  const present = {
    _tag: "Present" as const,
    name: "a",
    version: "1.2.0",
    dir: "/x/a",
    dependencies: {},
    optionalDependencies: {},
  };
  it("a copy whose version differs from the record is Broken, even within the spec", () => {
    const found = recordedDrift(present, "1.1.0");
    expect(found._tag).toBe("Broken");
    expect(found._tag === "Broken" && found.reason).toContain("state record says 1.1.0");
  });
  it("the recorded version, or no record: unchanged", () => {
    expect(recordedDrift(present, "1.2.0")).toBe(present);
    expect(recordedDrift(present, "")).toBe(present);
  });
});

describe("diskUseFinding (doctor)", () => {
  const use = (totalBytes: number): DiskUse => ({
    stageBase: "/var/lib/openclaw/plugin-runtime-deps",
    roots: [
      {
        path: "/var/lib/openclaw/plugin-runtime-deps/openclaw-1-aaaaaaaaaaaa",
        current: true,
        bytes: totalBytes - 1024,
        generations: [
          {
            path: "/g1",
            name: "openclaw-1-aaaaaaaaaaaa.gen-1",
            live: true,
            previous: false,
            bytes: 10,
            exclusiveBytes: totalBytes / 2,
            files: 1,
          },
          {
            path: "/g0",
            name: "openclaw-1-aaaaaaaaaaaa.gen-0",
            live: false,
            previous: true,
            bytes: 10,
            exclusiveBytes: 5,
            files: 1,
          },
        ],
      },
    ],
    cache: { path: "/c", bytes: totalBytes / 4, exclusiveBytes: 0, files: 3 },
    logs: null,
    totalBytes,
    truncated: false,
  });
  it("nothing up to the threshold", () => {
    expect(diskUseFinding(use(DISK_USE_INFO_BYTES))).toBeNull();
  });
  it("an info finding past it, naming the biggest parts first and the fix", () => {
    const f = diskUseFinding(use(DISK_USE_INFO_BYTES * 2));
    expect(f).toMatchObject({ id: "stage-disk-use", severity: "info", fixable: false });
    expect(f?.title).toContain("uses 4.0 GiB (more than 2.0 GiB)");
    expect(f?.detail).toMatch(
      /largest parts \(bytes only they hold\): openclaw-1-aaaaaaaaaaaa\.gen-1 \(live\) 2\.0 GiB, \.plugdeps\/cache 1\.0 GiB/,
    );
    expect(f?.fix).toContain("plugdeps status");
  });
});
