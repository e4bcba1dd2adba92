#!/usr/bin/env bash
# Two or more builds of `dateline` on one cold page, taking turns, so a change is judged
# against the noise of a shared machine in the same minutes.
#
#   alternate_builds.sh DIR PATH ROUNDS BIN...
#
# DIR: what `dateline-bench serve --dir DIR` leaves (bench.db and dateline-cold.toml: the page
# cache off); with DB_URL=postgres://… the builds serve that database instead (the harness's
# `dateline_bench`) with DIR's dateline-cold.toml. PATH: the page, e.g. /2010/01/03/post-2/
# (100 comments). Each build in turn, each round: a fresh copy of the store, 2 s of warm-up,
# then `wrk -t2 -c64 -d5s`. Prints req/s, the server's CPU per request (from /proc/PID/stat)
# and its thread switches per request (voluntary and not, all threads, from /proc/PID/task).
set -euo pipefail
DIR=$1 PAGE=$2 ROUNDS=$3
shift 3
PORT=${PORT:-41960}
WORK=$(mktemp -d)
SERVER=
trap 'if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; fi; rm -rf "$WORK"' EXIT
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
switches() { cat /proc/"$1"/task/*/status | awk '/ctxt_switches/ {s += $2} END {print s}'; }
for round in $(seq 1 "$ROUNDS"); do
  for BIN in "$@"; do
    if [ -n "${DB_URL:-}" ]; then DB=$DB_URL; else cp "$DIR/bench.db" "$WORK/page.db"; DB="sqlite:$WORK/page.db"; fi
    "$BIN" --db "$DB" --config "$DIR/dateline-cold.toml" serve --listen "127.0.0.1:$PORT" > "$WORK/serve.log" 2>&1 &
    SERVER=$!
    for _ in $(seq 1 200); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.1; done
    wrk -t2 -c64 -d2s "http://127.0.0.1:$PORT$PAGE" > /dev/null
    T0=$(ticks "$SERVER") C0=$(switches "$SERVER")
    OUT=$(wrk -t2 -c64 -d5s "http://127.0.0.1:$PORT$PAGE")
    T1=$(ticks "$SERVER") C1=$(switches "$SERVER")
    N=$(echo "$OUT" | awk '/requests in/ {print $1}')
    RPS=$(echo "$OUT" | awk '/Requests\/sec/ {print $2}')
    TICK=$(getconf CLK_TCK)
    echo "$BIN, round $round: $RPS req/s, $(( (T1 - T0) * 1000000 / TICK / N )) µs CPU a request, $(( (C1 - C0) / N )) switches a request"
    kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=
  done
done
