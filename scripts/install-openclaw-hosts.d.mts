// Types for the parts of scripts/install-openclaw-hosts.mjs that test/host/gateway.test.ts imports
// (the script is plain JavaScript so that Node 20 runs it without a build).
export declare const HOST_VERSIONS: readonly string[];
export declare const HOSTS_DIR: string;
export declare const NODE22_BIN: string;
export declare const hostPrefix: (version: string) => string;
export declare const hostPackageRoot: (version: string) => string;
export declare const hostBin: (version: string) => string;
export interface HostInstallRecord {
  readonly version: string;
  readonly registry: string;
  readonly node: string;
  readonly seconds: number;
  readonly installedAt: string;
}
export declare const installOpenClawHost: (
  version: string,
  log?: (line: string) => void,
) => HostInstallRecord;
