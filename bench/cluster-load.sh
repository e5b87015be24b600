#!/usr/bin/env bash
# Mixed load on a real cluster on loopback (bench/README.md, "Cluster load"): N standalone silos (Identity.Silo) plus one
# API process (Identity.Api, which co-hosts a silo of its own, so the cluster has N+1 silos), run as README "Running as a
# cluster" says, on a fresh PostgreSQL database and a fresh Redis; then bench/Identity.ClusterLoad drives the load and
# this script prints RSS per process before and after, PostgreSQL write counters during the load and the stored sizes.
#
#   dotnet build -c Release src/Identity.Silo && dotnet build -c Release src/Identity.Api && dotnet build -c Release bench/Identity.ClusterLoad
#   bench/cluster-load.sh SILOS [SECONDS] [CONCURRENCY]
#
# PGHOST/PGPORT/PGUSER (default 127.0.0.1:55432 postgres, trust) name a server the script may create a database on;
# ACTIVATE_SECONDS=N adds a new-patients-only phase (registrations and enrolments) after the measured load and prints
# RSS and grain rows around it.
# KEEP_DB=1 keeps the database afterwards. Every process the script started is stopped on exit.
set -euo pipefail
SILOS=${1:?usage: cluster-load.sh SILOS [SECONDS] [CONCURRENCY]}
SECONDS_MEASURED=${2:-30}
CONCURRENCY=${3:-16}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-55432} PGUSER=${PGUSER:-postgres}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SILO=$ROOT/src/Identity.Silo/bin/Release/net10.0/Identity.Silo.dll
API=$ROOT/src/Identity.Api/bin/Release/net10.0
LOAD=$ROOT/bench/Identity.ClusterLoad/bin/Release/net10.0/Identity.ClusterLoad.dll
for f in "$SILO" "$API/Identity.Api.dll" "$LOAD"; do [[ -f $f ]] || { echo "build first: $f missing" >&2; exit 2; }; done

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
DB=bench_cluster_$(date +%s)_$$
LOGS=$(mktemp -d "${TMPDIR:-/tmp}/cluster-load.XXXX")
PIDS=()
REDIS_PORT=$(port)
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  [[ ${KEEP_DB:-0} == 1 ]] || psql -q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null
}
trap cleanup EXIT

psql -q -d postgres -c "CREATE DATABASE $DB" >/dev/null
# The issuing authority of the load's mDL enrolments; the API trusts its IACA.
dotnet "$LOAD" --init-iaca "$LOGS/iaca"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes --logfile "$LOGS/redis.log" >/dev/null

export Orleans__Mode=Cluster Orleans__ClusterId=bench Orleans__ServiceId=bench
export ConnectionStrings__Postgres="Host=$PGHOST;Port=$PGPORT;Username=$PGUSER;Database=$DB;Maximum Pool Size=10"
export ConnectionStrings__Redis="127.0.0.1:$REDIS_PORT"
export Enrollment__PiiKey=$(openssl rand -base64 32) Enrollment__DocumentIndexKey=$(openssl rand -base64 32)
export Tokens__SigningKeys__0="$(openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt)"
export Tokens__EncryptionKey=$(openssl rand -base64 32) Tokens__PairwiseSecret=$(openssl rand -base64 32)
# Several processes on two cores: workstation GC, as the cluster tests run them.
export DOTNET_gcServer=0 DOTNET_CLI_TELEMETRY_OPTOUT=1 Logging__LogLevel__Default=Warning

SILO_PORTS=()
for i in $(seq 1 "$SILOS"); do
  sp=$(port); gp=$(port); SILO_PORTS+=("$sp")
  Orleans__SiloPort=$sp Orleans__GatewayPort=$gp DOTNET_ENVIRONMENT=Production dotnet "$SILO" >"$LOGS/silo-$i.log" 2>&1 &
  PIDS+=($!)
done
for sp in "${SILO_PORTS[@]}"; do
  for _ in $(seq 1 240); do
    [[ $(psql -tA -d "$DB" -c "SELECT status FROM orleansmembershiptable WHERE port = $sp ORDER BY generation DESC LIMIT 1" 2>/dev/null) == 3 ]] && break
    sleep 0.25
  done
done
HTTP=$(port)
Orleans__SiloPort=$(port) Orleans__GatewayPort=$(port) ASPNETCORE_URLS=http://127.0.0.1:$HTTP ASPNETCORE_ENVIRONMENT=Development \
  Passkeys__ServerDomain=localhost Passkeys__Origins__0=http://localhost RateLimits__Authentication__PermitLimit=1000000 \
  Tokens__Issuer=http://localhost Enrollment__TrustFolder="$LOGS/iaca/trust" \
  dotnet "$API/Identity.Api.dll" --contentRoot "$API" >"$LOGS/api.log" 2>&1 &
