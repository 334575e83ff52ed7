#!/usr/bin/env bash
# The system tools the fault and integration tests drive for real, installed from Debian when
# missing (only as root with apt-get; nothing is started): strace (the planted-link sweep records
# every path a run writes), zsh (the completion test), setpriv/useradd (a real second uid) and
# unshare (mount and PID namespaces). Tests that still lack one skip and say why; this script
# never fails the run.
set -uo pipefail

missing=()
command -v strace >/dev/null 2>&1 || missing+=(strace)
command -v zsh >/dev/null 2>&1 || missing+=(zsh)
{ command -v setpriv >/dev/null 2>&1 && command -v unshare >/dev/null 2>&1; } || missing+=(util-linux)
command -v useradd >/dev/null 2>&1 || missing+=(passwd)

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "installed ${missing[*]}"
else
  echo "missing ${missing[*]} (needs root and apt-get): the tests that use them will skip"
fi
exit 0
