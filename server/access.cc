#include "server/access.h"

#include <sodium.h>

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"

namespace syndicate::server {
namespace {

constexpr absl::string_view kSecretPrefix = "sk_";
constexpr absl::string_view kBearer = "Bearer ";

std::string HashSecretBytes(absl::string_view bytes) {
  std::string hash(crypto_generichash_BYTES, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(hash.data()), hash.size(),
                     reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), nullptr,
                     0);
  return hash;
}

absl::Status Unauthenticated(absl::string_view why) {
  return absl::UnauthenticatedError(
      absl::StrCat("authorization: ", why, "; send `authorization: Bearer sk_…` with an API key"));
}

}  // namespace

bool IsKeyId(absl::string_view key_id) {
  return key_id.size() == kKeyIdLength && std::all_of(key_id.begin(), key_id.end(), [](char c) {
           return absl::ascii_isdigit(c) || (c >= 'a' && c <= 'f');
         });
}

NewSecret MakeSecret() {
  unsigned char id_bytes[kKeyIdLength / 2];
  randombytes_buf(id_bytes, sizeof(id_bytes));
  std::string random(kSecretBytes, '\0');
  randombytes_buf(random.data(), random.size());
  NewSecret made;
  made.key_id = absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(id_bytes), sizeof(id_bytes)));
  made.secret = absl::StrCat(kSecretPrefix, made.key_id, "_", absl::WebSafeBase64Escape(random));
  made.secret_hash = HashSecretBytes(random);
  sodium_memzero(random.data(), random.size());
  return made;
}

absl::StatusOr<ParsedSecret> ParseSecret(absl::string_view secret, absl::string_view field_path) {
  const auto bad = [&] {
    return absl::InvalidArgumentError(absl::StrCat(
        field_path,
        ": is not an API key (\"sk_\", 16 hex digits, \"_\", 43 base64url characters)"));
  };
  if (!absl::ConsumePrefix(&secret, kSecretPrefix) || secret.size() <= kKeyIdLength ||
      secret[kKeyIdLength] != '_') {
    return bad();
  }
  ParsedSecret parsed;
  parsed.key_id = std::string(secret.substr(0, kKeyIdLength));
  if (!IsKeyId(parsed.key_id)) return bad();
  const absl::string_view encoded = secret.substr(kKeyIdLength + 1);
  std::string random;
  // Only the canonical unpadded text is accepted, so one key has one spelling.
  if (!absl::WebSafeBase64Unescape(encoded, &random) || random.size() != kSecretBytes ||
      absl::WebSafeBase64Escape(random) != encoded) {
    return bad();
  }
  parsed.secret_hash = HashSecretBytes(random);
  sodium_memzero(random.data(), random.size());
  return parsed;
}

absl::StatusOr<std::unique_ptr<AccessControl>> AccessControl::Load(const storage::Store* store) {
  if (sodium_init() < 0) return absl::InternalError("libsodium failed to initialize");
  auto access = std::unique_ptr<AccessControl>(new AccessControl());
  SYNDICATE_ASSIGN_OR_RETURN(std::vector<storage::ApiKeyRecord> keys, store->ListApiKeys());
  std::string after;
  std::vector<syndication::v1::Partner> partners;
  while (true) {
    SYNDICATE_ASSIGN_OR_RETURN(std::vector<syndication::v1::Partner> page,
                               store->ListPartners(after, 500));
    if (page.empty()) break;
    after = page.back().id();
    for (auto& partner : page) partners.push_back(std::move(partner));
  }
  std::lock_guard<std::mutex> lock(access->mu_);
  for (auto& key : keys) access->keys_[key.key().key_id()] = std::move(key);
  for (auto& partner : partners) access->partners_[partner.id()] = std::move(partner);
  return access;
}

