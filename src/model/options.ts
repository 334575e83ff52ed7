/** `access` for read-only commands (access(2) only: they never write), `write` for mutating ones. */
export type ProbeMode = "write" | "access";

/** What a caller (CLI, library user, reconcile loop) says about one run. */
export interface RunOptions {
  /** A catalogued host (src/hosts/catalog.ts), as `--host` names it; default: detected from the package root. */
  readonly host?: string | undefined;
  readonly packageRoot?: string | undefined;
  readonly config?: string | undefined;
  readonly stageDir?: string | undefined;
  /** Previous roots kept for rollback (default 1, or the settings file's). */
  readonly retention?: number | undefined;
  /**
   * How long one package-manager run may take before its process group is stopped
   * (`--install-timeout`; default the settings file's `installTimeout`, else 10 min).
   */
  readonly installTimeoutMs?: number | undefined;
  /** The plugdeps settings file (JSON5); default `$PLUGDEPS_SETTINGS`, else none. */
  readonly settings?: string | undefined;
  /** `--override NAME=SPEC` flags, in order. */
  readonly overrides?: readonly string[] | undefined;
  /** `access` for read-only commands (they never write), `write` for mutating ones. */
  readonly probe: ProbeMode;
  /** Read-only commands that only look (status) may observe a stage base they cannot write. */
  readonly observeReadOnlyStage?: boolean | undefined;
  /**
   * Journal every read of the observe step into the Observation (`reads`), for a caller that
   * will re-check them later instead of observing again (the no-op stamp, createPlan's memo).
   */
  readonly recordReads?: boolean | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly homedir: string;
}

export const DEFAULT_RETENTION = 1;
/** A registry that accepts connections and never answers held apply ~16 minutes (issue 15). */
export const DEFAULT_INSTALL_TIMEOUT_MS = 10 * 60_000;
