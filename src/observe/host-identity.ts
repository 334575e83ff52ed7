import { createHash } from "node:crypto";
import * as fs from "../util/observed-fs.js";
import * as path from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { hostUsages } from "../hosts/lookup.js";
import { type PlugdepsError, fsError, hostUnknown } from "../model/errors.js";
import { HostPackageJson } from "../model/manifest.js";
import { decodeWith } from "../model/decode.js";
import { MAX_JSON_BYTES, parseJson } from "../util/read-json.js";

/**
 * Who the host is: its package.json name and version, and a 12-hex key over the realpath of the
 * package root and the exact bytes of its package.json. The realpath makes junction/PM2 paths
 * agree (openclaw #74963); the bytes make a same-path upgrade a new identity (openclaw #75045);
 * reading the real package root, never the stage dir, avoids `openclaw-unknown-*` roots
 * (openclaw #71599).
 */
export interface HostIdentity {
  readonly name: string;
  readonly version: string;
  readonly packageRoot: string;
  readonly key: string;
}

export const readHostIdentity = (packageRoot: string): E.Either<PlugdepsError, HostIdentity> => {
  let real: string;
  let bytes: Buffer;
  const manifest = path.join(packageRoot, "package.json");
  try {
    real = fs.realpathSync(packageRoot);
    const file = path.join(real, "package.json");
    // A FIFO or device as package.json blocked the read forever (or never ended): regular files
    // of a sane size only.
    const st = fs.statSync(file);
    if (!st.isFile() || st.size > MAX_JSON_BYTES) {
      throw Object.assign(
        new Error(st.isFile() ? `file is ${st.size} bytes, limit ${MAX_JSON_BYTES}` : "not a regular file"),
        {
          code: st.isFile() ? "EFBIG" : st.isDirectory() ? "EISDIR" : "EINVAL",
        },
      );
    }
    bytes = fs.readFileSync(file);
  } catch (err) {
    return E.left(
      fsError("read host package.json", manifest, err, "pass --package-root DIR of the installed host"),
    );
  }
  const file = path.join(real, "package.json");
  return E.map((pkg: HostPackageJson) => ({
    name: pkg.name,
    version: pkg.version,
    packageRoot: real,
    key: createHash("sha256").update(real).update("\0").update(bytes).digest("hex").slice(0, 12),
  }))(
    E.chain(decodeWith(HostPackageJson, "host package.json", file))(
      E.mapLeft((e: PlugdepsError) => hostUnknown(real, e.message, hostUsages().join(" or --host ")))(
        parseJson(file, bytes.toString("utf8")),
      ),
    ),
  );
};

/** `<slug>-<version>-<key12>`; the version is sanitized so it is always one path segment. */
export const versionedRootName = (slug: string, identity: HostIdentity): string =>
  `${slug}-${identity.version.replace(/[^A-Za-z0-9._+-]/g, "_")}-${identity.key}`;

/** Matches names produced by versionedRootName for this slug. */
export const versionedRootPattern = (slug: string): RegExp =>
  new RegExp(`^${slug.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-(.+)-([0-9a-f]{12})$`);
