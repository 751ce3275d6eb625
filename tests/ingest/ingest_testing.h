// Helpers of the importer tests: fixtures from tests/ingest/testdata/, and articles
// flattened to strings so a whole field list compares exactly.
#ifndef SYNDICATE_TESTS_INGEST_INGEST_TESTING_H_
#define SYNDICATE_TESTS_INGEST_INGEST_TESTING_H_

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/timestamps.h"
#include "gtest/gtest.h"
#include "ingest/importer.h"
#include "syndication/v1/article.pb.h"
#include "tests/testing/paths.h"

namespace syndicate::ingest::testing {

inline std::string FixturePath(const std::string& name) {
  return absl::StrCat(::syndicate::testing::SourceDir(), "/tests/ingest/testdata/", name);
}

// The bytes of a fixture; fails the test when it cannot be read.
inline std::string ReadFixture(const std::string& name) {
  std::ifstream in(FixturePath(name), std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "cannot read fixture " << FixturePath(name);
    return "";
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Imports the fixture `name` (a path under testdata/) with `options`, its file_name set to
// `name`.
inline absl::StatusOr<ImportResult> ImportFixture(const std::string& name,
                                                  ImportOptions options = {}) {
  options.file_name = name;
  return Import(ReadFixture(name), options);
}

// RFC 3339 in UTC, or "unset".
inline std::string Rfc3339(const google::protobuf::Timestamp& timestamp) {
  if (timestamp.seconds() == 0 && timestamp.nanos() == 0) return "unset";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", ToAbslTime(timestamp), absl::UTCTimeZone());
}

inline std::vector<std::string> Authors(const syndication::v1::Article& article) {
  std::vector<std::string> authors;
  for (const auto& person : article.authors()) {
    authors.push_back(absl::StrCat(person.name(), " (", person.role(),
                                   person.uri().empty() ? "" : ", ", person.uri(), ")"));
  }
  return authors;
}

inline std::vector<std::string> Media(const syndication::v1::Article& article) {
  std::vector<std::string> media;
  for (const auto& item : article.media()) {
    std::string line =
        absl::StrCat(item.uri(), " ", item.mime_type(), " caption=", item.caption(),
                     " credit=", item.credit(), " copyright=", item.copyright_notice());
    for (const auto& r : item.renditions()) {
      absl::StrAppend(&line, " | ", r.uri(), " ", r.mime_type(), " ", r.width(), "x", r.height());
    }
    media.push_back(line);
  }
  return media;
}

inline std::vector<std::string> Hops(const syndication::v1::Article& article) {
  std::vector<std::string> hops;
  for (const auto& hop : article.provenance()) {
    hops.push_back(absl::StrCat(syndication::v1::ProvenanceHop::Kind_Name(hop.kind()), " ",
                                hop.agent(), " uri=", hop.uri(), " file=", hop.file_name()));
  }
  return hops;
}

}  // namespace syndicate::ingest::testing

#endif  // SYNDICATE_TESTS_INGEST_INGEST_TESTING_H_
