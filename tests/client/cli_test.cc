// The syndicate CLI as a user runs it: exit codes, JSON on stdout, messages on stderr.
#include <httplib.h>
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "client/json.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "syndication/v1/publishing_service.pb.h"
#include "syndication/v1/syndication_service.pb.h"
#include "tests/client/cli_testing.h"
#include "tests/client/testing.h"
#include "tests/testing/paths.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace syndicate {
namespace {

using ::syndicate::testing::IsOk;
using ::syndicate::testing::RunResult;
using ::syndicate::testing::SequenceOf;
using ::syndicate::testing::SourceDir;
using ::syndicate::testing::StreamLines;
using ::syndicate::testing::Syndicate;
using ::syndicate::testing::WriteFile;
using ::testing::HasSubstr;

std::string Fixture(const std::string& name) {
  return SourceDir() + "/tests/ingest/testdata/" + name;
}

TEST(CliOffline, ConvertPrintsTheArticleAsJsonWithoutAServer) {
  // Nothing listens on that port: convert must not try to connect.
  const RunResult result = Syndicate({"convert", "--format=text", Fixture("source_colon.txt")},
                                     ::syndicate::testing::UnusedLoopbackAddress());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  syndication::v1::Article article;
  ASSERT_THAT(client::ParseJson(result.out, "stdout", &article), IsOk());
  EXPECT_EQ(article.headline(), "Harbour cranes return to Port Avel after a two-year refit");
  EXPECT_EQ(article.attribution().credit_line(), "Northwind Gazette via Harbour Post");
  EXPECT_EQ(result.err, "syndicate: warning: " + Fixture("source_colon.txt") +
                            ": no publication date read: published_at left unset\n");
}

TEST(CliOffline, ConvertTheSeedWithAndWithoutTheDemoAliases) {
  const std::string seed = ::syndicate::testing::SeedPath("000_8f53a767d3a9432f.txt");
  if (!std::filesystem::exists(seed)) {
    GTEST_SKIP() << "seed page not found at " << seed
                 << " (set SYNDICATE_SEED_DIR to its folder to run this test)";
  }
  RunResult plain = Syndicate({"convert", "--format=text", seed});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  syndication::v1::Article article;
  ASSERT_THAT(client::ParseJson(plain.out, "stdout", &article), IsOk());
  EXPECT_EQ(article.section(), "World");
  EXPECT_EQ(article.attribution().credit_line(), "Independent via Elrisala");

  RunResult aliased =
      Syndicate({"convert", "--source-file=" + SourceDir() + "/examples/source.json", seed});
  ASSERT_EQ(aliased.exit_code, 0) << aliased.err;
  ASSERT_THAT(client::ParseJson(aliased.out, "stdout", &article), IsOk());
  EXPECT_EQ(article.source_id(), "scraped-republications");
  EXPECT_EQ(article.attribution().original_publisher(), "The Independent");
  EXPECT_EQ(article.attribution().distributor(), "Elrisala");
  EXPECT_EQ(article.attribution().credit_line(), "The Independent via Elrisala");
}

TEST(CliOffline, UsageErrorsExitTwo) {
  EXPECT_EQ(Syndicate({}).exit_code, 2);
  const RunResult unknown = Syndicate({"frobnicate"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_EQ(unknown.err, "syndicate: unknown command \"frobnicate\"; see --help\n");
  const RunResult unknown_source = Syndicate({"source", "bogus"});
  EXPECT_EQ(unknown_source.exit_code, 2);
  EXPECT_EQ(unknown_source.err, "syndicate: unknown command \"source bogus\"; see source --help\n");
  // URL schemes are case-insensitive; control characters are escaped in the message.
  EXPECT_EQ(Syndicate({"convert", "--url=HTTPS://example.org/a", Fixture("via.txt")}).exit_code, 0);
  const RunResult escaped = Syndicate({"convert", "--url=ftp://x\x1b]0;t\x07", Fixture("via.txt")});
  EXPECT_EQ(escaped.exit_code, 2);
  EXPECT_EQ(escaped.err,
            "syndicate: --url: \"ftp://x\\x1b]0;t\\x07\" is not an absolute http(s) URL\n");
  EXPECT_EQ(Syndicate({"get"}).exit_code, 2);
  const RunResult format = Syndicate({"convert", "--format=csv", Fixture("via.txt")});
  EXPECT_EQ(format.exit_code, 2);
  EXPECT_EQ(format.err,
            "syndicate: --format: \"csv\" is not one of auto, text, rss, atom, ninjs, html\n");
  const RunResult two_files = Syndicate(
      {"import", "--source=s", "--external-id=x", Fixture("via.txt"), Fixture("crlf.txt")});
  EXPECT_EQ(two_files.exit_code, 2);
  EXPECT_THAT(two_files.err, HasSubstr("give one FILE"));
  EXPECT_EQ(Syndicate({"--help"}).exit_code, 0);
  // Found by a tester: a --url that is not one was stored as a file name.
  const RunResult url = Syndicate({"convert", "--url=javascript:x", Fixture("via.txt")});
  EXPECT_EQ(url.exit_code, 2);
  EXPECT_EQ(url.err, "syndicate: --url: \"javascript:x\" is not an absolute http(s) URL\n");
  const RunResult original = Syndicate({"convert", "--original-url=http://", Fixture("via.txt")});
  EXPECT_EQ(original.exit_code, 2);
  EXPECT_EQ(original.err,
            "syndicate: --original-url: \"http://\" is not an absolute http(s) URL\n");
  // Found by a tester: CLI11 took the next argument as an empty option's value, so an empty
  // reason turned a kill into a withhold with the reason "--kill".
  const RunResult empty_reason =
      Syndicate({"withdraw", "0123456789abcdef0123456789abcdef", "--reason=", "--kill"});
  EXPECT_EQ(empty_reason.exit_code, 2);
  EXPECT_EQ(empty_reason.err, "syndicate: --reason: must not be empty\n");
  const RunResult empty_etag = Syndicate({"publish", "--etag=", Fixture("via.txt")});
  EXPECT_EQ(empty_etag.exit_code, 2);
  EXPECT_EQ(empty_etag.err, "syndicate: --etag: must not be empty\n");
}

TEST(CliOffline, StreamUsageErrorsExitTwo) {
  // Nothing listens there: a usage error is found before connecting.
  const std::string nowhere = ::syndicate::testing::UnusedLoopbackAddress();
  const RunResult both = Syndicate({"stream", "--from=now", "--after=x"}, nowhere);
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_THAT(both.err, HasSubstr("--from excludes --after"));
  EXPECT_EQ(Syndicate({"stream", "--from=yesterday"}, nowhere).exit_code, 2);
  const RunResult limit = Syndicate({"stream", "--limit=0"}, nowhere);
  EXPECT_EQ(limit.exit_code, 2);
  EXPECT_EQ(limit.err, "syndicate: --limit: 0 is not a positive number\n");
  const RunResult heartbeat = Syndicate({"stream", "--heartbeat=soon"}, nowhere);
  EXPECT_EQ(heartbeat.exit_code, 2);
  EXPECT_EQ(heartbeat.err,
            "syndicate: --heartbeat: \"soon\" is not a duration such as 15s or 1m\n");
  EXPECT_EQ(Syndicate({"stream", "extra"}, nowhere).exit_code, 2);
}

TEST(CliOffline, InputErrorsExitOne) {
  const std::string dir = ::syndicate::testing::FreshTempDir();
  // Found by a tester: a directory or a device was read as a page.
  // A directory is read file by file; an empty one is named.
  const RunResult directory = Syndicate({"convert", dir});
  EXPECT_EQ(directory.exit_code, 1);
  EXPECT_EQ(directory.err,
            "syndicate: INVALID_ARGUMENT: " + dir + ": the directory holds no file\n");
  const RunResult device = Syndicate({"convert", "/dev/zero"});
  EXPECT_EQ(device.exit_code, 1);
  EXPECT_EQ(device.err, "syndicate: INVALID_ARGUMENT: /dev/zero: is not a regular file\n");
  const RunResult missing = Syndicate({"convert", dir + "/absent.txt"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.err, "syndicate: NOT_FOUND: " + dir + "/absent.txt: cannot be read\n");
  WriteFile(dir + "/binary.txt", std::string("\xff\xfe\x00\x01", 4));
  const RunResult binary = Syndicate({"convert", dir + "/binary.txt"});
  EXPECT_EQ(binary.exit_code, 1);
  EXPECT_THAT(binary.err, HasSubstr("INVALID_ARGUMENT: " + dir + "/binary.txt: "));
}

class CliWithServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::syndicate::testing::FreshTempDir();
    auto server = ::syndicate::testing::Subprocess::Start(
        {SYNDICATED_PATH, "--listen=127.0.0.1:0", "--data-dir=" + dir_ + "/data", "--auth=none",
         // Feeds served by the tests on 127.0.0.1, polled as often as a source asks.
         "--feed-allow-private-addresses=true", "--feed-min-poll-interval=1s"});
    ASSERT_THAT(server, IsOk());
    server_.emplace(*std::move(server));
    auto address = server_->ReadLine(absl::Seconds(30));
    ASSERT_THAT(address, IsOk());
    address_ = *address;
    const RunResult put =
        Syndicate({"source", "put", SourceDir() + "/examples/source.json"}, address_);
    ASSERT_EQ(put.exit_code, 0) << put.err;
  }

  std::string dir_;
  std::string address_;
  std::optional<::syndicate::testing::Subprocess> server_;
};

TEST_F(CliWithServerTest, ImportGetAndList) {
  const RunResult imported = Syndicate(
      {"import", "--source=scraped-republications", Fixture("via.txt"), Fixture("crlf.txt")},
      address_);
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  // One line per file: outcome, id, version, file.
  std::vector<std::string> lines = absl::StrSplit(imported.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_THAT(lines[0], ::testing::MatchesRegex("created [0-9a-f]{32} v1 .*via\\.txt"));
  const std::string id = lines[0].substr(8, 32);

  const RunResult again =
      Syndicate({"import", "--source=scraped-republications", Fixture("via.txt")}, address_);
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_EQ(again.out, "unchanged " + id + " v1 " + Fixture("via.txt") + "\n");

  const RunResult got = Syndicate({"get", id}, address_);
  ASSERT_EQ(got.exit_code, 0) << got.err;
  syndication::v1::Article article;
  ASSERT_THAT(client::ParseJson(got.out, "stdout", &article), IsOk());
  EXPECT_EQ(article.id(), id);
  EXPECT_EQ(article.source_id(), "scraped-republications");
  EXPECT_EQ(article.provenance(article.provenance_size() - 1).file_name(), "via.txt");

  const RunResult listed = Syndicate({"list", "--page-size=1"}, address_);
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  syndication::v1::ListArticlesResponse page;
  ASSERT_THAT(client::ParseJson(listed.out, "stdout", &page), IsOk());
  EXPECT_EQ(page.articles_size(), 1);
  EXPECT_NE(page.next_page_token(), "");
  const RunResult second =
      Syndicate({"list", "--page-size=1", "--page-token=" + page.next_page_token()}, address_);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  syndication::v1::ListArticlesResponse last;
  ASSERT_THAT(client::ParseJson(second.out, "stdout", &last), IsOk());
  EXPECT_EQ(last.articles_size(), 1);
  EXPECT_EQ(last.next_page_token(), "");
  EXPECT_NE(last.articles(0).id(), page.articles(0).id());
}

TEST_F(CliWithServerTest, APartlyFailedImportExitsOneAndKeepsTheGoodFiles) {
  WriteFile(dir_ + "/bad.txt", "not \xff utf-8\n");
  const RunResult imported = Syndicate(
      {"import", "--source=scraped-republications", Fixture("via.txt"), dir_ + "/bad.txt"},
      address_);
  EXPECT_EQ(imported.exit_code, 1);
  EXPECT_THAT(imported.out, ::testing::StartsWith("created "));
  EXPECT_THAT(imported.err, HasSubstr(dir_ + "/bad.txt: text: not valid UTF-8"));
  EXPECT_THAT(imported.err,
              HasSubstr("syndicate: summary: 1 created, 0 updated, 0 unchanged, 0 withdrawn, 1 "
                        "failed\nsyndicate:   failed: " +
                        dir_ + "/bad.txt: text: not valid UTF-8\n"));
  const RunResult listed = Syndicate({"list", "--brief"}, address_);
  ASSERT_EQ(listed.exit_code, 0);
  EXPECT_EQ(std::count(listed.out.begin(), listed.out.end(), '\n'), 1);
}

TEST_F(CliWithServerTest, ServerErrorsExitOneWithCodeAndMessage) {
  const RunResult not_found = Syndicate({"get", "0123456789abcdef0123456789abcdef"}, address_);
  EXPECT_EQ(not_found.exit_code, 1);
  EXPECT_EQ(not_found.err,
            "syndicate: NOT_FOUND: id: no article has id \"0123456789abcdef0123456789abcdef\"\n");
  const RunResult page_size = Syndicate({"list", "--page-size=-1"}, address_);
  EXPECT_EQ(page_size.exit_code, 1);
  EXPECT_EQ(page_size.err,
            "syndicate: INVALID_ARGUMENT: page_size: -1 is negative; use 0 for the default\n");
  const RunResult unknown_source =
      Syndicate({"import", "--source=nobody", Fixture("via.txt")}, address_);
  EXPECT_EQ(unknown_source.exit_code, 1);
  EXPECT_EQ(unknown_source.err, "syndicate: NOT_FOUND: --source: no source has id \"nobody\"\n");

  WriteFile(dir_ + "/article.json", R"({"sourceId": "scraped-republications",
      "externalId": "x-1", "headline": "A headline", "bodyText": "Text.",
      "attribution": {"creditLine": "Example Wire", "originalPublisher": "Example Wire",
                      "originalUrl": "ftp://example.org/x"}})");
  const RunResult publish = Syndicate({"publish", dir_ + "/article.json"}, address_);
  EXPECT_EQ(publish.exit_code, 1);
  EXPECT_EQ(publish.err,
            "syndicate: INVALID_ARGUMENT: article.attribution.original_url: "
            "\"ftp://example.org/x\" is not an absolute http(s) URL\n");

  // A byte order mark before the JSON is skipped.
  WriteFile(dir_ + "/bom.json",
            "\xEF\xBB\xBF"
            R"({"id": "bom-source", "name": "BOM"})");
  const RunResult bom = Syndicate({"source", "put", dir_ + "/bom.json"}, address_);
  EXPECT_EQ(bom.exit_code, 0) << bom.err;

  WriteFile(dir_ + "/typo.json", R"({"headlin": "x"})");
  const RunResult typo = Syndicate({"publish", dir_ + "/typo.json"}, address_);
  EXPECT_EQ(typo.exit_code, 1);
  EXPECT_THAT(typo.err, HasSubstr(dir_ + "/typo.json: not valid Article JSON: "));
}

TEST(CliUnreachable, AServerThatIsNotThereIsUnavailable) {
  // The client retries UNAVAILABLE, then gives up with it.
  const RunResult result =
      Syndicate({"source", "get", "x"}, ::syndicate::testing::UnusedLoopbackAddress());
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, ::testing::StartsWith("syndicate: UNAVAILABLE: "));
}

// Found by a user: an import kept trying every file after the server went away.
TEST_F(CliWithServerTest, ImportStopsWhenTheServerGoesAway) {
  server_->Signal(SIGKILL);
  ASSERT_THAT(server_->Wait(absl::Seconds(10)), IsOk());
  const RunResult imported =
      Syndicate({"import", "--source=scraped-republications", Fixture("via.txt"),
                 Fixture("crlf.txt"), Fixture("copyright.txt")},
                address_);
  EXPECT_EQ(imported.exit_code, 1);
  // The source lookup is the first call, so nothing is attempted.
  EXPECT_THAT(imported.err, ::testing::StartsWith("syndicate: UNAVAILABLE: "));
  EXPECT_EQ(imported.out, "");
}

// The article ids an import printed, in file order.
std::vector<std::string> ImportedIds(const RunResult& imported) {
  std::vector<std::string> ids;
  for (absl::string_view line : absl::StrSplit(imported.out, '\n', absl::SkipEmpty())) {
    std::vector<std::string> words = absl::StrSplit(line, ' ');
    if (words.size() >= 2) ids.push_back(words[1]);
  }
  return ids;
}

std::string IngestFixture(const std::string& name) {
  return SourceDir() + "/tests/ingest/testdata/" + name;
}

// The articles `convert` printed: pretty JSON objects one after another.
std::vector<syndication::v1::Article> ConvertedArticles(const std::string& out) {
  std::vector<syndication::v1::Article> articles;
  for (absl::string_view object : absl::StrSplit(out, "\n}\n", absl::SkipWhitespace())) {
    syndication::v1::Article article;
    EXPECT_THAT(client::ParseJson(absl::StrCat(object, "\n}"), "stdout", &article), IsOk());
    articles.push_back(article);
  }
  return articles;
}

TEST(CliOffline, ConvertReadsEveryFormatAndPrintsWarningsAndItemFailures) {
  const std::string rss = IngestFixture("feeds/rss_guids.xml");
  const RunResult result =
      Syndicate({"convert", rss, IngestFixture("ninjs/ninjs_3x.json"),
                 IngestFixture("html/html_opengraph.html"), IngestFixture("feeds/atom_entry.xml")},
                ::syndicate::testing::UnusedLoopbackAddress());
  // The RSS item without a title fails; everything else is printed.
  EXPECT_EQ(result.exit_code, 1);
  std::vector<std::string> headlines;
  for (const auto& article : ConvertedArticles(result.out)) headlines.push_back(article.headline());
  EXPECT_THAT(headlines,
              ::testing::ElementsAre("No guid, a link", "A guid that is not a URL",
                                     "First story with a shared guid",
                                     "Second story with the same guid", "Neither guid nor link",
                                     "A permalink guid and no link", "Lighthouse gets new lamp",
                                     "Market hall reopens", "Single entry document"));
  EXPECT_THAT(result.err, HasSubstr("syndicate: warning: " + rss +
                                    ": item 1: no guid: external_id is the link\n"));
  EXPECT_THAT(result.err, HasSubstr("syndicate: INVALID_ARGUMENT: " + rss +
                                    ": item 6 (\"no-title\"): headline: missing or empty\n"));
  EXPECT_THAT(result.err,
              HasSubstr("syndicate: warning: " + IngestFixture("html/html_opengraph.html") +
                        ": article:published_time: \"2026-03-05T09:00:00\" names no zone: read "
                        "in UTC\n"));
}

TEST(CliOffline, ConvertADirectorySkipsHiddenFilesAndSortsByName) {
  const std::string dir = ::syndicate::testing::FreshTempDir();
  std::filesystem::copy_file(IngestFixture("ninjs/ninjs_2x.json"), dir + "/b.json");
  std::filesystem::copy_file(IngestFixture("feeds/atom_entry.xml"), dir + "/a.xml");
  WriteFile(dir + "/.hidden", "not read");
  std::filesystem::create_directory(dir + "/sub");
  const RunResult result = Syndicate({"convert", dir});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::vector<syndication::v1::Article> articles = ConvertedArticles(result.out);
  ASSERT_EQ(articles.size(), 2u);
  EXPECT_EQ(articles[0].headline(), "Single entry document");
  EXPECT_EQ(articles[1].headline(), "Quay and harbour wall to be rebuilt");
}

// On a terminal (here a pseudo-terminal made by util-linux's script(1)) the import draws a
// progress bar on stderr, and clears it before the summary.
TEST_F(CliWithServerTest, ImportDrawsAProgressBarOnATerminal) {
  const std::string script = "/usr/bin/script";
  if (!std::filesystem::exists(script)) GTEST_SKIP() << script << " not found (bsdutils)";
  const std::string command =
      absl::StrCat(SYNDICATE_PATH, " import --source=scraped-republications ",
                   IngestFixture("feeds/rss_dates.xml"));
  auto result = ::syndicate::testing::Run({script, "-qec", command, "/dev/null"},
                                          {"SYNDICATE_SERVER=" + address_});
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->exit_code, 0) << result->out;
  EXPECT_THAT(result->out, HasSubstr("\r[------------------------------] 0/1 files, 1 items"));
  EXPECT_THAT(result->out, HasSubstr("\r[##############################] 1/1 files, 10 items"));
  EXPECT_THAT(result->out, HasSubstr("\r\x1b[Ksyndicate: summary: 10 created"));
}

