// ingest::Fetch against a cpp-httplib server on 127.0.0.1 and a port the kernel picks:
// conditional GET, redirects and their bound, the body cap, the deadline, cancellation and
// the errors of each.
#include "ingest/http_fetch.h"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace syndicate::ingest {
namespace {

using ::syndicate::testing::IsOk;
using ::syndicate::testing::StatusIs;
using ::testing::HasSubstr;

constexpr char kFeed[] =
    "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Harbour</title></channel></rss>";

// An HTTP server on 127.0.0.1:<free port> for the life of the test.
class LocalHttp {
 public:
  LocalHttp() {
    port_ = server.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server.listen_after_bind(); });
    while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~LocalHttp() {
    server.stop();
    thread_.join();
  }
  std::string Url(const std::string& path) const {
    return absl::StrCat("http://127.0.0.1:", port_, path);
  }

  httplib::Server server;

 private:
  int port_ = 0;
  std::thread thread_;
};

TEST(HttpFetch, AnswersWithTheBodyAndValidatorsThenNotModified) {
  LocalHttp http;
  std::atomic<int> conditional{0};
  http.server.Get("/feed.xml", [&](const httplib::Request& request, httplib::Response& response) {
    if (request.get_header_value("If-None-Match") == "\"v7\"" &&
        request.get_header_value("If-Modified-Since") == "Tue, 03 Mar 2026 09:30:00 GMT") {
      ++conditional;
      response.status = 304;
      return;
    }
    response.set_header("ETag", "\"v7\"");
    response.set_header("Last-Modified", "Tue, 03 Mar 2026 09:30:00 GMT");
    response.set_content(kFeed, "application/rss+xml; charset=utf-8");
  });

  FetchRequest request;
  request.allow_private_addresses = true;  // the test server is on 127.0.0.1
  request.url = http.Url("/feed.xml");
  SYNDICATE_ASSERT_OK_AND_ASSIGN(FetchResponse first, Fetch(request));
  EXPECT_EQ(first.http_status, 200);
  EXPECT_EQ(first.body, kFeed);
  EXPECT_EQ(first.content_type, "application/rss+xml; charset=utf-8");
  EXPECT_EQ(first.etag, "\"v7\"");
  EXPECT_EQ(first.last_modified, "Tue, 03 Mar 2026 09:30:00 GMT");
  EXPECT_EQ(first.final_url, request.url);

  request.etag = first.etag;
  request.last_modified = first.last_modified;
  SYNDICATE_ASSERT_OK_AND_ASSIGN(FetchResponse second, Fetch(request));
  EXPECT_EQ(second.http_status, 304);
  EXPECT_EQ(second.body, "");
  EXPECT_EQ(conditional.load(), 1);
}

TEST(HttpFetch, FollowsRedirectsUpToTheBoundAndReportsTheFinalUrl) {
  LocalHttp http;
  http.server.Get("/old", [&](const httplib::Request&, httplib::Response& response) {
    response.set_redirect(http.Url("/moved"), 301);
  });
  http.server.Get("/moved", [&](const httplib::Request&, httplib::Response& response) {
    response.set_redirect("/feeds/harbour.xml", 302);  // relative, resolved by curl
  });
  http.server.Get("/feeds/harbour.xml", [&](const httplib::Request&, httplib::Response& response) {
    response.set_header("ETag", "\"final\"");
    response.set_content(kFeed, "application/rss+xml");
  });
  FetchRequest request;
  request.allow_private_addresses = true;  // the test server is on 127.0.0.1
  request.url = http.Url("/old");
  SYNDICATE_ASSERT_OK_AND_ASSIGN(FetchResponse response, Fetch(request));
  EXPECT_EQ(response.http_status, 200);
  EXPECT_EQ(response.final_url, http.Url("/feeds/harbour.xml"));
  EXPECT_EQ(response.etag, "\"final\"");  // the last response's, not a redirect's

  request.max_redirects = 1;
  EXPECT_THAT(Fetch(request),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("more than 1 redirects")));
}

TEST(HttpFetch, ARedirectOffHttpIsRefused) {
  LocalHttp http;
  http.server.Get("/feed", [](const httplib::Request&, httplib::Response& response) {
    response.set_redirect("file:///etc/passwd", 302);
  });
  FetchRequest request;
  request.allow_private_addresses = true;  // the test server is on 127.0.0.1
  request.url = http.Url("/feed");
  EXPECT_THAT(Fetch(request), StatusIs(absl::StatusCode::kFailedPrecondition,
                                       HasSubstr("redirected to a URL that is not http(s)")));
}

TEST(HttpFetch, AnErrorStatusIsAResponseWithoutABody) {
  LocalHttp http;
  http.server.Get("/gone", [](const httplib::Request&, httplib::Response& response) {
    response.status = 404;
    response.set_content("<html>no such feed</html>", "text/html");
  });
  FetchRequest request;
  request.allow_private_addresses = true;  // the test server is on 127.0.0.1
  request.url = http.Url("/gone");
  SYNDICATE_ASSERT_OK_AND_ASSIGN(FetchResponse response, Fetch(request));
  EXPECT_EQ(response.http_status, 404);
  EXPECT_EQ(response.body, "");
  EXPECT_EQ(response.content_type, "");
}

