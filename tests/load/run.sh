#!/usr/bin/env bash
# The load benchmark (BENCHMARKS.md, section "Load"). For each backend it starts a release build
# of `barometer serve --demo` on a fresh database and measures, with wrk and tests/load/load.lua:
#   1. cached results: GET /api/v1/cycles/2025/results/priorities as an analyst, LOAD_CLIENTS clients;
#   2. durable submissions: POST /api/v1/cycles/2026/responses/{assembly}/submit with a full answer,
#      LOAD_CLIENTS clients, spread over LOAD_ASSEMBLIES assemblies, each with its own focal-point link;
#      once with the same answer each time (its activities sent without their ids, as a client that
#      keeps none would), once with two answers in turn, so that each submission rewrites the
#      activities and their tags;
#   3. the same at a fixed LOAD_RATE submissions per second (latency at a moderate load);
#   4. the database's raw durable insert rate at the same concurrency, with the server stopped:
#      pgbench with tests/load/insert.sql for PostgreSQL, `cargo bench -p barometer-store --bench
#      sqlite_insert` for SQLite;
# then checks that the database holds one audit entry per 2xx submission, and prints a summary
# (with the busy CPU time of the whole machine per answer, read from /proc/stat around each run,
# and the part of it spent by the server and by PostgreSQL) with the goals of issue 8.
#
# Usage: tests/load/run.sh [sqlite] [postgres]      (both by default)
# Settings (environment):
#   LOAD_CLIENTS=64  LOAD_SECONDS=20  LOAD_WARMUP=5  LOAD_RATE=500  LOAD_ASSEMBLIES=256  LOAD_THREADS=2
#   LOAD_POSTGRES=postgres://postgres@127.0.0.1:5432   (a server where createdb works; the database
#                                                       barometer_load_<pid> is made and dropped)
#   BAROMETER_BIN=path   use this binary instead of building target/release/barometer
#   BAROMETER_LOG=info   the server's log filter (its log goes to a file in the work folder)
#   CARGO_TARGET_DIR     where cargo builds (default: target/ in the repository)
#   LOAD_PERF=DIR        also record the server with `perf record` (cpu-clock, DWARF call graphs,
#                        LOAD_PERF_HZ=250 samples a second) during each measured run, into
#                        DIR/<backend>-<run>.perf.data; the rates of a profiled run are lower
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/tests/load"
# shellcheck source=tests/load/lib.sh
source "$HERE/lib.sh"
CLIENTS="${LOAD_CLIENTS:-64}"
SECONDS_RUN="${LOAD_SECONDS:-20}"
WARMUP="${LOAD_WARMUP:-5}"
RATE="${LOAD_RATE:-500}"
ASSEMBLIES="${LOAD_ASSEMBLIES:-256}"
THREADS="${LOAD_THREADS:-2}"
PG_BASE="${LOAD_POSTGRES:-postgres://postgres@127.0.0.1:5432}"
OPEN_CYCLE=2026
RESULTS_CYCLE=2025
export BAROMETER_LOG="${BAROMETER_LOG:-info}"
PERF_DIR="${LOAD_PERF:-}"
PERF_HZ="${LOAD_PERF_HZ:-250}"

BACKENDS=("$@")
[ ${#BACKENDS[@]} -eq 0 ] && BACKENDS=(sqlite postgres)

say() { printf '[load %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------- tools and build
need() { command -v "$1" >/dev/null 2>&1 || die "$1 is not installed: $2"; }
need wrk "apt-get install wrk"
need curl "apt-get install curl"
need jq "apt-get install jq"
if [ -n "$PERF_DIR" ]; then
    need perf "apt-get install linux-perf"
    mkdir -p "$PERF_DIR" || die "LOAD_PERF: cannot make the folder $PERF_DIR"
    PERF_DIR="$(cd "$PERF_DIR" && pwd)"
fi
for b in "${BACKENDS[@]}"; do
    case "$b" in
        sqlite) need sqlite3 "apt-get install sqlite3" ;;
        postgres)
            need psql "apt-get install postgresql-client"
            need pgbench "apt-get install postgresql-contrib (or postgresql-15, which ships it)" ;;
        *) die "unknown backend $b: use sqlite and/or postgres" ;;
    esac
