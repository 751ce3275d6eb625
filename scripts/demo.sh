#!/usr/bin/env bash
# The main job end to end on an embedded RocksDB:
#   scripts/demo.sh [FILE...]
# installs what is missing, builds, starts syndicated on 127.0.0.1 with API keys on and its
# store in a temporary directory; as the admin (the key syndicated writes to admin.key),
# registers two sources, a publisher key for both and two partners licensing one source
# each; opens the first partner's live stream, imports the example pages in examples/ plus
# any FILE given (pages saved as text) into one source and publishes a wire story into the
# other, then imports an RSS feed, an Atom feed (whose tombstone withdraws a story of the
# RSS feed) and a ninjs file (examples/harbour-*) into the other, shows the events the stream received, each partner listing only the stories it
# licensed, an unlicensed story reading as not found, a call without a key refused, a
# partner getting one story with its attribution and search directive and verifying its
# signature, and a tampered copy failing the check. Then a story's life: a corrected page
# (examples/corrected/) republished with a correction note reaches the stream as
# CORRECTED, a kill reaches it as a CANCELED tombstone, and the partner catches up by
# pull. Then the usage report; then harbour-wire gets a feed of its own (examples/site/,
# served on 127.0.0.1 by tools/serve_feeds) that the server polls every 2 s: its stories
# reach the partner, and `source status` shows the last poll: the second, 2 s after the
# first, answered 304 Not Modified. Finally it
# stops the server and removes the directory.
#
# SYNDICATE_BUILD_DIR=DIR builds into DIR (see scripts/build.sh) and runs the binaries from
# there.
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
build_dir=$(scripts/build.sh syndicated syndicate serve_feeds | tail -n 1)
[[ $build_dir == /* ]] || build_dir="$repo/$build_dir"
syndicated="$build_dir/server/syndicated"
syndicate="$build_dir/client/syndicate"

work=$(mktemp -d -t syndicate-demo.XXXXXX)
server_pid=
stream_pid=
site_pid=
cleanup() {
  if [[ -n "$site_pid" ]] && kill -0 "$site_pid" 2>/dev/null; then
    kill -TERM "$site_pid"
    wait "$site_pid" || true
  fi
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
# Echoes a command line as a partner or publisher would type it.
show() { printf '$ %s\n' "$*"; }

# The lines the partner's stream has written completely (a long line may be half-written).
stream_lines() { head -n "$(wc -l <"$work/stream.jsonl")" "$work/stream.jsonl"; }
# The value of the first (or, with "last", the last) "FIELD":"…" in a JSON line, as JSON.
json_field() {
  local pick=(head -n 1)
  [[ ${3:-} != last ]] || pick=(tail -n 1)
  grep -oE "\"$1\":\"([^\"\\\\]|\\\\.)*\"" <<<"$2" | "${pick[@]}" || true
}
# Waits until the stream holds $1 events, then prints the lines it received since the
# last call. An event carrying a story shows its first fields, headline, credit line and
# latest correction; tombstone events and markers are short and shown whole.
shown=0
show_stream() {
  for _ in $(seq 1 100); do
    [[ $(stream_lines | grep -c '^{"event"' || true) -ge $1 ]] && break
    sleep 0.1
  done
  local lines
  lines=$(stream_lines)
  tail -n +$((shown + 1)) <<<"$lines" | while IFS= read -r line; do
    if [[ $line != *'"article":{'* ]]; then
      echo "$line"
      continue
    fi
    local brief="${line%%,\"time\"*}, …" value
    for field in headline creditLine; do
      value=$(json_field "$field" "$line")
      [[ -z "$value" ]] || brief+=" $value, …"
    done
    value=$(json_field text "${line#*\"corrections\":}" last)  # Correction.text
    [[ $line != *'"corrections":'* || -z "$value" ]] || brief+=" \"corrections\":[… $value}], …"
    echo "$brief}}"
  done
  shown=$(wc -l <<<"$lines")
  if [[ $(grep -c '^{"event"' <<<"$lines" || true) -lt $1 ]]; then
    echo "demo.sh: the stream did not receive the event in 10 s (see above)" >&2
    exit 1
  fi
}

say "Starting syndicated with API keys on (store in a temporary directory)"
"$syndicated" --listen=127.0.0.1:0 --data-dir="$work/data" --ports-file="$work/ports" \
  --health-listen=127.0.0.1:0 --admin-key-file="$work/admin.key" \
  --feed-allow-private-addresses=true --feed-min-poll-interval=1s >"$work/stdout" \
  2>"$work/server.log" &
server_pid=$!
for _ in $(seq 1 100); do
  [[ -s "$work/ports" ]] && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    cat "$work/server.log" >&2
    exit 1
  fi
  sleep 0.1
done
SYNDICATE_SERVER=$(head -n 1 "$work/ports")
export SYNDICATE_SERVER
echo "syndicated is serving on $SYNDICATE_SERVER; it wrote the first admin key to admin.key"
echo "(health checks for probes, without a key: $(sed -n 's/^health //p' "$work/ports"))"
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
show "syndicate key create --role=publisher --source=scraped-republications --source=harbour-wire > publisher.key"
"$syndicate" "${admin[@]}" key create --role=publisher --source=scraped-republications \
  --source=harbour-wire --name="demo importer" >"$work/publisher.key"
show "syndicate partner create coastline-daily --name=\"Coastline Daily\" --source=scraped-republications"
"$syndicate" "${admin[@]}" partner create coastline-daily --name="Coastline Daily" \
  --source=scraped-republications >/dev/null
show "syndicate key create --role=partner --partner=coastline-daily > coastline.key"
"$syndicate" "${admin[@]}" key create --role=partner --partner=coastline-daily >"$work/coastline.key"
show "syndicate partner create harbour-weekly --name=\"Harbour Weekly\" --source=harbour-wire --search-directive=canonical"
"$syndicate" "${admin[@]}" partner create harbour-weekly --name="Harbour Weekly" \
  --source=harbour-wire --search-directive=canonical >/dev/null
show "syndicate key create --role=partner --partner=harbour-weekly > harbour.key"
"$syndicate" "${admin[@]}" key create --role=partner --partner=harbour-weekly >"$work/harbour.key"
show "syndicate key list"
"$syndicate" "${admin[@]}" key list | grep -E '"(keyId|role|partnerId)"'

say "Partner coastline-daily: opening a live stream of what it licensed, in the background"
show "syndicate --api-key-file=coastline.key stream --from=now > stream.jsonl"
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
# The id a file was imported as.
imported_id() { grep -m 1 " $1\$" <<<"$imported" | awk '{print $2}'; }
wire_id=$("$syndicate" "${publisher[@]}" publish examples/wire-story.json |
  grep -m1 -oE '"id": "[0-9a-f]{32}"' | grep -oE '[0-9a-f]{32}')
echo "published $wire_id examples/wire-story.json (source harbour-wire)"

say "Publisher: importing an RSS feed, an Atom feed and a ninjs file into harbour-wire"
# The Atom feed's RFC 6721 tombstone withdraws the RSS feed's second story; the summary
# (created, updated, unchanged, withdrawn, failed) goes to stderr.
show "syndicate --api-key-file=publisher.key import --source=harbour-wire examples/harbour-feed.rss examples/harbour-feed.atom examples/harbour-story.ninjs.json"
feeds_imported=$("$syndicate" "${publisher[@]}" import --source=harbour-wire \
  examples/harbour-feed.rss examples/harbour-feed.atom examples/harbour-story.ninjs.json)
echo "$feeds_imported"
if [[ $(grep -cE '^created ' <<<"$feeds_imported") -ne 4 ||
  $(grep -cE '^withdrawn ' <<<"$feeds_imported") -ne 1 ]]; then
  echo "demo.sh: the feeds did not import as 4 stories and 1 withdrawal" >&2
  exit 1
fi

say "Partner: what the live stream received, one JSON object a line"
# One event per story created or updated; "unchanged" makes none.
expected=$(grep -cE '^(created|updated) ' <<<"$imported" || true)
show_stream "$expected"
echo "($expected events for $expected new stories of its licensed source; the wire story is"
echo " not among them)"

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

say "Partner: checking that story's signature with the server's public key"
show "syndicate --api-key-file=coastline.key get --verify $last_id > story.json"
"$syndicate" "${coastline[@]}" get --verify "$last_id" >"$work/story.json"

say "Partner: a saved copy whose credit line was changed fails the check"
sed -E 's/"creditLine": "([^"\\]|\\.)*"/"creditLine": "Partner Site Staff"/' \
  "$work/story.json" >"$work/tampered.json"
echo "tampered.json: $(grep -m 1 '"creditLine"' "$work/tampered.json" | sed 's/^ *//')"
show "syndicate --api-key-file=coastline.key verify tampered.json"
if "$syndicate" "${coastline[@]}" verify "$work/tampered.json"; then
  echo "demo.sh: the tampered copy verified" >&2
  exit 1
fi

river_id=$(imported_id examples/river-festival.txt)
say "Publisher: correcting story $river_id (roads close from 6pm, not 4pm)"
etag=$("$syndicate" "${publisher[@]}" get "$river_id" | sed -n 's/^ "etag": "\([^"]*\)",\{0,1\}$/\1/p')
corrected_page=examples/corrected/river-festival.txt
show "syndicate convert --source-file=examples/source.json $corrected_page > corrected.json"
"$syndicate" convert --source-file=examples/source.json "$corrected_page" \
  >"$work/corrected.json" 2>"$work/convert.log" || { cat "$work/convert.log" >&2; exit 1; }
correction="An earlier version said roads along the river close from 4pm; they close from 6pm."
show "syndicate --api-key-file=publisher.key publish --etag=$etag --correction=\"$correction\" corrected.json"
"$syndicate" "${publisher[@]}" publish --etag="$etag" --correction="$correction" "$work/corrected.json" \
  >"$work/published.json"
grep -E '^ "outcome"|^  "version"|^  "etag"' "$work/published.json"
version=$(sed -n 's/^  "version": "\([0-9]*\)",$/\1/p' "$work/published.json")

say "Partner: the live stream received a CORRECTED event with version $version"
show_stream $((expected + 1))

kill_id=$(imported_id examples/library-reopens.txt)
say "Publisher: which partners hold story $kill_id, before killing it"
show "syndicate --api-key-file=publisher.key report --article=$kill_id"
# The server writes deliveries to the store within about a second.
for _ in $(seq 1 50); do
  holders=$("$syndicate" "${publisher[@]}" report --article="$kill_id")
  [[ "$holders" != "No deliveries."* ]] && break
  sleep 0.1
done
echo "$holders"
say "Publisher: killing story $kill_id"
show "syndicate --api-key-file=publisher.key withdraw $kill_id --kill --reason=\"Legal: the fundraising figures are disputed\""
"$syndicate" "${publisher[@]}" withdraw "$kill_id" --kill --reason="Legal: the fundraising figures are disputed" \
  >/dev/null

say "Partner: the live stream received the kill as a tombstone"
show_stream $((expected + 2))

say "Partner: getting the killed story: a tombstone (no headline, no body) at every version"
"$syndicate" "${coastline[@]}" get "$kill_id"
show "syndicate --api-key-file=coastline.key get --version=1 $kill_id"
echo "(version 1 asked for; the tombstone answers in place of every version)"
"$syndicate" "${coastline[@]}" get --version=1 "$kill_id" | grep -E '^ "(version|pubstatus|headline|bodyText)"'

say "Partner: catching up by pull, oldest change first, tombstones included"
show "syndicate --api-key-file=coastline.key list --brief --order-by=version_created --show-withdrawn"
"$syndicate" "${coastline[@]}" list --brief --order-by=version_created --show-withdrawn

say "Publisher: the usage report, which partners took which stories (what it bills from)"
echo "(the first delivery of each version to each partner, by whichever came first of get,"
echo " list or stream: coastline-daily's stream got its stories before its gets; the"
echo " tombstone of the kill is not a delivery)"
sleep 1.2  # the last reads' deliveries reach the store within a second
show "syndicate --api-key-file=publisher.key report"
"$syndicate" "${publisher[@]}" report
show "syndicate --api-key-file=publisher.key report --format=csv --partner=harbour-weekly"
"$syndicate" "${publisher[@]}" report --format=csv --partner=harbour-weekly | tr -d '\r'

say "Publisher: harbour-wire's own feed, which the server polls (examples/site/ on a local web server)"
"$build_dir/tools/serve_feeds" "$repo/examples/site" >"$work/site.url" &
site_pid=$!
for _ in $(seq 1 100); do
  [[ -s "$work/site.url" ]] && break
  sleep 0.1
done
feed_url="$(head -n 1 "$work/site.url")harbour-live.rss"
# The same source, now with its feed and a poll interval of 2 s.
sed "0,/{/s||{\n  \"feedUrls\": [\"$feed_url\"],\n  \"feedPollInterval\": \"2s\",|" \
  examples/wire-source.json >"$work/harbour-wire.json"
show "syndicate --api-key-file=publisher.key source put harbour-wire.json   # with \"feedUrls\": [\"$feed_url\"], \"feedPollInterval\": \"2s\""
"$syndicate" "${publisher[@]}" source put "$work/harbour-wire.json" | grep -E '^ "(id|feedUrls|feedPollInterval)"|^  "http'
for _ in $(seq 1 100); do
  "$syndicate" "${harbour[@]}" list --brief | grep -q "Storm warning lifted" && break
  sleep 0.1
done
# The next poll, 2 s after the first, is a conditional GET that the site answers with 304.
for _ in $(seq 1 60); do
  "$syndicate" "${publisher[@]}" source status harbour-wire | grep -q "(HTTP 304)" && break
  sleep 0.1
done
show "syndicate --api-key-file=harbour.key list --brief   # partner harbour-weekly"
"$syndicate" "${harbour[@]}" list --brief
show "syndicate --api-key-file=publisher.key source status harbour-wire"
status=$("$syndicate" "${publisher[@]}" source status harbour-wire)
echo "$status"
if ! grep -q "2 created" <<<"$status"; then
  echo "demo.sh: the server did not import the polled feed's two stories" >&2
  exit 1
fi
kill -TERM "$site_pid"
wait "$site_pid" || true
site_pid=

say "Stopping the partner's stream and syndicated"
kill -TERM "$stream_pid"
wait "$stream_pid"
stream_pid=
events=$(grep -c '^{"event"' "$work/stream.jsonl")
echo "(the stream received $events events and stopped on SIGTERM with exit 0)"
kill -TERM "$server_pid"
wait "$server_pid"
server_pid=
tail -n 2 "$work/server.log"
