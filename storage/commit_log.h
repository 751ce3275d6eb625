// Where a store's commits go when the store is one replica of several (issue 9; DESIGN.md,
// "Beyond one machine"): a log shared by every replica, the truth of which each store is a
// view. A store opened with a CommitLog (StoreOptions::log) decides each commit on its own
// view, appends the entry to the log, and acknowledges it once it has applied the entry
// back from the log (a LogFollower does that, as for every other entry). Without one, the
// store's own feed is the log: a commit appends and applies in one WriteBatch (the embedded
// mode, the default).
//
// JetStreamLog (storage/jetstream_log.h) is the implementation; tests may supply others.
#ifndef SYNDICATE_STORAGE_COMMIT_LOG_H_
#define SYNDICATE_STORAGE_COMMIT_LOG_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/records.pb.h"

namespace syndicate::storage {

class CommitLog {
 public:
  virtual ~CommitLog() = default;

  // The log's sequence of the last entry it holds for the story (source_id, external_id):
  // what Append's `expected_last` must be for an entry decided after it. 0 when it holds
  // none (a new story, or one whose entries retention or a purge removed). UNAVAILABLE when
  // the log does not answer; FAILED_PRECONDITION when it is not the log it was (deleted, or
  // made again).
  virtual absl::StatusOr<uint64_t> LastStorySequence(absl::string_view source_id,
                                                     absl::string_view external_id) = 0;

  // The sequence of the last entry the log holds; 0 when it holds none. Errors as
  // LastStorySequence's.
  virtual absl::StatusOr<uint64_t> LastSequence() = 0;

  // Appends `entry` (its event.sequence is ignored) and returns the sequence it was stored
  // at, once the log has stored it durably. ABORTED when the story's last entry is no longer
  // `expected_last` (another replica appended for it first): read again, decide again.
  // INVALID_ARGUMENT for an entry the log cannot hold; UNAVAILABLE when the log did not
  // answer in time (the entry may still have been stored).
  virtual absl::StatusOr<uint64_t> Append(const LogEntry& entry, uint64_t expected_last) = 0;

  // A random secret of `size_bytes` bytes named `name`, the same for every store of the log:
  // made by the first caller, read by the others (Store::GetOrCreateSecret, e.g. the key of
  // page tokens, which a partner may take from one replica to another). FAILED_PRECONDITION
  // when the log holds the secret with another size; UNAVAILABLE as for Append.
  virtual absl::StatusOr<std::string> SharedSecret(absl::string_view name, size_t size_bytes) = 0;

  // Appends a change to the state every replica shares besides the stories (a source, a
  // partner, a key: SharedChange), and returns its sequence among those changes, once the
  // log has stored it durably. Replicas apply them in that order
  // (Store::ApplySharedChange). UNAVAILABLE as for Append.
  virtual absl::StatusOr<uint64_t> AppendShared(const SharedChange& change) = 0;
};

}  // namespace syndicate::storage

#endif  // SYNDICATE_STORAGE_COMMIT_LOG_H_