TEST_F(CliWithServerTest, ImportsAFeedThenWithdrawsWhatItsTombstoneNames) {
  const std::string rss = IngestFixture("feeds/rss_guids.xml");
  const RunResult first = Syndicate({"import", "--source=scraped-republications", rss}, address_);
  EXPECT_EQ(first.exit_code, 1);
  const std::vector<std::string> lines = absl::StrSplit(first.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 6u) << first.out;
  EXPECT_THAT(lines[0], ::testing::StartsWith("created "));
  EXPECT_THAT(lines[0], ::testing::EndsWith(" v1 " + rss + " item 1"));
  // No progress bar: the output is a pipe.
  EXPECT_EQ(first.err.find('\r'), std::string::npos);
  EXPECT_THAT(first.err,
              HasSubstr("syndicate: summary: 6 created, 0 updated, 0 unchanged, 0 withdrawn, 1 "
                        "failed\nsyndicate:   failed: " +
                        rss + ": item 6 (\"no-title\"): headline: missing or empty\n"));
  const RunResult again = Syndicate({"import", "--source=scraped-republications", rss}, address_);
  EXPECT_THAT(again.err, HasSubstr("syndicate: summary: 0 created, 0 updated, 6 unchanged, 0 "
                                   "withdrawn, 1 failed\n"));

  const std::string feed =
      "<feed xmlns=\"http://www.w3.org/2005/Atom\" "
      "xmlns:at=\"http://purl.org/atompub/tombstones/1.0\"><title>Northwind Wire</title>";
  WriteFile(dir_ + "/before.atom",
            feed +
                "<entry><id>tag:news.example.org,2026:gone</id><title>Soon gone</title>"
                "<link href=\"https://news.example.org/gone\"/><content>Text.</content>"
                "</entry></feed>");
  WriteFile(dir_ + "/after.atom",
            feed +
                "<at:deleted-entry ref=\"tag:news.example.org,2026:gone\" "
                "when=\"2026-03-03T11:00:00Z\"><at:comment>Retracted</at:comment>"
                "</at:deleted-entry></feed>");
  const RunResult before =
      Syndicate({"import", "--source=scraped-republications", dir_ + "/before.atom"}, address_);
  ASSERT_EQ(before.exit_code, 0) << before.err;
  const std::string id = ImportedIds(before).at(0);
  const RunResult after =
      Syndicate({"import", "--source=scraped-republications", dir_ + "/after.atom"}, address_);
  ASSERT_EQ(after.exit_code, 0) << after.err;
  EXPECT_EQ(after.out, "withdrawn " + id + " v2 " + dir_ +
                           "/after.atom deleted entry 1 "
                           "(\"tag:news.example.org,2026:gone\")\n");
  EXPECT_THAT(after.err, HasSubstr("syndicate: summary: 0 created, 0 updated, 0 unchanged, 1 "
                                   "withdrawn, 0 failed\n"));
  const RunResult twice =
      Syndicate({"import", "--source=scraped-republications", dir_ + "/after.atom"}, address_);
  EXPECT_THAT(twice.out, ::testing::StartsWith("unchanged " + id + " (nothing to withdraw)"));
  const RunResult got = Syndicate({"get", id}, address_);
  EXPECT_THAT(got.out, HasSubstr("\"withdrawalReason\": \"Retracted\""));
}

