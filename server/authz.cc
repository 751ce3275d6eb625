#include "server/authz.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "server/lifecycle.h"

namespace syndicate::server {

using syndication::v1::Article;
using syndication::v1::Role;

Principal Principal::Operator() {
  Principal principal;
  principal.role = syndication::v1::ROLE_ADMIN;
  return principal;
}

absl::string_view RoleName(Role role) {
  switch (role) {
    case syndication::v1::ROLE_ADMIN:
      return "admin";
    case syndication::v1::ROLE_PUBLISHER:
      return "publisher";
    case syndication::v1::ROLE_PARTNER:
      return "partner";
    default:
      return "unspecified";
  }
}

absl::Status RequireAdmin(const Principal& caller, absl::string_view method) {
  if (caller.role == syndication::v1::ROLE_ADMIN) return absl::OkStatus();
  return absl::PermissionDeniedError(
      absl::StrCat(method, ": needs an admin key; this key's role is ", RoleName(caller.role)));
}

absl::Status RequirePublishingRole(const Principal& caller, absl::string_view method) {
  if (caller.role == syndication::v1::ROLE_ADMIN ||
      caller.role == syndication::v1::ROLE_PUBLISHER) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(absl::StrCat(
      method, ": needs a publisher or admin key; this key's role is ", RoleName(caller.role)));
}

absl::Status RequireWriter(const Principal& caller, absl::string_view source_id,
                           absl::string_view field_path) {
  switch (caller.role) {
    case syndication::v1::ROLE_ADMIN:
      return absl::OkStatus();
    case syndication::v1::ROLE_PUBLISHER:
      if (caller.source_ids.contains(source_id)) return absl::OkStatus();
      return absl::PermissionDeniedError(absl::StrCat(
          field_path, ": this publisher key is not bound to source \"", source_id, "\""));
    default:
      return RequirePublishingRole(caller, field_path);
  }
}

absl::Status RequireSourceUpsert(const Principal& caller, absl::string_view source_id,
                                 bool exists) {
  if (caller.role == syndication::v1::ROLE_PUBLISHER && !exists &&
      caller.source_ids.contains(source_id)) {
    return absl::PermissionDeniedError(absl::StrCat(
        "source.id: source \"", source_id,
        "\" does not exist; only an admin key creates sources, a publisher key updates them"));
  }
  return RequireWriter(caller, source_id, "source.id");
}

bool MayReadSource(const Principal& caller, absl::string_view source_id) {
  return caller.role == syndication::v1::ROLE_ADMIN || caller.source_ids.contains(source_id);
}

bool MayReadEvent(const Principal& caller, absl::string_view source_id, absl::string_view language,
                  bool tombstone) {
  if (!MayReadSource(caller, source_id)) return false;
  if (caller.role != syndication::v1::ROLE_PARTNER || caller.languages.empty() || tombstone) {
    return true;
  }
  return caller.languages.contains(absl::AsciiStrToLower(language));
}

bool MayReadArticle(const Principal& caller, const Article& article) {
  return MayReadEvent(caller, article.source_id(), article.language(), IsTombstone(article));
}

void SetDelivery(const Principal& caller, Article* article) {
  if (caller.role != syndication::v1::ROLE_PARTNER) {
    article->clear_delivery();
    return;
  }
  syndication::v1::DeliveryInfo* delivery = article->mutable_delivery();
  delivery->Clear();
  if (caller.search_directive == syndication::v1::SEARCH_DIRECTIVE_CANONICAL &&
      !article->attribution().original_url().empty()) {
    delivery->set_search_directive(syndication::v1::SEARCH_DIRECTIVE_CANONICAL);
    delivery->set_canonical_url(article->attribution().original_url());
  } else if (caller.search_directive == syndication::v1::SEARCH_DIRECTIVE_NONE) {
    delivery->set_search_directive(syndication::v1::SEARCH_DIRECTIVE_NONE);
  } else {
    delivery->set_search_directive(syndication::v1::SEARCH_DIRECTIVE_NOINDEX);
  }
}

}  // namespace syndicate::server
