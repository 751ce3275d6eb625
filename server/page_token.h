// Opaque AIP-158 page tokens. A token is a serialized PageToken record followed by its
// HMAC-SHA-512-256 tag (libsodium crypto_auth) under a key kept in the store, encoded
// as unpadded base64url (RFC 4648 §5). The tag makes a token that was altered, or issued
// by another store, fail to decode instead of silently listing the wrong page.
#ifndef SYNDICATE_SERVER_PAGE_TOKEN_H_
#define SYNDICATE_SERVER_PAGE_TOKEN_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "server/page_token.pb.h"

namespace syndicate::server {

// Size of the authentication key in bytes (crypto_auth_KEYBYTES).
inline constexpr size_t kPageTokenKeyBytes = 32;
// Name of the store secret (Store::GetOrCreateSecret) that is the key.
inline constexpr char kPageTokenKeyName[] = "page_token_key";

// Largest page_size honoured by the List methods (AIP-158); larger values are lowered to it.
inline constexpr int kMaxPageSize = 500;
// page_size used when the request leaves it 0.
inline constexpr int kDefaultPageSize = 50;

// page_size per AIP-158: 0 means kDefaultPageSize, larger than kMaxPageSize means
// kMaxPageSize. INVALID_ARGUMENT "page_size: … is negative" for a negative one.
absl::StatusOr<int> EffectivePageSize(int32_t page_size);

class PageTokenCodec {
 public:
  // `key` must hold kPageTokenKeyBytes bytes.
  explicit PageTokenCodec(std::string key);

  // Returns the opaque token for `token`.
  std::string Encode(const PageToken& token) const;

  // Returns the record inside `token`. INVALID_ARGUMENT, naming the field "page_token",
  // when it is not base64url, its tag does not verify, it cannot be parsed, it was issued
  // by another method than `method`, or for a filter other than `filter_fingerprint`.
  absl::StatusOr<PageToken> Decode(absl::string_view token, absl::string_view method,
                                   absl::string_view filter_fingerprint) const;

 private:
  std::string key_;
};

// SHA-256 of `filter`'s deterministic serialization: the fingerprint of a List request
// whose page_size and page_token the caller has cleared (and whose repeated filters it has
// put in a canonical order).
std::string FilterFingerprint(const google::protobuf::Message& filter);

}  // namespace syndicate::server

#endif  // SYNDICATE_SERVER_PAGE_TOKEN_H_