// Issue 6: syndicated polls a source's feed by itself, and `source status` says how it went.
TEST_F(CliWithServerTest, TheServerPollsASourcesFeedAndSourceStatusShowsIt) {
  httplib::Server site;
  site.Get("/feed.xml", [](const httplib::Request&, httplib::Response& response) {
    response.set_header("ETag", "\"harbour-1\"");
    response.set_content(R"(<?xml version="1.0"?><rss version="2.0"><channel>
      <title>Harbour Wire</title>
      <item><title>Ferry timetable changes for the winter season</title>
        <link>https://harbour.example.org/news/ferry-winter</link><guid>ferry-winter</guid>
        <pubDate>Tue, 03 Mar 2026 09:30:00 GMT</pubDate>
        <description>Crossings to Gull Island drop to four a day.</description></item>
      <item><title>Lighthouse keeper retires</title>
        <link>https://harbour.example.org/news/lighthouse</link><guid>lighthouse</guid>
        <pubDate>Mon, 02 Mar 2026 08:00:00 GMT</pubDate>
        <description>Mara Quill hands over the lamp room.</description></item>
      </channel></rss>)",
                         "application/rss+xml");
  });
  const int port = site.bind_to_any_port("127.0.0.1");
  std::thread serving([&] { site.listen_after_bind(); });
  const std::string feed = absl::StrCat("http://127.0.0.1:", port, "/feed.xml");
  WriteFile(dir_ + "/harbour.json",
            absl::StrCat(R"({"id": "harbour-wire", "name": "Harbour Wire", "feedUrls": [")", feed,
                         R"("], "feedPollInterval": "1s"})"));
  const RunResult put = Syndicate({"source", "put", dir_ + "/harbour.json"}, address_);
  ASSERT_EQ(put.exit_code, 0) << put.err;

  // The poller sees the new source within a second and imports both items.
  RunResult listed;
  for (int i = 0; i < 150; ++i) {
    listed = Syndicate({"list", "--source=harbour-wire", "--brief"}, address_);
    if (absl::StrContains(listed.out, "Lighthouse keeper retires") &&
        absl::StrContains(listed.out, "Ferry timetable")) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(200));
  }
  EXPECT_THAT(listed.out, HasSubstr("Lighthouse keeper retires"));
  EXPECT_THAT(listed.out, HasSubstr("Ferry timetable changes for the winter season"));

  const RunResult status = Syndicate({"source", "status", "harbour-wire"}, address_);
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_THAT(status.out, ::testing::StartsWith(feed + "\n"));
  EXPECT_THAT(status.out, ::testing::ContainsRegex("last poll +[0-9T:-]+Z \\(HTTP (200|304)\\)"));
  EXPECT_THAT(status.out, HasSubstr("items seen        2\n"));
  EXPECT_THAT(status.out, HasSubstr("stories           2 created, 0 updated, 0 withdrawn\n"));
  EXPECT_THAT(status.out, ::testing::Not(HasSubstr("last error")));

  // A source without feeds says so.
  EXPECT_THAT(Syndicate({"source", "status", "scraped-republications"}, address_).out,
              ::testing::StartsWith("No feeds"));
  site.stop();
  serving.join();
}

