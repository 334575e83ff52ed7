import * as fs from "node:fs";
import * as path from "node:path";

/**
 * "Run a pass now, the config changed." Watches the DIRECTORY of each file, not the file: editors
 * and config tools save by writing a temp file and renaming it over the original (vim, sed -i,
 * Ansible, write-file-atomic), which replaces the inode a file watch would be attached to, and
 * such a watch then goes silent. A directory watch sees the rename as an event for the file's
 * name. Events are debounced (an editor's save is several events) and only ever *trigger* a pass:
 * the pass reads everything itself, so a missed event costs at most one interval.
 *
 * `point()` is called at the start of every pass with the files as resolved then, so a config
 * path that changes, or a directory that did not exist at start-up, is picked up, and a watch
 * that died (its directory was removed) is re-armed.
 */
export interface ConfigWatcher {
  readonly point: (files: readonly string[]) => void;
  readonly close: () => void;
}

export const DEFAULT_DEBOUNCE_MS = 500;

export const watchFiles = (
  onChange: () => void,
  options: { readonly debounceMs?: number; readonly onWarning?: (message: string) => void } = {},
): ConfigWatcher => {
  const debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
  const watchers = new Map<string, { readonly watcher: fs.FSWatcher; readonly identity: string }>();
  let names = new Map<string, Set<string>>();
  let timer: ReturnType<typeof setTimeout> | null = null;
  const warned = new Set<string>();
  const warnOnce = (message: string) => {
    if (warned.has(message)) return;
    warned.add(message);
    options.onWarning?.(message);
  };

  const fire = () => {
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      onChange();
    }, debounceMs);
  };

  const arm = (dir: string) => {
    try {
      const watcher = fs.watch(dir, { persistent: false }, (_event, filename) => {
        // Some platforms do not report the name; then any change in the directory counts.
        const name = filename === null ? null : filename.toString();
        if (name === null || names.get(dir)?.has(name)) fire();
      });
      watcher.on("error", (err) => {
        warnOnce(`stopped watching ${dir} (${String(err)}); the next pass re-arms it`);
        watcher.close();
        if (watchers.get(dir)?.watcher === watcher) watchers.delete(dir);
      });
      watchers.set(dir, { watcher, identity: identityOf(dir) ?? "" });
    } catch (err) {
      // ENOENT (no directory yet), ENOSPC (inotify watches exhausted), EACCES: the interval still
      // runs every pass; say once why changes are not picked up immediately.
      warnOnce(`cannot watch ${dir} for config changes (${String(err)}); passes run on the interval only`);
    }
  };

  return {
    point: (files) => {
      const wanted = new Map<string, Set<string>>();
      for (const file of files) {
        const dir = path.dirname(path.resolve(file));
        wanted.set(dir, (wanted.get(dir) ?? new Set()).add(path.basename(file)));
      }
      names = wanted;
      for (const [dir, armed] of watchers) {
        // A directory that was removed or replaced leaves the watch on a dead inode, silently.
        if (!wanted.has(dir) || identityOf(dir) !== armed.identity) {
          armed.watcher.close();
          watchers.delete(dir);
        }
      }
      for (const dir of wanted.keys()) if (!watchers.has(dir)) arm(dir);
    },
    close: () => {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      for (const armed of watchers.values()) armed.watcher.close();
      watchers.clear();
    },
  };
};

/** Inode plus birth time: a replaced directory often gets the freed inode number back at once. */
const identityOf = (dir: string): string | null => {
  try {
    const st = fs.statSync(dir);
    return `${st.dev}:${st.ino}:${st.birthtimeMs}`;
  } catch {
    return null;
  }
};
