// C++ client for syndicated: one blocking method per unary RPC, each with a deadline, and
// Subscribe, a resuming reader of StreamArticles. The gRPC status is mapped back to the
// absl::Status the server's domain layer returned (same code, same message, same payloads).
//
// Retries: UNAVAILABLE is retried by gRPC itself (service-config retry policy: up to 4
// attempts, exponential backoff from 0.2 s) for every unary method, which is safe because
// every one is idempotent: reads trivially, UpsertSource by id, and PublishArticle and
// WithdrawArticle by their request_id (AIP-155), which the client fills with a random UUID
// when the caller leaves it empty, so a retry of a call the server did carry out gets the
// first response instead of a second correction or an "already withdrawn" error.
// Subscribe reconnects by itself (see there).
//
// Signatures: VerifyArticle checks a story against the keys GetSigningKeys lists
// (common/article_signing.h has the signed bytes), and optionally against its publisher's
// own key.
#ifndef SYNDICATE_CLIENT_CLIENT_H_
#define SYNDICATE_CLIENT_CLIENT_H_

#include <grpcpp/channel.h>
#include <grpcpp/support/status.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "syndication/v1/admin_service.grpc.pb.h"
#include "syndication/v1/publishing_service.grpc.pb.h"
#include "syndication/v1/syndication_service.grpc.pb.h"

namespace syndicate::client {

struct ClientOptions {
  // HOST:PORT of syndicated. Default: "127.0.0.1:50051".
  std::string server = "127.0.0.1:50051";
  // Deadline of each unary call, retries included; streams have none. Default: 10 s.
  absl::Duration deadline = absl::Seconds(10);
  // HTTP/2 keepalive, so that a stream over a connection that died without a word (a
  // crashed host, a dropped NAT mapping) fails instead of waiting forever: a ping after
  // keepalive_time without activity, and the connection dropped when it is not answered
  // within keepalive_timeout. keepalive_time must be at least 10 s, the most often the
  // server accepts pings. Default: 30 s and 10 s.
  absl::Duration keepalive_time = absl::Seconds(30);
  absl::Duration keepalive_timeout = absl::Seconds(10);
  // The API key ("sk_…", from CreateApiKey or syndicated's admin key file) sent with every
  // call and stream as `authorization: Bearer <api_key>`. Empty sends none (a server with
  // --auth=none). Default: empty.
  std::string api_key;
  // TLS: when tls_ca_pem is set, the channel is TLS, trusting these PEM certificates for
  // the server's (which must name the host of `server`). tls_cert_pem and tls_key_pem, the
  // client's own certificate chain and key, for a server that requires client certificates
  // (mTLS). Default: empty, plaintext.
  std::string tls_ca_pem;
  std::string tls_cert_pem;
  std::string tls_key_pem;
};

// The inverse of the server's ToGrpcStatus: same code, same message, and each detail of the
// google.rpc.Status in the grpc-status-details-bin trailer as a payload keyed by its type
// URL (read an ErrorInfo with GetErrorInfo, client/error_info.h). Details that do not parse
// are dropped; the code and message stay.
absl::Status FromGrpcStatus(const grpc::Status& status);

// What Client::Subscribe asks for, where it keeps its place, and how it reconnects.
struct SubscribeOptions {
  // The request of the first connection: its start (after_cursor or position; neither set
  // means POSITION_BEGINNING), and the filters and heartbeat_interval that every
  // reconnection repeats. A cursor in cursor_file replaces the start.
  // Default: from the beginning, every story, the server's heartbeat interval (15 s).
  syndication::v1::StreamArticlesRequest request;
  // When non-empty, the file that keeps the subscriber's place across processes. Read
  // first: a cursor there replaces request's start (a missing or empty file does not).
  // After the handler took a response whose cursor differs from the one saved, the cursor
  // is written to a temporary file beside it ("<cursor_file>.tmp." and 16 random hex
  // digits, so two subscribers on one file do not collide), fsynced and renamed over
  // cursor_file, so a crash leaves the old cursor or the new one (and perhaps that
  // temporary file). A crash between the handler's return and the rename hands that
  // response over again in the next process: at least once across processes, exactly once
  // within one Subscribe. Default: none.
  std::string cursor_file;
  // Wait before reconnecting: initial_backoff after a connection that delivered at least
  // one response (or before the first retry), doubled after each attempt that delivered
  // nothing, at most max_backoff; each wait is jittered by ±20%. A google.rpc.RetryInfo in
  // the error lengthens the wait to its retry_delay. Default: 0.5 s and 30 s.
  absl::Duration initial_backoff = absl::Milliseconds(500);
  absl::Duration max_backoff = absl::Seconds(30);
  // When set, called on Subscribe's thread after a connection ended with a status Subscribe
  // recovers from, before it waits `delay` and reconnects; e.g. to log it. The status keeps
  // its payloads. Default: none.
  std::function<void(const absl::Status& status, absl::Duration delay)> on_reconnect;
};

// Thread-safe; one Client can be shared by many threads.
class Client {
 public:
  // Creates the channel; connecting happens on the first call. INVALID_ARGUMENT when
  // options.server is empty, or options.api_key holds a byte outside visible ASCII (it goes
  // into an HTTP/2 header, where gRPC would abort the process; a key never has one).
  static absl::StatusOr<std::unique_ptr<Client>> Create(const ClientOptions& options);