class CliStreamTest : public CliWithServerTest {
 protected:
  std::vector<std::string> Import(const std::vector<std::string>& fixtures) {
    std::vector<std::string> args = {"import", "--source=scraped-republications"};
    for (const std::string& name : fixtures) args.push_back(Fixture(name));
    const RunResult imported = Syndicate(args, address_);
    EXPECT_EQ(imported.exit_code, 0) << imported.err;
    return ImportedIds(imported);
  }
};

TEST_F(CliStreamTest, PrintsOneJsonObjectALineAndExitsAfterTheLimit) {
  const std::vector<std::string> ids = Import({"via.txt", "crlf.txt", "copyright.txt"});
  ASSERT_EQ(ids.size(), 3u);
  const RunResult streamed = Syndicate({"stream", "--limit=3", "--from=beginning"}, address_);
  ASSERT_EQ(streamed.exit_code, 0) << streamed.err;
  EXPECT_EQ(streamed.err, "");
  EXPECT_EQ(std::count(streamed.out.begin(), streamed.out.end(), '\n'), 3);
  const auto lines = StreamLines(streamed.out);
  ASSERT_EQ(lines.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(lines[i].has_event()) << i;
    EXPECT_EQ(SequenceOf(lines[i].event().cursor()), static_cast<uint64_t>(i + 1));
    EXPECT_EQ(lines[i].event().type(), syndication::v1::EVENT_TYPE_PUBLISHED);
    EXPECT_EQ(lines[i].event().article_id(), ids[i]);
    EXPECT_EQ(lines[i].event().article().source_id(), "scraped-republications");
  }
  EXPECT_EQ(lines[0].event().article().attribution().credit_line(),
            "Example Wire via Harbour Post");

  // Filters reach the server: no story is in Welsh, so only the caught-up marker comes,
  // and a heartbeat a second later; the limit is never reached, and the stream is live.
  auto stream = ::syndicate::testing::Subprocess::Start(
      {SYNDICATE_PATH, "--server=" + address_, "stream", "--language=cy", "--heartbeat=1s"});
  ASSERT_THAT(stream, IsOk());
  auto caught_up = stream->ReadLine(absl::Seconds(60));
  ASSERT_THAT(caught_up, IsOk());
  EXPECT_EQ(*caught_up, R"({"caughtUp":{"headCursor":")" + lines[2].event().cursor() + R"("}})");
  auto heartbeat = stream->ReadLine(absl::Seconds(60));
  ASSERT_THAT(heartbeat, IsOk());
  EXPECT_EQ(*heartbeat, R"({"heartbeat":{"cursor":")" + lines[2].event().cursor() +
                            R"(","headCursor":")" + lines[2].event().cursor() + R"("}})");
  stream->Signal(SIGINT);
  const absl::StatusOr<int> exit_code = stream->Wait(absl::Seconds(60));
  ASSERT_THAT(exit_code, IsOk());
  EXPECT_EQ(*exit_code, 0);
}

