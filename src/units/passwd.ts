import * as fs from "node:fs";
import type { UserLookup } from "./spec.js";

/**
 * This machine's accounts, from /etc/passwd: enough for `plugdeps units` to say that the service
 * user does not exist yet, where its home is (ProtectHome=), and where the home of the user who
 * ran sudo is. Accounts only a directory service knows (LDAP, SSSD) are not in the file: where
 * nsswitch.conf names one, a missing name is unknown (undefined), never "no such user".
 */
export const parsePasswd = (text: string): ReadonlyMap<string, { readonly home: string }> => {
  const users = new Map<string, { home: string }>();
  for (const line of text.split("\n")) {
    const fields = line.split(":");
    const [name, , , , , home] = fields;
    if (fields.length >= 7 && name !== undefined && name !== "" && home !== undefined && !users.has(name)) {
      users.set(name, { home });
    }
  }
  return users;
};

/** Name services that read only local files (systemd's adds DynamicUser= accounts, not ours). */
const LOCAL_SOURCES = new Set(["files", "compat", "systemd"]);

/** Whether nsswitch.conf's `passwd:` line names only local sources (absent: glibc's `files`). */
export const passwdIsLocal = (nsswitch: string): boolean => {
  const line = /^passwd:(.*)$/m.exec(nsswitch)?.[1];
  if (line === undefined) return true;
  const sources = line
    .replace(/\[[^\]]*\]/g, " ")
    .trim()
    .split(/\s+/)
    .filter((w) => w !== "");
  return sources.every((w) => LOCAL_SOURCES.has(w));
};

export const passwdLookup = (
  file = "/etc/passwd",
  nsswitch = "/etc/nsswitch.conf",
): UserLookup | undefined => {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  const users = parsePasswd(text);
  let local = true;
  try {
    local = passwdIsLocal(fs.readFileSync(nsswitch, "utf8"));
  } catch {
    // no nsswitch.conf: glibc reads the files
  }
  // A name missing from the file is "no such user" only when no directory service could know it.
  return (name) => users.get(name) ?? (local ? null : undefined);
};
