import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/**
 * Which registry a package-manager run talks to, and which setting chose it: for the messages of
 * a failed or timed-out install ("the registry <url> did not answer; it comes from registry= in
 * <file>"). Read the way npm (and pnpm, which reads the same files) reads it, without starting
 * anything: `npm_config_registry` in the environment, else `registry=` in the user config
 * (`npm_config_userconfig`, else `~/.npmrc`), else in the global config (`npm_config_globalconfig`,
 * else `<node prefix>/etc/npmrc`), else npm's default. Scoped registries (`@scope:registry=`) are
 * reported for the scopes of the packages being installed. plugdeps never changes these settings
 * (SPEC §4.10): it only names them.
 */

export const DEFAULT_REGISTRY = "https://registry.npmjs.org/";

export interface RegistrySource {
  readonly url: string;
  /** Where it was set: `npm_config_registry`, `registry= in /home/u/.npmrc`, `npm's default`. */
  readonly from: string;
}

export interface RegistryInfo extends RegistrySource {
  /** `@scope:registry=` settings that apply to the packages of the run, by scope. */
  readonly scoped: readonly (RegistrySource & { readonly scope: string })[];
}

interface RcFile {
  readonly file: string;
  readonly values: ReadonlyMap<string, string>;
}

export const registryFor = (
  env: Readonly<Record<string, string | undefined>>,
  packages: readonly string[] = [],
  execPath: string = process.execPath,
): RegistryInfo => {
  const fromEnv = (key: string): string | undefined => {
    const wanted = `npm_config_${key}`.toLowerCase();
    const hit = Object.entries(env).find(
      ([k, v]) => k.toLowerCase() === wanted && v !== undefined && v !== "",
    );
    return hit?.[1];
  };
  const home = env["HOME"] ?? os.homedir();
  const rcFiles: RcFile[] = [];
  const userconfig = fromEnv("userconfig") ?? path.join(home, ".npmrc");
  const globalconfig =
    fromEnv("globalconfig") ?? path.join(path.dirname(path.dirname(execPath)), "etc", "npmrc");
  for (const file of [userconfig, globalconfig]) {
    const values = readRc(file, env);
    if (values !== null) rcFiles.push({ file, values });
  }
  const lookup = (key: string): RegistrySource | null => {
    const e = fromEnv(key);
    if (e !== undefined) return { url: redacted(e), from: `npm_config_${key}` };
    for (const rc of rcFiles) {
      const v = rc.values.get(key);
      if (v !== undefined && v !== "") return { url: redacted(v), from: `${key}= in ${rc.file}` };
    }
    return null;
  };
  const main = lookup("registry") ?? { url: DEFAULT_REGISTRY, from: "npm's default (no registry= set)" };
  const scopes = [...new Set(packages.map((p) => /^(@[^/]+)\//.exec(p)?.[1]).filter((s) => s !== undefined))];
  const scoped = scopes.flatMap((scope) => {
    const hit = lookup(`${scope}:registry`);
    return hit === null ? [] : [{ ...hit, scope }];
  });
  return { ...main, scoped };
};

/** A registry URL for messages: credentials in it (`https://user:pass@host/`) are never printed. */
const redacted = (url: string): string => {
  try {
    const u = new URL(url);
    if (u.username === "" && u.password === "") return url;
    u.username = "";
    u.password = "";
    return u.toString();
  } catch {
    return url;
  }
};

/** An npmrc's `key = value` lines (`;` and `#` comments, `${VAR}` expanded); null if unreadable. */
const readRc = (
  file: string,
  env: Readonly<Record<string, string | undefined>>,
): Map<string, string> | null => {
  let text: string;
  try {
    if (!fs.statSync(file).isFile()) return null;
    text = fs.readFileSync(file, "utf8");
  } catch {
    return null;
  }
  const values = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith(";") || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    let value = line.slice(eq + 1).trim();
    if (/^(["']).*\1$/.test(value)) value = value.slice(1, -1);
    value = value.replace(/\$\{([^}]+)\}/g, (_m, name: string) => env[name] ?? "");
    values.set(key, value);
  }
  return values;
};

/** One line for messages: the registry, where it is set, and any scoped registry that applies. */
export const describeRegistry = (r: RegistryInfo): string =>
  [`${r.url} (${r.from})`, ...r.scoped.map((s) => `${s.url} for ${s.scope} (${s.from})`)].join(", ");

/** The registry named in a failed request of the log (`GET http://host/pkg`, `request to http://...`). */
export const registryInLog = (log: string): string | null => {
  const m =
    /(?:GET|request to) (https?:\/\/[^\s"',]+)/.exec(log) ??
    /\b(https?:\/\/[^\s"',]+)\b.*\b(?:ECONN|ETIMEDOUT|ENOTFOUND|EAI_AGAIN)/.exec(log);
  if (m?.[1] === undefined) return null;
  try {
    const u = new URL(m[1]);
    return `${u.protocol}//${u.host}/`;
  } catch {
    return null;
  }
};