TEST_F(CliStreamTest, ResumesFromTheCursorFileInANewProcess) {
  const std::vector<std::string> ids = Import({"via.txt", "crlf.txt", "copyright.txt"});
  ASSERT_EQ(ids.size(), 3u);
  const std::string cursor_file = dir_ + "/cursor";
  const RunResult first =
      Syndicate({"stream", "--cursor-file=" + cursor_file, "--limit=2"}, address_);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const auto first_lines = StreamLines(first.out);
  ASSERT_EQ(first_lines.size(), 2u);
  EXPECT_EQ(::syndicate::testing::ReadFileOrEmpty(cursor_file),
            first_lines[1].event().cursor() + "\n");

  const std::vector<std::string> later = Import({"dateline_wire.txt"});
  ASSERT_EQ(later.size(), 1u);
  // The saved cursor wins over --from=now.
  const RunResult second =
      Syndicate({"stream", "--cursor-file=" + cursor_file, "--from=now", "--limit=2"}, address_);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  const auto second_lines = StreamLines(second.out);
  ASSERT_EQ(second_lines.size(), 2u);
  EXPECT_EQ(SequenceOf(second_lines[0].event().cursor()), 3u);
  EXPECT_EQ(second_lines[0].event().article_id(), ids[2]);
  EXPECT_EQ(SequenceOf(second_lines[1].event().cursor()), 4u);
  EXPECT_EQ(second_lines[1].event().article_id(), later[0]);
  EXPECT_EQ(::syndicate::testing::ReadFileOrEmpty(cursor_file),
            second_lines[1].event().cursor() + "\n");
}

