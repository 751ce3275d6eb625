// IPTC ninjs (News in JSON, https://iptc.org/standards/ninjs/) → one Article. Reads the
// 1.x schema (flat headline, body_text/body_html, byline, associations as an object),
// 2.x (headlines[], bodies[], descriptions[], by, infosources[], associations as an
// array, renditions as an array) and 3.x (the 2.x shapes with camelCase names:
// versionCreated, pubStatus, copyrightHolder, contentType, …). Internal to ingest/;
// callers use Import (importer.h).
#ifndef SYNDICATE_INGEST_NINJS_IMPORTER_H_
#define SYNDICATE_INGEST_NINJS_IMPORTER_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "ingest/item_builder.h"

namespace syndicate::ingest::internal {

// The version is told from the content, defensively: the `$schema` URI when it names
// ninjs-schema_1/_2/_3 (or a "ninjs/…/3.x" path), else camelCase keys (versionCreated,
// pubStatus, bodies[].contentType) mean 3.x, plural arrays (headlines, bodies) 2.x,
// anything else 1.x. Whatever the version, every spelling of a field is accepted, since
// producers mix them. Sets `version` to "1.x", "2.x" or "3.x".
//
// What goes where (the first spelling present wins):
//  - external_id: uri (else guid, else a derived id with a warning).
//  - headline: headline, else headlines[] with role "main" (or the first);
//    subheadline: headlines[] role "sub", else description_text / descriptions[]
//    (as one line).
//  - body: body_html / bodies[] of an HTML content type (sanitized), else body_text /
//    bodies[] of text.
//  - byline: byline / by; authors: people/person entries with rel or role "author"
//    (1.x), else by as one name.
//  - published_at: firstcreated / firstCreated, else versioncreated / versionCreated;
//    embargoed_until: embargoed; expires_at: expires.
//  - pubstatus: "usable" → item; "withheld" or "canceled" → a kWithdrawal item.
//  - attribution: copyrightholder → copyright_holder (and original publisher when no
//    infosource names one), copyrightnotice, usageterms; infosources[] / located: the
//    first infosource with role "originatingsource" (or the first) is the original
//    publisher; original_url: the first http(s) `uri` among altids/links of rel
//    "canonical", else uri when it is http(s).
//  - media: each association of type picture, graphic, video or audio with renditions;
//    the rendition named "original" (else the widest) gives uri and mime type; caption
//    from description_text / descriptions[] / headline; credit from byline / by /
//    copyrightholder.
//  - subjects: subject[] (code, name, scheme); keywords; language.
// A top-level JSON array is a list of ninjs items, each imported on its own.
// Errors: INVALID_ARGUMENT "ninjs: …" when the text is not JSON, or not an object or array
// of objects.
absl::Status ImportNinjs(absl::string_view utf8, FeedContext& feed, std::string& version,
                         std::vector<std::string>& warnings);

}  // namespace syndicate::ingest::internal

#endif  // SYNDICATE_INGEST_NINJS_IMPORTER_H_
