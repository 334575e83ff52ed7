import type * as E from "fp-ts/lib/Either.js";
import type { PlugdepsError } from "../model/errors.js";
import type { Debris, Unmanaged } from "../model/plan.js";

/**
 * The seam between the generic core and a particular plugin host. Nothing in plan/, observe/,
 * reconcilers/ or execute/ may know about OpenClaw; everything host-specific is behind this
 * interface (SPEC: "OpenClaw is one host adapter").
 */

/** What the adapter needs from the outside world; passed in so tests can fake env and home. */
export interface HostInput {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly homedir: string;
  readonly flags: {
    readonly packageRoot?: string | undefined;
    readonly config?: string | undefined;
    readonly stageDir?: string | undefined;
  };
}

/** Facts about one plugin, host-neutral. Activation rules read these plus the config. */
export interface PluginFacts {
  readonly id: string;
  /** Realpath of the plugin directory. */
  readonly dir: string;
  /** Merged runtime dependencies: optionalDependencies override dependencies of the same name. */
  readonly dependencies: Readonly<Record<string, string>>;
  /** True when the host does not ship this plugin's dependencies (they must be materialized). */
  readonly staged: boolean;
  readonly channels: readonly string[];
  readonly providers: readonly string[];
  readonly enabledByDefault: boolean;
  readonly legacyIds: readonly string[];
  /**
   * Facts only the host's own adapter reads (OpenClaw: its manifest id, channel catalog entry,
   * modelSupport, conditional runtime dependencies). Opaque to the core, which never looks inside.
   */
  readonly hostFacts?: unknown;
}

export type DiscoveredPlugin =
  | ({ readonly _tag: "Valid" } & PluginFacts)
  | { readonly _tag: "Invalid"; readonly id: string; readonly dir: string; readonly error: string };

export interface Decision {
  readonly active: boolean;
  /** The config key (or rule) that decided, e.g. `channels.slack.enabled=true`. */
  readonly reason: string;
  /**
   * Dependencies the host stages for this plugin only because of this config (OpenClaw:
   * `runtimeDependencies.localMemoryEmbedding` when `memorySearch.provider` is `local`); merged
   * over the plugin's own when it is active.
   */
  readonly extraDependencies?: Readonly<Record<string, string>>;
}

/** Where the config comes from, decided before reading it. */
export interface ConfigLocation {
  readonly path: string;
  /** Which rule chose the path, e.g. `--config`, `OPENCLAW_CONFIG_PATH`, `default`. */
  readonly source: string;
  /** An explicitly named file must exist; a default location may be absent (empty config). */
  readonly required: boolean;
}

/** What a selection is made against: the host as found, and every valid plugin it ships. */
export interface SelectionInput {
  /** The host's version (its package.json), which chooses the host's rules. */
  readonly version: string;
  /** Realpath of the host's package root. */
  readonly packageRoot: string;
  /** Every valid plugin: a host may resolve config ids or model owners across all of them. */
  readonly plugins: readonly PluginFacts[];
}

/** The host's selection for one config and one host: a decision per plugin, and what else it stages. */
export interface Selection {
  readonly decide: (plugin: PluginFacts) => Decision;
  /**
   * Dependency sets the host stages that belong to no bundled plugin (OpenClaw 2026.4.29+: its own
   * `openclaw.bundle.mirroredRootRuntimeDependencies`, owner `openclaw-core`), already decided.
   */
  readonly extras: readonly { readonly facts: PluginFacts; readonly decision: Decision }[];
  /** Said in the plan: an unknown host version, a host that no longer stages, a bad host manifest. */
  readonly warnings: readonly string[];
}

/** A decided config: given the host and its plugins, the host's own selection. */
export type Activation = (input: SelectionInput) => Selection;

export interface StageCandidateSpec {
  readonly path: string;
  /** The rule that produced it, e.g. `--stage-dir`, `OPENCLAW_PLUGIN_STAGE_DIR[0]`. */
  readonly source: string;
  /**
   * `target`: a candidate for the writable stage base (first writable wins).
   * `layer`: a read-only layer that may satisfy dependencies but is never written.
   */
  readonly role: "target" | "layer";
}

export interface DebrisContext {
  readonly packageRoot: string;
  readonly plugins: readonly DiscoveredPlugin[];
  /** Stage bases to scan: the writable target and the read-only layers. */
  readonly stageBases: readonly { readonly path: string; readonly writable: boolean }[];
  readonly now: number;
  /** Env and home, for debris the host keeps under its own state directories. */
  readonly input?: HostInput;
}

export interface HostAdapter {
  /** `openclaw` or `profile:<name>`. */
  readonly name: string;
  /** Used in versioned root names: `<slug>-<version>-<key12>`. */
  readonly slug: string;
  /** The environment variables / flags an operator sets to choose the stage dir (for error text). */
  readonly stageVariables: string;
  findPackageRoot(input: HostInput): E.Either<PlugdepsError, string>;
  locateConfig(input: HostInput): ConfigLocation;
  /** Reads and decodes the config; a missing non-required file means "empty config". */
  loadActivation(location: ConfigLocation): E.Either<PlugdepsError, Activation>;
  discoverPlugins(packageRoot: string): E.Either<PlugdepsError, DiscoveredPlugin[]>;
  stageCandidates(input: HostInput): StageCandidateSpec[];
  /** Legacy debris this host's older versions left behind (exact names only). Read-only. */
  findDebris(ctx: DebrisContext): Debris[];
  /**
   * What the same scan found and leaves alone (another version's root, a name the host never
   * produces): reported, never an action. Read-only.
   */
  findUnmanaged?(ctx: DebrisContext): Unmanaged[];
  /**
   * Directories strictly inside which `findDebris` paths may lie besides the package root and the
   * writable stage base (OpenClaw: its state and config dirs); the executor removes debris only
   * inside one of these (removeWithin).
   */
  legacyRoots?(packageRoot: string, input: HostInput): readonly string[];
}
