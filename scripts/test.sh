#!/usr/bin/env bash
# Runs every test of IdentityConsent.sln on a Debian 12 machine (CI and developers alike).
#
#   ./scripts/test.sh                      # everything
#   ./scripts/test.sh --filter EXPR        # passed to `dotnet test --filter EXPR`,
#                                          # e.g. --filter "FullyQualifiedName~Passkey"
#
# What it does:
#   1. apt-get installs postgresql (15), redis-server (7), chromium, chromium-driver if any is
#      missing (as root, or through sudo). Debian's own postgresql/redis services are not used.
#      npm ci installs k8s/tools (offline Kubernetes schema validation; kubectl comes with the image).
#   2. Starts a throw-away PostgreSQL 15 and Redis on 127.0.0.1 (free ports, data in a temp
#      dir) and exports IDENTITY_TEST_POSTGRES, IDENTITY_TEST_REDIS, IDENTITY_TEST_CHROMIUM.
#   3. dotnet build -c Release, then dotnet test --no-build with a TRX logger (TestResults/).
#   4. Prints as its last line "N passed, N failed" (", N skipped" when any were skipped),
#      summed over the <Counters> of every TRX. Exit status is non-zero when the build fails,
#      any test fails, no TRX is produced or no test ran.
# PostgreSQL and Redis are stopped and the temp dir removed on exit, whatever the outcome.
# Playwright uses /usr/bin/chromium; never run `playwright install`.
set -euo pipefail

cd "$(dirname "$0")/.."
REPO=$(pwd)

