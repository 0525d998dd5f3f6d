#!/usr/bin/env bash
# The verification API benchmark (issue: "fast enough for every channel request").
#
#   bench/verify.sh            after `make build` (or any release build of the server)
#
# On one machine, over loopback only, with oha as the load generator:
#   1. throughput: POST /api/v1/keys/verify against a trivial handler behind the same stack
#      (POST /api/v1/bench/baseline), alternated A/B/A/B so noise hits both; prints the ratio;
#   2. latency: p50/p99 of verification at half the measured maximum rate;
#   3. start-up: how long the server takes to load 100,000 keys into its index;
#   4. in-process: criterion's cost of one verification, and the index's bytes per key.
# Figures go to bench/results/verify-*.txt; README quotes them.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
server="${SERVER:-${CARGO_TARGET_DIR:-target}/release/server}"
port="${BENCH_PORT:-3300}"
seconds="${BENCH_SECONDS:-10}"
connections="${BENCH_CONNECTIONS:-32}"
keys="${BENCH_KEYS:-100000}"
OHA_VERSION=1.16.0
command -v oha >/dev/null || cargo install oha --version "$OHA_VERSION" --locked
mkdir -p bench/results
dir="$(mktemp -d)"
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT

url="sqlite://$dir/bench.db?mode=rwc"
"$server" --database-url "$url" seed --keys "$keys" 2>/dev/null
key="$("$server" --database-url "$url" key create "bench key" --permission chat 2>/dev/null)"
token="$("$server" --database-url "$url" token add bench 2>/dev/null)"

RUST_LOG=info KEYDESK_LOG_FORMAT=json KEYDESK_BENCH_BASELINE=true \
  "$server" --database-url "$url" --addr "127.0.0.1:$port" serve 2>"$dir/server.log" >/dev/null &
pid=$!
until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do
  kill -0 "$pid" 2>/dev/null || { echo "the server did not start:" >&2; cat "$dir/server.log" >&2; exit 1; }
  sleep 0.2
done
load_ms="$(grep -m1 '"key index loaded"' "$dir/server.log" | python3 -c 'import json,sys; print(json.load(sys.stdin)["fields"]["elapsed_ms"])')"

body="{\"key\": \"$key\", \"permission\": \"chat\"}"
valid="$(curl -sf -H "authorization: Bearer $token" -H 'content-type: application/json' -d "$body" \
  "http://127.0.0.1:$port/api/v1/keys/verify")"
case "$valid" in *'"valid":true'*) ;; *) echo "the bench key does not verify: $valid" >&2; exit 1 ;; esac

# oha prints a JSON summary; we keep requests/s and the latency percentiles (seconds).
run() { # PATH [extra oha args...]
  local path="$1"; shift
  oha --no-tui --output-format json -z "${seconds}s" -c "$connections" "$@" -m POST \
    -H "authorization: Bearer $token" -H 'content-type: application/json' -d "$body" \
    "http://127.0.0.1:$port$path"
}
summary() { python3 -c 'import json,sys
r = json.load(sys.stdin)
p = r["latencyPercentiles"]
print("%.0f %.3f %.3f %d" % (r["summary"]["requestsPerSec"], p["p50"] * 1000, p["p99"] * 1000,
      sum(v for k, v in r["statusCodeDistribution"].items() if k != "200")))'; }

echo "== throughput, $connections connections, ${seconds}s each, alternating (rps p50ms p99ms non-200)"
declare -a base verify
for round in 1 2; do
  base+=("$(run /api/v1/bench/baseline | summary)");   echo "baseline  round $round: ${base[-1]}"
  verify+=("$(run /api/v1/keys/verify | summary)");   echo "verify    round $round: ${verify[-1]}"
done
ratio="$(python3 - "${base[@]}" "${verify[@]}" <<'PY'
import sys
rows = [list(map(float, a.split())) for a in sys.argv[1:]]
base, verify = rows[:len(rows)//2], rows[len(rows)//2:]
b = sum(r[0] for r in base) / len(base)
v = sum(r[0] for r in verify) / len(verify)
print("%.0f %.0f %.2f" % (b, v, v / b))
PY
)"
read -r base_rps verify_rps share <<<"$ratio"
half=$(( ${verify_rps%.*} / 2 ))
echo "== latency at half the verify rate: $half req/s"
paced="$(run /api/v1/keys/verify -q "$half" --latency-correction | summary)"
read -r paced_rps paced_p50 paced_p99 paced_errors <<<"$paced"
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""

echo "== in-process (criterion; index memory)"
cargo bench --locked -p server --bench verify -- --noplot 2>/dev/null | grep -E '^(verify|refuse)|time:' | tee "$dir/criterion.txt"
memory="$(cargo bench --locked -p server --bench index_memory 2>/dev/null | grep 'key index')"

{
  echo "keys in the index:          $keys"
  echo "baseline (trivial handler): $base_rps req/s"
  echo "verify:                     $verify_rps req/s = $share of baseline (goal >= 0.60)"
  echo "verify at $half req/s:      p50 ${paced_p50} ms, p99 ${paced_p99} ms (goal p99 < 5 ms), non-200: $paced_errors"
  echo "start-up index load:        $load_ms ms for $keys keys"
  echo "$memory"
  cat "$dir/criterion.txt"
} | tee bench/results/verify.txt
