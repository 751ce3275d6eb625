#include "server/signing_key_file.h"

#include <sodium.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "server/secret_file.h"

namespace syndicate::server {

absl::StatusOr<SigningKey> LoadOrCreateSigningKey(const std::string& path) {
  if (sodium_init() < 0) return absl::InternalError("libsodium failed to initialize");
  absl::StatusOr<SecretFileContent> content = ReadOrCreateSecretFile(path, "signing key file", [] {
    std::string seed(kEd25519SeedBytes, '\0');
    randombytes_buf(seed.data(), seed.size());
    std::string text = absl::Base64Escape(seed);
    sodium_memzero(seed.data(), seed.size());
    return text;
  });
  if (!content.ok()) return content.status();
  std::string seed;
  if (!absl::Base64Unescape(content->text, &seed) || seed.size() != kEd25519SeedBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "signing key file \"", path, "\": does not hold a base64 32-byte Ed25519 seed"));
  }
  absl::StatusOr<SigningKey> key = SigningKey::FromSeed(seed);
  sodium_memzero(seed.data(), seed.size());
  return key;
}

}  // namespace syndicate::server
