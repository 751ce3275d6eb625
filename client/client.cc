#include "client/client.h"

#include <fcntl.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>
#include <grpcpp/support/sync_stream.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <optional>
#include <random>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "client/error_info.h"
#include "common/article_signing.h"
#include "google/protobuf/any.pb.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace syndicate::client {
namespace {

using syndication::v1::StreamArticlesRequest;
using syndication::v1::StreamArticlesResponse;

constexpr char kRetryInfoTypeUrl[] = "type.googleapis.com/google.rpc.RetryInfo";

// Well above the largest event (an article is at most 1 MiB), so that RESOURCE_EXHAUSTED on
// a stream only ever means the server's stream limit, which is worth retrying.
constexpr int kMaxStreamMessageBytes = 64 * 1024 * 1024;

// gRPC retry policy (gRFC A6): every method of both services is idempotent.
constexpr char kServiceConfig[] = R"json({
  "methodConfig": [{
    "name": [{"service": "syndication.v1.PublishingService"},
             {"service": "syndication.v1.SyndicationService"}],
    "retryPolicy": {
      "maxAttempts": 4,
      "initialBackoff": "0.2s",
      "maxBackoff": "2s",
      "backoffMultiplier": 2,
      "retryableStatusCodes": ["UNAVAILABLE"]
    }
  }]
})json";

int Milliseconds(absl::Duration duration) {
  return static_cast<int>(std::clamp<int64_t>(absl::ToInt64Milliseconds(duration), 1, INT32_MAX));
}

// A channel to options.server with keepalive on. A stream's channel has no retry policy
// (Subscribe resumes by itself) and subchannels of its own: gRPC otherwise shares one
// connection, and its reconnect backoff, among channels to the same address.
std::shared_ptr<grpc::Channel> MakeChannel(const ClientOptions& options, bool for_stream) {
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, Milliseconds(options.keepalive_time));
  arguments.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, Milliseconds(options.keepalive_timeout));
  // A stream's client sends no data after its request; keep pinging anyway.
  arguments.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  if (for_stream) {
    arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    arguments.SetMaxReceiveMessageSize(kMaxStreamMessageBytes);
  } else {
    arguments.SetServiceConfigJSON(kServiceConfig);
  }
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (!options.tls_ca_pem.empty()) {
    grpc::SslCredentialsOptions tls;
    tls.pem_root_certs = options.tls_ca_pem;
    tls.pem_cert_chain = options.tls_cert_pem;
    tls.pem_private_key = options.tls_key_pem;
    credentials = grpc::SslCredentials(tls);
  }
  return grpc::CreateCustomChannel(options.server, credentials, arguments);
}

absl::Status CursorFileError(int error, absl::string_view what, const std::string& path) {
  return absl::ErrnoToStatus(error, absl::StrCat("cursor_file: cannot ", what, " \"", path, "\""));
}

// The cursor saved in `path`; nullopt when the file does not exist or holds only spaces.
absl::StatusOr<std::optional<std::string>> ReadCursorFile(const std::string& path) {
  std::error_code error;
  const std::filesystem::file_status status = std::filesystem::status(path, error);
  if (status.type() == std::filesystem::file_type::not_found) return std::nullopt;
  if (error) return CursorFileError(error.value(), "read", path);
  if (!std::filesystem::is_regular_file(status)) {
    return absl::InvalidArgumentError(
        absl::StrCat("cursor_file: \"", path, "\" is not a regular file"));
  }
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return CursorFileError(errno, "read", path);
  std::string content;
  char buffer[4096];
  while (true) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int read_error = errno;
      close(fd);
      return CursorFileError(read_error, "read", path);
    }
    if (n == 0) break;
    content.append(buffer, static_cast<size_t>(n));
    // A cursor is a few dozen bytes; anything this long is not one.
    if (content.size() > 4096) {
      close(fd);
      return absl::InvalidArgumentError(
          absl::StrCat("cursor_file: \"", path, "\" is too long to hold a cursor"));
    }
  }
  close(fd);
  const absl::string_view cursor = absl::StripAsciiWhitespace(content);
  if (cursor.empty()) return std::nullopt;
  return std::string(cursor);
}

