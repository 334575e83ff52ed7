import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  escapeForTerminal,
  escapeLinesForTerminal,
  escapeStringsForTerminal,
} from "../../src/util/escape.js";

/** Every character a terminal may act on or that reorders/breaks a line (what must not survive). */
// eslint-disable-next-line no-control-regex -- the point of the test
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const anyText = fc.string({ unit: "binary", maxLength: 200 });
const printableAscii = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
});

describe("escapeForTerminal", () => {
  it("leaves no control character in its output", () => {
    fc.assert(fc.property(anyText, (s) => !CONTROL.test(escapeForTerminal(s))));
  });

  it("keeps printable ASCII unchanged", () => {
    fc.assert(fc.property(printableAscii, (s) => escapeForTerminal(s) === s));
  });

  it("keeps ordinary Unicode unchanged", () => {
    for (const s of ["plugin-é", "日本語", "✓ · !", "emoji 🎉", "a\\nb (a backslash, not a newline)"])
      expect(escapeForTerminal(s)).toBe(s);
  });

  it("is idempotent (escaping the escaped form changes nothing)", () => {
    fc.assert(fc.property(anyText, (s) => escapeForTerminal(escapeForTerminal(s)) === escapeForTerminal(s)));
  });

  it("spells the usual ones as JSON does, the rest as \\u00XX", () => {
    expect(escapeForTerminal("evil\n\u001b[31mx")).toBe("evil\\n\\u001b[31mx");
    expect(escapeForTerminal("a\rb\tc\u0000d\u007fe\u009bf")).toBe("a\\rb\\tc\\u0000d\\u007fe\\u009bf");
    expect(escapeForTerminal("\u202eevil\u2028x")).toBe("\\u202eevil\\u2028x");
  });
});

describe("escapeLinesForTerminal", () => {
  it("keeps newlines, escapes every other control character", () => {
    fc.assert(
      fc.property(anyText, (s) => {
        const out = escapeLinesForTerminal(s);
        return (
          out.split("\n").length === s.split("\n").length && out.split("\n").every((l) => !CONTROL.test(l))
        );
      }),
    );
    expect(escapeLinesForTerminal("one\n\u001b]0;title\u0007two")).toBe("one\n\\u001b]0;title\\u0007two");
  });
});

describe("escapeStringsForTerminal", () => {
  it("escapes every string and key of plain data, keeping newlines only under the multi-line keys", () => {
    const doc = {
      id: "evil\n\u001bx",
      n: 3,
      ok: true,
      none: null,
      list: ["a\u001b", { path: "/x\ny" }],
      problems: ["line one\nline \u001b two"],
      packages: { "k\u001b": { version: "1" } },
    };
    expect(escapeStringsForTerminal(doc, new Set(["problems"]))).toEqual({
      id: "evil\\n\\u001bx",
      n: 3,
      ok: true,
      none: null,
      list: ["a\\u001b", { path: "/x\\ny" }],
      problems: ["line one\nline \\u001b two"],
      packages: { "k\\u001b": { version: "1" } },
    });
  });

  it("keeps a __proto__ key a key (never a prototype)", () => {
    const doc = JSON.parse('{"__proto__": {"polluted": "x"}}') as Record<string, unknown>;
    const out = escapeStringsForTerminal(doc, new Set());
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(["__proto__"]);
    expect((out as { polluted?: unknown }).polluted).toBeUndefined();
  });
});
