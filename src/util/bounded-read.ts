import * as fs from "node:fs";

/**
 * One bounded read of a REGULAR file, for files a hostile or careless hand can replace: a FIFO
 * opened with a plain blocking open(2) waits for a writer forever (issue 15 item 8: a FIFO as a
 * plugin's package.json hung the host's start inside plugdeps/register), a device never ends, a
 * symlink reads someone else's file.
 *
 * The file is opened with O_RDONLY | O_NONBLOCK (a FIFO opens at once instead of waiting) and,
 * unless links are allowed, O_NOFOLLOW; what was OPENED is fstat'ed (no window between a check
 * and the read: an lstat followed by a readFileSync is not the same file when it is swapped in
 * between), and only a regular file no larger than `maxBytes` is read, reading at most
 * `maxBytes + 1` bytes (a file growing during the read is refused too).
 *
 * Used by the register hook's reads (src/resolve/records.ts, src/observe/versioned-roots.ts);
 * src/fastpath/stamp.ts reads its stamp the same way.
 */

export type BoundedRead =
  | { readonly _tag: "Read"; readonly text: string }
  /** ENOENT / ENOTDIR: nothing there. */
  | { readonly _tag: "Missing" }
  /** Not a regular file, a symlink (O_NOFOLLOW), too large: refused without reading it. */
  | { readonly _tag: "Refused"; readonly reason: string }
  /** Any other open/read error (EACCES, EIO, ...). */
  | { readonly _tag: "Failed"; readonly code: string; readonly message: string };

export interface BoundedReadOptions {
  readonly maxBytes: number;
  /** Follow a symlink to a regular file (a config the operator links); default false. */
  readonly followLinks?: boolean;
}

const codeOf = (err: unknown): string => {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "EUNKNOWN";
};

const failed = (err: unknown): BoundedRead => ({
  _tag: "Failed",
  code: codeOf(err),
  message: err instanceof Error ? err.message : String(err),
});

/** What a non-regular file is, for the reason a read was refused. */
export const fileKind = (st: fs.Stats): string =>
  st.isDirectory()
    ? "a directory"
    : st.isFIFO()
      ? "a FIFO"
      : st.isSocket()
        ? "a socket"
        : st.isCharacterDevice() || st.isBlockDevice()
          ? "a device"
          : st.isSymbolicLink()
            ? "a symbolic link"
            : "not a regular file";

export const readRegularFile = (file: string, options: BoundedReadOptions): BoundedRead => {
  const flags =
    fs.constants.O_RDONLY |
    fs.constants.O_NONBLOCK |
    (options.followLinks === true ? 0 : fs.constants.O_NOFOLLOW);
  let fd: number;
  try {
    fd = fs.openSync(file, flags);
  } catch (err) {
    const code = codeOf(err);
    if (code === "ENOENT" || code === "ENOTDIR") return { _tag: "Missing" };
    // O_NOFOLLOW on a symlink: ELOOP (Linux, macOS), EMLINK (FreeBSD).
    if ((code === "ELOOP" || code === "EMLINK") && options.followLinks !== true)
      return { _tag: "Refused", reason: "a symbolic link, not a regular file" };
    return failed(err);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return { _tag: "Refused", reason: `${fileKind(st)}, not a regular file` };
    if (st.size > options.maxBytes)
      return { _tag: "Refused", reason: `${st.size} bytes, larger than the limit of ${options.maxBytes}` };
    // One read usually takes it all (the buffer is one byte larger than the file); the loop is
    // for a file that changes under us, which may not grow past the limit either.
    const chunk = Buffer.alloc(Math.min(Math.max(st.size + 1, 4096), options.maxBytes + 1));
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const n = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      total += n;
      if (total > options.maxBytes)
        return { _tag: "Refused", reason: `grew beyond the limit of ${options.maxBytes} bytes while read` };
      chunks.push(Buffer.from(chunk.subarray(0, n)));
    }
    return { _tag: "Read", text: Buffer.concat(chunks, total).toString("utf8") };
  } catch (err) {
    return failed(err);
  } finally {
    fs.closeSync(fd);
  }
};
