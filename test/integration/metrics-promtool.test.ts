import * as fs from "node:fs";
import * as path from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/cli.js";
import { findPromtool } from "../support/promtool.js";
import { waitFor } from "../support/wait.js";
import {
  expectExit0,
  loopWait,
  makeReconcileSandbox,
  passes,
  showRun,
  startReconcile,
} from "./reconcile-support.js";

/**
 * The reconcile loop's /metrics against Prometheus' own checker: a real `plugdeps reconcile
 * --metrics-port 0` (the port it got is in its log) converges a small host, and its exposition
 * goes through `promtool check metrics`, which must exit 0 with nothing to say (no lint problem:
 * HELP and TYPE, `_total` on counters only, base units in names). docs/metrics.md lists exactly the
 * metric families served.
 */

const found = findPromtool();
const promtool = "promtool" in found ? found : null;

/** `| name | type | meaning |` rows of docs/metrics.md: the names in backquotes. */
const documented = (): Map<string, string> => {
  const text = fs.readFileSync(path.join(REPO_ROOT, "docs", "metrics.md"), "utf8");
  const rows = new Map<string, string>();
  for (const m of text.matchAll(/^\|\s*`([a-z_:][a-z0-9_:]*)`\s*\|\s*(\w+)\s*\|/gm)) {
    rows.set(m[1] ?? "", m[2] ?? "");
  }
  return rows;
};

const families = (exposition: string): Map<string, string> =>
  new Map([...exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1] ?? "", m[2] ?? ""] as const));

describe("reconcile /metrics and promtool", () => {
  it.skipIf(promtool === null)(
    `passes \`promtool check metrics\` with no lint warning (${promtool?.version ?? ("missing" in found ? found.missing : "")})`,
    async () => {
      if (promtool === null) return;
      const sb = makeReconcileSandbox();
      const run = startReconcile(sb, ["--every", "1h", "--metrics-port", "0"]);
      let exposition = "";
      try {
        const show = showRun(run, sb);
        await waitFor("the first pass", () => passes(run).length === 1, loopWait(show));
        expect(passes(run)[0]).toMatchObject({ outcome: "Applied", ready: "True" });
        const url = run.events().find((e) => typeof e["metrics"] === "string")?.["metrics"];
        expect(url, show()).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        const res = await fetch(`${String(url)}/metrics`);
        expect(res.status).toBe(200);
        expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
        exposition = await res.text();
      } finally {
        expectExit0(await run.stop("SIGTERM"));
      }

      const checked = await execa(promtool.promtool, ["check", "metrics"], {
        input: exposition,
        reject: false,
      });
      expect(
        { exitCode: checked.exitCode, stdout: checked.stdout, stderr: checked.stderr },
        exposition,
      ).toEqual({ exitCode: 0, stdout: "", stderr: "" });

      // the pass shows, the build is named
      const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as {
        version: string;
      };
      expect(exposition).toContain(
        `plugdeps_build_info{version="${pkg.version}",nodejs_version="${process.versions.node}"} 1`,
      );
      expect(exposition).toContain('plugdeps_reconcile_passes_total{outcome="Applied"} 1');
      expect(exposition).toContain('plugdeps_reconcile_actions_total{type="install"} 1');

      // docs/metrics.md lists every family served, with its type, and every plugdeps_ one it lists is served
      const served = families(exposition);
      const docs = documented();
      for (const [name, type] of served) expect(docs.get(name), `${name} in docs/metrics.md`).toBe(type);
      for (const name of docs.keys()) {
        if (name.startsWith("plugdeps_")) expect(served.has(name), `${name} served`).toBe(true);
      }
    },
  );
});