FILTER=""
while [ $# -gt 0 ]; do
  case "$1" in
    --filter) [ $# -ge 2 ] || { echo "--filter needs an expression" >&2; exit 2; }; FILTER=$2; shift 2 ;;
    --filter=*) FILTER=${1#--filter=}; shift ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (only --filter EXPR is accepted)" >&2; exit 2 ;;
  esac
done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
fi

# ---------------------------------------------------------------- 1. packages
PACKAGES=(postgresql redis-server chromium chromium-driver)
missing=()
for p in "${PACKAGES[@]}"; do
  if [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" != "installed" ]; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ] && [ -z "$SUDO" ]; then
    echo "error: not root and no sudo; install these first: ${missing[*]}" >&2
    exit 1
  fi
  # Keep postinst scripts from starting Debian's own services (we run our own instances).
  made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    $SUDO sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d'
    made_policy=1
  fi
  apt_log=$(mktemp "${TMPDIR:-/tmp}/identity-test-apt.XXXXXX")
  install_rc=0
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update >"$apt_log" 2>&1 || install_rc=$?
  if [ $install_rc -eq 0 ]; then
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" \
      >>"$apt_log" 2>&1 || install_rc=$?
  fi
  if [ $made_policy -eq 1 ]; then $SUDO rm -f /usr/sbin/policy-rc.d; fi
  if [ $install_rc -ne 0 ]; then
    tail -n 40 "$apt_log" >&2
    echo "error: apt-get failed ($install_rc), full log: $apt_log" >&2
    exit 1
  fi
  rm -f "$apt_log"
else
  echo "==> packages present: ${PACKAGES[*]}"
fi

PGBIN=/usr/lib/postgresql/15/bin
CHROMIUM=/usr/bin/chromium
for f in "$PGBIN/initdb" "$PGBIN/pg_ctl" "$PGBIN/pg_isready" "$CHROMIUM" /usr/bin/chromedriver; do
  [ -x "$f" ] || { echo "error: $f is missing after install" >&2; exit 1; }
done
command -v redis-server >/dev/null && command -v redis-cli >/dev/null \
  || { echo "error: redis-server/redis-cli missing after install" >&2; exit 1; }
command -v dotnet >/dev/null || { echo "error: dotnet SDK not on PATH" >&2; exit 1; }

# Kubernetes manifest tests (tests/Identity.Tests/Kubernetes): kubectl with its built-in kustomize comes with
# the machine image (Debian 12 has no kubectl package); the offline schema validator's npm packages are
# installed exactly as k8s/tools/package-lock.json pins them.
command -v kubectl >/dev/null || echo "warning: kubectl is not on PATH: the Kubernetes manifest tests will fail" >&2
command -v npm >/dev/null || { echo "error: node/npm not on PATH (needed by k8s/tools)" >&2; exit 1; }
echo "==> npm ci in k8s/tools"
(cd k8s/tools && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || { echo "error: npm ci in k8s/tools failed" >&2; exit 1; }

# ---------------------------------------------------------------- 2. services
TMP=$(mktemp -d "${TMPDIR:-/tmp}/identity-test.XXXXXX")
chmod 755 "$TMP"
PGDIR="$TMP/pg"
REDISDIR="$TMP/redis"
mkdir -p "$PGDIR" "$REDISDIR"

# As root, PostgreSQL must run as the postgres OS user.
if [ "$(id -u)" -eq 0 ]; then
  chown postgres: "$PGDIR"
  as_pg() { (cd "$PGDIR" && runuser -u postgres -- "$@"); }
else
  as_pg() { (cd "$PGDIR" && "$@"); }
fi

PG_STARTED=0
REDIS_STARTED=0
cleanup() {
  local rc=$?
  set +e
  if [ $REDIS_STARTED -eq 1 ] && [ -f "$REDISDIR/redis.pid" ]; then
    local rpid
    rpid=$(cat "$REDISDIR/redis.pid")
    kill "$rpid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$rpid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$rpid" 2>/dev/null
  fi
  if [ $PG_STARTED -eq 1 ]; then
    as_pg "$PGBIN/pg_ctl" -D "$PGDIR/data" -m immediate -w -t 20 stop >/dev/null 2>&1
    if [ -f "$PGDIR/data/postmaster.pid" ]; then
      kill -9 "$(head -1 "$PGDIR/data/postmaster.pid")" 2>/dev/null
    fi
  fi
  rm -rf "$TMP"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local p=$1 end=$(( $1 + 200 ))
  while [ "$p" -lt "$end" ]; do
    if ! port_in_use "$p"; then echo "$p"; return 0; fi
    p=$((p + 1))
  done
  echo "error: no free port in $1..$end" >&2
  return 1
}

PG_PORT=$(free_port 55432)
echo "==> starting PostgreSQL on 127.0.0.1:$PG_PORT (data in $PGDIR)"
as_pg "$PGBIN/initdb" -D "$PGDIR/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$PGDIR/initdb.log" 2>&1 \
  || { cat "$PGDIR/initdb.log" >&2; echo "error: initdb failed" >&2; exit 1; }
PG_STARTED=1
if ! as_pg "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/postgres.log" -w -t 30 \
     -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PGDIR -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
     start >/dev/null; then
  tail -n 30 "$PGDIR/postgres.log" >&2 || true
  echo "error: PostgreSQL did not start on 127.0.0.1:$PG_PORT" >&2
  exit 1
fi
ok=0
for _ in $(seq 100); do
  if "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres; then ok=1; break; fi
  sleep 0.2
done
[ $ok -eq 1 ] || { tail -n 30 "$PGDIR/postgres.log" >&2; echo "error: PostgreSQL not ready on 127.0.0.1:$PG_PORT after 20 s" >&2; exit 1; }

REDIS_PORT=$(free_port 56379)
echo "==> starting Redis on 127.0.0.1:$REDIS_PORT"
REDIS_STARTED=1
if ! redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --dir "$REDISDIR" \
     --daemonize yes --pidfile "$REDISDIR/redis.pid" --logfile "$REDISDIR/redis.log" >/dev/null; then
  echo "error: redis-server failed to start" >&2; exit 1
fi
ok=0
for _ in $(seq 100); do
  if [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = "PONG" ]; then ok=1; break; fi
  sleep 0.2
done
[ $ok -eq 1 ] || { tail -n 30 "$REDISDIR/redis.log" >&2 || true; echo "error: Redis not answering PING on 127.0.0.1:$REDIS_PORT after 20 s" >&2; exit 1; }

export IDENTITY_TEST_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres"
export IDENTITY_TEST_REDIS="127.0.0.1:$REDIS_PORT"
export IDENTITY_TEST_CHROMIUM="$CHROMIUM"
echo "==> IDENTITY_TEST_POSTGRES=$IDENTITY_TEST_POSTGRES"
echo "==> IDENTITY_TEST_REDIS=$IDENTITY_TEST_REDIS"
echo "==> IDENTITY_TEST_CHROMIUM=$IDENTITY_TEST_CHROMIUM"

# ---------------------------------------------------------------- 3. build and test
echo "==> dotnet build IdentityConsent.sln -c Release"
if ! dotnet build IdentityConsent.sln -c Release --nologo -v minimal; then
  echo "==> build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

RESULTS="$REPO/TestResults"
rm -rf "$RESULTS"
test_args=(test IdentityConsent.sln -c Release --no-build --nologo
           --logger "trx;LogFileName=results.trx" --results-directory "$RESULTS")
if [ -n "$FILTER" ]; then test_args+=(--filter "$FILTER"); fi
echo "==> dotnet ${test_args[*]}"
test_rc=0
dotnet "${test_args[@]}" || test_rc=$?

# ---------------------------------------------------------------- 4. summary
mapfile -t trx_files < <(find "$RESULTS" -name '*.trx' -type f 2>/dev/null | sort)
if [ ${#trx_files[@]} -eq 0 ]; then
  echo "==> no TRX file under $RESULTS (dotnet test exit code $test_rc)"
  echo "0 passed, 1 failed"
  exit 1
fi
echo "==> results: ${trx_files[*]}"
# Sum the attributes of every <Counters .../> element: failed also counts error/timeout/aborted;
# skipped is notExecuted, or total - executed when larger (the VSTest TRX logger writes
# notExecuted="0" for xunit [Fact(Skip=...)] tests and only leaves them out of executed).
read -r passed failed skipped executed < <(
  cat "${trx_files[@]}" | tr '\n' ' ' | grep -o '<Counters [^>]*>' | awk '
    function attr(s, name,   m) {
      if (match(s, " " name "=\"[0-9]+\"")) { m = substr(s, RSTART, RLENGTH); gsub(/[^0-9]/, "", m); return m + 0 }
      return 0
    }
    { p += attr($0, "passed"); f += attr($0, "failed") + attr($0, "error") + attr($0, "timeout") + attr($0, "aborted");
      ne = attr($0, "notExecuted"); gap = attr($0, "total") - attr($0, "executed");
      s += (gap > ne ? gap : ne); e += attr($0, "executed") }
    END { print p + 0, f + 0, s + 0, e + 0 }')

status=0
if [ "$failed" -gt 0 ]; then status=1; fi
if [ "$test_rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "==> dotnet test exited with $test_rc although no test failed (test host crash?): counting the run as 1 failure"
  failed=1; status=1
fi
if [ "$executed" -eq 0 ] && [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then
  echo "==> no test ran"
  status=1
fi
if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
exit $status
