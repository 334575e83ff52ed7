import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import {
  MANAGERS,
  apply,
  expectOk,
  makeApplySandbox,
  planJson,
  spawnLines,
  writeConfig,
} from "../support/apply.js";

/**
 * Operator overrides reach transitive dependencies (the WhatsApp case: a transitive dependency
 * that must come from the registry at a pinned version). slack's @fixture/slack-sdk@2.x depends on
 * @fixture/retry ^2.0.0, whose newest is 2.1.0; an override pins 2.0.1. Both managers.
 */
const installedVersion = (root: string, name: string): string =>
  (
    JSON.parse(fs.readFileSync(path.join(root, "node_modules", name, "package.json"), "utf8")) as {
      version: string;
    }
  ).version;

describe.each(MANAGERS)("overrides with %s", (pm) => {
  it("pins a transitive dependency, re-resolves when the override changes, and is part of the plan", async () => {
    const sb = makeApplySandbox(pm);
    const config = writeConfig(sb, "slack-only", { channels: { slack: { enabled: true } } });

    expectOk(await apply(sb, config, "--override", "@fixture/retry=2.0.1"));
    const plan = await planJson(sb, config);
    const root = plan.desired.targetRoot;
    expect(installedVersion(root, "@fixture/retry")).toBe("2.0.1");
    expect(JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).overrides).toEqual({
      "@fixture/retry": "2.0.1",
    });

    // A changed override: the plan differs and apply resolves the set again, although every
    // top-level package still satisfies its spec.
    const runsBefore = spawnLines(sb).length;
    const repinned = await planJson(sb, config);
    expect(repinned.desired.overrides).toEqual({});
    expect(repinned.actions.map((a) => `${a.type} ${a.set ?? ""}`)).toContain("install shared");
    expectOk(await apply(sb, config, "--override", "@fixture/retry=2.1.0"));
    expect(spawnLines(sb).length).toBe(runsBefore + 1);
    expect(installedVersion(root, "@fixture/retry")).toBe("2.1.0");

    // Converged: nothing more to do and no package manager.
    const r = expectOk(await apply(sb, config, "--override", "@fixture/retry=2.1.0"));
    expect(r.stdout).toContain("No changes.");
    expect(spawnLines(sb).length).toBe(runsBefore + 1);

    // Dropping the override re-resolves too; the version left is whatever the manager keeps
    // within the plugin's own range.
    expectOk(await apply(sb, config));
    expect(spawnLines(sb).length).toBe(runsBefore + 2);
    expect(installedVersion(root, "@fixture/retry")).toMatch(/^2\./);
  });
});
