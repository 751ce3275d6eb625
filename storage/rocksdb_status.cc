#include "storage/rocksdb_status.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "storage/absl_compat.h"

namespace syndicate::storage {

absl::Status FromRocksDb(const rocksdb::Status& status, std::string_view doing) {
  if (status.ok()) return absl::OkStatus();
  absl::StatusCode code = absl::StatusCode::kInternal;
  if (status.IsNotFound()) {
    code = absl::StatusCode::kNotFound;
  } else if (status.IsCorruption()) {
    code = absl::StatusCode::kDataLoss;
  } else if (status.IsBusy() || status.IsTryAgain()) {
    code = absl::StatusCode::kAborted;
  } else if (status.IsIOError()) {
    code = absl::StatusCode::kUnavailable;
  }
  return {code, absl::StrCat(AbslView(doing), ": ", status.ToString())};
}

}  // namespace syndicate::storage
