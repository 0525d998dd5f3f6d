#!/usr/bin/env bash
# The Audit Log's reads at 1,000,000 events (issue: power tools), on a SQLite file and on a
# PostgreSQL database of the bench's own (TEST_DATABASE_URL's server, the shared one by default;
# the bench database is dropped afterwards). Prints p50/p95 of the first screen and each filter.
# Seeding takes a few minutes per database.
#
#   bench/audit_query.sh
#
# Figures go to bench/results/audit-query-*.txt; README quotes them.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/results
# A target folder of its own, as in verify.sh: target/release keeps the server `make build` made.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}/bench"
out="bench/results/audit-query-$(date -u +%Y%m%dT%H%M%SZ).txt"
cargo bench --locked -p server --bench audit_query 2>/dev/null | tee "$out"
echo "written to $out"
