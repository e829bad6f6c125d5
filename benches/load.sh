#!/usr/bin/env bash
# What it measures: requests/s and latency percentiles of `hoshin serve`
# (release build, seed corpus) over keep-alive HTTP on loopback, under a mixed
# query load (benches/load-queries.lua) from wrk with CONNECTIONS connections
# for DURATION, while a second client writes batches of 20 documents through
# the API every half second. Every answer must be 2xx: the script fails on any
# non-2xx response, socket error or failed write.
#
# Usage: benches/load.sh              (64 connections, 30 s)
#        CONNECTIONS=32 DURATION=10s benches/load.sh
set -euo pipefail
cd "$(dirname "$0")/.."
connections=${CONNECTIONS:-64}
duration=${DURATION:-30s}

scripts/install-system-deps serve bench
cargo build --release --quiet

work=$(mktemp -d)
token=load-$RANDOM$RANDOM
server_pid=""
writer_pid=""
cleanup() {
  [ -n "$writer_pid" ] && kill "$writer_pid" 2>/dev/null || true
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

RUST_LOG=warn target/release/hoshin serve --addr 127.0.0.1:0 --index "$work/index" \
  --dictionary index/dictionary --api-token "$token" > "$work/server.out" 2> "$work/server.err" &
server_pid=$!
for _ in $(seq 1 300); do
  grep -q "listening on" "$work/server.out" 2>/dev/null && break
  sleep 0.1
done
base=$(sed -n 's/^hoshin listening on //p' "$work/server.out")
[ -n "$base" ] || { cat "$work/server.err" >&2; exit 1; }

(
  failures=0
  round=0
  while true; do
    documents=$(for n in $(seq 1 20); do
      printf '{"id":"load-%d-%d","year":"令和5年度","department":"環境部","policy":"負荷試験","text":"図書館の整備を進めます。"}' "$round" "$n"
      if [ "$n" -lt 20 ]; then printf ','; fi
    done)
    status=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $token" \
      -H 'Content-Type: application/json' -d "{\"documents\":[$documents]}" "$base/api/documents")
    [ "$status" = 200 ] || { failures=$((failures + 1)); echo "write failed: $status" >&2; }
    round=$((round + 1))
    echo "$round $failures" > "$work/writes"
    sleep 0.5
  done
) &
writer_pid=$!

wrk -t2 -c"$connections" -d"$duration" --latency -s benches/load-queries.lua "$base" | tee "$work/wrk.out"
kill "$writer_pid" 2>/dev/null || true
writer_pid=""
read -r rounds write_failures < "$work/writes"
echo "writes during the run: $rounds batches of 20, $write_failures failed"
if grep -qE "Non-2xx|Socket errors" "$work/wrk.out" || [ "$write_failures" -ne 0 ]; then
  echo "FAILED: errors under load" >&2
  exit 1
fi
echo "OK: no errors"