// Found in review: a cursor file in a missing directory failed only after the first event
// was printed.
TEST_F(CliStreamTest, ACursorFileThatCannotBeWrittenIsAUsageErrorBeforeAnyOutput) {
  ASSERT_EQ(Import({"via.txt"}).size(), 1u);
  const std::string missing = dir_ + "/missing/cursor";
  const RunResult in_missing =
      Syndicate({"stream", "--cursor-file=" + missing, "--limit=1"}, address_);
  EXPECT_EQ(in_missing.exit_code, 2);
  EXPECT_EQ(in_missing.out, "");
  EXPECT_EQ(in_missing.err, "syndicate: --cursor-file \"" + missing + "\": the directory \"" +
                                dir_ + "/missing\" does not exist\n");

  WriteFile(dir_ + "/plain", "not a directory\n");
  const std::string under_file = dir_ + "/plain/cursor";
  const RunResult in_file =
      Syndicate({"stream", "--cursor-file=" + under_file, "--limit=1"}, address_);
  EXPECT_EQ(in_file.exit_code, 2);
  EXPECT_EQ(in_file.out, "");
  EXPECT_EQ(in_file.err, "syndicate: --cursor-file \"" + under_file + "\": the directory \"" +
                             dir_ + "/plain\" is not a directory\n");
}

