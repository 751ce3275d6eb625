// A 50 MB feed is read with bounded memory: the XML formats stream one item at a time
// (ingest/xml_stream.h). Its own test binary, so the process's peak resident size before
// the import is this test's alone. No timing is asserted.
#include <sys/resource.h>

#include <cstddef>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ingest/importer.h"

namespace syndicate::ingest {
namespace {

constexpr size_t kFeedBytes = size_t{50} << 20;

// Peak resident set size of this process so far, in bytes (Linux reports KiB).
size_t PeakRssBytes() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<size_t>(usage.ru_maxrss) * 1024;
}

// An RSS feed of at least `bytes`, items of about 4 KiB each.
std::string LargeFeed(size_t bytes, size_t* items) {
  std::string paragraph;
  for (int i = 0; i < 40; ++i) paragraph += "The tide came in over the harbour wall again. ";
  std::string feed =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel>"
      "<title>Harbour Gazette</title><link>https://harbour.example.org/</link>";
  feed.reserve(bytes + 8192);
  *items = 0;
  while (feed.size() < bytes) {
    absl::StrAppend(&feed, "<item><title>Tide report ", *items,
                    "</title><link>https://harbour.example.org/tides/", *items,
                    "</link><description>&lt;p&gt;", paragraph, "&lt;/p&gt;&lt;p&gt;", paragraph,
                    "&lt;/p&gt;</description><pubDate>Tue, 03 Mar 2026 09:30:00 GMT</pubDate>"
                    "</item>");
    ++*items;
  }
  feed += "</channel></rss>";
  return feed;
}

TEST(ImportMemory, A50MegabyteFeedIsReadInBoundedMemory) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "a sanitizer keeps freed memory in quarantine, so peak memory says nothing "
                  "about the importer here; the plain build runs this test";
#endif
  size_t items = 0;
  const std::string feed = LargeFeed(kFeedBytes, &items);
  const size_t before = PeakRssBytes();

  ImportOptions options;
  options.format = Format::kRss;
  options.max_items = items;
  size_t seen = 0;
  size_t failed = 0;
  absl::StatusOr<ImportResult> result = ImportEach(feed, options, [&](ImportedItem item) {
    ++seen;
    if (!item.status.ok()) ++failed;
  });
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(seen, items);
  EXPECT_EQ(failed, 0u);

  // A tree of the whole feed would take several times its 50 MB; streaming keeps the
  // growth to one item's subtree plus the parser's buffers.
  const size_t growth = PeakRssBytes() - before;
  EXPECT_LT(growth, size_t{16} << 20) << "peak grew by " << growth << " bytes";
}

}  // namespace
}  // namespace syndicate::ingest
