import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { watchFiles } from "../../src/loop/watch.js";
import { tempDir } from "../support/temp.js";
import { waitFor } from "../support/wait.js";

/**
 * The config watch with real filesystem events (debounce shortened). Each test waits for the
 * callback with a deadline; nothing asserts on how long an event took.
 */

const tmp = (): string => {
  const d = tempDir("watch");
  return d;
};

/** Resolves on the next change callback; rejects after a generous deadline. */
const nextChange = (count: { n: number }, timeoutMs = 10_000): Promise<boolean> => {
  const start = count.n;
  return waitFor("a change event", () => count.n > start, { timeoutMs, intervalMs: 20 });
};

const settle = () => new Promise((r) => setTimeout(r, 300));

describe("config watch", () => {
  it("fires once for an editor-style save (temp file renamed over the config)", async () => {
    const dir = tmp();
    const config = path.join(dir, "openclaw.json");
    fs.writeFileSync(config, "{}");
    const count = { n: 0 };
    const w = watchFiles(() => count.n++, { debounceMs: 100 });
    try {
      w.point([config]);
      const changed = nextChange(count);
      const temp = path.join(dir, ".openclaw.json.swp");
      fs.writeFileSync(temp, '{ "plugins": {} }');
      fs.renameSync(temp, config);
      await changed;
      await settle();
      expect(count.n).toBe(1); // debounced: write + rename were one change
      // and the watch survives the replaced inode: a second save is seen too
      const again = nextChange(count);
      fs.writeFileSync(temp, '{ "plugins": { "enabled": true } }');
      fs.renameSync(temp, config);
      await again;
    } finally {
      w.close();
    }
  });

  it("ignores other files in the same directory", async () => {
    const dir = tmp();
    const config = path.join(dir, "openclaw.json");
    fs.writeFileSync(config, "{}");
    const count = { n: 0 };
    const w = watchFiles(() => count.n++, { debounceMs: 50 });
    try {
      w.point([config]);
      fs.writeFileSync(path.join(dir, "unrelated.log"), "x");
      await settle();
      expect(count.n).toBe(0);
      const changed = nextChange(count);
      fs.appendFileSync(config, " ");
      await changed;
    } finally {
      w.close();
    }
  });

  it("a directory that does not exist yet: warns once, then watches once a later point() finds it", async () => {
    const parent = tmp();
    const config = path.join(parent, "later", "openclaw.json");
    const warnings: string[] = [];
    const count = { n: 0 };
    const w = watchFiles(() => count.n++, { debounceMs: 50, onWarning: (m) => warnings.push(m) });
    try {
      w.point([config]);
      w.point([config]);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain("passes run on the interval only");
      fs.mkdirSync(path.dirname(config));
      w.point([config]); // the next pass re-resolves and arms the watch
      const changed = nextChange(count);
      fs.writeFileSync(config, "{}");
      await changed;
    } finally {
      w.close();
    }
  });

  it("a directory replaced wholesale is re-armed at the next point()", async () => {
    const parent = tmp();
    const dir = path.join(parent, "conf");
    fs.mkdirSync(dir);
    const config = path.join(dir, "openclaw.json");
    const count = { n: 0 };
    const w = watchFiles(() => count.n++, { debounceMs: 50 });
    try {
      w.point([config]);
      fs.rmSync(dir, { recursive: true });
      fs.mkdirSync(dir);
      await settle();
      // the old watch sits on a dead inode (often with the same number): point() must notice
      w.point([config]);
      const changed = nextChange(count);
      fs.writeFileSync(config, "{}");
      await changed;
    } finally {
      w.close();
    }
  });
});
