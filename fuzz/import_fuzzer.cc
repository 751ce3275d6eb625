// libFuzzer entry point: arbitrary bytes through ingest::Import with one format (the
// SYNDICATE_FUZZ_FORMAT the target is built with). Besides the sanitizers' checks, aborts
// when an item the importer calls good breaks a promise of
// tests/ingest/article_invariants.h.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "ingest/importer.h"
#include "tests/ingest/article_invariants.h"

#define SYNDICATE_STRINGIFY_INNER(x) #x
#define SYNDICATE_STRINGIFY(x) SYNDICATE_STRINGIFY_INNER(x)

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const syndicate::ingest::Format format =
      *syndicate::ingest::ParseFormatName(SYNDICATE_STRINGIFY(SYNDICATE_FUZZ_FORMAT));
  syndicate::ingest::ImportOptions options;
  options.format = format;
  options.base_url = "https://fuzz.example.org/feeds/";
  options.max_items = 1000;
  const auto result = syndicate::ingest::Import(
      absl::string_view(reinterpret_cast<const char*>(data), size), options);
  if (!result.ok()) return 0;
  for (const auto& item : result->items) {
    if (!item.status.ok()) continue;
    if (std::optional<std::string> broken =
            syndicate::ingest::testing::BrokenInvariant(item.article)) {
      std::fprintf(stderr, "%s: %s\n", item.label.c_str(), broken->c_str());
      std::abort();
    }
  }
  return 0;
}