// Found in review: a cursor file holding garbage was reported as the server's complaint
// about after_cursor, which the user never gave.
TEST_F(CliStreamTest, ACursorFileHoldingSomethingElseIsNamed) {
  ASSERT_EQ(Import({"via.txt"}).size(), 1u);
  const std::string cursor_file = dir_ + "/cursor";
  WriteFile(cursor_file, "garbage\n");
  const RunResult refused =
      Syndicate({"stream", "--cursor-file=" + cursor_file, "--limit=1"}, address_);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(refused.out, "");
  EXPECT_EQ(refused.err, "syndicate: --cursor-file \"" + cursor_file +
                             "\": holds \"garbage\", which is not a cursor; delete the file to "
                             "start from --from\n");
  EXPECT_EQ(::syndicate::testing::ReadFileOrEmpty(cursor_file), "garbage\n");
}

TEST_F(CliStreamTest, ACursorOfAnotherHistoryExitsOneShowingTheFeedsCursors) {
  Import({"via.txt", "crlf.txt"});
  const RunResult ours = Syndicate({"stream", "--limit=1"}, address_);
  ASSERT_EQ(ours.exit_code, 0) << ours.err;
  const std::string epoch =
      ::syndicate::testing::EpochOf(StreamLines(ours.out).at(0).event().cursor());

  // A second server with its own data directory has its own feed history.
  absl::StatusOr<::syndicate::testing::Syndicated> other =
      ::syndicate::testing::StartSyndicated(dir_ + "/other-data");
  ASSERT_THAT(other, IsOk());
  ASSERT_EQ(
      Syndicate({"source", "put", SourceDir() + "/examples/source.json"}, other->address).exit_code,
      0);
  ASSERT_EQ(
      Syndicate({"import", "--source=scraped-republications", Fixture("via.txt")}, other->address)
          .exit_code,
      0);
  const RunResult theirs = Syndicate({"stream", "--limit=1"}, other->address);
  ASSERT_EQ(theirs.exit_code, 0) << theirs.err;
  const std::string foreign = StreamLines(theirs.out).at(0).event().cursor();
  ASSERT_NE(::syndicate::testing::EpochOf(foreign), epoch);

  const RunResult refused = Syndicate({"stream", "--after=" + foreign}, address_);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(refused.out, "");
  const std::vector<std::string> err = absl::StrSplit(refused.err, '\n', absl::SkipEmpty());
  ASSERT_EQ(err.size(), 3u) << refused.err;
  EXPECT_THAT(err[0], ::testing::StartsWith("syndicate: FAILED_PRECONDITION: after_cursor: "));
  EXPECT_EQ(err[1],
            "syndicate: CURSOR_EXPIRED: head_cursor=" + epoch + ":2 oldest_cursor=" + epoch + ":0");
  EXPECT_EQ(err[2],
            "syndicate: events were missed: re-sync with `syndicate list "
            "--order-by=version_created --show-withdrawn --updated-after=TIME` (TIME: when this "
            "stream last had everything), then stream --after=" +
                epoch + ":2");
}