// Replaces the content of `path` with `cursor` and a newline: a temporary file of a name
// of its own beside it (so that two subscribers on one file never write into each other's),
// fsynced, renamed over it. The temporary file is removed again when a step fails.
absl::Status WriteCursorFile(const std::string& path, const std::string& cursor) {
  thread_local std::mt19937_64 random(std::random_device{}());
  std::string temporary;
  int fd = -1;
  // O_EXCL makes the name ours; a clash (a file left by a process that crashed) draws again.
  for (int attempt = 0; fd < 0; ++attempt) {
    temporary = absl::StrCat(path, ".tmp.", absl::Hex(random(), absl::kZeroPad16));
    fd = open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 && (errno != EEXIST || attempt == 100)) {
      return CursorFileError(errno, "write", temporary);
    }
  }
  const auto fail = [&](int error, const std::string& what) {
    if (fd >= 0) close(fd);
    unlink(temporary.c_str());
    return CursorFileError(error, "write", what);
  };
  const std::string content = cursor + "\n";
  size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(errno, temporary);
    written += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0) return fail(errno, temporary);
  const int closed = close(fd);
  fd = -1;
  if (closed != 0) return fail(errno, temporary);
  if (std::rename(temporary.c_str(), path.c_str()) != 0) return fail(errno, path);
  return absl::OkStatus();
}

// The position a response lets a stream resume after; null for one without a cursor.
const std::string* ResumeCursor(const StreamArticlesResponse& response) {
  switch (response.kind_case()) {
    case StreamArticlesResponse::kEvent:
      return &response.event().cursor();
    case StreamArticlesResponse::kCaughtUp:
      return &response.caught_up().head_cursor();
    case StreamArticlesResponse::kHeartbeat:
      return &response.heartbeat().cursor();
    case StreamArticlesResponse::KIND_NOT_SET:
      break;
  }
  return nullptr;
}

// Whether a connection that ended with `status` (not by our stop) is worth another: the
// server or the network may recover; see Client::Subscribe.
bool Recoverable(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kCancelled:
      return true;
    default:
      return false;
  }
}

// The retry_delay of a google.rpc.RetryInfo in `status`, or zero.
absl::Duration RetryDelay(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kRetryInfoTypeUrl);
  google::rpc::RetryInfo info;
  if (!payload.has_value() || !info.ParseFromString(std::string(*payload))) {
    return absl::ZeroDuration();
  }
  return absl::Seconds(info.retry_delay().seconds()) +
         absl::Nanoseconds(info.retry_delay().nanos());
}

// Jittered exponential backoff (±20%), as gRPC's own connection backoff.
class Backoff {
 public:
  Backoff(absl::Duration initial, absl::Duration max)
      : initial_(std::max(initial, absl::ZeroDuration())),
        max_(std::max(max, initial_)),
        next_(initial_),
        random_(std::random_device()()) {}

  void Reset() { next_ = initial_; }

  absl::Duration Next() {
    const absl::Duration base = next_;
    next_ = std::min(next_ * 2, max_);
    return base * std::uniform_real_distribution<double>(0.8, 1.2)(random_);
  }

 private:
  const absl::Duration initial_;
  const absl::Duration max_;
  absl::Duration next_;
  std::mt19937_64 random_;
};