  // Each method returns what the RPC of the same name returns (see the .proto files for
  // its errors), DEADLINE_EXCEEDED when options.deadline passed, or UNAVAILABLE when the
  // server could not be reached.
  absl::StatusOr<syndication::v1::Source> UpsertSource(const syndication::v1::Source& source);
  // A request_id left empty is filled with a random UUID (see the retries note above).
  absl::StatusOr<syndication::v1::PublishArticleResponse> PublishArticle(
      const syndication::v1::PublishArticleRequest& request);
  // PublishArticle of {article}: no correction, no etag, a random request_id.
  absl::StatusOr<syndication::v1::PublishArticleResponse> PublishArticle(
      const syndication::v1::Article& article);
  // WithdrawArticle: withholds the story `id` (pubstatus WITHHELD), or kills it (CANCELED)
  // when `kill`, giving partners `reason`. `etag`: act only if the story is still at that
  // version (ABORTED otherwise); empty for any. `request_id`: empty for a random UUID.
  // Returns the response holding the tombstone version just stored.
  absl::StatusOr<syndication::v1::WithdrawArticleResponse> WithdrawArticle(
      absl::string_view id, absl::string_view reason, bool kill = false,
      absl::string_view etag = "", absl::string_view request_id = "");
  // The usage report (publisher or admin keys): one page.
  absl::StatusOr<syndication::v1::GetUsageReportResponse> GetUsageReport(
      const syndication::v1::GetUsageReportRequest& request);
  absl::StatusOr<syndication::v1::Article> GetArticle(absl::string_view id, int64_t version = 0);
  absl::StatusOr<syndication::v1::ListArticleVersionsResponse> ListArticleVersions(
      const syndication::v1::ListArticleVersionsRequest& request);
  // The service's public keys, current first. Also refreshes the cache VerifyArticle uses.
  absl::StatusOr<syndication::v1::GetSigningKeysResponse> GetSigningKeys();
  absl::StatusOr<syndication::v1::BatchGetArticlesResponse> BatchGetArticles(
      const std::vector<std::string>& ids);
  absl::StatusOr<syndication::v1::ListArticlesResponse> ListArticles(
      const syndication::v1::ListArticlesRequest& request);
  absl::StatusOr<syndication::v1::Source> GetSource(absl::string_view id);
  absl::StatusOr<syndication::v1::ListSourcesResponse> ListSources(
      const syndication::v1::ListSourcesRequest& request);

  // AdminService (admin keys only).
  absl::StatusOr<syndication::v1::Partner> CreatePartner(const syndication::v1::Partner& partner);
  absl::StatusOr<syndication::v1::Partner> GetPartner(absl::string_view id);
  absl::StatusOr<syndication::v1::ListPartnersResponse> ListPartners(
      const syndication::v1::ListPartnersRequest& request);
  absl::StatusOr<syndication::v1::Partner> UpdatePartner(
      const syndication::v1::UpdatePartnerRequest& request);
  absl::StatusOr<syndication::v1::DeletePartnerResponse> DeletePartner(absl::string_view id);
  absl::StatusOr<syndication::v1::CreateApiKeyResponse> CreateApiKey(
      const syndication::v1::ApiKey& key);
  absl::StatusOr<syndication::v1::ListApiKeysResponse> ListApiKeys(
      const syndication::v1::ListApiKeysRequest& request);
  absl::StatusOr<syndication::v1::ApiKey> RevokeApiKey(absl::string_view key_id);
  // AdminService.CreateBackup: a backup in the server's --backup-dir.
  absl::StatusOr<syndication::v1::Backup> CreateBackup();

