# Shared by the scripts of tests/load (sourced; they define `die`).

# listening_url PID LOG TENTHS: the address `barometer serve` (process PID, logging to LOG) says it
# listens on, waiting up to TENTHS tenths of a second; dies if the server stops or never says.
listening_url() {
    local pid=$1 log=$2 tenths=$3 url=""
    for _ in $(seq 1 "$tenths"); do
        url="$(sed -n 's/^barometer is listening on \(http[^ ]*\).*/\1/p' "$log" | head -n 1)"
        [ -n "$url" ] && break
        kill -0 "$pid" 2>/dev/null || die "the server stopped: $(tail -n 5 "$log")"
        sleep 0.1
    done
    [ -n "$url" ] || die "the server did not say where it listens"
    echo "$url"
}
