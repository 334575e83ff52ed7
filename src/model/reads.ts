/**
 * What the observe step read, as util/observed-fs.ts journals it: the identity of each path it
 * looked at, each link it followed, each access(2) it asked. The no-op stamp and createPlan's
 * memo re-check these instead of observing again.
 */

/** What a path looked like: identity fields, or the error code a stat got. */
export type Identity =
  | {
      readonly dev: number;
      readonly ino: number;
      readonly size: number;
      readonly mode: number;
      readonly mtimeMs: number;
      readonly ctimeMs: number;
    }
  | { readonly error: string };

export type Read =
  /** stat / lstat / exists / read (identity of the file read) / readdir (identity of the dir) */
  | { readonly kind: "stat" | "lstat"; readonly path: string; readonly seen: Identity }
  | {
      readonly kind: "realpath" | "readlink";
      readonly path: string;
      readonly seen: string | { readonly error: string };
    }
  | { readonly kind: "access"; readonly path: string; readonly mode: number; readonly seen: string };

export interface Journal {
  /** Date.now() when the journal was opened: identities changed within a clock tick of it are racy. */
  readonly startedAt: number;
  readonly observations: Map<string, Read>;
  /** Set when a decision depended on something a re-check cannot see (the time, a lock holder). */
  tainted: string | null;
}
