#!/usr/bin/env bash
# The live-table benchmark: how soon a change made with the command line shows in an open page,
# with two server instances on one PostgreSQL database and the page connected to the second
# (p50/p95 over 50 changes, 10,000 keys); and what 200 open live streams cost one instance in
# memory. Uses a database of its own on the shared PostgreSQL (TEST_DATABASE_URL's server),
# dropped afterwards. Run after `make build`; figures go to bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
server="${SERVER:-${CARGO_TARGET_DIR:-target}/release/server}"
port="${BENCH_PORT:-3500}"
admin_url="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
name="keydesk_live_bench_$$"
url="${admin_url%/*}/$name"
mkdir -p bench/results
export BENCH_ADMIN_PASSWORD="bench admin password"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql "$admin_url" -qc "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null
}
trap cleanup EXIT
psql "$admin_url" -qc "CREATE DATABASE $name" >/dev/null
RUST_LOG=warn "$server" --database-url "$url" seed --keys 10000 >/dev/null
RUST_LOG=warn "$server" --database-url "$url" key create "Live bench key" --permission chat >/dev/null
for instance in 0 1; do
  RUST_LOG=warn LEPTOS_SITE_ROOT=target/site KEYDESK_INITIAL_ADMIN_PASSWORD="$BENCH_ADMIN_PASSWORD" \
    "$server" --database-url "$url" --addr "127.0.0.1:$((port + instance))" serve &
  pids+=($!)
  until curl -sf "http://127.0.0.1:$((port + instance))/healthz" >/dev/null; do sleep 0.2; done
done
echo "== a change by the command line, shown in a page on the other instance (10,000 keys, PostgreSQL)"
node bench/live.mjs "http://127.0.0.1:$((port + 1))" "$server" "$url" 50 | tee bench/results/live-change.json
echo "== 200 open live streams on one instance: extra memory"
cookie="$(curl -s -o /dev/null -D - --data-urlencode username=admin \
  --data-urlencode "password=$BENCH_ADMIN_PASSWORD" --data-urlencode next=/ \
  "http://127.0.0.1:$((port + 1))/login" | sed -n 's/^[Ss]et-[Cc]ookie: \(keydesk_session=[^;]*\).*/\1/p')"
python3 bench/streams.py 127.0.0.1 "$((port + 1))" 200 "${pids[1]}" "$cookie" | tee bench/results/live-streams.json
