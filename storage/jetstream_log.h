// The log of committed changes (LogEntry, records.proto) kept in a NATS JetStream stream
// instead of a store's own feed: the replicated log of issue 9 (DESIGN.md, "Beyond one
// machine"). A writer appends entries; every replica reads them in order and applies each
// to its own store (Store::ApplyLogEntry), so the stream sequence is the feed sequence and
// a cursor is valid on every replica.
//
// Layout: one stream (file storage, `replicas` copies) whose subjects are
// "<stream>.entry.<article id>", one subject per story, so that JetStream can check a
// writer's expected last sequence per story. Each message is one serialized LogEntry whose
// event.sequence is left 0: the stream sequence is its position. Its message id (the
// Nats-Msg-Id header) is "<article id>.<version>", so an append repeated within the
// stream's duplicate window (JetStream's default, 2 minutes) is stored once.
//
// Thread-safe. libnats is NATS's own C client (Debian libnats-dev).
#ifndef SYNDICATE_STORAGE_JETSTREAM_LOG_H_
#define SYNDICATE_STORAGE_JETSTREAM_LOG_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
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
};

class JetStreamLog {
 public:
  // Connects and creates the stream when it does not exist. INVALID_ARGUMENT for no URL, a
  // bad stream name or replicas outside 1-5; UNAVAILABLE when no server answers, or the
  // cluster cannot place the stream, within the timeout.
  static absl::StatusOr<std::unique_ptr<JetStreamLog>> Connect(const JetStreamLogOptions& options);

  ~JetStreamLog();
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
  //  - ABORTED when `expected_last` is not the story's last sequence: read the log up to
  //    its end, decide again and append again.
  //  - INVALID_ARGUMENT when the entry has no version id.
  //  - UNAVAILABLE when JetStream does not acknowledge it within the timeout (it may still
  //    have been stored: appending the same entry again is deduplicated by its message
  //    id within the duplicate window).
  absl::StatusOr<uint64_t> Append(const LogEntry& entry, uint64_t expected_last);

  // The entries the stream holds after `after`, in order, up to `limit`, each with its
  // event.sequence set to its stream sequence; waits up to `wait` for the first when there
  // is none yet. A sequence the stream no longer holds (purged, deleted, or past its
  // retention) is skipped, as JetStream's consumers skip it: the caller sees the gap in the
  // sequences (Store::ApplyLogEntry refuses it). INVALID_ARGUMENT when limit is not
  // positive; DATA_LOSS when a message is not a LogEntry; UNAVAILABLE as for Append.
  absl::StatusOr<std::vector<LogEntry>> Read(uint64_t after, int limit, absl::Duration wait);

  // The stream sequence of the last entry stored; 0 when there is none.
  absl::StatusOr<uint64_t> LastSequence();

 private:
  struct Handles;
  JetStreamLog(std::unique_ptr<Handles> handles, JetStreamLogOptions options, std::string epoch);

  const std::unique_ptr<Handles> handles_;
  const JetStreamLogOptions options_;
  const std::string epoch_;
};

}  // namespace syndicate::storage

#endif  // SYNDICATE_STORAGE_JETSTREAM_LOG_H_
