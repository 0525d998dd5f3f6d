#!/usr/bin/env bash
# The details panel's usage reads at scale (issue: key usage): 100,000 keys, 1,000 of them with
# 90 days of hourly and daily history over 3 results and 5 origins, on a SQLite file and on a
# PostgreSQL database of the bench's own (TEST_DATABASE_URL's server, the shared one by default;
# the bench database is dropped afterwards). Prints p50/p95 per range and for the dialogs' impact.
# Seeding writes about 33 million rows per database: expect 10 to 20 minutes and 10 GB of disk.
#
#   bench/usage_query.sh
#
# Figures go to bench/results/usage-query-*.txt; README quotes them.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/results
# A target folder of its own, as in verify.sh: target/release keeps the server `make build` made.
# Absolute: criterion writes its reports under the target folder, relative to the package.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}/bench"
out="bench/results/usage-query-$(date -u +%Y%m%dT%H%M%SZ).txt"
cargo bench --locked -p server --bench usage_query 2>/dev/null | tee "$out"
echo "written to $out"
