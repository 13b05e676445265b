#!/usr/bin/env bash
# make bench: measure every key page on years of generated data, on a throwaway PostgreSQL.
#
#   scripts/bench.sh [--duration 20] [--users 8] [--workers 3] [--only NAME]
#
# The seeded database is cached in bench/.cache/pgdata (git-ignored) and reused while
# bench/.cache/seeded matches the dataset asked for; BENCH_PATIENTS / BENCH_SESSIONS / BENCH_SEED
# size it (default 20,000 / 200,000 / 42). A missing or different stamp (e.g. an interrupted
# seed) starts from an empty database. Results: bench/results.md.
set -euo pipefail
cd "$(dirname "$0")/.."

PATIENTS=${BENCH_PATIENTS:-20000}
SESSIONS=${BENCH_SESSIONS:-200000}
SEED=${BENCH_SEED:-42}
CACHE=bench/.cache
wanted="patients=$PATIENTS sessions=$SESSIONS seed=$SEED"
if [ ! -f "$CACHE/seeded" ] || [ "$(cat "$CACHE/seeded")" != "$wanted" ]; then
    rm -rf "$CACHE/pgdata" "$CACHE/seeded"
fi
mkdir -p "$CACHE"
PG_DATA_DIR="$PWD/$CACHE/pgdata" exec scripts/with-postgres.sh .venv/bin/python bench/run.py \
    --patients "$PATIENTS" --sessions "$SESSIONS" --seed "$SEED" "$@"