absl::StatusOr<Principal> AccessControl::Authenticate(
    std::optional<absl::string_view> authorization) const {
  if (!authorization.has_value()) return Unauthenticated("is missing");
  absl::string_view value = *authorization;
  if (!absl::ConsumePrefix(&value, kBearer)) return Unauthenticated("is not \"Bearer <key>\"");
  value = absl::StripAsciiWhitespace(value);
  absl::StatusOr<ParsedSecret> parsed = ParseSecret(value, "authorization");
  if (!parsed.ok()) return Unauthenticated("the bearer value is not an API key");
  std::lock_guard<std::mutex> lock(mu_);
  auto it = keys_.find(parsed->key_id);
  // An unknown id and a wrong secret read the same, so ids cannot be probed.
  if (it == keys_.end() || it->second.secret_hash().size() != parsed->secret_hash.size() ||
      sodium_memcmp(it->second.secret_hash().data(), parsed->secret_hash.data(),
                    parsed->secret_hash.size()) != 0) {
    return Unauthenticated("unknown API key");
  }
  return ResolveLocked(parsed->key_id);
}

absl::StatusOr<Principal> AccessControl::Resolve(absl::string_view key_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  return ResolveLocked(key_id);
}

absl::StatusOr<Principal> AccessControl::ResolveLocked(absl::string_view key_id) const {
  auto it = keys_.find(key_id);
  if (it == keys_.end()) return Unauthenticated("unknown API key");
  const syndication::v1::ApiKey& key = it->second.key();
  if (key.has_revoke_time()) {
    return Unauthenticated(absl::StrCat("API key ", key.key_id(), " was revoked"));
  }
  Principal principal;
  principal.role = key.role();
  principal.key_id = key.key_id();
  switch (key.role()) {
    case syndication::v1::ROLE_ADMIN:
      break;
    case syndication::v1::ROLE_PUBLISHER:
      principal.source_ids.insert(key.source_ids().begin(), key.source_ids().end());
      break;
    case syndication::v1::ROLE_PARTNER: {
      auto partner = partners_.find(key.partner_id());
      if (partner == partners_.end()) {
        return Unauthenticated(absl::StrCat("the partner of API key ", key.key_id(), " is gone"));
      }
      principal.partner_id = key.partner_id();
      principal.source_ids.insert(partner->second.entitled_source_ids().begin(),
                                  partner->second.entitled_source_ids().end());
      for (const std::string& language : partner->second.languages()) {
        principal.languages.insert(absl::AsciiStrToLower(language));
      }
      if (partner->second.search_directive() != syndication::v1::SEARCH_DIRECTIVE_UNSPECIFIED) {
        principal.search_directive = partner->second.search_directive();
      }
      principal.max_streams = partner->second.max_streams();
      break;
    }
    default:
      return Unauthenticated(absl::StrCat("API key ", key.key_id(), " has no role"));
  }
  return principal;
}

std::optional<storage::ApiKeyRecord> AccessControl::FindKey(absl::string_view key_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = keys_.find(key_id);
  if (it == keys_.end()) return std::nullopt;
  return it->second;
}

std::vector<storage::ApiKeyRecord> AccessControl::Keys() const {
  std::vector<storage::ApiKeyRecord> keys;
  {
    std::lock_guard<std::mutex> lock(mu_);
    keys.reserve(keys_.size());
    for (const auto& [id, record] : keys_) keys.push_back(record);
  }
  std::sort(keys.begin(), keys.end(),
            [](const auto& a, const auto& b) { return a.key().key_id() < b.key().key_id(); });
  return keys;
}

void AccessControl::PutKey(const storage::ApiKeyRecord& record) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    keys_[record.key().key_id()] = record;
  }
  Changed();
}

void AccessControl::PutPartner(const syndication::v1::Partner& partner) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    partners_[partner.id()] = partner;
  }
  Changed();
}

void AccessControl::RemovePartner(absl::string_view partner_id) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    partners_.erase(partner_id);
  }
  Changed();
}

void AccessControl::SetChangeListener(std::function<void()> listener) {
  std::lock_guard<std::mutex> lock(listener_mu_);
  listener_ = std::move(listener);
}

void AccessControl::Changed() {
  std::lock_guard<std::mutex> lock(listener_mu_);
  if (listener_) listener_();
}

}  // namespace syndicate::server