done
[ "$CLIENTS" -ge "$THREADS" ] || die "LOAD_CLIENTS must be at least LOAD_THREADS"
[ "$ASSEMBLIES" -ge "$CLIENTS" ] || die "LOAD_ASSEMBLIES ($ASSEMBLIES) must be at least LOAD_CLIENTS ($CLIENTS), so that clients do not all write the same responses"

TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
if [ -n "${BAROMETER_BIN:-}" ]; then
    BIN="$BAROMETER_BIN"
else
    need cargo "install a Rust toolchain"
    say "building the release binary (cargo build --release; the first build takes a while)"
    (cd "$ROOT" && cargo build --release --bin barometer --quiet) || die "the release build failed"
    BIN="$TARGET/release/barometer"
fi
[ -x "$BIN" ] || die "no binary at $BIN"
if [[ " ${BACKENDS[*]} " == *" sqlite "* ]]; then
    need cargo "install a Rust toolchain (the SQLite baseline is a cargo bench)"
    say "building the SQLite insert baseline (cargo bench --no-run)"
    (cd "$ROOT" && cargo bench -p barometer-store --bench sqlite_insert --no-run --quiet) || die "building the SQLite baseline failed"
fi

# ---------------------------------------------------------------- cleanup
WORK="$(mktemp -d "${TMPDIR:-/tmp}/barometer-load.XXXXXX")"
SERVER_PID=""
PG_DB=""
cleanup() {
    local status=$?
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [ -n "$PG_DB" ]; then
        psql "$PG_BASE/postgres" -qAtc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || say "could not drop database $PG_DB"
    fi
    if [ $status -ne 0 ] && [ -f "$WORK/server.log" ]; then
        say "last lines of the server's log:"
        tail -n 20 "$WORK/server.log" >&2 || true
    fi
    rm -rf "$WORK"
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- helpers
field() { # field NAME LINE: the value of NAME=… in a RESULT line
    sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"
}
ms() { awk -v us="$1" 'BEGIN { printf "%.1f", us / 1000 }'; }
per_second() { awk -v n="$1" -v us="$2" 'BEGIN { printf "%.0f", n / (us / 1e6) }'; }
# The machine's busy CPU time so far, in clock ticks (every process: server, database and load
# generator), from /proc/stat: user, nice, system, irq, softirq and steal.
cpu_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
TICK_US=$((1000000 / $(getconf CLK_TCK)))
# The CPU time (user and system, clock ticks) of the server so far, and of the database server's
# processes (PostgreSQL's; 0 for SQLite, which runs inside the server): whole-machine time per
# answer says how much an answer costs, these say where it goes, which is what tells two builds
# apart when the machine's speed wanders between runs.
proc_ticks() { # proc_ticks PID...: the sum over these processes (those gone meanwhile count 0)
    local pid total=0 t
    for pid in "$@"; do
        t="$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{ print $12 + $13 }')" || t=0
        total=$((total + ${t:-0}))
    done
    echo "$total"
}
server_ticks() { proc_ticks "$SERVER_PID"; }
db_ticks() {
    if [ "$BACKEND" = postgres ]; then
        # Every live PostgreSQL process, and those that have ended (pgbench's connections): the
        # postmaster, the oldest, counts its ended children's time as its own children's time.
        local postmaster children
        postmaster="$(pgrep -o -x postgres || true)"
        [ -n "$postmaster" ] || { echo 0; return; }
        children="$(sed 's/^.*) //' "/proc/$postmaster/stat" | awk '{ print $14 + $15 }')"
        # shellcheck disable=SC2046
        echo $(($(proc_ticks $(pgrep -x postgres)) + children))
    else
        echo 0
    fi
}
# cpu_per N TICKS: microseconds of busy CPU per request
cpu_per() { awk -v n="$1" -v t="$2" -v us="$TICK_US" 'BEGIN { if (n > 0) printf "%.0f", t * us / n; else print "n/a" }'; }

# wrk_run LABEL SECONDS RATE MODE FILE ARG → prints the RESULT line
wrk_run() {
    local label=$1 secs=$2 rate=$3 mode=$4 file=$5 arg=$6 out="$WORK/wrk-$1.txt" ticks server db
    ticks="$(cpu_ticks)"
    server="$(server_ticks)"
    db="$(db_ticks)"
    local perf_pid=""
    if [ -n "$PERF_DIR" ] && [[ "$label" != *-warmup ]]; then
        perf record -q -e cpu-clock -F "$PERF_HZ" --call-graph dwarf,16384 -p "$SERVER_PID" \
            -o "$PERF_DIR/$label.perf.data" >"$WORK/perf-$label.txt" 2>&1 &
        perf_pid=$!
    fi
    wrk --latency -t "$THREADS" -c "$CLIENTS" -d "${secs}s" --timeout 30s -s "$HERE/load.lua" "$URL" \
        -- "$mode" "$file" "$arg" "$OPEN_CYCLE" "$THREADS" "$rate" >"$out" 2>&1 || { cat "$out" >&2; die "wrk failed ($label)"; }
    if [ -n "$perf_pid" ]; then
        kill -INT "$perf_pid"
        local perf_rc=0
        wait "$perf_pid" || perf_rc=$?
        # perf record exits with 130 when SIGINT ends it as asked.
        [ "$perf_rc" = 0 ] || [ "$perf_rc" = 130 ] || { cat "$WORK/perf-$label.txt" >&2; die "perf record failed ($label, exit $perf_rc)"; }
        say "profile of the server: $PERF_DIR/$label.perf.data (perf report -i …)"
    fi
    local line
    line="$(grep '^RESULT ' "$out" || true)"
    [ -n "$line" ] || { cat "$out" >&2; die "wrk printed no result ($label)"; }
    grep -i 'lua\|error' "$out" | grep -v '^RESULT' >&2 || true
    echo "$line cpu_ticks=$(($(cpu_ticks) - ticks)) server_ticks=$(($(server_ticks) - server)) db_ticks=$(($(db_ticks) - db))"
}

# sql QUERY: one value from the backend under test
sql() {
    case "$BACKEND" in
        sqlite) sqlite3 -cmd ".timeout 10000" "$DB_FILE" "$1" ;;
        postgres) psql "$DB_URL" -qAtc "$1" ;;
    esac
}
stored_submissions() {
    sql "SELECT COUNT(*) FROM audit_log WHERE entity = 'response' AND action IN ('response.submit', 'response.amend') AND entity_id LIKE '$OPEN_CYCLE/LOAD%'"
}
# Each measured run starts with the disk settled: the database's dirty buffers written
# (CHECKPOINT, PostgreSQL) and the kernel's dirty pages flushed (sync). Without it a run paid for
# the one before: on a fast machine, after 280,000 submissions in 20 s, the kernel wrote back
# about 730 MB in one second early in the next run (at 500/s), whose p99 went from 3.5 ms to
# 138-197 ms (BENCHMARKS.md, "Latest run"). The pgbench baseline starts settled too.
settle_disk() {
    if [ "$BACKEND" = postgres ]; then
        sql "CHECKPOINT" >/dev/null || say "WARNING: CHECKPOINT failed (the user is not a superuser?): this run may pay for the last one's writes"
    fi
    sync
}

