import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { readRegularFile } from "../../src/util/bounded-read.js";
import { tempDir } from "../support/temp.js";

// The FIFO case needs mkfifo (a process): test/faults/hook-fifo.test.ts.
describe("readRegularFile", () => {
  const dir = () => tempDir("bounded-read");

  it("reads a regular file within the bound", () => {
    const file = path.join(dir(), "a.json");
    fs.writeFileSync(file, '{"a":1}');
    expect(readRegularFile(file, { maxBytes: 7 })).toEqual({ _tag: "Read", text: '{"a":1}' });
  });

  it("reads an empty file", () => {
    const file = path.join(dir(), "empty");
    fs.writeFileSync(file, "");
    expect(readRegularFile(file, { maxBytes: 10 })).toEqual({ _tag: "Read", text: "" });
  });

  it("refuses a file over the bound, unread", () => {
    const file = path.join(dir(), "big");
    fs.writeFileSync(file, "x".repeat(11));
    const r = readRegularFile(file, { maxBytes: 10 });
    expect(r).toEqual({ _tag: "Refused", reason: "11 bytes, larger than the limit of 10" });
  });

  it("missing: ENOENT and ENOTDIR", () => {
    const d = dir();
    expect(readRegularFile(path.join(d, "none"), { maxBytes: 10 })).toEqual({ _tag: "Missing" });
    fs.writeFileSync(path.join(d, "file"), "x");
    expect(readRegularFile(path.join(d, "file", "below"), { maxBytes: 10 })).toEqual({ _tag: "Missing" });
  });

  it("refuses a directory", () => {
    const r = readRegularFile(dir(), { maxBytes: 10 });
    expect(r._tag).toBe("Refused");
    if (r._tag === "Refused") expect(r.reason).toBe("a directory, not a regular file");
  });

  it("refuses a symlink unless links are allowed, even to a regular file", () => {
    const d = dir();
    fs.writeFileSync(path.join(d, "target"), "t");
    fs.symlinkSync("target", path.join(d, "link"));
    expect(readRegularFile(path.join(d, "link"), { maxBytes: 10 })).toEqual({
      _tag: "Refused",
      reason: "a symbolic link, not a regular file",
    });
    expect(readRegularFile(path.join(d, "link"), { maxBytes: 10, followLinks: true })).toEqual({
      _tag: "Read",
      text: "t",
    });
  });

  it("refuses a character device (never reads /dev/zero's endless bytes)", () => {
    const r = readRegularFile("/dev/zero", { maxBytes: 10, followLinks: true });
    expect(r).toEqual({ _tag: "Refused", reason: "a device, not a regular file" });
  });

  it("reads multi-byte UTF-8 whole", () => {
    const file = path.join(dir(), "u");
    fs.writeFileSync(file, "é".repeat(5000));
    const r = readRegularFile(file, { maxBytes: 1_000_000 });
    expect(r._tag === "Read" && r.text).toBe("é".repeat(5000));
  });
});
