#!/usr/bin/env bash
# systemd-analyze (systemd 250+, for `security --offline=true`) for the units tests:
# test/integration/units-verify.test.ts, units-cli.test.ts and units-security.test.ts. Without it
# they skip and say why. Installs Debian's `systemd` package when missing, only as root with
# apt-get (in a container it installs the tools; nothing is started). Never fails the run.
set -uo pipefail

recent() {
  command -v systemd-analyze >/dev/null 2>&1 || return 1
  local version
  version=$(systemd-analyze --version 2>/dev/null | sed -n 's/^systemd \([0-9][0-9]*\).*/\1/p' | head -n 1)
  [ -n "$version" ] && [ "$version" -ge 250 ]
}

if recent; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends systemd >/dev/null
fi
if recent; then
  echo "installed $(systemd-analyze --version | head -n 1)"
else
  echo "no systemd-analyze 250+ (needs root and apt-get): the units verify and security tests will skip"
fi
exit 0
