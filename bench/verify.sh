#!/usr/bin/env bash
# The verification API benchmark (issue: "fast enough for every channel request").
#
#   bench/verify.sh            after `make build` (or any release build of the server)
#
# On one machine, over loopback only, with oha as the load generator:
#   1. throughput: POST /api/v1/keys/verify against a trivial handler behind the same stack
#      (POST /api/v1/bench/baseline), and against the same binary with usage recording off
#      (a second server with the hidden KEYDESK_BENCH_NO_USAGE), and - sending an `origin` - a
#      key without restrictions against one enforcing 50 allowed origins (the request's origin
#      the last of them), alternated in three rounds so noise hits them all; prints the medians
#      and the ratios;
#   2. latency: p50/p99 of verification at half the measured maximum rate;
#   3. start-up: how long the server takes to load 100,000 keys into its index, and its
#      resident memory after start and after the load;
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
off_pid=""
cleanup() { for p in $pid $off_pid; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT

url="sqlite://$dir/bench.db?mode=rwc"
"$server" --database-url "$url" seed --keys "$keys" 2>/dev/null
key="$("$server" --database-url "$url" key create "bench key" --permission chat 2>/dev/null)"
token="$("$server" --database-url "$url" token add bench 2>/dev/null)"
# The restrictions pair: two more chat keys, one enforcing 50 origins (45 hosts, 5 wildcards).
open_key="$("$server" --database-url "$url" key create "bench open" --permission chat 2>/dev/null)"
restricted_key="$("$server" --database-url "$url" key create "bench restricted" --permission chat 2>/dev/null)"
allow=()
for n in $(seq 0 49); do
  if (( n % 10 == 9 )); then allow+=(--allow "https://*.brand$n.example"); else allow+=(--allow "https://shop$n.example.com"); fi
done
"$server" --database-url "$url" key restrict "bench restricted" --mode enforce "${allow[@]}" >/dev/null 2>&1
from_origin='"origin": "https://shop48.example.com"'

start() { # PORT LOG [env...]: a server on PORT; prints its pid
  local port="$1" log="$2"; shift 2
  env RUST_LOG=info KEYDESK_LOG_FORMAT=json KEYDESK_BENCH_BASELINE=true "$@" \
    "$server" --database-url "$url" --addr "127.0.0.1:$port" serve 2>"$log" >/dev/null &
  local started=$!
  until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do
    kill -0 "$started" 2>/dev/null || { echo "the server did not start:" >&2; cat "$log" >&2; exit 1; }
    sleep 0.2
  done
  echo "$started"
}
rss_mb() { awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
off_port=$((port + 1))
pid="$(start "$port" "$dir/server.log")"
off_pid="$(start "$off_port" "$dir/server-off.log" KEYDESK_BENCH_NO_USAGE=true)"
rss_start="$(rss_mb "$pid")"
load_ms="$(grep -m1 '"key index loaded"' "$dir/server.log" | python3 -c 'import json,sys; print(json.load(sys.stdin)["fields"]["elapsed_ms"])')"

body="{\"key\": \"$key\", \"permission\": \"chat\"}"
valid="$(curl -sf -H "authorization: Bearer $token" -H 'content-type: application/json' -d "$body" \
  "http://127.0.0.1:$port/api/v1/keys/verify")"
case "$valid" in *'"valid":true'*) ;; *) echo "the bench key does not verify: $valid" >&2; exit 1 ;; esac

for pair in "$open_key" "$restricted_key"; do
  answer="$(curl -sf -H "authorization: Bearer $token" -H 'content-type: application/json' \
    -d "{\"key\": \"$pair\", \"permission\": \"chat\", $from_origin}" "http://127.0.0.1:$port/api/v1/keys/verify")"
  case "$answer" in *'"valid":true'*) ;; *) echo "a restrictions bench key does not verify: $answer" >&2; exit 1 ;; esac
done

