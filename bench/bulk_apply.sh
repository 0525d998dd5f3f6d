#!/usr/bin/env bash
# A bulk action over 10,000 keys (issue: power tools), on a SQLite file and on a PostgreSQL
# database of the bench's own (dropped afterwards): preview and apply times, three rounds.
#
#   bench/bulk_apply.sh
#
# Figures go to bench/results/bulk-apply-*.txt; README quotes them.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/results
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}/bench"
out="bench/results/bulk-apply-$(date -u +%Y%m%dT%H%M%SZ).txt"
cargo bench --locked -p server --bench bulk_apply 2>/dev/null | tee "$out"
echo "written to $out"
