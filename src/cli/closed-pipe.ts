/**
 * A reader that stops early (`plugdeps apply --help | head -1`, a pager quit before the end)
 * closes the pipe, and the next write to it fails with EPIPE. Without a listener Node throws that
 * as an unhandled 'error' event: a stack trace and exit 1 for what is not a problem. Writes to a
 * closed pipe are dropped instead: the command runs to its end (an apply is never cut short
 * because its reader left) and exits with its own code. Any other stream error is thrown as before.
 */
export const tolerateClosedPipes = (): void => {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EPIPE" || err.code === "ERR_STREAM_DESTROYED") return;
      throw err;
    });
  }
};
