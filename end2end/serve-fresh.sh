#!/usr/bin/env bash
# Serves the release build on a new, empty SQLite database loaded with the sample keys, with
# two users: `admin` (all five rights) and `viewer` (canView, canRead); passwords below; and a
# service token for the verification API in end2end/playwright/.auth/token; the database's URL is
# in end2end/playwright/.auth/database-url (for tests that change keys with the command line).
# Usage counts are written every second (the default is 10 s), so the tests see them soon.
# Usage: serve-fresh.sh PORT   (SERVER may name the server binary; the default is the release build)
set -euo pipefail
cd "$(dirname "$0")/.."
port="${1:?port}"
server="${SERVER:-target/release/server}"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
url="sqlite://$dir/keydesk.db?mode=rwc"
"$server" --database-url "$url" demo-data
printf '%s\n' 'admin e2e password' | "$server" --database-url "$url" user add admin --rights all --password-stdin
printf '%s\n' 'viewer e2e password' | "$server" --database-url "$url" user add viewer --rights canView,canRead --password-stdin
mkdir -p end2end/playwright/.auth
"$server" --database-url "$url" token add e2e > end2end/playwright/.auth/token
printf '%s' "$url" > end2end/playwright/.auth/database-url
# Webhook receivers in the tests listen on loopback over http.
LEPTOS_SITE_ROOT=target/site "$server" --database-url "$url" --addr "127.0.0.1:$port" --usage-flush-every 1s \
  --webhooks-allow-private serve &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"' EXIT INT TERM
wait "$pid"
