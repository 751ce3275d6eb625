// Authentication: API keys, their secrets' format, and the in-memory view of every key and
// partner that each call is checked against.
//
// A key's secret is "sk_" + key_id + "_" + 43 base64url characters: key_id is 16 lowercase
// hex digits (64 random bits, public: it names the key in lists and logs), the rest 32
// random bytes (256 bits) from libsodium's randombytes_buf, unpadded base64url. The store
// keeps only BLAKE2b-256 (crypto_generichash) of those 32 bytes; a presented secret is
// hashed and compared with sodium_memcmp (constant time). A plain hash, not a password hash,
// is enough: the secret is 256 random bits, not something a person chose.
//
// AccessControl holds every key and partner in memory (they are few), loaded from the store
// at start and updated by AdminCore after each write, so a revocation or a change of
// entitlements applies to the next call at once; open streams are told through the change
// listener.
#ifndef SYNDICATE_SERVER_ACCESS_H_
#define SYNDICATE_SERVER_ACCESS_H_

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/authz.h"
#include "storage/records.pb.h"
#include "storage/store.h"

namespace syndicate::server {

// Length of a key id in hex digits, and of a secret's random part in bytes.
inline constexpr size_t kKeyIdLength = 16;
inline constexpr size_t kSecretBytes = 32;

// A freshly made key: what to show once, and what to store.
struct NewSecret {
  std::string key_id;
  // "sk_<key_id>_<base64url>", shown to the caller once.
  std::string secret;
  // crypto_generichash of the random part; stored in ApiKeyRecord.secret_hash.
  std::string secret_hash;
};

// A new key id and secret from libsodium's CSPRNG.
NewSecret MakeSecret();

// A secret taken apart.
struct ParsedSecret {
  std::string key_id;
  // crypto_generichash of the random part.
  std::string secret_hash;
};

// Parses "sk_<16 hex>_<43 base64url>". INVALID_ARGUMENT naming `field_path` otherwise
// (the message never repeats the secret).
absl::StatusOr<ParsedSecret> ParseSecret(absl::string_view secret, absl::string_view field_path);

// True for 16 lowercase hex digits.
bool IsKeyId(absl::string_view key_id);

// Thread-safe.
class AccessControl {
 public:
  // Loads every key and partner of `store` (not owned; must outlive this). Errors of the
  // store's reads.
  static absl::StatusOr<std::unique_ptr<AccessControl>> Load(const storage::Store* store);

  // Authenticates the value of a call's `authorization` metadata (nullopt when absent).
  // UNAUTHENTICATED when it is absent, not "Bearer <secret>", names no key, has the wrong
  // secret, or the key is revoked, or its partner is gone.
  absl::StatusOr<Principal> Authenticate(std::optional<absl::string_view> authorization) const;

  // The principal of key `key_id` now; UNAUTHENTICATED as Authenticate when it no longer
  // authenticates. For open streams, which re-check after every change.
  absl::StatusOr<Principal> Resolve(absl::string_view key_id) const;

  // The stored record of a key; nullopt when there is none.
  std::optional<storage::ApiKeyRecord> FindKey(absl::string_view key_id) const;
  // Every key, in key_id order.
  std::vector<storage::ApiKeyRecord> Keys() const;

  // Record what the store now holds (call after the store write succeeded).
  void PutKey(const storage::ApiKeyRecord& record);
  void PutPartner(const syndication::v1::Partner& partner);
  void RemovePartner(absl::string_view partner_id);

  // Called, on the writing thread, after each Put/Remove above; must be quick. Set before
  // serving; an empty function removes it.
  void SetChangeListener(std::function<void()> listener);

 private:
  absl::StatusOr<Principal> ResolveLocked(absl::string_view key_id) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Changed();

  mutable std::mutex mu_;
  absl::flat_hash_map<std::string, storage::ApiKeyRecord> keys_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, syndication::v1::Partner> partners_ ABSL_GUARDED_BY(mu_);
  std::mutex listener_mu_;
  std::function<void()> listener_ ABSL_GUARDED_BY(listener_mu_);
};

}  // namespace syndicate::server

#endif  // SYNDICATE_SERVER_ACCESS_H_
