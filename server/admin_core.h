// The domain side of AdminService: partners and API keys, validated, stored, and mirrored
// into AccessControl so that every change applies to the next call. No gRPC types.
// Every method first checks that the caller is an admin (server/authz.h).
//
// Error codes (each message names the request field and its problem):
//   PERMISSION_DENIED  the caller is not an admin.
//   INVALID_ARGUMENT   the request is malformed (see admin_service.proto).
//   NOT_FOUND          the named partner or key does not exist.
//   ALREADY_EXISTS     CreatePartner of an id that is taken.
//   UNAVAILABLE        the store could not be read or written; nothing was changed.
#ifndef SYNDICATE_SERVER_ADMIN_CORE_H_
#define SYNDICATE_SERVER_ADMIN_CORE_H_

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/access.h"
#include "server/authz.h"
#include "server/page_token.h"
#include "storage/store.h"
#include "syndication/v1/admin_service.pb.h"

namespace syndicate::server {

// What EnsureAdminKey found.
enum class AdminKeyOutcome {
  kRegistered,  // the key was not in the store; it is now, as an admin key
  kKnown,       // the store already had it, not revoked
  kRevoked,     // the store has it, revoked: it does not authenticate
};

// Thread-safe: writes are serialized inside.
class AdminCore {
 public:
  using Clock = std::function<absl::Time()>;

  // `store` and `access` are not owned and must outlive the core.
  static absl::StatusOr<std::unique_ptr<AdminCore>> Create(storage::Store* store,
                                                           AccessControl* access,
                                                           Clock clock = absl::Now);

  absl::StatusOr<syndication::v1::Partner> CreatePartner(
      const Principal& caller, const syndication::v1::CreatePartnerRequest& request);
  absl::StatusOr<syndication::v1::Partner> GetPartner(
      const Principal& caller, const syndication::v1::GetPartnerRequest& request) const;
  absl::StatusOr<syndication::v1::ListPartnersResponse> ListPartners(
      const Principal& caller, const syndication::v1::ListPartnersRequest& request) const;
  absl::StatusOr<syndication::v1::Partner> UpdatePartner(
      const Principal& caller, const syndication::v1::UpdatePartnerRequest& request);
  absl::StatusOr<syndication::v1::DeletePartnerResponse> DeletePartner(
      const Principal& caller, const syndication::v1::DeletePartnerRequest& request);
  absl::StatusOr<syndication::v1::CreateApiKeyResponse> CreateApiKey(
      const Principal& caller, const syndication::v1::CreateApiKeyRequest& request);
  absl::StatusOr<syndication::v1::ListApiKeysResponse> ListApiKeys(
      const Principal& caller, const syndication::v1::ListApiKeysRequest& request) const;
  absl::StatusOr<syndication::v1::ApiKey> RevokeApiKey(
      const Principal& caller, const syndication::v1::RevokeApiKeyRequest& request);
  // Admin only (PERMISSION_DENIED otherwise). FAILED_PRECONDITION without a backup
  // directory (set_backup_dir); otherwise as storage::Store::CreateBackup.
  absl::StatusOr<syndication::v1::Backup> CreateBackup(
      const Principal& caller, const syndication::v1::CreateBackupRequest& request);

  // Where CreateBackup writes (syndicated --backup-dir); empty: CreateBackup is refused.
  // Call before serving.
  void set_backup_dir(std::string dir) { backup_dir_ = std::move(dir); }

  // The first admin key, from --admin-key-file: registers `secret` (a secret in the format
  // of server/access.h) as an admin key unless the store already has its key id.
  // INVALID_ARGUMENT when `secret` is not such a secret; FAILED_PRECONDITION when the store
  // holds another secret, or a key of another role, under its key id.
  absl::StatusOr<AdminKeyOutcome> EnsureAdminKey(absl::string_view secret);

 private:
  AdminCore(storage::Store* store, AccessControl* access, Clock clock, PageTokenCodec tokens)
      : store_(store), access_(access), clock_(std::move(clock)), page_tokens_(std::move(tokens)) {}

  // Each id a well-formed id of an existing source, none twice; INVALID_ARGUMENT naming
  // "<field_path>[i]" otherwise.
  absl::Status CheckKnownSources(const google::protobuf::RepeatedPtrField<std::string>& source_ids,
                                 absl::string_view field_path) const;

  // Checks the fields a caller sets on a partner and defaults its search directive.
  absl::Status ValidatePartner(syndication::v1::Partner* partner) const;

  storage::Store* const store_;
  AccessControl* const access_;
  const Clock clock_;
  const PageTokenCodec page_tokens_;
  std::string backup_dir_;
  // Serializes read-check-write sequences (create when absent, update, revoke).
  std::mutex write_mu_;
};

}  // namespace syndicate::server

#endif  // SYNDICATE_SERVER_ADMIN_CORE_H_
