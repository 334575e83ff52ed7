import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { stageCandidates, SYSTEM_STAGE_BASE } from "../../src/hosts/openclaw/stage-dirs.js";
import type { HostInput, StageCandidateSpec } from "../../src/hosts/types.js";

const home = "/home/op";
const input = (env: Record<string, string>, stageDir?: string): HostInput => ({
  env,
  homedir: home,
  flags: stageDir === undefined ? {} : { stageDir },
});
const target = (p: string, source: string): StageCandidateSpec => ({ path: p, source, role: "target" });
const layer = (p: string, source: string): StageCandidateSpec => ({ path: p, source, role: "layer" });
const d = path.delimiter;

const everything = {
  OPENCLAW_PLUGIN_STAGE_DIR: `/ro/a${d}/rw/b`,
  STATE_DIRECTORY: "/var/lib/openclaw-unit",
  OPENCLAW_STATE_DIR: "/srv/openclaw",
};

describe("stageCandidates: SPEC §4.2 precedence", () => {
  it("--stage-dir alone, with no fallback after an explicit choice", () => {
    expect(stageCandidates(input(everything, "/data/stage"))).toEqual([target("/data/stage", "--stage-dir")]);
  });

  it("OPENCLAW_PLUGIN_STAGE_DIR: earlier entries are layers, the last is the only target", () => {
    expect(stageCandidates(input(everything))).toEqual([
      layer("/ro/a", "OPENCLAW_PLUGIN_STAGE_DIR[0]"),
      target("/rw/b", "OPENCLAW_PLUGIN_STAGE_DIR[1]"),
    ]);
  });

  it("OPENCLAW_PLUGIN_STAGE_DIR: empty entries are dropped before numbering", () => {
    expect(
      stageCandidates(input({ OPENCLAW_PLUGIN_STAGE_DIR: `${d}/ro/a${d}${d}/ro/b${d}/rw/c${d}` })),
    ).toEqual([
      layer("/ro/a", "OPENCLAW_PLUGIN_STAGE_DIR[0]"),
      layer("/ro/b", "OPENCLAW_PLUGIN_STAGE_DIR[1]"),
      target("/rw/c", "OPENCLAW_PLUGIN_STAGE_DIR[2]"),
    ]);
  });

  it("OPENCLAW_PLUGIN_STAGE_DIR with a single entry is just the target", () => {
    expect(stageCandidates(input({ OPENCLAW_PLUGIN_STAGE_DIR: "/rw" }))).toEqual([
      target("/rw", "OPENCLAW_PLUGIN_STAGE_DIR[0]"),
    ]);
  });

  it("a layer that repeats the target is the target only", () => {
    expect(stageCandidates(input({ OPENCLAW_PLUGIN_STAGE_DIR: `/rw${d}/ro${d}/rw` }))).toEqual([
      layer("/ro", "OPENCLAW_PLUGIN_STAGE_DIR[1]"),
      target("/rw", "OPENCLAW_PLUGIN_STAGE_DIR[2]"),
    ]);
  });

  it("OPENCLAW_PLUGIN_STAGE_DIR made only of delimiters counts as unset", () => {
    expect(stageCandidates(input({ OPENCLAW_PLUGIN_STAGE_DIR: `${d}${d}` }))[0]?.source).toBe("~/.openclaw");
  });

  it("STATE_DIRECTORY: first entry of its ':' list, then the implicit fallbacks", () => {
    expect(
      stageCandidates(
        input({ STATE_DIRECTORY: "/var/lib/openclaw-gw:/var/lib/other", OPENCLAW_STATE_DIR: "/srv/oc" }),
      ),
    ).toEqual([
      target("/var/lib/openclaw-gw/plugin-runtime-deps", "STATE_DIRECTORY"),
      target("/srv/oc/plugin-runtime-deps", "OPENCLAW_STATE_DIR"),
      target(SYSTEM_STAGE_BASE, "default"),
    ]);
  });

  it("STATE_DIRECTORY with a leading empty entry uses the first non-empty one", () => {
    expect(stageCandidates(input({ STATE_DIRECTORY: ":/var/lib/x" }))[0]).toEqual(
      target("/var/lib/x/plugin-runtime-deps", "STATE_DIRECTORY"),
    );
  });

  it("OPENCLAW_STATE_DIR replaces ~/.openclaw", () => {
    expect(stageCandidates(input({ OPENCLAW_STATE_DIR: "/srv/oc" }))).toEqual([
      target("/srv/oc/plugin-runtime-deps", "OPENCLAW_STATE_DIR"),
      target(SYSTEM_STAGE_BASE, "default"),
    ]);
  });

  it("nothing set: ~/.openclaw then /var/lib/openclaw", () => {
    expect(stageCandidates(input({}))).toEqual([
      target("/home/op/.openclaw/plugin-runtime-deps", "~/.openclaw"),
      target(SYSTEM_STAGE_BASE, "default"),
    ]);
  });

  it("empty variables count as unset", () => {
    expect(
      stageCandidates(
        input({ OPENCLAW_PLUGIN_STAGE_DIR: "", STATE_DIRECTORY: "", OPENCLAW_STATE_DIR: "" }, ""),
      ),
    ).toEqual(stageCandidates(input({})));
  });

  it("an implicit candidate equal to the final default is not repeated", () => {
    expect(stageCandidates(input({ OPENCLAW_STATE_DIR: "/var/lib/openclaw" }))).toEqual([
      target(SYSTEM_STAGE_BASE, "OPENCLAW_STATE_DIR"),
    ]);
  });

  it("expands ~/ and resolves relative paths", () => {
    expect(stageCandidates(input({}, "~/stage"))).toEqual([target("/home/op/stage", "--stage-dir")]);
    expect(stageCandidates(input({ OPENCLAW_PLUGIN_STAGE_DIR: "rel/stage" }))).toEqual([
      target(path.resolve("rel/stage"), "OPENCLAW_PLUGIN_STAGE_DIR[0]"),
    ]);
  });
});