  // Checks that `article` (a version as GetArticle, ListArticles, a stream event or a
  // PublishArticle or WithdrawArticle response gave it, or as saved from one of them) is
  // what the service signed: its content_hash matches its signed bytes and its signature
  // verifies with the service key signature.key_id names. Tombstones are signed too.
  // The keys come from GetSigningKeys, cached for the Client's lifetime; a key id not in
  // the cache fetches them again once (a rotation since), so a call costs at most one RPC.
  //
  // With `publisher` (the story's Source, e.g. from GetSource) holding a
  // publisher_public_key, the article's publisher_signature must also verify with that key
  // over common's PublisherBytes; tombstones carry no publisher signature and are exempt.
  // Without `publisher`, or when it has no key, a publisher_signature is not checked.
  //
  // OK when every check passes. INVALID_ARGUMENT when the article does not verify, the
  // message naming the check: "signature: is missing", "signature.key_id: unknown key …"
  // (the service does not list it), "content_hash: does not match …", "signature: does not
  // verify …", "publisher_signature: …" (missing, or as for signature). Any other code is
  // GetSigningKeys' error: nothing was decided.
  absl::Status VerifyArticle(const syndication::v1::Article& article,
                             const syndication::v1::Source* publisher = nullptr);

  // Takes one response of a stream. OK: the response is handled (its cursor becomes the
  // resume point and is saved to cursor_file). Any other status: it is not; Subscribe ends
  // and returns that status, and a later Subscribe with the same cursor_file hands the
  // response over again. To end after a response, request the stop passed to Subscribe
  // and return OK.
  using StreamHandler =
      std::function<absl::Status(const syndication::v1::StreamArticlesResponse& response)>;

  // Reads the change feed (StreamArticles) into `handler`: every response (event,
  // caught_up, heartbeat) in stream order, each once, on the calling thread, which
  // Subscribe blocks. One synchronous gRPC reader at a time and no other thread: the next
  // response is read only after the handler returned, so a slow handler slows the stream
  // (the server keeps the backlog on disk) instead of growing a queue here. Each connection
  // has a channel of its own to options.server, so the reconnect schedule is Subscribe's
  // and a server that came back at another address behind the same name is found.
  //
  // Reconnects, after the backoff in `options`, when a connection ends with UNAVAILABLE
  // (the server cannot be reached, the connection dropped, or the server is shutting down),
  // DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED (the server holds its maximum of streams),
  // ABORTED, CANCELLED that `stop` did not cause (the server ended a stalled stream), or
  // with no error at all. A reconnection starts after the resume point: the cursor of the
  // last response the handler took (an event's or a heartbeat's cursor, caught_up's
  // head_cursor), so no event is handed over twice and none is skipped. Until the handler
  // has taken a response, a reconnection repeats the first start, or takes the
  // resume_cursor of an ErrorInfo SHUTTING_DOWN. (Once it has, its own cursor is kept even
  // then: it is exact, where a server that shut down with a write in flight names the
  // event before that write, which the client still receives.)
  //
  // Returns OK when `stop` is requested, from any thread or from the handler: a blocked
  // read or a backoff wait ends at once. Otherwise the first of:
  //   - the handler's error;
  //   - a status of the stream it does not reconnect after, with the server's details as
  //     payloads (client/error_info.h): FAILED_PRECONDITION with ErrorInfo CURSOR_EXPIRED,
  //     OUT_OF_RANGE or INVALID_ARGUMENT as the .proto documents them, INTERNAL for a
  //     response that does not parse, UNIMPLEMENTED from a server without streams;
  //   - a cursor_file error, whose message starts with "cursor_file: " and the path:
  //     INVALID_ARGUMENT when it is not a regular file or is over 4 KiB, the code of errno
  //     (e.g. PERMISSION_DENIED) when it cannot be read or written.
  // Thread-safe: calls on one Client are independent of each other and of the unary calls.
  absl::Status Subscribe(const SubscribeOptions& options, const StreamHandler& handler,
                         const std::stop_token& stop = {});

 private:
  Client(const ClientOptions& options, std::shared_ptr<grpc::Channel> channel);

  template <typename Request, typename Response, typename Call>
  absl::StatusOr<Response> Invoke(const Request& request, Call call);

  // Adds the API key's `authorization` metadata to `context`, when there is a key.
  void Authorize(grpc::ClientContext* context) const;

  // The public key with id `key_id`: from the cache, else from a fresh GetSigningKeys.
  // INVALID_ARGUMENT when the service does not list it.
  absl::StatusOr<std::string> PublicKey(const std::string& key_id);

  const ClientOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<syndication::v1::PublishingService::Stub> publishing_;
  std::unique_ptr<syndication::v1::SyndicationService::Stub> syndication_;
  std::unique_ptr<syndication::v1::AdminService::Stub> admin_;

  std::mutex keys_mu_;
  // key_id → 32-byte public key, as the last GetSigningKeys listed them.
  std::map<std::string, std::string> keys_ ABSL_GUARDED_BY(keys_mu_);
};

}  // namespace syndicate::client

#endif  // SYNDICATE_CLIENT_CLIENT_H_