# oha prints a JSON summary; we keep requests/s and the latency percentiles (seconds).
run() { # PORT PATH [extra oha args...]
  local on="$1" path="$2"; shift 2
  oha --no-tui --output-format json -z "${seconds}s" -c "$connections" "$@" -m POST \
    -H "authorization: Bearer $token" -H 'content-type: application/json' -d "${request_body:-$body}" \
    "http://127.0.0.1:$on$path"
}
summary() { python3 -c 'import json,sys
r = json.load(sys.stdin)
p = r["latencyPercentiles"]
print("%.0f %.3f %.3f %d" % (r["summary"]["requestsPerSec"], p["p50"] * 1000, p["p99"] * 1000,
      sum(v for k, v in r["statusCodeDistribution"].items() if k != "200")))'; }

echo "== throughput, $connections connections, ${seconds}s each, 3 alternating rounds (rps p50ms p99ms non-200)"
declare -a base verify off open restricted
open_body="{\"key\": \"$open_key\", \"permission\": \"chat\", $from_origin}"
restricted_body="{\"key\": \"$restricted_key\", \"permission\": \"chat\", $from_origin}"
for round in 1 2 3; do
  base+=("$(run "$port" /api/v1/bench/baseline | summary)");   echo "baseline          round $round: ${base[-1]}"
  verify+=("$(run "$port" /api/v1/keys/verify | summary)");    echo "verify            round $round: ${verify[-1]}"
  off+=("$(run "$off_port" /api/v1/keys/verify | summary)");   echo "verify, no usage  round $round: ${off[-1]}"
  open+=("$(request_body="$open_body" run "$port" /api/v1/keys/verify | summary)");             echo "origin, open key  round $round: ${open[-1]}"
  restricted+=("$(request_body="$restricted_body" run "$port" /api/v1/keys/verify | summary)"); echo "origin, 50 allowed round $round: ${restricted[-1]}"
done
ratio="$(python3 - "${base[@]}" "${verify[@]}" "${off[@]}" <<'PY'
import statistics, sys
rows = [float(a.split()[0]) for a in sys.argv[1:]]
n = len(rows) // 3
b, v, o = (statistics.median(rows[i * n:(i + 1) * n]) for i in range(3))
print("%.0f %.0f %.0f %.2f %.2f %.3f" % (b, v, o, v / b, o / b, v / o))
PY
)"
read -r base_rps verify_rps off_rps share off_share recording <<<"$ratio"
restriction="$(python3 - "${open[@]}" "${restricted[@]}" <<'PY'
import statistics, sys
rows = [float(a.split()[0]) for a in sys.argv[1:]]
n = len(rows) // 2
o, r = statistics.median(rows[:n]), statistics.median(rows[n:])
print("%.0f %.0f %.3f" % (o, r, r / o))
PY
)"
read -r open_rps restricted_rps restriction_keeps <<<"$restriction"
rss_loaded="$(rss_mb "$pid")"
half=$(( ${verify_rps%.*} / 2 ))
echo "== latency at half the verify rate: $half req/s"
paced="$(run "$port" /api/v1/keys/verify -q "$half" --latency-correction | summary)"
read -r paced_rps paced_p50 paced_p99 paced_errors <<<"$paced"
kill "$pid" "$off_pid"; wait "$pid" "$off_pid" 2>/dev/null || true; pid=""

echo "== in-process (criterion; index and usage memory)"
# The cargo benches build in a target folder of their own: built into target/release, the
# server binary would be rebuilt without the flags cargo-leptos gives it (type-erased views,
# LEPTOS_OUTPUT_NAME), and its pages would no longer hydrate with the built wasm.
# Absolute: criterion writes its reports under the target folder, relative to the package.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}/bench"
cargo bench --locked -p server --bench verify -- --noplot 2>/dev/null | grep -E '^(verify|refuse|restriction)|time:' | tee "$dir/criterion.txt"
memory="$(cargo bench --locked -p server --bench index_memory 2>/dev/null | grep 'key index')"
counters="$(cargo bench --locked -p server --bench usage_memory 2>/dev/null | grep 'usage counters')"

{
  echo "keys in the index:          $keys"
  echo "baseline (trivial handler): $base_rps req/s (median of 3)"
  echo "verify:                     $verify_rps req/s = $share of baseline (goal 0.9)"
  echo "verify, usage recording off: $off_rps req/s = $off_share of baseline"
  echo "usage recording keeps:      $recording of the throughput without it (bar >= 0.90)"
  echo "verify from an origin:      $open_rps req/s unrestricted key, $restricted_rps req/s key enforcing 50 origins"
  echo "restrictions keep:          $restriction_keeps of the throughput without them (bar >= 0.90)"
  echo "resident memory:            $rss_start MB after start, $rss_loaded MB after the load"
  echo "verify at $half req/s:      p50 ${paced_p50} ms, p99 ${paced_p99} ms (goal p99 < 5 ms), non-200: $paced_errors"
  echo "start-up index load:        $load_ms ms for $keys keys"
  echo "$memory"
  echo "$counters"
  cat "$dir/criterion.txt"
} | tee "bench/results/verify-$(date -u +%Y%m%d-%H%M).txt"
