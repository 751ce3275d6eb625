// The one mapping from rocksdb::Status to absl::Status. Internal to storage/.
#ifndef SYNDICATE_STORAGE_ROCKSDB_STATUS_H_
#define SYNDICATE_STORAGE_ROCKSDB_STATUS_H_

#include <string_view>

#include "absl/status/status.h"
#include "rocksdb/status.h"

namespace syndicate::storage {

// OK for OK; otherwise NotFound → NOT_FOUND, Corruption → DATA_LOSS, Busy / TryAgain →
// ABORTED, IOError → UNAVAILABLE, anything else → INTERNAL. The message is
// "<doing>: <rocksdb's message>", so `doing` says what the store was attempting,
// e.g. "reading article 0123…".
absl::Status FromRocksDb(const rocksdb::Status& status, std::string_view doing);

}  // namespace syndicate::storage

#endif  // SYNDICATE_STORAGE_ROCKSDB_STATUS_H_