// A random (version 4) UUID, e.g. "0f8e2c1a-5b7d-4e3f-9a6b-1c2d3e4f5a6b": a request_id.
// All 122 random bits come from std::random_device (the kernel's generator), not from a
// seeded engine, whose few seed bits would make two clients' ids collide far too soon.
std::string RandomUuid() {
  std::random_device device;
  const auto next64 = [&device] { return (uint64_t{device()} << 32) | uint64_t{device()}; };
  const uint64_t high = (next64() & 0xFFFFFFFFFFFF0FFFull) | 0x0000000000004000ull;
  const uint64_t low = (next64() & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;
  return absl::StrFormat("%08x-%04x-%04x-%04x-%012x", high >> 32, (high >> 16) & 0xFFFF,
                         high & 0xFFFF, low >> 48, low & 0xFFFFFFFFFFFFull);
}

bool IsTombstone(const syndication::v1::Article& article) {
  return article.pubstatus() == syndication::v1::PUB_STATUS_WITHHELD ||
         article.pubstatus() == syndication::v1::PUB_STATUS_CANCELED;
}

// A VerifySignature error about the publisher's signature: its message names the field
// publisher_signature instead of signature, so it is not mistaken for the service's.
absl::Status AsPublisherSignature(const absl::Status& status) {
  if (status.ok()) return status;
  absl::string_view message = status.message();
  if (absl::ConsumePrefix(&message, "signature")) {
    return absl::Status(status.code(), absl::StrCat("publisher_signature", message));
  }
  return absl::Status(status.code(), absl::StrCat("publisher_signature: ", message));
}

}  // namespace

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  absl::Status result(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
  google::rpc::Status details;
  if (!status.error_details().empty() && details.ParseFromString(status.error_details())) {
    for (const google::protobuf::Any& detail : details.details()) {
      result.SetPayload(detail.type_url(), absl::Cord(detail.value()));
    }
  }
  return result;
}

absl::StatusOr<std::unique_ptr<Client>> Client::Create(const ClientOptions& options) {
  if (options.server.empty()) return absl::InvalidArgumentError("server: is required");
  for (size_t i = 0; i < options.api_key.size(); ++i) {
    const unsigned char byte = static_cast<unsigned char>(options.api_key[i]);
    if (byte < 0x21 || byte > 0x7e) {
      return absl::InvalidArgumentError(absl::StrCat(
          "api_key: is not an API key: byte ", i + 1,
          " is not a visible ASCII character (a key is one line, \"sk_<key id>_<secret>\")"));
    }
  }
  return std::unique_ptr<Client>(new Client(options, MakeChannel(options, /*for_stream=*/false)));
}

Client::Client(const ClientOptions& options, std::shared_ptr<grpc::Channel> channel)
    : options_(options),
      channel_(std::move(channel)),
      publishing_(syndication::v1::PublishingService::NewStub(channel_)),
      syndication_(syndication::v1::SyndicationService::NewStub(channel_)),
      admin_(syndication::v1::AdminService::NewStub(channel_)) {}

void Client::Authorize(grpc::ClientContext* context) const {
  if (!options_.api_key.empty())
    context->AddMetadata("authorization", "Bearer " + options_.api_key);
}

