#!/usr/bin/env bash
# Loads pages of a running `kuzet serve` with wrk on loopback, signed in as one account, and
# prints one table row per path (requests per second, p50, p99, non-2xx answers, load average
# at the start). Used for the figures in docs/benchmarks.md and docs/deployment.md.
#
#   bench/web-load.sh http://127.0.0.1:18283 bench bench-password-1 /persons /public ...
#
# Environment: DURATION (wrk's -d, default 15s), CONNECTIONS (default 32), THREADS (default 2).
# A path given as `anon:/public` is loaded without the session cookie.
set -euo pipefail
if [ $# -lt 4 ]; then
    echo "usage: $0 BASE_URL USERNAME PASSWORD PATH..." >&2
    exit 2
fi
base=$1 username=$2 password=$3
shift 3
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 2; }

jar=$(mktemp)
trap 'rm -f "$jar"' EXIT
# The sign-in form carries a CSRF token tied to an anonymous cookie; post it back with both.
csrf=$(curl -fsS -c "$jar" -b "$jar" "$base/login" | grep -o 'name="csrf" value="[^"]*"' | head -n1 | sed 's/.*value="//; s/"$//')
curl -fsS -o /dev/null -c "$jar" -b "$jar" --data-urlencode "csrf=$csrf" \
    --data-urlencode "username=$username" --data-urlencode "password=$password" "$base/login"
session=$(awk '$6 == "kuzet_session" { print $7 }' "$jar")
if [ -z "$session" ]; then
    echo "signing in as $username failed" >&2
    exit 1
fi

echo "| request | requests/s | p50 | p99 | non-2xx | load at start |"
echo "| --- | --- | --- | --- | --- | --- |"
for path in "$@"; do
    cookie=(-H "Cookie: kuzet_session=$session")
    case "$path" in
        anon:*) path=${path#anon:}; cookie=() ;;
    esac
    load=$(cut -d' ' -f1 /proc/loadavg)
    out=$(wrk -t"${THREADS:-2}" -c"${CONNECTIONS:-32}" -d"${DURATION:-15s}" --latency "${cookie[@]}" "$base$path")
    rps=$(awk '/^Requests\/sec/ { printf "%.0f", $2 }' <<<"$out")
    p50=$(awk '$1 == "50%" { print $2 }' <<<"$out")
    p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
    bad=$(awk '/Non-2xx/ { print $5 }' <<<"$out")
    echo "| \`$path\` | $rps | $p50 | $p99 | ${bad:-0} | $load |"
done
