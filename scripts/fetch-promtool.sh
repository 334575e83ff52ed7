#!/usr/bin/env bash
# Unpacks Prometheus' own metrics checker, promtool, into .cache/promtool/ for the test that runs
# `promtool check metrics` on the reconcile loop's /metrics (test/integration/metrics-promtool.test.ts).
# Prometheus' release tarballs (github.com) are not reachable from every build box; Debian's
# `prometheus` package is, through apt: its .deb is downloaded (`apt-get download`, no install, no
# root needed) and only usr/bin/promtool is extracted. When the apt lists are empty (a fresh
# container), they are fetched into .cache/apt/ rather than /var/lib/apt, so the system's apt state is
# left alone. Idempotent; on any failure the test skips and says why.
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=.cache/promtool
if [ -x "$DEST/promtool" ] && "$DEST/promtool" --version >/dev/null 2>&1; then exit 0; fi
command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || {
  echo "fetch-promtool: needs apt-get and dpkg-deb (a Debian or Ubuntu box)" >&2
  exit 1
}
WORK=.cache/promtool-pack
rm -rf "$WORK" "$DEST" && mkdir -p "$WORK" "$DEST"
download() { (cd "$WORK" && apt-get download "$@" prometheus); }
if ! download 2>"$WORK/apt.err"; then
  echo "fetch-promtool: apt-get download prometheus failed ($(tail -n 1 "$WORK/apt.err")); fetching the package lists into .cache/apt" >&2
  LISTS="$PWD/.cache/apt/lists" CACHE="$PWD/.cache/apt/cache"
  mkdir -p "$LISTS/partial" "$CACHE/archives/partial"
  APT_OPTS=(-o "Dir::State::Lists=$LISTS" -o "Dir::Cache=$CACHE" -o "Debug::NoLocking=1")
  apt-get "${APT_OPTS[@]}" -qq update
  download "${APT_OPTS[@]}"
fi
dpkg-deb -x "$WORK"/prometheus_*.deb "$WORK/root"
cp "$WORK/root/usr/bin/promtool" "$DEST/promtool"
rm -rf "$WORK"
"$DEST/promtool" --version 2>&1 | head -n 1
