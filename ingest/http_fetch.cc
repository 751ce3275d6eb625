#include "ingest/http_fetch.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace syndicate::ingest {
namespace {

// What the callbacks gather during one transfer.
struct Transfer {
  bool allow_private_addresses = false;
  // The first address a connection was refused to, as text; empty when none was.
  std::string refused_address;
  size_t max_body_bytes = 0;
  bool body_too_large = false;
  std::string body;
  // Headers of the latest response only: a redirect's are dropped when the next starts.
  std::string etag;
  std::string last_modified;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  if (transfer->body.size() + bytes > transfer->max_body_bytes) {
    transfer->body_too_large = true;
    return 0;  // makes curl stop with CURLE_WRITE_ERROR
  }
  transfer->body.append(data, bytes);
  return bytes;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  absl::string_view line(data, bytes);
  if (absl::StartsWith(line, "HTTP/")) {  // a new response begins (after a redirect)
    transfer->etag.clear();
    transfer->last_modified.clear();
    return bytes;
  }
  const size_t colon = line.find(':');
  if (colon == absl::string_view::npos) return bytes;
  const absl::string_view name = absl::StripAsciiWhitespace(line.substr(0, colon));
  const absl::string_view value = absl::StripAsciiWhitespace(line.substr(colon + 1));
  if (absl::EqualsIgnoreCase(name, "ETag")) transfer->etag = std::string(value);
  if (absl::EqualsIgnoreCase(name, "Last-Modified")) {
    transfer->last_modified = std::string(value);
  }
  return bytes;
}

// Opens the socket of each connection curl makes, redirects included, unless its address
// is not public and that is not allowed.
curl_socket_t OnOpenSocket(void* user, curlsocktype, curl_sockaddr* address) {
  auto* transfer = static_cast<Transfer*>(user);
  if (!transfer->allow_private_addresses) {
    char text[INET6_ADDRSTRLEN] = {0};
    const void* raw = nullptr;
    if (address->family == AF_INET) {
      raw = &reinterpret_cast<const sockaddr_in*>(&address->addr)->sin_addr;
    } else if (address->family == AF_INET6) {
      raw = &reinterpret_cast<const sockaddr_in6*>(&address->addr)->sin6_addr;
    }
    if (raw == nullptr || inet_ntop(address->family, raw, text, sizeof text) == nullptr ||
        !IsPublicAddress(text)) {
      if (transfer->refused_address.empty()) {
        transfer->refused_address = raw == nullptr ? "a non-IP address" : text;
      }
      return CURL_SOCKET_BAD;
    }
  }
  return socket(address->family, address->socktype, address->protocol);
}

// Called by curl about once a second and on every chunk: non-zero stops the transfer.
int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* cancel = static_cast<const std::atomic<bool>*>(user);
  return cancel->load(std::memory_order_relaxed) ? 1 : 0;
}

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct HeaderListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

}  // namespace