TEST_F(CliStreamTest, SurvivesAServerRestartAndStopsOnSigterm) {
  const std::vector<std::string> before = Import({"via.txt", "crlf.txt"});
  ASSERT_EQ(before.size(), 2u);
  auto stream = ::syndicate::testing::Subprocess::Start(
      {SYNDICATE_PATH, "--server=" + address_, "stream", "--from=beginning"});
  ASSERT_THAT(stream, IsOk());
  std::vector<std::string> lines;
  for (int i = 0; i < 3; ++i) {  // two events and caught_up
    auto line = stream->ReadLine(absl::Seconds(60));
    ASSERT_THAT(line, IsOk());
    lines.push_back(*line);
  }

  server_->Signal(SIGKILL);
  ASSERT_THAT(server_->Wait(absl::Seconds(60)), IsOk());
  server_.reset();
  absl::StatusOr<::syndicate::testing::Syndicated> restarted =
      ::syndicate::testing::StartSyndicated(dir_ + "/data", address_);
  ASSERT_THAT(restarted, IsOk());
  ASSERT_EQ(restarted->address, address_);
  const std::vector<std::string> after = Import({"copyright.txt", "dateline_wire.txt"});
  ASSERT_EQ(after.size(), 2u);

  // The reconnection's caught_up marker may come before, between or after the new events.
  std::vector<std::string> events;
  for (const std::string& line : lines) {
    if (absl::StartsWith(line, R"({"event")")) events.push_back(line);
  }
  while (events.size() < 4) {
    auto line = stream->ReadLine(absl::Seconds(60));
    ASSERT_THAT(line, IsOk());
    if (absl::StartsWith(*line, R"({"event")")) events.push_back(*line);
  }
  stream->Signal(SIGTERM);
  const absl::StatusOr<int> exit_code = stream->Wait(absl::Seconds(60));
  ASSERT_THAT(exit_code, IsOk());
  EXPECT_EQ(*exit_code, 0);

  std::vector<std::string> ids = before;
  ids.insert(ids.end(), after.begin(), after.end());
  const auto responses = StreamLines(absl::StrJoin(events, "\n"));
  ASSERT_EQ(responses.size(), 4u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(SequenceOf(responses[i].event().cursor()), static_cast<uint64_t>(i + 1));
    EXPECT_EQ(responses[i].event().article_id(), ids[i]);
  }
}

}  // namespace
}  // namespace syndicate
