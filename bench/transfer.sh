#!/usr/bin/env bash
# The transfer benchmark (issue: "the page over a real network"): what a first and a repeat
# visit to the API Keys page transfer, and opening a key's details, by Chromium's accounting
# with 100 ms latency and 10 Mbit/s emulated, on the guide's sample keys. Run after
# `make build` (which writes the precompressed copies); figures go to bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
server="${SERVER:-${CARGO_TARGET_DIR:-target}/release/server}"
port="${BENCH_PORT:-3400}"
mkdir -p bench/results
export BENCH_ADMIN_PASSWORD="bench admin password"
dir="$(mktemp -d)"
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
url="sqlite://$dir/bench.db?mode=rwc"
RUST_LOG=warn "$server" --database-url "$url" demo-data >/dev/null
RUST_LOG=warn LEPTOS_SITE_ROOT=target/site KEYDESK_INITIAL_ADMIN_PASSWORD="$BENCH_ADMIN_PASSWORD" \
  "$server" --database-url "$url" --addr "127.0.0.1:$port" serve &
pid=$!
until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do sleep 0.2; done
result="bench/results/transfer-$(date -u +%Y%m%d-%H%M).json"
node bench/transfer.mjs "http://127.0.0.1:$port" | tee "$result"
python3 - "$result" <<'PY'
import json, sys
loads = {load["name"]: load for load in json.load(open(sys.argv[1]))["loads"]}
first, repeat, details = loads["first visit"], loads["repeat visit"], loads["details panel"]
print(f"first visit:   {first['bytes']:>9,} B in all, {first['pkg_bytes']:>9,} B of /pkg, hydrated after {first['hydrated_ms']} ms (bar: <= 400,000 B in all)")
print(f"repeat visit:  {repeat['bytes']:>9,} B in all, {repeat['pkg_bytes']:>9,} B of /pkg, hydrated after {repeat['hydrated_ms']} ms (bar: /pkg < 20,000 B)")
print(f"details panel: {details['bytes']:>9,} B in all, {details['pkg_bytes']:>9,} B of /pkg")
PY