TEST(HttpFetch, ABodyOverTheCapStopsTheTransfer) {
  LocalHttp http;
  const std::string big(64 * 1024, 'x');
  http.server.Get("/sized", [&](const httplib::Request&, httplib::Response& response) {
    response.set_content(big, "application/rss+xml");  // with Content-Length
  });
  // Chunked, with no length announced: the cap must hold while it streams, and the
  // server would go on for ever.
  http.server.Get("/endless", [](const httplib::Request&, httplib::Response& response) {
    response.set_chunked_content_provider("application/rss+xml",
                                          [](size_t, httplib::DataSink& sink) {
                                            const std::string chunk(4096, 'y');
                                            return sink.write(chunk.data(), chunk.size());
                                          });
  });
  FetchRequest request;
  request.allow_private_addresses = true;  // the test server is on 127.0.0.1
  request.max_body_bytes = 16 * 1024;
  for (const char* path : {"/sized", "/endless"}) {
    request.url = http.Url(path);
    EXPECT_THAT(Fetch(request),
                StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("over 16384 bytes")))
        << path;
  }
  request.url = http.Url("/sized");
  request.max_body_bytes = big.size();
  EXPECT_THAT(Fetch(request), IsOk());  // exactly at the cap is allowed
}

TEST(HttpFetch, ASlowServerRunsIntoTheDeadline) {
  LocalHttp http;
  std::atomic<bool> release{false};
  http.server.Get("/slow", [&](const httplib::Request&, httplib::Response& response) {
    for (int i = 0; i < 100 && !release; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    response.set_content(kFeed, "application/rss+xml");
  });
  FetchRequest request;
  request.allow_private_addresses = true;  // the test server is on 127.0.0.1
  request.url = http.Url("/slow");
  request.timeout = absl::Milliseconds(200);
  EXPECT_THAT(Fetch(request),
              StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr("timed out after 200ms")));
  release = true;
}

TEST(HttpFetch, CancelStopsAFetchUnderWay) {
  LocalHttp http;
  std::atomic<bool> release{false};
  http.server.Get("/slow", [&](const httplib::Request&, httplib::Response& response) {
    for (int i = 0; i < 200 && !release; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    response.set_content(kFeed, "application/rss+xml");
  });
  std::atomic<bool> cancel{false};
  FetchRequest request;
  request.allow_private_addresses = true;  // the test server is on 127.0.0.1
  request.url = http.Url("/slow");
  request.cancel = &cancel;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    cancel = true;
  });
  EXPECT_THAT(Fetch(request), StatusIs(absl::StatusCode::kCancelled));
  canceller.join();
  release = true;
}

TEST(HttpFetch, TransportFailuresAndBadUrls) {
  std::string closed_url;
  {
    LocalHttp http;  // a port that was free, closed again
    closed_url = http.Url("/feed.xml");
  }
  FetchRequest request;
  request.allow_private_addresses = true;  // the test server is on 127.0.0.1
  request.url = closed_url;
  EXPECT_THAT(Fetch(request), StatusIs(absl::StatusCode::kUnavailable, HasSubstr(closed_url)));
  request.url = "ftp://harbour.example.org/feed.xml";
  EXPECT_THAT(Fetch(request),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not an absolute http(s)")));
  request.url = "/feed.xml";
  EXPECT_THAT(Fetch(request), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(HttpFetch, NonPublicAddressesAreRefusedUnlessAllowed) {
  LocalHttp http;
  http.server.Get("/feed.xml", [](const httplib::Request&, httplib::Response& response) {
    response.set_content(kFeed, "application/rss+xml");
  });
  FetchRequest request;
  request.url = http.Url("/feed.xml");
  EXPECT_THAT(Fetch(request), StatusIs(absl::StatusCode::kPermissionDenied,
                                       HasSubstr("127.0.0.1 is not a public address")));
  // By name too: the check is on the address the name resolves to.
  request.url = absl::StrCat("http://localhost:", request.url.substr(request.url.rfind(':') + 1));
  EXPECT_THAT(Fetch(request), StatusIs(absl::StatusCode::kPermissionDenied));
  request.allow_private_addresses = true;
  EXPECT_THAT(Fetch(request), IsOk());
}

TEST(HttpFetch, IsPublicAddressKnowsTheSpecialRanges) {
  for (const char* address : {"127.0.0.1",
                              "127.255.0.9",
                              "10.1.2.3",
                              "172.16.0.1",
                              "172.31.255.255",
                              "192.168.1.1",
                              "169.254.169.254",
                              "100.64.0.1",
                              "0.0.0.0",
                              "224.0.0.1",
                              "255.255.255.255",
                              "::",
                              "::1",
                              "fc00::1",
                              "fd12:3456::1",
                              "fe80::1",
                              "ff02::1",
                              "::ffff:127.0.0.1",
                              "::ffff:10.0.0.1",
                              "not an address",
                              "",
                              "example.org"}) {
    EXPECT_FALSE(IsPublicAddress(address)) << address;
  }
  for (const char* address :
       {"93.184.216.34", "172.32.0.1", "100.128.0.1", "8.8.8.8", "2001:db8::1", "2606:4700::1111",
        "::ffff:93.184.216.34", "198.20.0.1", "64:ff9b::5db8:d822"}) {
    EXPECT_TRUE(IsPublicAddress(address)) << address;
  }
}

}  // namespace
}  // namespace syndicate::ingest
