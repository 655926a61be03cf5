#!/usr/bin/env bash
# Cached-read rate of several builds of barometer, alternating, so that the machine's drift
# (large on a shared 2-core machine) falls on all of them alike. BENCHMARKS.md, section "Load".
#
# Usage: tests/load/compare-reads.sh BIN [BIN …]
# Settings (environment): ROUNDS=2 SECONDS_RUN=10 CLIENTS=64 PORT=8091
# Each round, for each binary: a fresh SQLite database with the demo data, an analyst token, one
# request that computes the results, a 3 s warm-up, then `wrk --latency` on
# GET /api/v1/cycles/2025/results/priorities. Prints one line per binary and round.
set -euo pipefail
ROUNDS="${ROUNDS:-2}"
SECONDS_RUN="${SECONDS_RUN:-10}"
CLIENTS="${CLIENTS:-64}"
PORT="${PORT:-8091}"
[ $# -ge 1 ] || { echo "usage: $0 BIN [BIN …]" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install wrk" >&2; exit 1; }
for bin in "$@"; do [ -x "$bin" ] || { echo "no binary at $bin" >&2; exit 1; }; done

URL="http://127.0.0.1:$PORT"
PATH_READ=/api/v1/cycles/2025/results/priorities
pid=""
work=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    [ -n "$work" ] && rm -rf "$work"
    return 0
}
trap cleanup EXIT

for round in $(seq 1 "$ROUNDS"); do
    for bin in "$@"; do
        work="$(mktemp -d)"
        export BAROMETER_DATABASE_URL="sqlite://$work/barometer.db"
        "$bin" serve --demo --bind "127.0.0.1:$PORT" >"$work/server.log" 2>&1 &
        pid=$!
        for _ in $(seq 1 100); do curl -sf -o /dev/null "$URL/readyz" && break; sleep 0.1; done
        curl -sf -o /dev/null "$URL/readyz" || { tail "$work/server.log" >&2; echo "$bin did not start" >&2; exit 1; }
        token="$("$bin" admin create-token --role analyst --label compare-reads 2>/dev/null)"
        auth="Authorization: Bearer $token"
        curl -sf -o /dev/null -H "$auth" "$URL$PATH_READ"
        wrk -t2 -c"$CLIENTS" -d3s -H "$auth" "$URL$PATH_READ" >/dev/null
        out="$(wrk --latency -t2 -c"$CLIENTS" -d"${SECONDS_RUN}s" -H "$auth" "$URL$PATH_READ")"
        rate="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
        p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
        non2xx="$(awk '/Non-2xx/ {print $NF}' <<<"$out")"
        echo "round $round  $bin: ${rate} requests/s, p99 ${p99}, non-2xx ${non2xx:-0}"
        kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
        rm -rf "$work"; work=""
    done
done
