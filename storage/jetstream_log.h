// The log of committed changes (LogEntry, records.proto) kept in a NATS JetStream stream
// instead of a store's own feed: the replicated log of issue 9 (DESIGN.md, "Beyond one
// machine"). A writer appends entries; every replica reads them in order and applies each
// to its own store (Store::ApplyLogEntry), so the stream sequence is the feed sequence and
// a cursor is valid on every replica.
//
// Layout: one stream (file storage, `replicas` copies) whose subjects are
// "<stream>.story.<32 hex digits>", one subject per story: a hash of its source_id and
// external_id, which every version of a story keeps (its id would not do: two writers
// creating the same story pick different ids). So JetStream checks a writer's expected
// last sequence per story, creation included. Each message is one serialized LogEntry
// whose event.sequence is left 0: the stream sequence is its position. Its message id (the
// Nats-Msg-Id header) is "<article id>.<version>", so the same entry appended again within
// the stream's duplicate window (JetStream's default, 2 minutes) is stored once.
//
// Beside it, two streams that take no sequence of the log and are kept whole: shared
// secrets (CommitLog::SharedSecret) in "<stream>_SECRETS", one subject per secret, and the
// changes to sources, partners and keys (SharedChange, CommitLog::AppendShared) in
// "<stream>_ADMIN", in the order replicas apply them.
//
// Thread-safe. libnats is NATS's own C client (Debian libnats-dev).
#ifndef SYNDICATE_STORAGE_JETSTREAM_LOG_H_
#define SYNDICATE_STORAGE_JETSTREAM_LOG_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "storage/commit_log.h"
#include "storage/records.pb.h"

namespace syndicate::storage {

struct JetStreamLogOptions {
  // Server URLs ("nats://HOST:PORT"); the client fails over between them. Required.
  std::vector<std::string> urls;
  // The stream's name (JetStream: letters, digits, "-" and "_"). Created when missing,
  // with file storage and `replicas` copies.
  std::string stream = "SYNDICATE";
  // Copies JetStream keeps of each entry: 3 in a cluster of three or more servers (an
  // append is acknowledged once a majority stored it), 1 for a single server.
  int replicas = 1;
  // How long a request to JetStream (an append, a read, the stream's creation) may take
  // before it fails with UNAVAILABLE.
  absl::Duration timeout = absl::Seconds(5);
  // How long Connect keeps trying to find or create the streams, when longer than
  // `timeout`: a cluster that has just started answers nothing until it has elected its
  // JetStream leader.
  absl::Duration connect_timeout = absl::ZeroDuration();
  // A NATS credentials file (a user JWT and its NKey seed) to connect with; empty: none.
  std::string credentials_file;
  // The stream's retention, set when this Connect creates it (an existing stream keeps its
  // own): entries older than max_age, and all but the newest max_entries, are removed.
  // Unset: kept for ever. As syndicated's --feed-retention-age and --feed-retention-events.
  std::optional<absl::Duration> max_age;
  std::optional<uint64_t> max_entries;
};

class JetStreamLog final : public CommitLog {
 public:
  // Connects and creates the stream when it does not exist. INVALID_ARGUMENT for no URL, a
  // bad stream name (one ending in "_ADMIN" or "_SECRETS" too: another log's streams), replicas
  // outside 1-5 or a timeout outside 1 ms-1 h; FAILED_PRECONDITION when the stream exists with
  // another number of replicas; UNAVAILABLE when no server answers, or the cluster cannot place the
  // stream, within the timeout.
  static absl::StatusOr<std::unique_ptr<JetStreamLog>> Connect(const JetStreamLogOptions& options);

  ~JetStreamLog() override;
  JetStreamLog(const JetStreamLog&) = delete;
  JetStreamLog& operator=(const JetStreamLog&) = delete;

  // The stream's identity as a feed epoch (16 lowercase hex digits, StoreOptions::
  // feed_epoch): a hash of its name and creation time, so a stream deleted and made again
  // is another epoch and old cursors are refused.
  const std::string& epoch() const { return epoch_; }

