#!/usr/bin/env bash
# Instructions the server runs per submission, counted by valgrind's callgrind: a comparison of
# builds that the machine's speed does not move (the load benchmark's rates and CPU times moved
# by 20 % and more between runs of one binary on some machines; these counts repeat to 0.1 %).
#
# For each binary given, on a fresh PostgreSQL database with the demo data: starts `serve` under
# callgrind with instrumentation off, adds an assembly and its focal-point link, sends
# LOAD_CG_WARMUP submissions of tests/load/body.json (the load benchmark's answer), switches
# instrumentation on, sends LOAD_CG_SUBMISSIONS more one after another (so each is a batch of
# one), switches it off, and prints the server's instructions per submission. Only the server's
# work counts: PostgreSQL's is not in it.
#
# Usage: tests/load/instructions.sh BINARY [BINARY...]
#   e.g. tests/load/instructions.sh /tmp/barometer-before target/release/barometer
# Settings (environment):
#   LOAD_CG_SUBMISSIONS=200  LOAD_CG_WARMUP=20
#   LOAD_POSTGRES=postgres://postgres@127.0.0.1:5432   (a server where createdb works; the database
#                                                       barometer_cg_<pid> is made and dropped)
# Needs valgrind (callgrind_control, callgrind_annotate), curl, jq and psql. It takes about a
# minute per binary.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/load/lib.sh
source "$HERE/lib.sh"
N="${LOAD_CG_SUBMISSIONS:-200}"
WARMUP="${LOAD_CG_WARMUP:-20}"
PG_BASE="${LOAD_POSTGRES:-postgres://postgres@127.0.0.1:5432}"

say() { printf '[instructions %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }
for tool in valgrind callgrind_control callgrind_annotate curl jq psql; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed (valgrind, curl, jq, postgresql-client)"
done
[ $# -ge 1 ] || die "usage: tests/load/instructions.sh BINARY [BINARY...]"
for bin in "$@"; do [ -x "$bin" ] || die "$bin is not an executable"; done

WORK="$(mktemp -d "${TMPDIR:-/tmp}/barometer-cg.XXXXXX")"
DB="barometer_cg_$$"
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    psql "$PG_BASE/postgres" -qAtc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || say "could not drop database $DB"
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# count BINARY: sets PER_SUBMISSION to the server's instructions per submission (no subshell,
# so that the cleanup sees the server it started)
count() {
    local bin=$1 port url secretariat opens_on token out=$WORK/callgrind.out
    PGOPTIONS="-c client_min_messages=warning" psql "$PG_BASE/postgres" -qAtc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null
    psql "$PG_BASE/postgres" -qAtc "CREATE DATABASE $DB" >/dev/null || die "cannot create database $DB on $PG_BASE"
    export BAROMETER_DATABASE_URL="$PG_BASE/$DB" BAROMETER_LOG=info
    { "$bin" migrate && "$bin" demo; } >"$WORK/demo.log" 2>&1 || { cat "$WORK/demo.log" >&2; die "$bin migrate/demo failed"; }
    rm -f "$out"*
    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out" "$bin" serve --bind 127.0.0.1:0 >"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    # Slow to start under valgrind: up to two minutes.
    url="$(listening_url "$SERVER_PID" "$WORK/server.log" 1200)" || exit 1
    secretariat="$("$bin" admin create-token --role secretariat --label instructions 2>/dev/null)"
    opens_on="$(curl -fsS -H "Authorization: Bearer $secretariat" "$url/api/v1/cycles/2026" | jq -r .opens_on)"
    curl -fsS -o /dev/null -X POST -H "Authorization: Bearer $secretariat" -H 'Content-Type: application/json' \
        --data "{\"code\": \"CG0001\", \"name\": \"Instruction count assembly\", \"joined_on\": \"$opens_on\"}" "$url/api/v1/assemblies"
    token="$(curl -fsS -X POST -H "Authorization: Bearer $secretariat" -H 'Content-Type: application/json' \
        --data '{"assembly": "CG0001"}' "$url/api/v1/cycles/2026/invitations" | jq -r .token)"
    submit() {
        curl -fsS -o /dev/null -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
            --data "@$HERE/body.json" "$url/api/v1/cycles/2026/responses/CG0001/submit" || die "a submission failed"
    }
    for _ in $(seq 1 "$WARMUP"); do submit; done
    callgrind_control -i on "$SERVER_PID" >/dev/null 2>&1 || die "callgrind_control could not reach the server"
    for _ in $(seq 1 "$N"); do submit; done
    callgrind_control -i off "$SERVER_PID" >/dev/null 2>&1 || die "callgrind_control could not reach the server"
    kill "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
    # One file per thread or part; the totals add up.
    local total
    total="$(for f in "$out"*; do callgrind_annotate "$f" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }'; done |
        awk '{ s += $1 } END { printf "%d", s }')"
    [ "$total" -gt 0 ] || die "callgrind counted nothing for $bin"
    PER_SUBMISSION=$((total / N))
}

echo "| binary | server instructions per submission |"
echo "|---|---|"
for bin in "$@"; do
    say "$bin: $WARMUP submissions, then $N counted"
    count "$bin"
    echo "| $bin | $PER_SUBMISSION |"
done
