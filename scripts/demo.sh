#!/usr/bin/env bash
# The main job end to end on an embedded RocksDB:
#   scripts/demo.sh [FILE...]
# installs what is missing, builds, starts syndicated on 127.0.0.1 with its store in a
# temporary directory, registers a source, opens a partner's live stream, imports the
# example pages in examples/ plus any FILE given (pages saved as text), shows the events
# the stream received, a partner listing the stories and getting one with its attribution,
# then stops the server and removes the directory.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

files=()
for f in "$@"; do
  if [[ ! -r "$f" ]]; then
    echo "demo.sh: $f: cannot be read" >&2
    exit 2
  fi
  files+=("$(cd "$(dirname "$f")" && pwd)/$(basename "$f")")
done

scripts/install-deps.sh
build_dir=$(scripts/build.sh syndicated syndicate | tail -n 1)
syndicated="$repo/$build_dir/server/syndicated"
syndicate="$repo/$build_dir/client/syndicate"

work=$(mktemp -d -t syndicate-demo.XXXXXX)
server_pid=
stream_pid=
cleanup() {
  if [[ -n "$stream_pid" ]] && kill -0 "$stream_pid" 2>/dev/null; then
    kill -TERM "$stream_pid"
    wait "$stream_pid" || true
  fi
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid"
    wait "$server_pid" || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Starting syndicated (store in a temporary directory)"
"$syndicated" --listen=127.0.0.1:0 --data-dir="$work/data" --ports-file="$work/ports" \
  >"$work/stdout" 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 1 100); do
  [[ -s "$work/ports" ]] && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    cat "$work/server.log" >&2
    exit 1
  fi
  sleep 0.1
done
export SYNDICATE_SERVER=$(cat "$work/ports")
echo "syndicated is serving on $SYNDICATE_SERVER"

say "Publisher: registering the source (examples/source.json)"
"$syndicate" source put examples/source.json

say "Partner: opening a live stream of the source's new stories, in the background"
echo "syndicate stream --from=now --source=scraped-republications > stream.jsonl"
"$syndicate" stream --from=now --source=scraped-republications \
  >"$work/stream.jsonl" 2>"$work/stream.log" &
stream_pid=$!
# The caught-up marker is the first line: from then on the stream's start is fixed, so no
# story imported below can be missed.
for _ in $(seq 1 100); do
  [[ -s "$work/stream.jsonl" ]] && break
  if ! kill -0 "$stream_pid" 2>/dev/null; then
    cat "$work/stream.log" >&2
    exit 1
  fi
  sleep 0.1
done

say "Publisher: importing pages saved as text"
imported=$("$syndicate" import --source=scraped-republications examples/*.txt ${files[@]+"${files[@]}"})
echo "$imported"

say "Partner: what the live stream received, one JSON object a line"
# One event per story created or updated; "unchanged" makes none.
expected=$(grep -cE '^(created|updated) ' <<<"$imported" || true)
for _ in $(seq 1 100); do
  [[ $(grep -c '^{"event"' "$work/stream.jsonl" || true) -ge $expected ]] && break
  sleep 0.1
done
kill -TERM "$stream_pid"
wait "$stream_pid"
stream_pid=
# Each event carries the whole story: show its first fields, its headline and credit line.
while IFS= read -r line; do
  if ((${#line} <= 150)); then
    echo "$line"
    continue
  fi
  shown="${line%%,\"time\"*}, …"
  for field in headline creditLine; do
    value=$(grep -oE "\"$field\":\"([^\"\\\\]|\\\\.)*\"" <<<"$line" | head -n 1 || true)
    [[ -z "$value" ]] || shown+=" $value, …"
  done
  echo "$shown}}"
done <"$work/stream.jsonl"
received=$(grep -c '^{"event"' "$work/stream.jsonl" || true)
echo "($received events for $expected new stories; the stream stopped on SIGTERM with exit 0)"

say "Partner: listing the stories, newest first"
"$syndicate" list --brief

# The story to show: the last FILE given, else the first example.
last_id=$(echo "$imported" | tail -n 1 | awk '{print $2}')
[[ ${#files[@]} -gt 0 ]] || last_id=$(echo "$imported" | head -n 1 | awk '{print $2}')
say "Partner: getting story $last_id with its attribution"
"$syndicate" get "$last_id"

say "Stopping syndicated"
kill -TERM "$server_pid"
wait "$server_pid"
server_pid=
tail -n 2 "$work/server.log"
