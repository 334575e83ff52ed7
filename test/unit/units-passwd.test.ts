import { describe, expect, it } from "vitest";
import { parsePasswd, passwdIsLocal } from "../../src/units/passwd.js";

/** /etc/passwd, as `plugdeps units` reads it (the service user's existence and home). */

describe("passwd", () => {
  it("reads names and homes, first entry wins, malformed lines ignored", () => {
    const users = parsePasswd(
      [
        "root:x:0:0:root:/root:/bin/bash",
        "openclaw:x:998:998::/var/lib/openclaw:/usr/sbin/nologin",
        "root:x:0:0:again:/elsewhere:/bin/sh",
        "garbage line",
        '{"format":"not a passwd line"}',
        "",
      ].join("\n"),
    );
    expect(users.get("root")).toEqual({ home: "/root" });
    expect(users.get("openclaw")).toEqual({ home: "/var/lib/openclaw" });
    expect(users.size).toBe(2);
  });

  it("a missing name means no such user only when accounts are local files", () => {
    expect(passwdIsLocal("passwd:         files systemd\ngroup: files\n")).toBe(true);
    expect(passwdIsLocal("passwd: compat\n")).toBe(true);
    expect(passwdIsLocal("# nothing about passwd\n")).toBe(true);
    expect(passwdIsLocal("passwd: files [NOTFOUND=return] sss\n")).toBe(false);
    expect(passwdIsLocal("passwd: files ldap\n")).toBe(false);
  });
});
