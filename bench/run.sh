#!/usr/bin/env bash
# The page benchmark: 10,000 keys (and 100,000 for "still works"), server first screen,
# keystroke-to-paint in headless Chromium, wasm size. At 10,000 keys the page holds the list and
# answers in the browser; the same keys are measured served side (`--browser-table-limit 0`) in
# the same run, each with and without 100 ms of emulated network latency. 100,000 keys are above
# the default limit: served side. Rerun with `bench/run.sh` after `make build`; figures go to
# bench/results/ and README quotes them.
set -euo pipefail
cd "$(dirname "$0")/.."
server="${SERVER:-${CARGO_TARGET_DIR:-target}/release/server}"
port="${BENCH_PORT:-3200}"
mkdir -p bench/results
export BENCH_ADMIN_PASSWORD="bench admin password"
dir="$(mktemp -d)"
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT

# Serves the database $1 with the browser table limit $2 until `stop`.
serve() {
  RUST_LOG=warn LEPTOS_SITE_ROOT=target/site KEYDESK_INITIAL_ADMIN_PASSWORD="$BENCH_ADMIN_PASSWORD" \
    KEYDESK_BROWSER_TABLE_LIMIT="$2" "$server" --database-url "$1" --addr "127.0.0.1:$port" serve &
  pid=$!
  until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do sleep 0.2; done
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }

for keys in 10000 100000; do
  url="sqlite://$dir/bench-$keys.db?mode=rwc"
  RUST_LOG=warn "$server" --database-url "$url" seed --keys "$keys" >/dev/null
  serve "$url" 20000
  # Sign in as the first user; the page benchmarks send its session cookie.
  BENCH_COOKIE="$(curl -s -o /dev/null -D - --data-urlencode username=admin \
    --data-urlencode "password=$BENCH_ADMIN_PASSWORD" --data-urlencode next=/ \
    "http://127.0.0.1:$port/login" | sed -n 's/^[Ss]et-[Cc]ookie: \(keydesk_session=[^;]*\).*/\1/p')"
  export BENCH_COOKIE
  echo "== $keys keys: server, first screen (sequential GETs; /healthz is the baseline)"
  python3 bench/page_latency.py 127.0.0.1 "$port" 200 | tee "bench/results/page-$keys.json"
  for latency in 0 100; do
    echo "== $keys keys: keystroke to painted table in Chromium, $latency ms latency"
    node bench/typing.mjs "http://127.0.0.1:$port" 3 "$latency" | tee "bench/results/typing-$keys-$latency.json"
  done
  stop
  if [ "$keys" = 10000 ]; then
    serve "$url" 0
    for latency in 0 100; do
      echo "== $keys keys, served side (--browser-table-limit 0): keystroke to painted table, $latency ms latency"
      node bench/typing.mjs "http://127.0.0.1:$port" 3 "$latency" | tee "bench/results/typing-$keys-server-$latency.json"
    done
    stop
  fi
done

# The bundle the page loads; the panels' code is split into files loaded when a panel opens.
{
  wasm=target/site/pkg/keydesk.wasm
  echo "== wasm: $(stat -c %s "$wasm") bytes, $(gzip -9 -c "$wasm" | wc -c) bytes gzip -9 (budget 350000)"
  for part in target/site/pkg/split_*.wasm; do
    [ -e "$part" ] || continue
    echo "== loaded on demand: $(basename "$part"): $(stat -c %s "$part") bytes, $(gzip -9 -c "$part" | wc -c) bytes gzip -9"
  done
} | tee bench/results/wasm.txt