template <typename Request, typename Response, typename Call>
absl::StatusOr<Response> Client::Invoke(const Request& request, Call call) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + options_.deadline));
  Authorize(&context);
  Response response;
  const grpc::Status status = call(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

absl::StatusOr<syndication::v1::Source> Client::UpsertSource(
    const syndication::v1::Source& source) {
  syndication::v1::UpsertSourceRequest request;
  *request.mutable_source() = source;
  return Invoke<syndication::v1::UpsertSourceRequest, syndication::v1::Source>(
      request, [&](auto* context, const auto& r, auto* response) {
        return publishing_->UpsertSource(context, r, response);
      });
}

absl::StatusOr<syndication::v1::PublishArticleResponse> Client::PublishArticle(
    const syndication::v1::PublishArticleRequest& request) {
  syndication::v1::PublishArticleRequest sent = request;
  if (sent.request_id().empty()) sent.set_request_id(RandomUuid());
  return Invoke<syndication::v1::PublishArticleRequest, syndication::v1::PublishArticleResponse>(
      sent, [&](auto* context, const auto& r, auto* response) {
        return publishing_->PublishArticle(context, r, response);
      });
}

absl::StatusOr<syndication::v1::PublishArticleResponse> Client::PublishArticle(
    const syndication::v1::Article& article) {
  syndication::v1::PublishArticleRequest request;
  *request.mutable_article() = article;
  return PublishArticle(request);
}

absl::StatusOr<syndication::v1::WithdrawArticleResponse> Client::WithdrawArticle(
    absl::string_view id, absl::string_view reason, bool kill, absl::string_view etag,
    absl::string_view request_id) {
  syndication::v1::WithdrawArticleRequest request;
  request.set_id(std::string(id));
  request.set_reason(std::string(reason));
  request.set_kill(kill);
  request.set_etag(std::string(etag));
  request.set_request_id(request_id.empty() ? RandomUuid() : std::string(request_id));
  return Invoke<syndication::v1::WithdrawArticleRequest, syndication::v1::WithdrawArticleResponse>(
      request, [&](auto* context, const auto& r, auto* response) {
        return publishing_->WithdrawArticle(context, r, response);
      });
}

absl::StatusOr<syndication::v1::Article> Client::GetArticle(absl::string_view id, int64_t version) {
  syndication::v1::GetArticleRequest request;
  request.set_id(std::string(id));
  request.set_version(version);
  return Invoke<syndication::v1::GetArticleRequest, syndication::v1::Article>(
      request, [&](auto* context, const auto& r, auto* response) {
        return syndication_->GetArticle(context, r, response);
      });
}

absl::StatusOr<syndication::v1::ListArticleVersionsResponse> Client::ListArticleVersions(
    const syndication::v1::ListArticleVersionsRequest& request) {
  return Invoke<syndication::v1::ListArticleVersionsRequest,
                syndication::v1::ListArticleVersionsResponse>(
      request, [&](auto* context, const auto& r, auto* response) {
        return syndication_->ListArticleVersions(context, r, response);
      });
}

absl::StatusOr<syndication::v1::GetSigningKeysResponse> Client::GetSigningKeys() {
  absl::StatusOr<syndication::v1::GetSigningKeysResponse> keys =
      Invoke<syndication::v1::GetSigningKeysRequest, syndication::v1::GetSigningKeysResponse>(
          syndication::v1::GetSigningKeysRequest(),
          [&](auto* context, const auto& r, auto* response) {
            return syndication_->GetSigningKeys(context, r, response);
          });
  if (!keys.ok()) return keys;
  std::map<std::string, std::string> listed;
  for (const syndication::v1::SigningKey& key : keys->keys()) {
    listed.emplace(key.key_id(), key.public_key());
  }
  std::lock_guard<std::mutex> lock(keys_mu_);
  keys_ = std::move(listed);
  return keys;
}

absl::StatusOr<std::string> Client::PublicKey(const std::string& key_id) {
  {
    std::lock_guard<std::mutex> lock(keys_mu_);
    if (auto it = keys_.find(key_id); it != keys_.end()) return it->second;
  }
  absl::StatusOr<syndication::v1::GetSigningKeysResponse> keys = GetSigningKeys();
  if (!keys.ok()) return keys.status();
  for (const syndication::v1::SigningKey& key : keys->keys()) {
    if (key.key_id() == key_id) return key.public_key();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "signature.key_id: unknown key \"", absl::CHexEscape(key_id),
      "\": the service does not list it among its ", keys->keys_size(), " signing keys"));
}

absl::Status Client::VerifyArticle(const syndication::v1::Article& article,
                                   const syndication::v1::Source* publisher) {
  if (!article.has_signature()) return absl::InvalidArgumentError("signature: is missing");
  absl::StatusOr<std::string> key = PublicKey(article.signature().key_id());
  if (!key.ok()) return key.status();
  if (absl::Status verified = syndicate::VerifyArticle(article, *key); !verified.ok()) {
    return verified;
  }
  if (publisher == nullptr || publisher->publisher_public_key().empty() || IsTombstone(article)) {
    return absl::OkStatus();
  }
  if (!article.has_publisher_signature()) {
    return absl::InvalidArgumentError(absl::StrCat("publisher_signature: is missing, but source \"",
                                                   publisher->id(),
                                                   "\" has a publisher_public_key"));
  }
  return AsPublisherSignature(VerifySignature(
      PublisherBytes(article), article.publisher_signature(), publisher->publisher_public_key()));
}

absl::StatusOr<syndication::v1::BatchGetArticlesResponse> Client::BatchGetArticles(
    const std::vector<std::string>& ids) {
  syndication::v1::BatchGetArticlesRequest request;
  for (const std::string& id : ids) request.add_ids(id);
  return Invoke<syndication::v1::BatchGetArticlesRequest,
                syndication::v1::BatchGetArticlesResponse>(
      request, [&](auto* context, const auto& r, auto* response) {
        return syndication_->BatchGetArticles(context, r, response);
      });
}

