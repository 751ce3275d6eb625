// The service's signing key on disk: a file holding a 32-byte Ed25519 seed in base64
// (RFC 4648 §4) and a newline, readable by its owner only.
#ifndef SYNDICATE_SERVER_SIGNING_KEY_FILE_H_
#define SYNDICATE_SERVER_SIGNING_KEY_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "common/article_signing.h"

namespace syndicate::server {

// Reads the key at `path`, or, when there is no file there, creates one with a random seed
// and mode 0600 (never replacing a file that appears meanwhile). INVALID_ARGUMENT when the
// file does not hold a base64 32-byte seed; UNAVAILABLE when it cannot be read or created;
// FAILED_PRECONDITION when group or others may read it (chmod 600 it).
absl::StatusOr<SigningKey> LoadOrCreateSigningKey(const std::string& path);

}  // namespace syndicate::server

#endif  // SYNDICATE_SERVER_SIGNING_KEY_FILE_H_
