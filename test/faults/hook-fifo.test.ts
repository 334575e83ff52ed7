import * as fs from "node:fs";
import * as path from "node:path";
import { execa } from "execa";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/cli.js";
import {
  apply,
  APPLY_TIMEOUT_MS,
  type ApplySandbox,
  expectOk,
  makeApplySandbox,
  testPath,
} from "../support/apply.js";
import { findNode22 } from "../support/node22.js";

/**
 * Issue 15 item 8: `plugdeps/register` reads files in the host's plugin dirs (each recorded
 * plugin's package.json) and under the stage base (each root's `.plugdeps/state.json`) at the
 * host's start. A FIFO there must not hang the host: the hook opens every file it reads with
 * O_NONBLOCK | O_NOFOLLOW, reads only a regular file of bounded size, and treats a refused file
 * as "nothing resolved there" (Node's own resolution), with one warning naming the path.
 *
 * A real root built by `plugdeps apply` (pnpm, local registry), then a real FIFO (mkfifo) put in
 * place of one file, and a real `node --import <dist>/src/resolve/register.js` that imports plugin
 * entries, under a timeout: a hang is a timeout, reported as such.
 *
 * The entries are `.mjs` files that import no bare specifier from a plugin whose package.json is a
 * FIFO: Node's OWN package scope lookup (for `"type"` and for self-references) reads that file
 * too, with a blocking read, which is Node's behaviour and not what this test is about.
 */

const REGISTER = path.join(REPO_ROOT, "dist", "src", "resolve", "register.js");
/** Enough for a loaded 2-core box; a hanging read never finishes at all. */
const HANG_MS = 20_000;

let sb: ApplySandbox;
let root: string;
let realRoot: string;
const ext = (...parts: string[]) => path.join(sb.host, "dist", "extensions", ...parts);

/** Imports each entry (an absolute path) and prints what each gave, as JSON. */
const RUNNER = `import { pathToFileURL } from "node:url";
const out = {};
for (const file of process.argv.slice(1)) {
  try {
    out[file] = (await import(pathToFileURL(file).href)).default;
  } catch (err) {
    out[file] = { error: { code: err.code ?? null, message: err.message } };
  }
}
process.stdout.write(JSON.stringify(out));
`;

interface Loaded {
  readonly file?: string;
  readonly error?: { readonly code: string | null; readonly message: string };
}

const slackEntry = () => ext("slack", "entry.mjs");
const telegramEntry = () => ext("telegram", "entry.mjs");

const runHook = async (node: string) => {
  const r = await execa(
    node,
    ["--import", REGISTER, "--input-type=module", "-e", RUNNER, slackEntry(), telegramEntry()],
    {
      reject: false,
      extendEnv: false,
      env: { PATH: testPath(), HOME: sb.home, LANG: "C.UTF-8", PLUGDEPS_STAGE_DIR: sb.stage },
      cwd: sb.root,
      timeout: HANG_MS,
      killSignal: "SIGKILL",
    },
  );
  expect(r.timedOut, `node --import plugdeps/register hung (killed after ${HANG_MS} ms)`).toBe(false);
  expect(r.exitCode, `${r.stderr}\n${r.stdout}`).toBe(0);
  return { out: JSON.parse(r.stdout) as Record<string, Loaded | string>, stderr: r.stderr };
};

const hookWarnings = (stderr: string): string[] =>
  stderr.split("\n").filter((l) => l.startsWith("plugdeps/register:"));

/** Replaces `file` by a FIFO until the end of the test. */
const restore: (() => void)[] = [];
const fifoInPlaceOf = async (file: string): Promise<void> => {
  const bytes = fs.readFileSync(file);
  fs.rmSync(file);
  restore.push(() => {
    fs.rmSync(file, { force: true });
    fs.writeFileSync(file, bytes);
  });
  const r = await execa("mkfifo", [file], { reject: false });
  expect(r.exitCode, `mkfifo: ${r.stderr}`).toBe(0);
  expect(fs.lstatSync(file).isFIFO()).toBe(true);
};

