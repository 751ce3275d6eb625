#!/usr/bin/env bash
# The main job end to end on an embedded RocksDB:
#   scripts/demo.sh [FILE...]
# installs what is missing, builds, starts syndicated on 127.0.0.1 with API keys on and its
# store in a temporary directory; as the admin (the key syndicated writes to admin.key),
# registers two sources, a publisher key for both and two partners licensing one source
# each; opens the first partner's live stream, imports the example pages in examples/ plus
# any FILE given (pages saved as text) into one source and publishes a wire story into the
# other, shows the events the stream received, each partner listing only the stories it
# licensed, an unlicensed story reading as not found, a call without a key refused, and a
# partner getting one story with its attribution and search directive; then stops the
# server and removes the directory.
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

say "Starting syndicated with API keys on (store in a temporary directory)"
"$syndicated" --listen=127.0.0.1:0 --data-dir="$work/data" --ports-file="$work/ports" \
  --admin-key-file="$work/admin.key" >"$work/stdout" 2>"$work/server.log" &
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
echo "syndicated is serving on $SYNDICATE_SERVER; it wrote the first admin key to admin.key"
admin=(--api-key-file="$work/admin.key")
publisher=(--api-key-file="$work/publisher.key")
coastline=(--api-key-file="$work/coastline.key")
harbour=(--api-key-file="$work/harbour.key")
# Secrets are shown once; keep them owner-only.
umask 077

say "Admin: registering two sources (examples/source.json, examples/wire-source.json)"
"$syndicate" "${admin[@]}" source put examples/source.json | grep -E '^ "(id|name)"'
"$syndicate" "${admin[@]}" source put examples/wire-source.json | grep -E '^ "(id|name)"'

say "Admin: a publisher key for both sources, two partners licensing one source each"
echo "syndicate key create --role=publisher --source=scraped-republications --source=harbour-wire > publisher.key"
"$syndicate" "${admin[@]}" key create --role=publisher --source=scraped-republications \
  --source=harbour-wire --name="demo importer" >"$work/publisher.key"
echo "syndicate partner create coastline-daily --source=scraped-republications"
"$syndicate" "${admin[@]}" partner create coastline-daily --name="Coastline Daily" \
  --source=scraped-republications >/dev/null
"$syndicate" "${admin[@]}" key create --role=partner --partner=coastline-daily >"$work/coastline.key"
echo "syndicate partner create harbour-weekly --source=harbour-wire --search-directive=canonical"
"$syndicate" "${admin[@]}" partner create harbour-weekly --name="Harbour Weekly" \
  --source=harbour-wire --search-directive=canonical >/dev/null
"$syndicate" "${admin[@]}" key create --role=partner --partner=harbour-weekly >"$work/harbour.key"
"$syndicate" "${admin[@]}" key list | grep -E '"(keyId|role|partnerId)"'

say "Partner coastline-daily: opening a live stream of what it licensed, in the background"
echo "syndicate --api-key-file=coastline.key stream --from=now > stream.jsonl"
"$syndicate" "${coastline[@]}" stream --from=now >"$work/stream.jsonl" 2>"$work/stream.log" &
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

say "Publisher: importing pages saved as text, and publishing a wire story"
imported=$("$syndicate" "${publisher[@]}" import --source=scraped-republications examples/*.txt \
  ${files[@]+"${files[@]}"})
echo "$imported"
wire_id=$("$syndicate" "${publisher[@]}" publish examples/wire-story.json |
  grep -m1 -oE '"id": "[0-9a-f]{32}"' | grep -oE '[0-9a-f]{32}')
echo "published $wire_id examples/wire-story.json (source harbour-wire)"

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
echo "($received events for $expected new stories of its licensed source; the wire story is not"
echo " among them; the stream stopped on SIGTERM with exit 0)"

say "Partner coastline-daily: listing its stories, newest first"
"$syndicate" "${coastline[@]}" list --brief
say "Partner harbour-weekly: listing its stories, newest first"
"$syndicate" "${harbour[@]}" list --brief
echo "Its policy is canonical, so what it gets says where rel=canonical points:"
"$syndicate" "${harbour[@]}" get "$wire_id" | grep -A3 '"delivery"'

# The story to show: the last FILE given, else the first example.
last_id=$(echo "$imported" | tail -n 1 | awk '{print $2}')
[[ ${#files[@]} -gt 0 ]] || last_id=$(echo "$imported" | head -n 1 | awk '{print $2}')
say "Partner harbour-weekly: asking for coastline-daily's story $last_id"
if "$syndicate" "${harbour[@]}" get "$last_id"; then
  echo "demo.sh: an unlicensed story was delivered" >&2
  exit 1
fi
echo "(not licensed: it reads exactly like a story that does not exist)"
say "Anyone without a key"
if "$syndicate" source list; then
  echo "demo.sh: a call without a key was answered" >&2
  exit 1
fi

say "Partner coastline-daily: getting story $last_id with its attribution and search directive"
"$syndicate" "${coastline[@]}" get "$last_id"

say "Stopping syndicated"
kill -TERM "$server_pid"
wait "$server_pid"
server_pid=
tail -n 2 "$work/server.log"
