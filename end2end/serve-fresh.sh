#!/usr/bin/env bash
# Serves the release build on a new, empty SQLite database loaded with the sample keys.
# Usage: serve-fresh.sh PORT   (SERVER may name the server binary; the default is the release build)
set -euo pipefail
cd "$(dirname "$0")/.."
port="${1:?port}"
server="${SERVER:-target/release/server}"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
url="sqlite://$dir/keydesk.db?mode=rwc"
"$server" --database-url "$url" demo-data
LEPTOS_SITE_ROOT=target/site "$server" --database-url "$url" --addr "127.0.0.1:$port" serve &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"' EXIT INT TERM
wait "$pid"
