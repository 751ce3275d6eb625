// How publisher names are compared: the importer matches the names it reads against a
// Source's publisher_aliases with this key, and the server refuses a Source holding two
// aliases with the same key, so that every alias it accepts is one the importer can tell
// apart from the others.
#ifndef SYNDICATE_INGEST_PUBLISHER_NAMES_H_
#define SYNDICATE_INGEST_PUBLISHER_NAMES_H_

#include <string>

#include "absl/strings/string_view.h"
#include "syndication/v1/source.pb.h"

namespace syndicate::ingest {

// The form publisher names are compared in: quotes (straight and curly) removed,
// whitespace runs collapsed to one space, trimmed, ASCII lower case. Two names with the
// same key are the same publisher, e.g. "“Independent”", "independent " and
// "INDEPENDENT". Used for publisher_aliases both when importing and when a Source is
// validated, so that the server refuses two aliases the importer could not tell apart.
//
// Precisely, for UTF-8 `name`:
//  - Quotes: the quotation marks " ' “ ” ‘ ’ « » „ ‹ › at either end, together with the
//    whitespace around them, repeatedly (“ ‘X’ ” gives X). Marks inside the name stay, so
//    "Lloyd’s List" and "Lloyd's List" have different keys.
//  - Whitespace: ASCII space, tab, LF, VT, FF, CR and U+00A0 no-break space.
//  - Case: only A-Z change; other letters are kept as written ("ÉCHO" gives "Écho").
// Returns "" when `name` holds nothing but quotation marks and whitespace; such an alias
// matches no name the importer reads, so a validator may well refuse it. Works on bytes
// and never fails; it does not check that `name` is valid UTF-8. Thread-safe; allocates
// only the returned string.
std::string PublisherNameKey(absl::string_view name);

// `name` mapped through `source`'s publisher_aliases: the alias's `name` when an alias has
// the same PublisherNameKey as `name`, else `name` as it is. `source` may be null.
std::string CanonicalPublisherName(absl::string_view name, const syndication::v1::Source* source);

}  // namespace syndicate::ingest

#endif  // SYNDICATE_INGEST_PUBLISHER_NAMES_H_
