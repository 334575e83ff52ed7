import type * as E from "fp-ts/lib/Either.js";
import type { PlugdepsError } from "../model/errors.js";
import type { Debris, Unmanaged } from "../model/plan.js";

/**
 * The seam between the generic core and a particular plugin host. Nothing outside src/hosts/ may
 * name a host (test/unit/host-seam.test.ts checks it); everything host-specific is behind this
 * interface (SPEC: "OpenClaw is one host adapter").
 *
 * A host has two halves: its light entry (HostEntry, listed in catalog.ts), which the fast paths
 * read (the no-op replay, the register hook), and its adapter (HostAdapter), which plan, apply,
 * status and doctor use. The entry must stay cheap to load: no config codecs, no plugin
 * discovery, no selection rules.
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
  /** The host's version: what is debris for one version is another's live state. */
  readonly version?: string;
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
  /**
   * Legacy debris this host's older versions left behind (exact names only). Read-only. A `rule`
   * ending in `-lock` is a stale lock of that older staging: the doctor words it as one.
   */
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
  /**
   * Where the host itself looks for its dependencies in the stage base, when it looks in a place
   * of its own rather than through the register hook (OpenClaw 2026.4.22+: only its own
   * `openclaw-<version>-<hash>` root). Null when the register hook is the way in.
   */
  hostRoot?(ctx: HostRootContext): HostRootSpec | null;
  /**
   * Which places outside the target root the host itself counts when it decides whether a
   * dependency is installed (by default both, as Node's resolution through the register hook
   * does). A host that checks only its own paths before it imports a plugin (OpenClaw) starts a
   * package manager for whatever is only elsewhere, so those packages belong in the target root.
   */
  sees?(version: string): HostVisibility;
  /**
   * What the host's own service needs so that the unmodified host finds the materialization where
   * it looks (`plugdeps units` writes it into the host's drop-in). None by default: the register
   * hook and the stage variable are enough for a host that resolves through Node.
   */
  hostService?(ctx: HostServiceContext): HostServiceNeeds;
  /**
   * The host's own check of its dependencies, for `doctor` to run and compare with the plan
   * (OpenClaw 2026.4.29+: `openclaw plugins deps --json`). Null when this version has none.
   */
  hostCheck?(ctx: HostCheckContext): HostCheckSpec | null;
}

export interface HostCheckContext {
  readonly version: string;
  /** Realpath of the host's package root. */
  readonly packageRoot: string;
  /** The stage list as the host reads it (read-only layers first, the writable base last). */
  readonly stageList: readonly string[];
  /** The host config plugdeps planned from, when one was found. */
  readonly config: string | null;
}

export interface HostCheckSpec {
  /** For messages: the command as an operator would type it. */
  readonly display: string;
  /** For fixes: the Node the host needs, its config variable, its stage variable. */
  readonly hints: { readonly node: string; readonly config: string; readonly stage: string };
  /** The host's program, run with a Node the host accepts (arguments after the script). */
  readonly script: string;
  readonly args: readonly string[];
  /** Variables that point the host at what plugdeps planned from. */
  readonly env: Readonly<Record<string, string>>;
  /** The host's answer, or why it cannot be read. */
  readonly parse: (stdout: string) => HostCheckResult | string;
}

export interface HostCheckResult {
  /** Where the host would install (the root it reads). */
  readonly installRoot: string;
  /** The dependencies it wants, name -> spec. */
  readonly wants: Readonly<Record<string, string>>;
  /** The names it finds missing. */
  readonly missing: readonly string[];
}

export interface HostServiceContext {
  readonly version: string;
  /** Realpath of the host's package root. */
  readonly packageRoot: string;
  /** The writable stage base. */
  readonly stageBase: string;
  /** plugdeps' root for this host identity (the link to its live generation). */
  readonly targetRoot: string;
}

export interface HostServiceNeeds {
  /** Directories to show the host at a path it searches (`BindReadOnlyPaths=SOURCE:TARGET`). */
  readonly readOnlyBinds: readonly {
    readonly source: string;
    readonly target: string;
    readonly why: string;
  }[];
  /** Paths the host itself writes at run time (`ReadWritePaths=`). */
  readonly writable: readonly { readonly path: string; readonly why: string }[];
  /**
   * Whether the host splits its stage variable into a list (read-only layers first). False: the
   * variable must name the writable stage base alone.
   */
  readonly stageList: boolean;
}

export interface HostVisibility {
  /** The host's own package's node_modules (and Node's resolution above it). */
  readonly packageNodeModules: boolean;
  /** Read-only layers of the stage base (the entries before the writable one). */
  readonly layers: boolean;
  /** For the plan: the host rule that decides. */
  readonly why: string;
}