PIDS+=($!)
curl --retry 120 --retry-delay 1 --retry-connrefused --retry-all-errors -sf -o /dev/null "http://127.0.0.1:$HTTP/health/ready"
echo "cluster: $SILOS silo process(es) + 1 API process (co-hosting a silo); active silos in membership:" \
  "$(psql -tA -d "$DB" -c 'SELECT count(*) FROM orleansmembershiptable WHERE status = 3')"

rss() { for pid in "${PIDS[@]}"; do awk '/VmRSS/ {printf "%d ", $2/1024}' "/proc/$pid/status"; done; }
counters() { psql -tA -d postgres -c "SELECT xact_commit, tup_inserted, tup_updated, tup_deleted FROM pg_stat_database WHERE datname = '$DB'"; }
# CPU seconds (user+system) of our processes and of the PostgreSQL backends serving our database.
cpu() { [[ $# -gt 0 ]] || { echo 0; return; }; awk -v t="$(getconf CLK_TCK)" '{ s += ($14 + $15) / t } END { printf "%.1f", s }' "$@" 2>/dev/null || echo 0; }
backends() { psql -tA -d postgres -c "SELECT pid FROM pg_stat_activity WHERE datname = '$DB'" | sed 's#.*#/proc/&/stat#' | xargs -r ls 2>/dev/null; }
RSS_BEFORE=$(rss)
PG_BEFORE=$(counters)
CPU_BEFORE=$(cpu $(printf '/proc/%s/stat ' "${PIDS[@]}")); PGB_BEFORE=$(backends); PGCPU_BEFORE=$(cpu $PGB_BEFORE)
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/time -f "load driver CPU: %U s user + %S s system over %e s" \
  dotnet "$LOAD" --iaca "$LOGS/iaca" --api "http://127.0.0.1:$HTTP" --seconds "$SECONDS_MEASURED" --concurrency "$CONCURRENCY" --label "$SILOS silo(s) + API"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "CPU s of silos+API during the load (warm-up included): $CPU_BEFORE -> $(cpu $(printf '/proc/%s/stat ' "${PIDS[@]}"));" \
  "PostgreSQL backends of the database (those alive before and after): $PGCPU_BEFORE -> $(cpu $(comm -12 <(echo "$PGB_BEFORE" | tr ' ' '\n' | sort) <(backends | tr ' ' '\n' | sort)))"
sleep 1
PG_AFTER=$(counters)
echo
echo "RSS MiB per process (silos…, API) before load: $RSS_BEFORE; after: $(rss)"
echo "pg_stat_database (commits, inserted, updated, deleted) before: $PG_BEFORE; after: $PG_AFTER (counters lag up to ~1 s)"
if [[ ${ACTIVATE_SECONDS:-0} -gt 0 ]]; then
  # Memory per activation: registrations only, on warmed processes (JIT and pools done); grains stay active (15 min).
  ROWS_BEFORE=$(psql -tA -d "$DB" -c "SELECT count(*) FROM orleansstorage")
  RSS_BEFORE=$(rss)
  dotnet "$LOAD" --iaca "$LOGS/iaca" --api "http://127.0.0.1:$HTTP" --seconds "$ACTIVATE_SECONDS" --warmup 0 --concurrency "$CONCURRENCY" --register 1 --label "activation phase" | tail -1
  sleep 1
  echo "activation phase: grain rows $ROWS_BEFORE -> $(psql -tA -d "$DB" -c "SELECT count(*) FROM orleansstorage"); RSS MiB before: $RSS_BEFORE; after: $(rss)"
fi
psql -d "$DB" -c "SELECT graintypestring AS grain_type, count(*) AS rows, round(avg(octet_length(payloadbinary))) AS avg_payload_bytes,
    max(octet_length(payloadbinary)) AS max_payload_bytes FROM orleansstorage GROUP BY 1 ORDER BY 2 DESC"
psql -d "$DB" -c "SELECT c.relname AS table_name, c.reltuples::bigint AS est_rows, s.n_live_tup AS live_rows,
    pg_total_relation_size(c.oid) AS total_bytes, pg_relation_size(c.oid) AS heap_bytes,
    round(pg_total_relation_size(c.oid)::numeric / nullif(s.n_live_tup, 0)) AS total_bytes_per_row
  FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid ORDER BY total_bytes DESC LIMIT 12"
psql -d "$DB" -c "SELECT type, replace(subtype, E'\\n', ' ') AS subtype, action, count(*), round(avg(pg_column_size(a.*))) AS avg_row_bytes,
    round(avg(octet_length(event))) AS avg_event_bytes FROM audit_entries a GROUP BY 1, 2, 3 ORDER BY 4 DESC" 2>/dev/null || true
echo "logs: $LOGS; database: $DB (${KEEP_DB:+kept}${KEEP_DB:-dropped})"