# The count once the requests still in flight when wrk stopped have been answered.
settled_submissions() {
    local previous="" current
    current="$(stored_submissions)"
    while [ "$current" != "$previous" ]; do
        sleep 1
        previous=$current
        current="$(stored_submissions)"
    done
    echo "$current"
}

api() { # api METHOD PATH TOKEN [BODY]
    local args=(-sS -X "$1" -H "Authorization: Bearer $3" -w '\n%{http_code}')
    [ $# -ge 4 ] && args+=(-H 'Content-Type: application/json' --data "$4")
    curl "${args[@]}" "$URL$2"
}
api_ok() { # api_ok EXPECTED METHOD PATH TOKEN [BODY] → body
    local expected=$1 reply code
    shift
    reply="$(api "$@")"
    code="${reply##*$'\n'}"
    [ "$code" = "$expected" ] || die "$1 $2 answered $code, expected $expected: ${reply%$'\n'*}"
    echo "${reply%$'\n'*}"
}

# A full, valid answer to the demo's open cycle: five ranked themes, three regions, two activities.
cp "$HERE/body.json" "$WORK/body.json"
# Another answer, for the run where each submission changes the answer: other activities (so
# that they are removed and added, with their themes and regions), another comment.
jq '.activities |= map(.title += " (moved)" | .themes |= reverse[:1] | .regions |= .[:1]) | .comment = "Load test answer, amended"' \
    "$WORK/body.json" >"$WORK/body2.json"

declare -A R # results: R[backend.key]=value

run_backend() {
    BACKEND=$1
    say "=== $BACKEND ==="
    case "$BACKEND" in
        sqlite)
            DB_FILE="$WORK/sqlite/barometer.db"
            mkdir -p "$WORK/sqlite"
            DB_URL="sqlite://$DB_FILE" ;;
        postgres)
            PG_DB="barometer_load_$$"
            psql "$PG_BASE/postgres" -qAtc "CREATE DATABASE $PG_DB" >/dev/null || die "cannot create database $PG_DB on $PG_BASE"
            DB_URL="$PG_BASE/$PG_DB" ;;
    esac
    export BAROMETER_DATABASE_URL="$DB_URL"

    say "starting barometer serve --demo ($BAROMETER_LOG log to a file)"
    "$BIN" serve --demo --bind 127.0.0.1:0 >"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    URL="$(listening_url "$SERVER_PID" "$WORK/server.log" 300)" || exit 1
    say "listening on $URL"

    local secretariat analyst opens_on
    secretariat="$("$BIN" admin create-token --role secretariat --label load-test 2>/dev/null)"
    analyst="$("$BIN" admin create-token --role analyst --label load-test 2>/dev/null)"
    echo "$analyst" >"$WORK/analyst.token"
    opens_on="$(api_ok 200 GET "/api/v1/cycles/$OPEN_CYCLE" "$secretariat" | jq -r '.opens_on')"
    [[ "$opens_on" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]] || die "cycle $OPEN_CYCLE has no opens_on date: $opens_on"

    # -- cached results (first, while the roster is the demo's 17 assemblies: every read checks a
    # fingerprint of the roster, and the load test's extra assemblies would make that check bigger)
    local path="/api/v1/cycles/$RESULTS_CYCLE/results/priorities"
    api_ok 200 GET "$path" "$analyst" >/dev/null # computes and caches
    say "cached results: warm-up ${WARMUP}s, then ${SECONDS_RUN}s at $CLIENTS clients (GET $path)"
    wrk_run "$BACKEND-read-warmup" "$WARMUP" 0 read "$WORK/analyst.token" "$path" >/dev/null
    local line
    settle_disk
    line="$(wrk_run "$BACKEND-read" "$SECONDS_RUN" 0 read "$WORK/analyst.token" "$path")"
    record "$BACKEND" read "$line"

    say "adding $ASSEMBLIES assemblies to the roster (joined $opens_on) and inviting their focal points"
    : >"$WORK/tokens.txt"
    local i code token
    for i in $(seq 1 "$ASSEMBLIES"); do
        code="$(printf 'LOAD%04d' "$i")"
        api_ok 201 POST /api/v1/assemblies "$secretariat" \
            "{\"code\": \"$code\", \"name\": \"Load test assembly $i\", \"joined_on\": \"$opens_on\"}" >/dev/null
        token="$(api_ok 201 POST "/api/v1/cycles/$OPEN_CYCLE/invitations" "$secretariat" "{\"assembly\": \"$code\"}" | jq -r .token)"
        echo "$code $token" >>"$WORK/tokens.txt"
    done
    # One submission by hand, to fail early and clearly if the answer is refused.
    read -r code token <"$WORK/tokens.txt"
    api_ok 200 POST "/api/v1/cycles/$OPEN_CYCLE/responses/$code/submit" "$token" "$(cat "$WORK/body.json")" >/dev/null

    # -- submissions, as fast as 64 clients go
    say "submissions: warm-up ${WARMUP}s, then ${SECONDS_RUN}s at $CLIENTS clients over $ASSEMBLIES assemblies"
    wrk_run "$BACKEND-submit-warmup" "$WARMUP" 0 submit "$WORK/tokens.txt" "$WORK/body.json" >/dev/null
    local before after
    before="$(settled_submissions)"
    settle_disk
    line="$(wrk_run "$BACKEND-submit" "$SECONDS_RUN" 0 submit "$WORK/tokens.txt" "$WORK/body.json")"
    after="$(settled_submissions)"
    record "$BACKEND" submit "$line"
    check_stored "$BACKEND" submit "$before" "$after"

    # -- submissions at a fixed rate
    say "submissions at $RATE/s: ${SECONDS_RUN}s at $CLIENTS clients"
    before="$(settled_submissions)"
    settle_disk
    line="$(wrk_run "$BACKEND-paced" "$SECONDS_RUN" "$RATE" submit "$WORK/tokens.txt" "$WORK/body.json")"
    after="$(settled_submissions)"
    record "$BACKEND" paced "$line"
    check_stored "$BACKEND" paced "$before" "$after"

    # -- as fast as the clients go again, each submission changing the answer (after the paced
    # run, which thus starts from the stored answer it sends)
    say "submissions changing the answer: ${SECONDS_RUN}s at $CLIENTS clients"
    before="$(settled_submissions)"
    settle_disk
    line="$(wrk_run "$BACKEND-changing" "$SECONDS_RUN" 0 submit "$WORK/tokens.txt" "$WORK/body2.json,$WORK/body.json")"
    after="$(settled_submissions)"
    record "$BACKEND" changing "$line"
    check_stored "$BACKEND" changing "$before" "$after"

    say "stopping the server"
    kill "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
    grep -E ' (WARN|ERROR) ' "$WORK/server.log" | sed 's/^.*\(WARN\|ERROR\)/\1/' | sort | uniq -c | sort -rn | head -n 5 >&2 || true

    # -- the baseline
    case "$BACKEND" in
        postgres)
            say "baseline: pgbench, one-row insert transactions, $CLIENTS clients, ${SECONDS_RUN}s (synchronous_commit $(sql 'SHOW synchronous_commit'), fsync $(sql 'SHOW fsync'))"
            sql "CREATE TABLE bench_insert (id BIGSERIAL PRIMARY KEY, client INT NOT NULL, at TIMESTAMPTZ NOT NULL DEFAULT now(), payload TEXT NOT NULL)" >/dev/null
            local ticks db
            settle_disk
            ticks="$(cpu_ticks)"
            db="$(db_ticks)"
            pgbench -n -f "$HERE/insert.sql" -c "$CLIENTS" -j "$THREADS" -T "$SECONDS_RUN" "$DB_URL" >"$WORK/pgbench.txt" 2>&1 \
                || { cat "$WORK/pgbench.txt" >&2; die "pgbench failed"; }
            local tps processed rows
            tps="$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time).*/\1/p' "$WORK/pgbench.txt")"
            processed="$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$WORK/pgbench.txt")"
            rows="$(sql 'SELECT COUNT(*) FROM bench_insert')"
            [ -n "$tps" ] || { cat "$WORK/pgbench.txt" >&2; die "no tps in pgbench's output"; }
            [ "$rows" = "$processed" ] || die "pgbench reports $processed transactions but the table holds $rows rows"
            say "pgbench: $processed inserts ($rows rows stored), $tps/s"
            R[$BACKEND.baseline]="$(printf '%.0f' "$tps")"
            R[$BACKEND.baseline.cpu]="$(cpu_per "$processed" $(($(cpu_ticks) - ticks)))"
            R[$BACKEND.baseline.db_cpu]="$(cpu_per "$processed" $(($(db_ticks) - db)))"
            psql "$PG_BASE/postgres" -qAtc "DROP DATABASE $PG_DB WITH (FORCE)" >/dev/null
            PG_DB="" ;;
        sqlite)
            say "baseline: bare SQLite insert loop (WAL, synchronous=FULL), $CLIENTS threads, ${SECONDS_RUN}s each way"
            settle_disk
            (cd "$ROOT" && BAROMETER_BENCH_CLIENTS="$CLIENTS" BAROMETER_BENCH_SECONDS="$SECONDS_RUN" BAROMETER_BENCH_DIR="$WORK/sqlite" \
                cargo bench -p barometer-store --bench sqlite_insert --quiet) >"$WORK/sqlite-insert.txt" 2>&1 \
                || { cat "$WORK/sqlite-insert.txt" >&2; die "the SQLite insert baseline failed"; }
            grep -E 'inserts|journal|rows' "$WORK/sqlite-insert.txt" | sed 's/^/    /' >&2
            R[$BACKEND.baseline]="$(sed -n 's/^BASELINE_INSERTS_PER_SEC=\([0-9]*\)$/\1/p' "$WORK/sqlite-insert.txt")"
            [ -n "${R[$BACKEND.baseline]}" ] || die "the SQLite baseline printed no rate" ;;
    esac
}

