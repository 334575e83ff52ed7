import { describe, expect, it } from "vitest";
import { legacyDebris } from "../../reconcilers/legacy-debris.js";
import type { Debris } from "../../src/model/plan.js";

const debris = (p: string, writable: boolean, rule = ".openclaw-runtime-deps.json"): Debris => ({
  path: p,
  rule,
  writable,
  fix: `rm -rf '${p}'`,
});

describe("legacyDebris.diff", () => {
  it("writable debris becomes one clean-legacy action each, in the adapter's order", () => {
    const items = [
      debris("/stage/openclaw-unknown-5d41402abc4b", true, "openclaw-unknown-* root"),
      debris("/home/u/.openclaw/x/.openclaw-runtime-deps.json", true),
    ];
    expect(legacyDebris.diff(null, { debris: items })).toEqual([
      {
        type: "clean-legacy",
        set: null,
        targets: ["/stage/openclaw-unknown-5d41402abc4b"],
        packages: [],
        from: null,
        reason: "legacy debris (openclaw-unknown-* root) left by the host's older dependency staging",
      },
      {
        type: "clean-legacy",
        set: null,
        targets: ["/home/u/.openclaw/x/.openclaw-runtime-deps.json"],
        packages: [],
        from: null,
        reason: "legacy debris (.openclaw-runtime-deps.json) left by the host's older dependency staging",
      },
    ]);
  });

  it("debris on a read-only path is not an action (it could never converge)", () => {
    const items = [
      debris(
        "/usr/lib/node_modules/openclaw/dist/extensions/slack/node_modules",
        false,
        "node_modules beside a marker",
      ),
      debris("/stage/openclaw-2026.4.20-legacy", true, "hash-less root"),
    ];
    const actions = legacyDebris.diff(null, { debris: items });
    expect(actions.map((a) => a.targets)).toEqual([["/stage/openclaw-2026.4.20-legacy"]]);
  });

  it("no debris, or only read-only debris: no actions (idempotent after cleaning)", () => {
    expect(legacyDebris.diff(null, { debris: [] })).toEqual([]);
    expect(legacyDebris.diff(null, { debris: [debris("/ro/x", false)] })).toEqual([]);
  });

  it("desired is null; observe projects the context's scan", () => {
    const items = [debris("/a", true)];
    const ctx = { debris: items } as unknown as Parameters<typeof legacyDebris.observe>[0];
    expect(legacyDebris.desired(ctx)).toBeNull();
    expect(legacyDebris.observe(ctx)).toEqual({ debris: items });
  });
});
