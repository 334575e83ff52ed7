import * as path from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { readStamp } from "../../src/fastpath/stamp.js";
import { tempDir } from "../support/temp.js";

// From test/unit/fastpath.test.ts ("reads only a regular file"): node has no mkfifo, and the unit
// tests start no process.
describe("stamp reading", () => {
  it("does not read a FIFO (and does not block on it)", async () => {
    const fifo = path.join(tempDir("stamp-fifo"), "fifo.json");
    const r = await execa("mkfifo", [fifo], { reject: false });
    expect(r.exitCode, `mkfifo: ${r.stderr}`).toBe(0);
    expect(readStamp(fifo)).toBeNull();
  });
});