absl::StatusOr<syndication::v1::ListArticlesResponse> Client::ListArticles(
    const syndication::v1::ListArticlesRequest& request) {
  return Invoke<syndication::v1::ListArticlesRequest, syndication::v1::ListArticlesResponse>(
      request, [&](auto* context, const auto& r, auto* response) {
        return syndication_->ListArticles(context, r, response);
      });
}

absl::StatusOr<syndication::v1::Source> Client::GetSource(absl::string_view id) {
  syndication::v1::GetSourceRequest request;
  request.set_id(std::string(id));
  return Invoke<syndication::v1::GetSourceRequest, syndication::v1::Source>(
      request, [&](auto* context, const auto& r, auto* response) {
        return syndication_->GetSource(context, r, response);
      });
}

absl::StatusOr<syndication::v1::ListSourcesResponse> Client::ListSources(
    const syndication::v1::ListSourcesRequest& request) {
  return Invoke<syndication::v1::ListSourcesRequest, syndication::v1::ListSourcesResponse>(
      request, [&](auto* context, const auto& r, auto* response) {
        return syndication_->ListSources(context, r, response);
      });
}

absl::Status Client::Subscribe(const SubscribeOptions& options, const StreamHandler& handler,
                               const std::stop_token& stop) {
  StreamArticlesRequest request = options.request;
  if (request.start_case() == StreamArticlesRequest::START_NOT_SET) {
    request.set_position(StreamArticlesRequest::POSITION_BEGINNING);
  }
  // The cursor in cursor_file, as read or last written.
  std::string saved;
  if (!options.cursor_file.empty()) {
    absl::StatusOr<std::optional<std::string>> cursor = ReadCursorFile(options.cursor_file);
    if (!cursor.ok()) return cursor.status();
    if (cursor->has_value()) {
      saved = **cursor;
      request.set_after_cursor(saved);
    }
  }
  // Whether the handler has taken a response with a cursor (so `request` starts after it).
  bool resumed = false;
  Backoff backoff(options.initial_backoff, options.max_backoff);
  std::mutex wait_mu;
  std::condition_variable_any wait_cv;

  while (!stop.stop_requested()) {
    std::shared_ptr<grpc::Channel> channel = MakeChannel(options_, /*for_stream=*/true);
    std::unique_ptr<syndication::v1::SyndicationService::Stub> stub =
        syndication::v1::SyndicationService::NewStub(channel);
    grpc::ClientContext context;
    Authorize(&context);
    bool delivered = false;
    absl::Status ended;
    {
      // Runs on the thread that requests the stop (or here, at once, if it already was);
      // a read blocked in this thread then returns false.
      std::stop_callback cancel(stop, [&context] { context.TryCancel(); });
      std::unique_ptr<grpc::ClientReader<StreamArticlesResponse>> reader =
          stub->StreamArticles(&context, request);
      StreamArticlesResponse response;
      while (!stop.stop_requested() && reader->Read(&response)) {
        delivered = true;
        if (absl::Status handled = handler(response); !handled.ok()) {
          context.TryCancel();
          reader->Finish();
          return handled;
        }
        const std::string* cursor = ResumeCursor(response);
        if (cursor == nullptr || cursor->empty()) continue;
        request.set_after_cursor(*cursor);
        resumed = true;
        if (options.cursor_file.empty() || *cursor == saved) continue;
        if (absl::Status written = WriteCursorFile(options.cursor_file, *cursor); !written.ok()) {
          context.TryCancel();
          reader->Finish();
          return written;
        }
        saved = *cursor;
      }
      if (stop.stop_requested()) context.TryCancel();
      ended = FromGrpcStatus(reader->Finish());
    }
    if (stop.stop_requested()) break;
    if (!Recoverable(ended)) return ended;

    if (!resumed && HasErrorReason(ended, kShuttingDown)) {
      const std::optional<google::rpc::ErrorInfo> info = GetErrorInfo(ended);
      const auto resume = info->metadata().find("resume_cursor");
      if (resume != info->metadata().end() && !resume->second.empty()) {
        request.set_after_cursor(resume->second);
        resumed = true;
      }
    }
    if (delivered) backoff.Reset();
    const absl::Duration delay = std::max(backoff.Next(), RetryDelay(ended));
    if (options.on_reconnect) options.on_reconnect(ended, delay);
    std::unique_lock<std::mutex> lock(wait_mu);
    // Returns early only when the stop is requested.
    wait_cv.wait_for(lock, stop, absl::ToChronoNanoseconds(delay), [] { return false; });
  }
  return absl::OkStatus();
}