export interface HostRootContext {
  readonly version: string;
  /** Realpath of the host's package root. */
  readonly packageRoot: string;
  /** The writable stage base. */
  readonly stageBase: string;
  /** The shared set's desired packages (name -> spec). */
  readonly shared: Readonly<Record<string, string>>;
}

/**
 * The directory the unmodified host reads its dependencies from, and what it checks there.
 * plugdeps keeps it a real directory whose `node_modules` is a symlink to the target root's
 * (which is itself the atomic link to the live generation), writes the manifest the host
 * compares, and holds the host's own lock while it changes either. Everything else in that
 * directory is the host's (its lock, its mirror of its code): never touched.
 */
export interface HostRootSpec {
  readonly path: string;
  /**
   * More directories the host reads for the same dependencies, each kept the same way (a real
   * directory whose `node_modules` links to the target root's): OpenClaw 2026.4.22's channel entry
   * takes the host root itself for its package and reads `openclaw-unknown-<hash of the host
   * root>` (measured: npm ran twice there without it).
   */
  readonly aliases: readonly string[];
  /**
   * The host's `package.json` there, or null when it reads none. The host rewrites it itself at
   * run time, so it is the host's file: plugdeps writes it (the full desired set) only when it is
   * missing or not the host's generated manifest (`name`), or, with `keep: "superset"`, when it
   * no longer lists every desired spec (a host that then assumes an interrupted install).
   */
  readonly manifest: {
    readonly name: string;
    readonly dependencies: Readonly<Record<string, string>>;
    readonly keep: "superset" | "any";
  } | null;
  /**
   * The host's lock inside `path` (a directory), taken as the host takes it; null for a host
   * that takes none (a profile host's `hostLooks.stageDir`): the link is replaced atomically anyway.
   */
  readonly lock: {
    readonly dir: string;
    /** The owner record the host writes, for this process. */
    readonly ownerText: (pid: number, starttime: number | null, now: number) => string;
    /** The host's own verdict on an existing lock; null when there is none. */
    readonly judge: (now: number) => { readonly stale: boolean; readonly why: string } | null;
  } | null;
  /** For the plan: which host rule names this directory. */
  readonly why: string;
}

/** Makes the adapter of the host a `--host` value names; `argument` is what follows `name:`. */
export type AdapterFactory = (
  argument: string | undefined,
  input: HostInput,
) => E.Either<PlugdepsError, HostAdapter>;

/**
 * What the fast paths need to know of a host, read without loading its adapter: the no-op replay
 * looks for its stamp in the host's stage bases, the register hook for its roots there.
 */
export interface HostFacts {
  /** The adapter's name, as plans and records show it: `openclaw`, `profile:acme`. */
  readonly label: string;
  /** Used in versioned root names: `<slug>-<version>-<key12>` (the adapter's `slug`). */
  readonly slug: string;
  /** The host package's `name`: a versioned root records it, and only such roots are read. */
  readonly packageName: string;
  /** The same candidates as the adapter's `stageCandidates`. */
  readonly stageCandidates: (input: HostInput) => StageCandidateSpec[];
}

/**
 * One host, as catalog.ts lists it: how `--host` names it, how it is detected, its light facts,
 * and (when it is as cheap to load as the entry) its adapter. Built with `defineHost`
 * (shared/define-host.ts), which keeps the literal types registry.ts checks its adapters against.
 */
export interface HostEntry {
  /** The word `--host` takes (`openclaw`); with `argument`, the part before the colon. */
  readonly name: string;
  /** Set when the host is named with a file, `--host <name>:FILE` (a profile). */
  readonly argument?: "FILE";
  /** The host plugdeps assumes when nothing names one (no --host, no package root to detect). */
  readonly fallback?: true;
  /**
   * Prefixes of the environment variables that are the host's own (`OPENCLAW_`). Only its own
   * folder may read them; the seam test looks for them everywhere else.
   */
  readonly envPrefixes: readonly string[];
  /** True when a package.json `name` says this host is installed there (hosts without an argument). */
  readonly detect?: (packageName: unknown) => boolean;
  /** The host's light facts; may read a small file (a profile), never the host's config or plugins. */
  readonly facts: (argument: string | undefined, input: HostInput) => E.Either<PlugdepsError, HostFacts>;
  /**
   * The adapter, when loading it costs no more than the entry. A host whose adapter pulls in
   * codecs, globbing or selection rules leaves this out and adds one line to registry.ts instead,
   * so the fast paths never load it (tsc asks for that line).
   */
  readonly adapter?: AdapterFactory;
}
