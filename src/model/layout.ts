import * as path from "node:path";

/**
 * The on-disk layout contract of a versioned root. Bump it whenever the layout changes (where sets
 * live, what the state record means): it is part of the plan fingerprint, so old roots stop
 * counting as "in sync" and are rebuilt instead of being misread.
 */
export const LAYOUT_VERSION = 1;

/** Plugin-isolated install sets live at `<root>/isolated/<plugin id>/`. */
export const ISOLATED_DIR = "isolated";
/** Ownership marker and materialization record: `<root>/.plugdeps/state.json`. */
export const STATE_DIR = ".plugdeps";
export const STATE_FILE = "state.json";
/**
 * The reconcile loop's status record, `<stage base>/.plugdeps/status.json`: in the stage base's
 * state directory, beside the package-manager logs and cache (not inside a root). Written by
 * `plugdeps reconcile`, read by `status` and `doctor`: this is the one place its path is made.
 */
export const STATUS_FILE = "status.json";
export const statusFileIn = (stageBase: string): string => path.join(stageBase, STATE_DIR, STATUS_FILE);
export const SHARED_SET_ID = "shared";
export const isolatedSetId = (pluginId: string): string => `plugin:${pluginId}`;