namespace v1 = ::syndication::v1;

absl::StatusOr<v1::Partner> Client::CreatePartner(const v1::Partner& partner) {
  v1::CreatePartnerRequest request;
  *request.mutable_partner() = partner;
  return Invoke<v1::CreatePartnerRequest, v1::Partner>(
      request, [&](auto* c, const auto& r, auto* out) { return admin_->CreatePartner(c, r, out); });
}

absl::StatusOr<v1::Partner> Client::GetPartner(absl::string_view id) {
  v1::GetPartnerRequest request;
  request.set_id(std::string(id));
  return Invoke<v1::GetPartnerRequest, v1::Partner>(
      request, [&](auto* c, const auto& r, auto* out) { return admin_->GetPartner(c, r, out); });
}

absl::StatusOr<v1::ListPartnersResponse> Client::ListPartners(
    const v1::ListPartnersRequest& request) {
  return Invoke<v1::ListPartnersRequest, v1::ListPartnersResponse>(
      request, [&](auto* c, const auto& r, auto* out) { return admin_->ListPartners(c, r, out); });
}

absl::StatusOr<v1::Partner> Client::UpdatePartner(const v1::UpdatePartnerRequest& request) {
  return Invoke<v1::UpdatePartnerRequest, v1::Partner>(
      request, [&](auto* c, const auto& r, auto* out) { return admin_->UpdatePartner(c, r, out); });
}

absl::StatusOr<v1::DeletePartnerResponse> Client::DeletePartner(absl::string_view id) {
  v1::DeletePartnerRequest request;
  request.set_id(std::string(id));
  return Invoke<v1::DeletePartnerRequest, v1::DeletePartnerResponse>(
      request, [&](auto* c, const auto& r, auto* out) { return admin_->DeletePartner(c, r, out); });
}

absl::StatusOr<v1::CreateApiKeyResponse> Client::CreateApiKey(const v1::ApiKey& key) {
  v1::CreateApiKeyRequest request;
  *request.mutable_api_key() = key;
  return Invoke<v1::CreateApiKeyRequest, v1::CreateApiKeyResponse>(
      request, [&](auto* c, const auto& r, auto* out) { return admin_->CreateApiKey(c, r, out); });
}

absl::StatusOr<v1::ListApiKeysResponse> Client::ListApiKeys(const v1::ListApiKeysRequest& request) {
  return Invoke<v1::ListApiKeysRequest, v1::ListApiKeysResponse>(
      request, [&](auto* c, const auto& r, auto* out) { return admin_->ListApiKeys(c, r, out); });
}

absl::StatusOr<v1::GetUsageReportResponse> Client::GetUsageReport(
    const v1::GetUsageReportRequest& request) {
  return Invoke<v1::GetUsageReportRequest, v1::GetUsageReportResponse>(
      request,
      [&](auto* c, const auto& r, auto* out) { return publishing_->GetUsageReport(c, r, out); });
}

absl::StatusOr<v1::ApiKey> Client::RevokeApiKey(absl::string_view key_id) {
  v1::RevokeApiKeyRequest request;
  request.set_key_id(std::string(key_id));
  return Invoke<v1::RevokeApiKeyRequest, v1::ApiKey>(
      request, [&](auto* c, const auto& r, auto* out) { return admin_->RevokeApiKey(c, r, out); });
}

absl::StatusOr<v1::Backup> Client::CreateBackup() {
  return Invoke<v1::CreateBackupRequest, v1::Backup>(
      v1::CreateBackupRequest(),
      [&](auto* c, const auto& r, auto* out) { return admin_->CreateBackup(c, r, out); });
}

}  // namespace syndicate::client