absl::StatusOr<FetchResponse> Fetch(const FetchRequest& request) {
  const absl::string_view url = request.url;
  if (!absl::StartsWithIgnoreCase(url, "http://") && !absl::StartsWithIgnoreCase(url, "https://")) {
    return absl::InvalidArgumentError(
        absl::StrCat("url: \"", url, "\" is not an absolute http(s) URL"));
  }
  InitCurlOnce();
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (curl == nullptr) return absl::ResourceExhaustedError("fetch: cannot make a curl handle");
  CURL* handle = curl.get();

  Transfer transfer;
  transfer.max_body_bytes = request.max_body_bytes;
  transfer.allow_private_addresses = request.allow_private_addresses;
  std::unique_ptr<curl_slist, HeaderListDeleter> headers;
  const auto add_header = [&headers](const std::string& header) {
    headers.reset(curl_slist_append(headers.release(), header.c_str()));
  };
  if (!request.etag.empty()) add_header(absl::StrCat("If-None-Match: ", request.etag));
  if (!request.last_modified.empty()) {
    add_header(absl::StrCat("If-Modified-Since: ", request.last_modified));
  }
  char error_text[CURL_ERROR_SIZE] = {0};
  const long timeout_ms = static_cast<long>(absl::ToInt64Milliseconds(request.timeout));

  curl_easy_setopt(handle, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(handle, CURLOPT_MAXREDIRS, static_cast<long>(request.max_redirects));
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);         // no SIGALRM for DNS timeouts in threads
  curl_easy_setopt(handle, CURLOPT_ACCEPT_ENCODING, "");  // every encoding curl decodes
  curl_easy_setopt(handle, CURLOPT_MAXFILESIZE_LARGE,
                   static_cast<curl_off_t>(request.max_body_bytes));
  curl_easy_setopt(handle, CURLOPT_USERAGENT, request.user_agent.c_str());
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(handle, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_text);
  // Straight to the feed's host, never through a proxy from the environment: the address
  // check above must see the feed's own address.
  curl_easy_setopt(handle, CURLOPT_PROXY, "");
  curl_easy_setopt(handle, CURLOPT_OPENSOCKETFUNCTION, OnOpenSocket);
  curl_easy_setopt(handle, CURLOPT_OPENSOCKETDATA, &transfer);

  if (request.cancel != nullptr) {
    curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, OnProgress);
    curl_easy_setopt(handle, CURLOPT_XFERINFODATA, request.cancel);
    curl_easy_setopt(handle, CURLOPT_NOPROGRESS, 0L);
  }

  const CURLcode code = curl_easy_perform(handle);
  const std::string detail = error_text[0] != '\0' ? error_text : curl_easy_strerror(code);
  if (code != CURLE_OK && !transfer.refused_address.empty()) {
    return absl::PermissionDeniedError(absl::StrCat(
        "GET ", url, ": ", transfer.refused_address,
        " is not a public address (feeds may not reach loopback, private or link-local "
        "addresses)"));
  }
  switch (code) {
    case CURLE_OK:
      break;
    case CURLE_OPERATION_TIMEDOUT:
      return absl::DeadlineExceededError(
          absl::StrCat("GET ", url, ": timed out after ", absl::FormatDuration(request.timeout)));
    case CURLE_ABORTED_BY_CALLBACK:
      return absl::CancelledError(absl::StrCat("GET ", url, ": cancelled"));
    case CURLE_TOO_MANY_REDIRECTS:
      return absl::FailedPreconditionError(absl::StrCat(
          "GET ", url, ": more than ", request.max_redirects, " redirects (max_redirects)"));
    case CURLE_UNSUPPORTED_PROTOCOL: {
      long redirects = 0;
      curl_easy_getinfo(handle, CURLINFO_REDIRECT_COUNT, &redirects);
      if (redirects == 0) {  // the server did not speak HTTP/1.x or HTTP/2
        return absl::UnavailableError(absl::StrCat("GET ", url, ": ", detail));
      }
      return absl::FailedPreconditionError(
          absl::StrCat("GET ", url, ": redirected to a URL that is not http(s): ", detail));
    }
    case CURLE_FILESIZE_EXCEEDED:
      return absl::ResourceExhaustedError(
          absl::StrCat("GET ", url, ": the body is over ", request.max_body_bytes, " bytes"));
    case CURLE_WRITE_ERROR:
      if (transfer.body_too_large) {
        return absl::ResourceExhaustedError(
            absl::StrCat("GET ", url, ": the body is over ", request.max_body_bytes, " bytes"));
      }
      [[fallthrough]];
    default:
      return absl::UnavailableError(absl::StrCat("GET ", url, ": ", detail));
  }

  long status = 0;
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
  char* final_url = nullptr;
  curl_easy_getinfo(handle, CURLINFO_EFFECTIVE_URL, &final_url);
  char* content_type = nullptr;
  curl_easy_getinfo(handle, CURLINFO_CONTENT_TYPE, &content_type);

  FetchResponse response;
  response.http_status = static_cast<int>(status);
  response.final_url = final_url != nullptr ? final_url : request.url;
  if (status == 200) {
    response.body = std::move(transfer.body);
    response.content_type = content_type != nullptr ? content_type : "";
    response.etag = std::move(transfer.etag);
    response.last_modified = std::move(transfer.last_modified);
  }
  return response;
}

bool IsPublicAddress(const std::string& address) {
  in_addr v4{};
  in6_addr v6{};
  uint32_t ip = 0;  // host order
  if (inet_pton(AF_INET, address.c_str(), &v4) == 1) {
    ip = ntohl(v4.s_addr);
  } else if (inet_pton(AF_INET6, address.c_str(), &v6) == 1) {
    const uint8_t* b = v6.s6_addr;
    const bool v4_mapped =
        std::all_of(b, b + 10, [](uint8_t x) { return x == 0; }) && b[10] == 0xff && b[11] == 0xff;
    // NAT64 (64:ff9b::/96) carries an IPv4 address in its last four bytes, as a mapped one.
    const bool nat64 = b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b &&
                       std::all_of(b + 4, b + 12, [](uint8_t x) { return x == 0; });
    if (!v4_mapped && !nat64) {
      const bool unspecified_or_loopback =
          std::all_of(b, b + 15, [](uint8_t x) { return x == 0; }) && b[15] <= 1;
      return !unspecified_or_loopback && (b[0] & 0xfe) != 0xfc &&  // fc00::/7 unique local
             !(b[0] == 0xfe &&
               (b[1] & 0x80) == 0x80) &&  // fe80::/10 link-local, fec0::/10 site-local
             b[0] != 0xff;                // ff00::/8 multicast
    }
    ip = (uint32_t{b[12]} << 24) | (uint32_t{b[13]} << 16) | (uint32_t{b[14]} << 8) | b[15];
  } else {
    return false;
  }
  const auto in = [ip](uint32_t network, int bits) {
    return (ip >> (32 - bits)) == (network >> (32 - bits));
  };
  return !(in(0x00000000, 8) || in(0x0a000000, 8) || in(0x64400000, 10) || in(0x7f000000, 8) ||
           in(0xa9fe0000, 16) || in(0xac100000, 12) || in(0xc0a80000, 16) || in(0xc6120000, 15) ||
           ip >= 0xe0000000);
}

}  // namespace syndicate::ingest
