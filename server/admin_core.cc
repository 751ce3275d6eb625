#include "server/admin_core.h"

#include <sodium.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/timestamps.h"
#include "common/utf8.h"
#include "server/validation.h"

namespace syndicate::server {
namespace {

using syndication::v1::ApiKey;
using syndication::v1::Partner;

constexpr size_t kMaxDisplayNameBytes = 200;

absl::Status ValidateDisplayName(absl::string_view name, absl::string_view field_path,
                                 bool required) {
  if (name.size() > kMaxDisplayNameBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(field_path, ": is ", name.size(), " bytes; at most ", kMaxDisplayNameBytes));
  }
  if (FindControlCharacter(std::string(name), false).has_value()) {
    return absl::InvalidArgumentError(absl::StrCat(field_path, ": holds a control character"));
  }
  if (required && IsBlankText(std::string(name))) {
    return absl::InvalidArgumentError(absl::StrCat(field_path, ": is required"));
  }
  return absl::OkStatus();
}

absl::Status NoPartner(absl::string_view field_path, absl::string_view id) {
  return absl::NotFoundError(
      absl::StrCat(field_path, ": no partner has id ", QuoteForMessage(std::string(id))));
}

// The paths UpdatePartner may name.
const char* const kUpdatablePartnerFields[] = {"display_name", "entitled_source_ids", "languages",
                                               "search_directive", "max_streams"};

}  // namespace

absl::StatusOr<std::unique_ptr<AdminCore>> AdminCore::Create(storage::Store* store,
                                                             AccessControl* access, Clock clock) {
  if (sodium_init() < 0) return absl::InternalError("libsodium failed to initialize");
  SYNDICATE_ASSIGN_OR_RETURN(std::string key,
                             store->GetOrCreateSecret(kPageTokenKeyName, kPageTokenKeyBytes));
  return std::unique_ptr<AdminCore>(
      new AdminCore(store, access, std::move(clock), PageTokenCodec(std::move(key))));
}

absl::Status AdminCore::CheckKnownSources(
    const google::protobuf::RepeatedPtrField<std::string>& source_ids,
    absl::string_view field_path) const {
  absl::flat_hash_set<std::string> seen;
  for (int i = 0; i < source_ids.size(); ++i) {
    const std::string& id = source_ids[i];
    const std::string path = absl::StrCat(field_path, "[", i, "]");
    SYNDICATE_RETURN_IF_ERROR(ValidateSourceId(id, path));
    if (!seen.insert(id).second) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": \"", id, "\" is listed twice"));
    }
    absl::StatusOr<syndication::v1::Source> source = store_->GetSource(id);
    if (absl::IsNotFound(source.status())) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": \"", id, "\" is not a known source"));
    }
    SYNDICATE_RETURN_IF_ERROR(source.status());
  }
  return absl::OkStatus();
}

