// One HTTP GET of a feed, through libcurl: a conditional request (RFC 9110 §13.1:
// If-None-Match from the last ETag, If-Modified-Since from the last Last-Modified), a
// deadline for the whole transfer, a bounded number of redirects that stay on http(s), and
// a cap on the body's size that stops the transfer as soon as it is passed, so a huge or
// endless response never fills memory. gzip and deflate bodies are accepted and decoded.
//
// Thread-safe: each call has its own curl handle; many may run at once.
#ifndef SYNDICATE_INGEST_HTTP_FETCH_H_
#define SYNDICATE_INGEST_HTTP_FETCH_H_

#include <atomic>
#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace syndicate::ingest {

struct FetchRequest {
  // Absolute http(s) URL.
  std::string url;
  // Validators from the last 200 response, or "": sent as If-None-Match and
  // If-Modified-Since.
  std::string etag;
  std::string last_modified;
  // For the whole transfer, connecting and redirects included. Default: 30 s.
  absl::Duration timeout = absl::Seconds(30);
  // Most redirects followed (301, 302, 303, 307, 308), each only to http(s). Default: 5.
  int max_redirects = 5;
  // Largest body accepted, in bytes, after decoding gzip. Default: 16 MiB.
  size_t max_body_bytes = size_t{16} << 20;
  // The User-Agent header. Default: "syndicated-feed-poller/1".
  std::string user_agent = "syndicated-feed-poller/1";
  // Whether connections may go to loopback, private, link-local (cloud metadata) and other
  // non-public addresses (IsPublicAddress). Checked on every connection, redirects
  // included, after the name is resolved, so a public name that resolves to a private
  // address is refused too. Fetches never go through a proxy (http_proxy and the like are
  // ignored), so the check sees the feed's own address. Default: false.
  bool allow_private_addresses = false;
  // When set, the transfer stops soon after *cancel becomes true (a server shutting down).
  // Not owned.
  const std::atomic<bool>* cancel = nullptr;
};

struct FetchResponse {
  // The final response's status: 200 (the body is the feed), 304 (not modified since the
  // validators; no body), or any other the server sent (the caller decides).
  int http_status = 0;
  // The body of a 200 response; empty for any other.
  std::string body;
  // The 200 response's Content-Type, ETag and Last-Modified header values, or "".
  std::string content_type;
  std::string etag;
  std::string last_modified;
  // The URL the response came from, after redirects: the base of the body's relative links.
  std::string final_url;
};

// GETs request.url. A response with any HTTP status is a result; errors are only for
// responses that did not complete, each message naming the URL:
//   INVALID_ARGUMENT    the URL is not an absolute http(s) URL.
//   FAILED_PRECONDITION more than max_redirects redirects, or one to a URL that is not
//                       http(s).
//   RESOURCE_EXHAUSTED  the body passed max_body_bytes.
//   DEADLINE_EXCEEDED   the transfer took longer than timeout.
//   CANCELLED           *request.cancel became true.
//   PERMISSION_DENIED   the URL, or a redirect, leads to a non-public address and
//                       allow_private_addresses is false.
//   UNAVAILABLE         the name did not resolve, the connection was refused or broke, TLS
//                       failed.
absl::StatusOr<FetchResponse> Fetch(const FetchRequest& request);

// False for the addresses a fetch of a publisher's URL must not reach unless allowed:
// IPv4 0/8, 10/8, 100.64/10 (carrier-grade NAT), 127/8, 169.254/16 (link-local, cloud
// metadata), 172.16/12, 192.168/16, 198.18/15 (benchmarking), 224/4 and above; IPv6 ::,
// ::1, fc00::/7, fe80::/10, fec0::/10, ff00::/8, and the IPv4-mapped (::ffff:0:0/96) and
// NAT64 (64:ff9b::/96) forms of the IPv4 ones (RFC 6890 special-purpose registries).
// `address` is a numeric IPv4 or IPv6 address; anything else is not public.
bool IsPublicAddress(const std::string& address);

}  // namespace syndicate::ingest

#endif  // SYNDICATE_INGEST_HTTP_FETCH_H_
