#!/usr/bin/env bash
# Instructions one cold page costs the server, counted by callgrind: repeatable to about 0.3 %
# for the same binary and store, where req/s on a shared 2-core machine moves by ±15 %.
#
#   page_instructions.sh BIN DIR PATH [REQUESTS]
#
# BIN: a release `dateline`; DIR: what `dateline-bench serve --dir DIR` leaves (bench.db and
# dateline-cold.toml, the page cache off); PATH: the page, e.g. /2010/01/03/post-2/ (100
# comments) or /2010/01/02/post-1/ (1,000). The server runs under valgrind on a copy of the
# store, is asked for the page 5 times, its counters are zeroed, it is asked REQUESTS times
# (default 200) one after another, and the counters are dumped. Prints instructions per request.
set -euo pipefail
BIN=$1 DIR=$2 PAGE=$3 REQUESTS=${4:-200}
PORT=${PORT:-41950}
WORK=$(mktemp -d)
trap 'kill "$SERVER" 2>/dev/null || true; rm -rf "$WORK"' EXIT
cp "$DIR/bench.db" "$WORK/page.db"
valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind.out" \
  "$BIN" --db "sqlite:$WORK/page.db" --config "$DIR/dateline-cold.toml" serve --listen "127.0.0.1:$PORT" \
  > "$WORK/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 120); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 1; done
for _ in 1 2 3 4 5; do curl -sf -o /dev/null "http://127.0.0.1:$PORT$PAGE"; done
callgrind_control -z "$SERVER" > /dev/null 2>&1
for _ in $(seq 1 "$REQUESTS"); do curl -sf -o /dev/null "http://127.0.0.1:$PORT$PAGE"; done
callgrind_control -d "$SERVER" > /dev/null 2>&1
TOTAL=$(callgrind_annotate "$WORK/callgrind.out.1" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1; exit}')
echo "$PAGE: $TOTAL instructions for $REQUESTS requests, $((TOTAL / REQUESTS)) a request"
if [ -n "${KEEP:-}" ]; then cp "$WORK/callgrind.out.1" "$KEEP"; echo "profile: $KEEP (callgrind_annotate --inclusive=yes)"; fi
