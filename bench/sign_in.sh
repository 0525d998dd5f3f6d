#!/usr/bin/env bash
# Sign-in latency: sequential sign-ins with the right password (POST /login, a new session
# each), over loopback, p50 and p95. Argon2id dominates; the rest is the throttle, two user
# and session queries, and the audit write.
#
#   bench/sign_in.sh                                after `make build`
#   BASELINE_SERVER=old/server bench/sign_in.sh     also another build, alternated with this one
#                                                   in the same run (the machine is noisy)
set -euo pipefail
cd "$(dirname "$0")/.."
server="${SERVER:-${CARGO_TARGET_DIR:-target}/release/server}"
baseline="${BASELINE_SERVER:-}"
rounds="${BENCH_ROUNDS:-40}"
port="${BENCH_PORT:-3310}"
password='sign-in bench password'
mkdir -p bench/results
dir="$(mktemp -d)"
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT

measure() { # SERVER LABEL
  local binary="$1" label="$2"
  local url="sqlite://$dir/$label-$RANDOM.db?mode=rwc"
  KEYDESK_INITIAL_ADMIN_PASSWORD="$password" "$binary" --database-url "$url" --addr "127.0.0.1:$port" serve \
    2>"$dir/server.log" >/dev/null &
  pid=$!
  until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do
    kill -0 "$pid" 2>/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    sleep 0.2
  done
  python3 - "$port" "$rounds" "$password" "$label" <<'PY'
import http.client, statistics, sys, time, urllib.parse
port, rounds, password, label = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
body = urllib.parse.urlencode({"username": "admin", "password": password, "next": "/"})
times = []
for i in range(rounds + 3):
    connection = http.client.HTTPConnection("127.0.0.1", port)
    started = time.perf_counter()
    connection.request("POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded"})
    response = connection.getresponse()
    response.read()
    elapsed = (time.perf_counter() - started) * 1000
    connection.close()
    cookie = response.getheader("Set-Cookie") or ""
    assert response.status == 303 and "session=" in cookie, (response.status, response.getheader("Location"))
    if i >= 3:  # the first few warm the caches
        times.append(elapsed)
times.sort()
print("%-9s p50 %.1f ms  p95 %.1f ms  (%d sign-ins)" % (label, statistics.median(times), times[int(len(times) * 0.95) - 1], len(times)))
PY
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
}

{
  for round in 1 2; do
    measure "$server" this
    if [ -n "$baseline" ]; then measure "$baseline" baseline; fi
  done
} | tee "bench/results/sign-in-$(date -u +%Y%m%d).txt"