absl::Status AdminCore::ValidatePartner(Partner* partner) const {
  SYNDICATE_RETURN_IF_ERROR(ValidatePartnerId(partner->id(), "partner.id"));
  SYNDICATE_RETURN_IF_ERROR(
      ValidateDisplayName(partner->display_name(), "partner.display_name", true));
  SYNDICATE_RETURN_IF_ERROR(
      CheckKnownSources(partner->entitled_source_ids(), "partner.entitled_source_ids"));
  for (int i = 0; i < partner->languages_size(); ++i) {
    const std::string path = absl::StrCat("partner.languages[", i, "]");
    if (partner->languages(i).empty()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": is empty"));
    }
    SYNDICATE_RETURN_IF_ERROR(ValidateOptionalLanguageTag(partner->languages(i), path));
  }
  if (!syndication::v1::SearchDirective_IsValid(partner->search_directive())) {
    return absl::InvalidArgumentError(
        absl::StrCat("partner.search_directive: ", partner->search_directive(),
                     " is not NOINDEX (1), CANONICAL (2) or NONE (3)"));
  }
  if (partner->search_directive() == syndication::v1::SEARCH_DIRECTIVE_UNSPECIFIED) {
    partner->set_search_directive(syndication::v1::SEARCH_DIRECTIVE_NOINDEX);
  }
  if (partner->max_streams() < 0) {
    return absl::InvalidArgumentError(absl::StrCat("partner.max_streams: ", partner->max_streams(),
                                                   " is negative; use 0 for no cap"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Partner> AdminCore::CreatePartner(
    const Principal& caller, const syndication::v1::CreatePartnerRequest& request) {
  SYNDICATE_RETURN_IF_ERROR(RequireAdmin(caller, "CreatePartner"));
  Partner partner = request.partner();
  partner.clear_create_time();
  partner.clear_update_time();
  SYNDICATE_RETURN_IF_ERROR(ValidatePartner(&partner));
  std::lock_guard<std::mutex> lock(write_mu_);
  absl::StatusOr<Partner> existing = store_->GetPartner(partner.id());
  if (existing.ok()) {
    return absl::AlreadyExistsError(
        absl::StrCat("partner.id: a partner with id \"", partner.id(), "\" exists"));
  }
  if (!absl::IsNotFound(existing.status())) return existing.status();
  SYNDICATE_ASSIGN_OR_RETURN(const bool retired, store_->PartnerIdRetired(partner.id()));
  if (retired) {
    return absl::AlreadyExistsError(absl::StrCat(
        "partner.id: \"", partner.id(),
        "\" belonged to a deleted partner; ids are not reused, so that the usage report keeps "
        "the two apart"));
  }
  *partner.mutable_create_time() = ToTimestamp(clock_());
  *partner.mutable_update_time() = partner.create_time();
  SYNDICATE_RETURN_IF_ERROR(store_->PutPartner(partner));
  access_->PutPartner(partner);
  return partner;
}

absl::StatusOr<Partner> AdminCore::GetPartner(
    const Principal& caller, const syndication::v1::GetPartnerRequest& request) const {
  SYNDICATE_RETURN_IF_ERROR(RequireAdmin(caller, "GetPartner"));
  SYNDICATE_RETURN_IF_ERROR(ValidatePartnerId(request.id(), "id"));
  absl::StatusOr<Partner> partner = store_->GetPartner(request.id());
  if (absl::IsNotFound(partner.status())) return NoPartner("id", request.id());
  return partner;
}

absl::StatusOr<syndication::v1::ListPartnersResponse> AdminCore::ListPartners(
    const Principal& caller, const syndication::v1::ListPartnersRequest& request) const {
  SYNDICATE_RETURN_IF_ERROR(RequireAdmin(caller, "ListPartners"));
  SYNDICATE_ASSIGN_OR_RETURN(const int page_size, EffectivePageSize(request.page_size()));
  const std::string fingerprint = FilterFingerprint(syndication::v1::ListPartnersRequest());
  std::string after_id;
  if (!request.page_token().empty()) {
    SYNDICATE_ASSIGN_OR_RETURN(
        PageToken token, page_tokens_.Decode(request.page_token(), "ListPartners", fingerprint));
    after_id = token.source_id();
  }
  SYNDICATE_ASSIGN_OR_RETURN(std::vector<Partner> partners,
                             store_->ListPartners(after_id, page_size + 1));
  syndication::v1::ListPartnersResponse response;
  const bool more = static_cast<int>(partners.size()) > page_size;
  if (more) partners.resize(page_size);
  for (Partner& partner : partners) *response.add_partners() = std::move(partner);
  if (more) {
    PageToken token;
    token.set_method("ListPartners");
    token.set_filter_fingerprint(fingerprint);
    token.set_source_id(response.partners(response.partners_size() - 1).id());
    response.set_next_page_token(page_tokens_.Encode(token));
  }
  return response;
}

absl::StatusOr<Partner> AdminCore::UpdatePartner(
    const Principal& caller, const syndication::v1::UpdatePartnerRequest& request) {
  SYNDICATE_RETURN_IF_ERROR(RequireAdmin(caller, "UpdatePartner"));
  SYNDICATE_RETURN_IF_ERROR(ValidatePartnerId(request.partner().id(), "partner.id"));
  std::vector<std::string> paths(request.update_mask().paths().begin(),
                                 request.update_mask().paths().end());
  for (size_t i = 0; i < paths.size(); ++i) {
    if (std::find(std::begin(kUpdatablePartnerFields), std::end(kUpdatablePartnerFields),
                  std::string_view(paths[i])) == std::end(kUpdatablePartnerFields)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "update_mask.paths[", i, "]: ", QuoteForMessage(paths[i]),
          " is not one of display_name, entitled_source_ids, languages, search_directive, "
          "max_streams"));
    }
  }
  if (paths.empty())
    paths.assign(std::begin(kUpdatablePartnerFields), std::end(kUpdatablePartnerFields));
  std::lock_guard<std::mutex> lock(write_mu_);
  absl::StatusOr<Partner> stored = store_->GetPartner(request.partner().id());
  if (absl::IsNotFound(stored.status())) return NoPartner("partner.id", request.partner().id());
  SYNDICATE_RETURN_IF_ERROR(stored.status());
  Partner partner = *std::move(stored);
  const Partner& update = request.partner();
  for (const std::string& path : paths) {
    if (path == "display_name") partner.set_display_name(update.display_name());
    if (path == "entitled_source_ids") {
      *partner.mutable_entitled_source_ids() = update.entitled_source_ids();
    }
    if (path == "languages") *partner.mutable_languages() = update.languages();
    if (path == "search_directive") partner.set_search_directive(update.search_directive());
    if (path == "max_streams") partner.set_max_streams(update.max_streams());
  }
  SYNDICATE_RETURN_IF_ERROR(ValidatePartner(&partner));
  *partner.mutable_update_time() = ToTimestamp(clock_());
  SYNDICATE_RETURN_IF_ERROR(store_->PutPartner(partner));
  access_->PutPartner(partner);
  return partner;
}

absl::StatusOr<syndication::v1::DeletePartnerResponse> AdminCore::DeletePartner(
    const Principal& caller, const syndication::v1::DeletePartnerRequest& request) {
  SYNDICATE_RETURN_IF_ERROR(RequireAdmin(caller, "DeletePartner"));
  SYNDICATE_RETURN_IF_ERROR(ValidatePartnerId(request.id(), "id"));
  std::lock_guard<std::mutex> lock(write_mu_);
  absl::StatusOr<Partner> stored = store_->GetPartner(request.id());
  if (absl::IsNotFound(stored.status())) return NoPartner("id", request.id());
  SYNDICATE_RETURN_IF_ERROR(stored.status());
  std::vector<storage::ApiKeyRecord> revoked;
  const google::protobuf::Timestamp now = ToTimestamp(clock_());
  for (storage::ApiKeyRecord& record : access_->Keys()) {
    if (record.key().partner_id() != request.id() || record.key().has_revoke_time()) continue;
    *record.mutable_key()->mutable_revoke_time() = now;
    revoked.push_back(std::move(record));
  }
  SYNDICATE_RETURN_IF_ERROR(store_->DeletePartner(request.id(), revoked, clock_()));
  syndication::v1::DeletePartnerResponse response;
  for (const storage::ApiKeyRecord& record : revoked) {
    access_->PutKey(record);
    response.add_revoked_key_ids(record.key().key_id());
  }
  access_->RemovePartner(request.id());
  return response;
}

absl::StatusOr<syndication::v1::CreateApiKeyResponse> AdminCore::CreateApiKey(
    const Principal& caller, const syndication::v1::CreateApiKeyRequest& request) {
  SYNDICATE_RETURN_IF_ERROR(RequireAdmin(caller, "CreateApiKey"));
  ApiKey key = request.api_key();
  key.clear_key_id();
  key.clear_create_time();
  key.clear_revoke_time();
  SYNDICATE_RETURN_IF_ERROR(ValidateDisplayName(key.display_name(), "api_key.display_name", false));
  switch (key.role()) {
    case syndication::v1::ROLE_ADMIN:
      break;
    case syndication::v1::ROLE_PUBLISHER: {
      if (key.source_ids().empty()) {
        return absl::InvalidArgumentError(
            "api_key.source_ids: a publisher key needs at least one source");
      }
      SYNDICATE_RETURN_IF_ERROR(CheckKnownSources(key.source_ids(), "api_key.source_ids"));
      break;
    }
    case syndication::v1::ROLE_PARTNER: {
      if (key.partner_id().empty()) {
        return absl::InvalidArgumentError("api_key.partner_id: a partner key needs a partner");
      }
      SYNDICATE_RETURN_IF_ERROR(ValidatePartnerId(key.partner_id(), "api_key.partner_id"));
      absl::StatusOr<Partner> partner = store_->GetPartner(key.partner_id());
      if (absl::IsNotFound(partner.status())) {
        return NoPartner("api_key.partner_id", key.partner_id());
      }
      SYNDICATE_RETURN_IF_ERROR(partner.status());
      break;
    }
    default:
      return absl::InvalidArgumentError(
          "api_key.role: is required: ROLE_ADMIN, ROLE_PUBLISHER or ROLE_PARTNER");
  }
  if (key.role() != syndication::v1::ROLE_PUBLISHER && !key.source_ids().empty()) {
    return absl::InvalidArgumentError("api_key.source_ids: only a publisher key has sources");
  }
  if (key.role() != syndication::v1::ROLE_PARTNER && !key.partner_id().empty()) {
    return absl::InvalidArgumentError("api_key.partner_id: only a partner key has a partner");
  }
  NewSecret secret = MakeSecret();
  key.set_key_id(secret.key_id);
  *key.mutable_create_time() = ToTimestamp(clock_());
  storage::ApiKeyRecord record;
  *record.mutable_key() = key;
  record.set_secret_hash(secret.secret_hash);
  {
    std::lock_guard<std::mutex> lock(write_mu_);
    SYNDICATE_RETURN_IF_ERROR(store_->PutApiKey(record));
    access_->PutKey(record);
  }
  syndication::v1::CreateApiKeyResponse response;
  *response.mutable_api_key() = std::move(key);
  response.set_secret(std::move(secret.secret));
  return response;
}

absl::StatusOr<syndication::v1::ListApiKeysResponse> AdminCore::ListApiKeys(
    const Principal& caller, const syndication::v1::ListApiKeysRequest& request) const {
  SYNDICATE_RETURN_IF_ERROR(RequireAdmin(caller, "ListApiKeys"));
  SYNDICATE_ASSIGN_OR_RETURN(const int page_size, EffectivePageSize(request.page_size()));
  if (!request.partner_id().empty()) {
    SYNDICATE_RETURN_IF_ERROR(ValidatePartnerId(request.partner_id(), "partner_id"));
  }
  syndication::v1::ListApiKeysRequest filter = request;
  filter.clear_page_size();
  filter.clear_page_token();
  const std::string fingerprint = FilterFingerprint(filter);
  std::string after_id;
  if (!request.page_token().empty()) {
    SYNDICATE_ASSIGN_OR_RETURN(
        PageToken token, page_tokens_.Decode(request.page_token(), "ListApiKeys", fingerprint));
    after_id = token.source_id();
  }
  syndication::v1::ListApiKeysResponse response;
  // Keys are few and all in memory (AccessControl), in key_id order.
  for (const storage::ApiKeyRecord& record : access_->Keys()) {
    const ApiKey& key = record.key();
    if (key.key_id() <= after_id) continue;
    if (!request.partner_id().empty() && key.partner_id() != request.partner_id()) continue;
    if (!request.show_revoked() && key.has_revoke_time()) continue;
    if (response.api_keys_size() == page_size) {
      PageToken token;
      token.set_method("ListApiKeys");
      token.set_filter_fingerprint(fingerprint);
      token.set_source_id(response.api_keys(page_size - 1).key_id());
      response.set_next_page_token(page_tokens_.Encode(token));
      break;
    }
    *response.add_api_keys() = key;
  }
  return response;
}

absl::StatusOr<ApiKey> AdminCore::RevokeApiKey(
    const Principal& caller, const syndication::v1::RevokeApiKeyRequest& request) {
  SYNDICATE_RETURN_IF_ERROR(RequireAdmin(caller, "RevokeApiKey"));
  if (!IsKeyId(request.key_id())) {
    return absl::InvalidArgumentError(absl::StrCat("key_id: ", QuoteForMessage(request.key_id()),
                                                   " is not a key id (16 lowercase hex digits)"));
  }
  std::lock_guard<std::mutex> lock(write_mu_);
  std::optional<storage::ApiKeyRecord> record = access_->FindKey(request.key_id());
  if (!record.has_value()) {
    return absl::NotFoundError(absl::StrCat("key_id: no key has id \"", request.key_id(), "\""));
  }
  if (record->key().has_revoke_time()) return record->key();
  *record->mutable_key()->mutable_revoke_time() = ToTimestamp(clock_());
  SYNDICATE_RETURN_IF_ERROR(store_->PutApiKey(*record));
  access_->PutKey(*record);
  return record->key();
}

absl::StatusOr<AdminKeyOutcome> AdminCore::EnsureAdminKey(absl::string_view secret) {
  SYNDICATE_ASSIGN_OR_RETURN(ParsedSecret parsed, ParseSecret(secret, "admin key"));
  std::lock_guard<std::mutex> lock(write_mu_);
  if (std::optional<storage::ApiKeyRecord> record = access_->FindKey(parsed.key_id)) {
    if (record->secret_hash().size() != parsed.secret_hash.size() ||
        sodium_memcmp(record->secret_hash().data(), parsed.secret_hash.data(),
                      parsed.secret_hash.size()) != 0 ||
        record->key().role() != syndication::v1::ROLE_ADMIN) {
      return absl::FailedPreconditionError(
          absl::StrCat("admin key: the store holds another key with id ", parsed.key_id));
    }
    return record->key().has_revoke_time() ? AdminKeyOutcome::kRevoked : AdminKeyOutcome::kKnown;
  }
  storage::ApiKeyRecord record;
  record.mutable_key()->set_key_id(parsed.key_id);
  record.mutable_key()->set_role(syndication::v1::ROLE_ADMIN);
  record.mutable_key()->set_display_name("first admin key (--admin-key-file)");
  *record.mutable_key()->mutable_create_time() = ToTimestamp(clock_());
  record.set_secret_hash(parsed.secret_hash);
  SYNDICATE_RETURN_IF_ERROR(store_->PutApiKey(record));
  access_->PutKey(record);
  return AdminKeyOutcome::kRegistered;
}

absl::StatusOr<syndication::v1::Backup> AdminCore::CreateBackup(
    const Principal& caller, const syndication::v1::CreateBackupRequest& /*request*/) {
  SYNDICATE_RETURN_IF_ERROR(RequireAdmin(caller, "CreateBackup"));
  if (backup_dir_.empty()) {
    return absl::FailedPreconditionError(
        "CreateBackup: this server has no backup directory; start syndicated with "
        "--backup-dir=DIR");
  }
  SYNDICATE_ASSIGN_OR_RETURN(const storage::BackupInfo info, store_->CreateBackup(backup_dir_));
  syndication::v1::Backup backup;
  backup.set_backup_id(info.backup_id);
  *backup.mutable_create_time() = ToTimestamp(info.create_time);
  backup.set_size_bytes(info.size_bytes);
  backup.set_file_count(info.file_count);
  backup.set_feed_head_sequence(info.feed_head);
  return backup;
}

}  // namespace syndicate::server