  // Appends `entry` and returns the stream sequence it was stored at, once JetStream has
  // stored it (on a majority of the replicas). `expected_last` is the stream sequence of
  // the story's last entry the writer decided on, 0 when the story has none: JetStream
  // refuses the append when another writer appended for the story since. Errors:
  //  - ABORTED when `expected_last` is not the story's last sequence, or another entry
  //    with the same article id and version is already stored: read the log up to its
  //    end, decide again and append again.
  //  - INVALID_ARGUMENT when entry.version.id is not 32 lowercase hex digits, or the entry
  //    is larger than the servers' max_payload (1 MiB unless configured).
  //  - UNAVAILABLE when JetStream does not acknowledge it within the timeout (it may still
  //    have been stored: the very same entry appended again within the duplicate window
  //    returns the first append's sequence).
  absl::StatusOr<uint64_t> Append(const LogEntry& entry, uint64_t expected_last) override;

  // The stream sequence of the story's last entry; 0 when the stream holds none. Errors as
  // LastSequence's.
  absl::StatusOr<uint64_t> LastStorySequence(absl::string_view source_id,
                                             absl::string_view external_id) override;

  // CommitLog::SharedSecret: the first caller's random bytes, appended to the secrets stream
  // only when its subject has no entry (so two first callers agree on one), then read back.
  // INVALID_ARGUMENT when name is empty or not letters, digits, "-" and "_", or size_bytes is
  // 0; FAILED_PRECONDITION when the stored secret has another size; UNAVAILABLE as Append.
  absl::StatusOr<std::string> SharedSecret(absl::string_view name, size_t size_bytes) override;

  // CommitLog::AppendShared: appends to "<stream>_ADMIN" and returns its sequence there.
  absl::StatusOr<uint64_t> AppendShared(const SharedChange& change) override;

  // The shared changes after `after`, in order, with their sequences, as Read (a gap
  // is not an error here: the replica applies every change the stream holds).
  absl::StatusOr<std::vector<std::pair<uint64_t, SharedChange>>> ReadShared(uint64_t after,
                                                                            int limit,
                                                                            absl::Duration wait);

  // The sequence of the last shared change; 0 when there is none. Errors as Read's.
  absl::StatusOr<uint64_t> LastSharedSequence();

  // The entries the stream holds after `after`, in order, up to `limit`, each with its
  // event.sequence set to its stream sequence; waits up to `wait` for the first when there
  // is none yet. A sequence the stream no longer holds (purged, deleted, or past its
  // retention) is skipped, as JetStream's consumers skip it: the caller sees the gap in the
  // sequences (Store::ApplyLogEntry refuses it). INVALID_ARGUMENT when limit is not
  // positive; DATA_LOSS when a message is not a LogEntry; FAILED_PRECONDITION when the
  // stream was deleted, or deleted and created again (another epoch: the caller's
  // positions mean nothing in it), since Connect; UNAVAILABLE as for Append.
  absl::StatusOr<std::vector<LogEntry>> Read(uint64_t after, int limit, absl::Duration wait);

  // The stream sequence of the last entry stored; 0 when there is none. Errors as Read's.
  absl::StatusOr<uint64_t> LastSequence() override;

 private:
  struct Handles;
  struct StreamState {
    uint64_t first = 0;  // the oldest sequence the stream holds
    uint64_t last = 0;
    int64_t created = 0;  // nanoseconds since the Unix epoch
  };
  JetStreamLog(std::unique_ptr<Handles> handles, JetStreamLogOptions options, std::string epoch,
               int64_t created);

  // The stream's sequences; FAILED_PRECONDITION when it is not the stream Connect found.
  absl::StatusOr<StreamState> State();
  // The same of "<stream>_ADMIN".
  absl::StatusOr<StreamState> SharedState();
  // Reads the messages of `stream` after `after`, up to `limit`, passing each to `take`,
  // waiting up to `wait` for the first; `state_of` gives the stream's bounds.
  absl::Status ReadStream(
      const std::string& stream, uint64_t after, int limit, absl::Duration wait,
      const std::function<absl::StatusOr<StreamState>()>& state_of,
      const std::function<absl::Status(uint64_t sequence, absl::string_view data)>& take);
  std::string StorySubject(absl::string_view source_id, absl::string_view external_id) const;

  const std::unique_ptr<Handles> handles_;
  const JetStreamLogOptions options_;
  const std::string epoch_;
  const int64_t created_;  // the stream's creation time when Connect found it
};

}  // namespace syndicate::storage

#endif  // SYNDICATE_STORAGE_JETSTREAM_LOG_H_
