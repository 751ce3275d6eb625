#include "ingest/publisher_names.h"

#include <string>

#include "absl/strings/ascii.h"
#include "ingest/characters.h"

namespace syndicate::ingest {

std::string PublisherNameKey(absl::string_view name) {
  // StripQuotes also trims, so a whitespace run seen below always has text after it.
  absl::string_view rest = internal::StripQuotes(name);
  std::string key;
  key.reserve(rest.size());
  bool after_whitespace = false;
  while (!rest.empty()) {
    if (const size_t bytes = internal::WhitespaceBytesAtStart(rest)) {
      after_whitespace = true;
      rest.remove_prefix(bytes);
      continue;
    }
    if (after_whitespace) key += ' ';
    after_whitespace = false;
    key += absl::ascii_tolower(static_cast<unsigned char>(rest.front()));
    rest.remove_prefix(1);
  }
  return key;
}

std::string CanonicalPublisherName(absl::string_view name, const syndication::v1::Source* source) {
  if (source == nullptr) return std::string(name);
  const std::string key = PublisherNameKey(name);
  for (const auto& alias : source->publisher_aliases()) {
    if (!alias.name().empty() && PublisherNameKey(alias.alias()) == key) return alias.name();
  }
  return std::string(name);
}

}  // namespace syndicate::ingest
