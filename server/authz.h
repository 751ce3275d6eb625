// Who is calling and what they may do: every authorization rule of the service, in one
// place. Handlers and the domain layer ask these functions; none of them decides on its own.
//
// The rules:
//   admin      everything.
//   publisher  PublishingService for the sources its key is bound to (UpsertSource may
//              update one of them, never create a source); reading, through
//              SyndicationService, the stories and sources of those sources.
//   partner    SyndicationService, limited to the sources its Partner record licenses and,
//              when the record lists languages, to stories in them. A story or source it
//              has not licensed reads as NOT_FOUND, exactly like one that does not exist.
//              Tombstones of licensed sources' stories reach it whatever their language, so
//              a take-down is never filtered out. Every article delivered to it carries a
//              DeliveryInfo with the partner's search directive.
//   any role   GetSigningKeys.
// No role may call AdminService but admin. Wrong role → PERMISSION_DENIED naming the method
// or the field.
#ifndef SYNDICATE_SERVER_AUTHZ_H_
#define SYNDICATE_SERVER_AUTHZ_H_

#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "syndication/v1/admin_service.pb.h"
#include "syndication/v1/article.pb.h"

namespace syndicate::server {

// The caller of one request, resolved from its API key (server/access.h) at the time of
// the call. A value: later changes to the key or partner do not alter it.
struct Principal {
  syndication::v1::Role role = syndication::v1::ROLE_UNSPECIFIED;
  // ApiKey.key_id; empty for the operator (no authentication).
  std::string key_id;
  // Publisher: the sources the key is bound to. Partner: the sources it licenses.
  absl::flat_hash_set<std::string> source_ids;
  // Partner: the languages it licenses, ASCII lower case; empty means every language.
  absl::flat_hash_set<std::string> languages;
  // Partner: Partner.id.
  std::string partner_id;
  // Partner: the policy from its record (never UNSPECIFIED).
  syndication::v1::SearchDirective search_directive = syndication::v1::SEARCH_DIRECTIVE_NOINDEX;
  // Partner: Partner.max_streams (0: no cap of its own).
  int max_streams = 0;

  // The caller when authentication is off (--auth=none, and in-process callers such as
  // tests): an admin without a key.
  static Principal Operator();
};

// "admin", "publisher", "partner" or "unspecified", for messages.
absl::string_view RoleName(syndication::v1::Role role);

// OK for an admin; PERMISSION_DENIED "<method>: needs an admin key; this key's role is X"
// otherwise.
absl::Status RequireAdmin(const Principal& caller, absl::string_view method);

// OK for an admin or a publisher; PERMISSION_DENIED "<method>: needs a publisher or admin
// key; …" otherwise. Checked before the source is known (WithdrawArticle).
absl::Status RequirePublishingRole(const Principal& caller, absl::string_view method);

// May `caller` publish to or withdraw from `source_id`? OK for an admin and for a
// publisher bound to it; PERMISSION_DENIED naming `field_path` otherwise.
absl::Status RequireWriter(const Principal& caller, absl::string_view source_id,
                           absl::string_view field_path);

// UpsertSource: an admin may create or replace any source; a publisher bound to `source_id`
// may replace it when it `exists`; PERMISSION_DENIED otherwise.
absl::Status RequireSourceUpsert(const Principal& caller, absl::string_view source_id, bool exists);

// May `caller` see the source `source_id` (GetSource, ListSources)? Admins see every
// source; publishers and partners theirs.
bool MayReadSource(const Principal& caller, absl::string_view source_id);

// May `caller` see `article` (a stored version or tombstone)? MayReadSource of its source,
// and for a partner with languages, a language among them (tombstones excepted).
bool MayReadArticle(const Principal& caller, const syndication::v1::Article& article);

// As MayReadArticle, for a feed event: its source, language and whether it is a tombstone
// event (WITHDRAWN, CANCELED, EXPIRED).
bool MayReadEvent(const Principal& caller, absl::string_view source_id, absl::string_view language,
                  bool tombstone);

// Sets article->delivery for a partner (the search directive; the canonical URL with
// CANONICAL, or NOINDEX when the story has no original_url); clears it for anyone else.
void SetDelivery(const Principal& caller, syndication::v1::Article* article);

}  // namespace syndicate::server

#endif  // SYNDICATE_SERVER_AUTHZ_H_
