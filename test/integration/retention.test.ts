import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { LOG_KEEP_COUNT, LOG_MAX_AGE_MS } from "../../src/model/disk-use.js";
import { configFixture, describeRun, NO_CHANGES } from "../support/cli.js";
import {
  apply,
  APPLY_TIMEOUT_MS,
  type ApplySandbox,
  commonArgs,
  expectOk,
  makeApplySandbox,
  planJson,
  run,
} from "../support/apply.js";

/**
 * Retention of the package managers' logs (issue 16 item 5, model/disk-use.ts): beyond the newest
 * LOG_KEEP_COUNT, or older than LOG_MAX_AGE_MS, a log is a leftover that plan lists and apply's
 * tidy phase removes under the lock, on a converged root too; recent ones stay, and so does
 * anything that is not plugdeps' own log name or is a link.
 */
describe("retention of package-manager logs", () => {
  let sb: ApplySandbox;
  let logs: string;
  const recent: string[] = [];
  const old: string[] = [];
  const surplus: string[] = [];

  beforeAll(async () => {
    sb = makeApplySandbox("pnpm");
    expectOk(await apply(sb));
    logs = path.join(sb.stage, ".plugdeps", "logs");
    const now = Date.now();
    const write = (name: string, ageMs: number) => {
      const p = path.join(logs, name);
      fs.writeFileSync(p, "log\n");
      const t = new Date(now - ageMs);
      fs.utimesSync(p, t, t);
      return p;
    };
    // Apply's own logs (a few) are the newest; then LOG_KEEP_COUNT more a day old each, in order.
    const own = fs.readdirSync(logs).length;
    for (let i = 0; i < LOG_KEEP_COUNT + 3; i++) {
      const p = write(
        `openclaw-2026.4.29-000000000000-0mold${String(i).padStart(4, "0")}abcdef-shared.log`,
        (i + 1) * 3_600_000,
      );
      (i < LOG_KEEP_COUNT - own ? recent : surplus).push(p);
    }
    old.push(
      write("openclaw-2026.4.29-000000000000-0mancient0abcdef-shared.log", LOG_MAX_AGE_MS + 86_400_000),
    );
    // Not plugdeps' own log names, or not a regular file: never touched.
    write("notes.txt", LOG_MAX_AGE_MS * 2);
    fs.symlinkSync("/etc/hostname", path.join(logs, "planted-link.log"));
  }, APPLY_TIMEOUT_MS);

  it("plan lists the logs beyond retention as leftovers, and still plans no action", async () => {
    const plan = await planJson(sb);
    expect(plan.actions).toEqual([]);
    const listed = (plan.observed.leftovers ?? []).filter((l) => l.kind === "log").map((l) => l.path);
    expect(listed.sort()).toEqual([...surplus, ...old].sort());
    const human = expectOk(await run(sb, ["plan", ...commonArgs(sb, configFixture("demo.json5"))]));
    expect(human.stdout).toContain(NO_CHANGES);
    expect(human.stdout).toContain("Beyond retention");
  });

  it("apply removes them under the lock on a converged root; recent logs and foreign names stay", async () => {
    const r = expectOk(await apply(sb));
    expect(r.stdout, describeRun(r)).toContain(
      `removed ${surplus.length + old.length} package-manager logs beyond retention`,
    );
    for (const p of [...surplus, ...old]) expect(fs.existsSync(p), p).toBe(false);
    for (const p of recent) expect(fs.existsSync(p), p).toBe(true);
    expect(fs.existsSync(path.join(logs, "notes.txt"))).toBe(true);
    expect(fs.lstatSync(path.join(logs, "planted-link.log")).isSymbolicLink()).toBe(true);
    expect(fs.readdirSync(logs).filter((n) => n.endsWith(".log") && n !== "planted-link.log")).toHaveLength(
      LOG_KEEP_COUNT,
    );
    expect((await planJson(sb)).observed.leftovers).toEqual([]);
  });
});
