import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { execa, type Options } from "execa";

/**
 * A real second uid for the security faults (issue "hostile stage base", "planted root"): the
 * service user a host runs as, or another local user, who can write a shared stage base.
 *
 * `secondUser()` creates the system user `plugdeps-svc` once per machine (useradd, no home, no
 * shell) and returns its ids; it needs root, which every fault machine is (the tests skip with the
 * reason otherwise). `asUser` runs a command with that uid and gid and no supplementary groups
 * (setpriv), so what it writes really is owned by it and root's later run meets a foreign owner.
 */

export interface SecondUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

export const SECOND_USER = "plugdeps-svc";

/** Why the second-user tests cannot run here, or null. */
export const secondUserUnavailable = (): string | null => {
  if (process.getuid?.() !== 0) return "needs root (to create and switch to a second uid)";
  for (const tool of ["useradd", "setpriv"]) {
    try {
      execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
    } catch {
      return `needs ${tool}`;
    }
  }
  return null;
};

export const secondUser = (): SecondUser => {
  const ids = (): SecondUser | null => {
    try {
      const uid = Number(execFileSync("id", ["-u", SECOND_USER], { encoding: "utf8" }).trim());
      const gid = Number(execFileSync("id", ["-g", SECOND_USER], { encoding: "utf8" }).trim());
      return { name: SECOND_USER, uid, gid };
    } catch {
      return null;
    }
  };
  const known = ids();
  if (known !== null) return known;
  // A group of that name left behind (a user removed by hand keeps it) is joined, not a failure.
  let groupLeft = false;
  try {
    execFileSync("getent", ["group", SECOND_USER], { stdio: "ignore" });
    groupLeft = true;
  } catch {
    // no such group: useradd makes it
  }
  try {
    execFileSync(
      "useradd",
      [
        "--system",
        "--no-create-home",
        "--shell",
        "/usr/sbin/nologin",
        ...(groupLeft ? ["--gid", SECOND_USER] : []),
        SECOND_USER,
      ],
      { stdio: "pipe" },
    );
  } catch (err) {
    // Two test files creating it at once: the loser finds it made.
    if (ids() === null) throw err;
  }
  const made = ids();
  if (made === null) throw new Error(`useradd ${SECOND_USER} succeeded but id cannot find the user`);
  return made;
};

/** Runs `cmd args` as the user (uid, gid, no supplementary groups). Never rejects. */
export interface UserRun {
  readonly exitCode: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
}

export const asUser = async (
  user: SecondUser,
  cmd: string,
  args: readonly string[],
  opts: Options = {},
): Promise<UserRun> => {
  const r = await execa(
    "setpriv",
    ["--reuid", String(user.uid), "--regid", String(user.gid), "--clear-groups", "--", cmd, ...args],
    { ...opts, reject: false },
  );
  return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
};

/** chown -R without following links (lchown), as the user's own writes would have left it. */
export const chownTree = (dir: string, user: SecondUser): void => {
  fs.lchownSync(dir, user.uid, user.gid);
  const st = fs.lstatSync(dir);
  if (!st.isDirectory()) return;
  for (const name of fs.readdirSync(dir)) chownTree(path.join(dir, name), user);
};

/** Every entry under dir (links not followed) with its mode, owner, size and mtime: to see that nothing changed. */
export const snapshotTree = (dir: string): Map<string, string> => {
  const out = new Map<string, string>();
  const walk = (p: string): void => {
    const st = fs.lstatSync(p, { throwIfNoEntry: false });
    if (st === undefined) return;
    const body = st.isFile()
      ? fs.readFileSync(p).toString("base64")
      : st.isSymbolicLink()
        ? fs.readlinkSync(p)
        : "";
    out.set(path.relative(dir, p) || ".", `${st.mode.toString(8)} ${st.uid}:${st.gid} ${st.size} ${body}`);
    if (st.isDirectory()) for (const name of fs.readdirSync(p)) walk(path.join(p, name));
  };
  walk(dir);
  return out;
};