afterEach(() => {
  for (const undo of restore.splice(0).reverse()) undo();
});

beforeAll(async () => {
  // 2026.4.20: the band the hook serves (its host does not read the external roots itself).
  sb = makeApplySandbox("pnpm", { version: "2026.4.20" });
  // slack's entry imports only a builtin: it loads whatever the hook decided about slack.
  fs.writeFileSync(slackEntry(), `import * as path from "node:path";\nexport default path.sep;\n`);
  // telegram's resolves a declared dependency: from the root when the hook redirects it.
  fs.writeFileSync(
    telegramEntry(),
    `import { fileURLToPath } from "node:url";\n` +
      `let file;\ntry { file = fileURLToPath(import.meta.resolve("@fixture/markdown")); }\n` +
      `catch (err) { file = null; }\nexport default { file };\n`,
  );
  expectOk(await apply(sb));
  const roots = fs
    .readdirSync(sb.stage)
    .filter(
      (n) => /^openclaw-.+-[0-9a-f]{12}$/.test(n) && fs.lstatSync(path.join(sb.stage, n)).isSymbolicLink(),
    );
  expect(roots).toHaveLength(1);
  root = path.join(sb.stage, roots[0] ?? "");
  realRoot = fs.realpathSync(root);
}, APPLY_TIMEOUT_MS * 2);

const within = (file: unknown, dir: string) =>
  typeof file === "string" && file.startsWith(`${dir}${path.sep}`);

const telegramFile = (out: Record<string, Loaded | string>): unknown =>
  (out[telegramEntry()] as { file?: unknown } | undefined)?.file;

const nodes = (): { label: string; node: string | null; missing?: string }[] => {
  const n22 = findNode22();
  return [
    { label: `Node ${process.versions.node}`, node: process.execPath },
    "missing" in n22
      ? { label: "Node 22 (module.registerHooks)", node: null, missing: n22.missing }
      : { label: "Node 22 (module.registerHooks)", node: n22.node },
  ];
};

describe.each(nodes())("plugdeps/register and FIFOs, $label", ({ node, missing }) => {
  const nodeOrSkip = (ctx: { skip: (note?: string) => void }): string => {
    if (node === null) ctx.skip(missing);
    return node ?? "";
  };

  it("as the baseline, resolves telegram's dependency from the root and prints nothing", async (ctx) => {
    const { out, stderr } = await runHook(nodeOrSkip(ctx));
    expect(stderr).toBe("");
    expect(out[slackEntry()]).toBe(path.sep);
    expect(within(telegramFile(out), realRoot), JSON.stringify(out)).toBe(true);
  });

  it("a FIFO as a recorded plugin's package.json: no hang, that plugin is left to Node, one warning", async (ctx) => {
    const bin = nodeOrSkip(ctx);
    const manifest = ext("slack", "package.json");
    await fifoInPlaceOf(manifest);
    const { out, stderr } = await runHook(bin);
    expect(out[slackEntry()]).toBe(path.sep);
    // Only slack is refused: telegram still resolves from the root.
    expect(within(telegramFile(out), realRoot), JSON.stringify(out)).toBe(true);
    const warnings = hookWarnings(stderr);
    expect(warnings, stderr).toHaveLength(1);
    expect(warnings[0]).toContain(manifest);
    expect(warnings[0]).toMatch(/FIFO/);
  });

  it("a FIFO as the root's state record: no hang, nothing resolved from that root, one warning", async (ctx) => {
    const bin = nodeOrSkip(ctx);
    const state = path.join(realRoot, ".plugdeps", "state.json");
    await fifoInPlaceOf(state);
    const { out, stderr } = await runHook(bin);
    expect(out[slackEntry()]).toBe(path.sep);
    // No record: telegram's import is Node's own business (not found from the plugin dir here).
    expect(within(telegramFile(out), realRoot), JSON.stringify(out)).toBe(false);
    const warnings = hookWarnings(stderr);
    expect(warnings, stderr).toHaveLength(1);
    expect(warnings[0]).toContain(state);
    expect(warnings[0]).toMatch(/FIFO/);
  });
});