# record BACKEND RUN RESULT_LINE: keeps the figures and prints them
record() {
    local b=$1 run=$2 line=$3 dur ok
    dur="$(field duration_us "$line")"
    ok="$(field ok "$line")"
    R[$b.$run.ok]=$ok
    R[$b.$run.rate]="$(per_second "$ok" "$dur")"
    R[$b.$run.non2xx]="$(field non2xx "$line")"
    R[$b.$run.statuses]="$(field statuses "$line")"
    R[$b.$run.errors]=$(($(field socket_errors "$line") + $(field timeouts "$line")))
    R[$b.$run.p50]="$(ms "$(field p50_us "$line")")"
    R[$b.$run.p99]="$(ms "$(field p99_us "$line")")"
    R[$b.$run.p999]="$(ms "$(field p999_us "$line")")"
    R[$b.$run.max]="$(ms "$(field max_us "$line")")"
    R[$b.$run.cpu]="$(cpu_per "$ok" "$(field cpu_ticks "$line")")"
    R[$b.$run.server_cpu]="$(cpu_per "$ok" "$(field server_ticks "$line")")"
    R[$b.$run.db_cpu]="$(cpu_per "$ok" "$(field db_ticks "$line")")"
    say "$run: ${R[$b.$run.rate]} 2xx/s ($ok 2xx, ${R[$b.$run.non2xx]} other: ${R[$b.$run.statuses]}, ${R[$b.$run.errors]} socket errors/timeouts); p50 ${R[$b.$run.p50]} ms, p99 ${R[$b.$run.p99]} ms, p99.9 ${R[$b.$run.p999]} ms, max ${R[$b.$run.max]} ms; ${R[$b.$run.cpu]} µs of CPU per 2xx (server ${R[$b.$run.server_cpu]}, database ${R[$b.$run.db_cpu]})"
}

