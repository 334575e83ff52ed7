import * as fs from "node:fs";
import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { discoverPlugins } from "../../src/hosts/openclaw/discover.js";
import { MAX_PLUGIN_ID_LENGTH, pluginIdProblem } from "../../src/hosts/shared/plugin-id.js";
import { tempDir } from "../support/temp.js";

describe("pluginIdProblem", () => {
  it("accepts the ids real hosts use", () => {
    for (const id of ["slack", "memory-core", "kimi_coding", "a.b", "x".repeat(MAX_PLUGIN_ID_LENGTH)])
      expect(pluginIdProblem(id), id).toBeNull();
  });

  it("rejects control characters, path syntax and over-long names, quoting the name JSON-style", () => {
    expect(pluginIdProblem("evil\n\u001b[31mx")).toBe(
      'directory name "evil\\n\\u001b[31mx" is not a valid plugin id (^[A-Za-z0-9][A-Za-z0-9._-]*$)',
    );
    for (const id of ["..", ".hidden", "a/b", "a\\b", "", "-x", "a b", "é"])
      expect(pluginIdProblem(id), id).not.toBeNull();
    const long = "a".repeat(MAX_PLUGIN_ID_LENGTH + 1);
    expect(pluginIdProblem(long)).toMatch(/215 characters, more than 214$/);
    // The message quotes at most 80 characters of the name.
    expect(pluginIdProblem(long)?.length).toBeLessThan(200);
  });
});

describe("OpenClaw discovery: an invalid directory name is rejected for that plugin only", () => {
  const root = tempDir("plugin-id");
  const ext = path.join(root, "dist", "extensions");
  const names = ["evil\n\u001b[31mx", "b".repeat(MAX_PLUGIN_ID_LENGTH + 1), "good"];
  for (const name of names) {
    fs.mkdirSync(path.join(ext, name), { recursive: true });
    fs.writeFileSync(
      path.join(ext, name, "package.json"),
      JSON.stringify({ dependencies: { dep: "1.0.0" } }),
    );
  }
  const found = discoverPlugins(root);

  it("reports each bad name Invalid with a reason, and keeps the good plugin Valid", () => {
    expect(E.isRight(found)).toBe(true);
    const plugins = E.isRight(found) ? found.right : [];
    const byId = new Map(plugins.map((p) => [p.id, p]));
    expect(byId.get("good")?._tag).toBe("Valid");
    for (const name of names.slice(0, 2)) {
      const p = byId.get(name);
      expect(p?._tag, name).toBe("Invalid");
      const error = p?._tag === "Invalid" ? p.error : "";
      expect(error).toContain("is not a valid plugin id");
      // The reason itself carries no raw control character: the name is quoted JSON-style.
      // eslint-disable-next-line no-control-regex -- the point of the test
      expect(error).not.toMatch(/[\u0000-\u001f]/);
    }
  });
});
