// The bytes a story is hashed and signed over, and the Ed25519 signatures themselves
// (libsodium). Shared by the server, which signs what it stores, and the client library,
// which verifies what it receives, so both compute exactly the same bytes.
#ifndef SYNDICATE_COMMON_ARTICLE_SIGNING_H_
#define SYNDICATE_COMMON_ARTICLE_SIGNING_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "syndication/v1/article.pb.h"

namespace syndicate {

// Length of an Ed25519 seed, public key and signature, in bytes (RFC 8032).
inline constexpr size_t kEd25519SeedBytes = 32;
inline constexpr size_t kEd25519PublicKeyBytes = 32;
inline constexpr size_t kEd25519SignatureBytes = 64;

// The deterministic protobuf serialization of `article` with etag, content_hash, signature
// and delivery (per-delivery, not content) cleared: what content_hash and the service's
// signature cover.
std::string SignedBytes(const syndication::v1::Article& article);

// The deterministic serialization of `article` with every field the service sets cleared
// (id, version, pubstatus, first_created, version_created, corrections, content_hash,
// signature, etag, withdrawal_reason, publisher_signature, delivery): what a publisher signs.
std::string PublisherBytes(const syndication::v1::Article& article);

// PublisherBytes without KIND_IMPORTED provenance hops: two publishes with the same
// fingerprint carry the same story; how a copy reached the service (the file or URL it was
// imported from) is not a change.
std::string ContentFingerprint(const syndication::v1::Article& article);

// "sha256:" and the 64 lowercase hex digits of SHA-256(SignedBytes(article)).
std::string ContentHash(const syndication::v1::Article& article);

// ContentHash of the article whose SignedBytes are `signed_bytes`, for a caller that needs
// those bytes too (to sign or verify them) and so serializes the story once.
std::string ContentHashOfSignedBytes(absl::string_view signed_bytes);

// First 8 bytes, in lowercase hex, of SHA-256 of a 32-byte Ed25519 public key.
std::string KeyId(absl::string_view public_key);

// An Ed25519 key pair made from a 32-byte seed.
class SigningKey {
 public:
  // INVALID_ARGUMENT when `seed` is not kEd25519SeedBytes long.
  static absl::StatusOr<SigningKey> FromSeed(absl::string_view seed);

  const std::string& public_key() const { return public_key_; }
  const std::string& key_id() const { return key_id_; }

  // Signature over `message`, with this key's id.
  syndication::v1::Signature Sign(absl::string_view message) const;

 private:
  SigningKey(std::string public_key, std::string secret_key);

  std::string public_key_;
  std::string secret_key_;  // libsodium's 64-byte form: seed and public key
  std::string key_id_;
};

// OK when `signature` is a valid Ed25519 signature of `message` by `public_key`;
// INVALID_ARGUMENT naming what is wrong otherwise (key or signature length, key id not
// that of the key, signature does not verify).
absl::Status VerifySignature(absl::string_view message, const syndication::v1::Signature& signature,
                             absl::string_view public_key);

// Checks a stored version as a partner received it: content_hash matches SignedBytes, and
// the service signature verifies with `public_key`. INVALID_ARGUMENT saying which check
// failed.
absl::Status VerifyArticle(const syndication::v1::Article& article, absl::string_view public_key);

}  // namespace syndicate

#endif  // SYNDICATE_COMMON_ARTICLE_SIGNING_H_