# check_stored BACKEND RUN BEFORE AFTER: one audit entry per 2xx submission. wrk stops counting
# at the end of the run while up to one request per client is still in flight; the server
# finishes those, so the database may hold up to LOAD_CLIENTS more than wrk counted, never fewer.
check_stored() {
    local b=$1 run=$2 stored=$(($4 - $3)) ok=${R[$1.$2.ok]}
    R[$b.$run.stored]=$stored
    if [ "$stored" -ge "$ok" ] && [ "$stored" -le $((ok + CLIENTS)) ]; then
        say "$run: the database holds $stored new submissions for $ok 2xx answers (+$((stored - ok)) in flight when wrk stopped)"
    else
        say "WARNING $run: the database holds $stored new submissions but wrk counted $ok 2xx answers (expected $ok to $((ok + CLIENTS)))"
    fi
}

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
STARTED="$(date -u '+%Y-%m-%d %H:%M UTC')"
for b in "${BACKENDS[@]}"; do
    run_backend "$b"
done

# ---------------------------------------------------------------- summary
met() { awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN { ok = (op == ">=") ? (a + 0 >= b + 0) : (a + 0 <= b + 0); print ok ? "yes" : "NO" }'; }
# The ratio is printed to three places; whether it is met is decided on the rates themselves
# (rounded first, 0.496 would pass as 0.50).
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "n/a" }'; }
echo
echo "Load benchmark, $STARTED, $(nproc) cores, load average before: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$CLIENTS clients (wrk, $THREADS threads), ${SECONDS_RUN}s per run after a ${WARMUP}s warm-up, $ASSEMBLIES assemblies; server log level $BAROMETER_LOG"
for b in "${BACKENDS[@]}"; do
    echo
    echo "## $b"
    echo
    echo "| run | 2xx/s | p50 ms | p99 ms | p99.9 ms | max ms | CPU µs/2xx | of which server | of which database | 2xx | other statuses | stored |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
    for run in submit paced changing read; do
        echo "| $run | ${R[$b.$run.rate]} | ${R[$b.$run.p50]} | ${R[$b.$run.p99]} | ${R[$b.$run.p999]} | ${R[$b.$run.max]} | ${R[$b.$run.cpu]} | ${R[$b.$run.server_cpu]} | ${R[$b.$run.db_cpu]} | ${R[$b.$run.ok]} | ${R[$b.$run.non2xx]} ${R[$b.$run.statuses]:+(${R[$b.$run.statuses]})} | ${R[$b.$run.stored]:--} |"
    done
    echo "| raw insert baseline | ${R[$b.baseline]} | | | | | ${R[$b.baseline.cpu]:-} | | ${R[$b.baseline.db_cpu]:-} | | | |"
    echo
    echo "| goal | measured | met? |"
    echo "|---|---|---|"
    sub=${R[$b.submit.rate]}
    r="$(ratio "$sub" "${R[$b.baseline]}")"
    if [ "$b" = postgres ]; then
        echo "| submissions ≥ 3000/s | $sub/s | $(met "$sub" '>=' 3000) |"
        echo "| submissions ≥ 0.5 × raw inserts (${R[$b.baseline]}/s) | ${r}× | $(met "$sub" '>=' "$(awk -v r="${R[$b.baseline]}" 'BEGIN { print r * 0.5 }')") |"
    else
        echo "| submissions ≥ 2000/s | $sub/s | $(met "$sub" '>=' 2000) |"
        echo "| (ratio to raw inserts, ${R[$b.baseline]}/s) | ${r}× | — |"
    fi
    paced_ok="$(met "${R[$b.paced.rate]}" '>=' "$(awk -v r="$RATE" 'BEGIN { print r * 0.95 }')")"
    echo "| p99 ≤ 50 ms at $RATE submissions/s | ${R[$b.paced.p99]} ms at ${R[$b.paced.rate]}/s | $(met "${R[$b.paced.p99]}" '<=' 50)$([ "$paced_ok" = yes ] || echo ' (rate not reached)') |"
    echo "| cached results ≥ 10000/s | ${R[$b.read.rate]}/s | $(met "${R[$b.read.rate]}" '>=' 10000) |"
    echo "| cached results p99 ≤ 10 ms | ${R[$b.read.p99]} ms | $(met "${R[$b.read.p99]}" '<=' 10) |"
    echo "| (submissions changing the answer each time) | ${R[$b.changing.rate]}/s | — |"
    non2xx=$((${R[$b.submit.non2xx]} + ${R[$b.changing.non2xx]} + ${R[$b.paced.non2xx]} + ${R[$b.read.non2xx]}))
    [ "$non2xx" -eq 0 ] || echo "| every answer 2xx | $non2xx were not | NO |"
done
