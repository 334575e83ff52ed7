// Types for the parts of scripts/fetch-openclaw.mjs that test/host imports (the script is plain
// JavaScript so that Node 20 runs it without a build).
export declare const OPENCLAW_VERSIONS: readonly string[];
export declare const PUBLIC_REGISTRY: string;
export declare const REPO_ROOT: string;
export declare const CACHE_DIR: string;
export declare const versionDir: (version: string) => string;
export declare const ORACLE_FUNCTIONS: readonly {
  readonly name: string;
  readonly dynamic: boolean;
  readonly runtime?: readonly string[];
}[];
export declare const SELECTION_FUNCTIONS: readonly string[];
export declare const findChunksDefining: (distDir: string, name: string) => string[];
export declare const bareImportClosure: (
  distDir: string,
  entries: readonly string[],
  options?: { dynamic?: boolean },
) => string[];
export interface FetchRecord {
  readonly version: string;
  readonly functions: readonly string[];
  readonly oracleChunks: Readonly<Record<string, readonly string[]>>;
  readonly dependencies: Readonly<Record<string, string>>;
  readonly fetchedAt: string;
}
export declare const fetchOpenClaw: (version: string, log?: (line: string) => void) => FetchRecord;
