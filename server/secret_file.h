// Files that hold one secret on a line (the signing key, the first admin key), readable by
// their owner only, created on first use.
#ifndef SYNDICATE_SERVER_SECRET_FILE_H_
#define SYNDICATE_SERVER_SECRET_FILE_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace syndicate::server {

struct SecretFileContent {
  // The file's content without surrounding whitespace.
  std::string text;
  // True when this call created the file.
  bool created = false;
};

// Reads the file at `path`, or, when there is none, creates it with mode 0600 holding
// make_content() and a newline (never replacing a file that appears meanwhile: that one is
// read). `what` names the file in messages, e.g. "signing key file". UNAVAILABLE when it
// cannot be read or created; FAILED_PRECONDITION when group or others may read it.
absl::StatusOr<SecretFileContent> ReadOrCreateSecretFile(
    const std::string& path, absl::string_view what,
    const std::function<std::string()>& make_content);

}  // namespace syndicate::server

#endif  // SYNDICATE_SERVER_SECRET_FILE_H_
