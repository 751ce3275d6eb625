#include "server/observability.h"

#include <sodium.h>

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "server/json_log.h"

namespace syndicate::server {
namespace {

using grpc::experimental::InterceptionHookPoints;

bool IsSaneRequestId(absl::string_view id) {
  // A value shaped like an API key ("sk_…") is replaced, not logged, whoever put it there.
  return !id.empty() && id.size() <= 64 && !absl::StartsWith(id, "sk_") &&
         std::all_of(id.begin(), id.end(), [](char c) {
           return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' ||
                  c == '-';
         });
}

std::string NewRequestId() {
  unsigned char bytes[8];
  randombytes_buf(bytes, sizeof(bytes));
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(bytes), sizeof(bytes)));
}

// The first two bytes of a serialized message (fewer when it is shorter).
std::string FirstBytes(grpc::ByteBuffer* buffer) {
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (buffer == nullptr || !buffer->Dump(&slices).ok()) return bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()),
                 std::min<size_t>(slice.size(), 2 - bytes.size()));
    if (bytes.size() == 2) break;
  }
  return bytes;
}

constexpr absl::string_view kPublishMethod = "/syndication.v1.PublishingService/PublishArticle";
constexpr absl::string_view kStreamMethod = "/syndication.v1.SyndicationService/StreamArticles";

}  // namespace

class ObservingInterceptor final : public grpc::experimental::Interceptor {
 public:
  ObservingInterceptor(CallObserver* observer, grpc::experimental::ServerRpcInfo* info)
      : observer_(observer),
        context_(info->server_context()),
        method_(info->method() != nullptr ? info->method() : ""),
        start_(absl::Now()) {
    if (observer_->metrics_ != nullptr) observer_->metrics_->RpcStarted(method_);
  }

  ~ObservingInterceptor() override { (void)observer_->TakeCaller(context_); }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      const auto* metadata = methods->GetRecvInitialMetadata();
      if (metadata != nullptr) {
        auto it = metadata->find(kRequestIdMetadata);
        if (it != metadata->end()) {
          const absl::string_view id(it->second.data(), it->second.size());
          if (IsSaneRequestId(id)) request_id_ = std::string(id);
        }
      }
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->emplace(kRequestIdMetadata, RequestId());
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_MESSAGE)) {
      SawMessage(methods);
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      Finished(methods->GetSendStatus());
    }
    methods->Proceed();
  }

 private:
  const std::string& RequestId() {
    if (request_id_.empty()) request_id_ = NewRequestId();
    return request_id_;
  }

  void SawMessage(grpc::experimental::InterceptorBatchMethods* methods) {
    if (observer_->metrics_ == nullptr) return;
    if (method_ == kPublishMethod) {
      // PublishArticleResponse: field 1, outcome, a varint: 0x08 then 1, 2 or 3.
      const std::string bytes = FirstBytes(methods->GetSerializedSendMessage());
      if (bytes.size() == 2 && bytes[0] == 0x08)
        publish_outcome_ = static_cast<unsigned char>(bytes[1]);
    } else if (method_ == kStreamMethod) {
      // StreamArticlesResponse: an event is field 1, length-delimited: tag 0x0a.
      if (!caller_looked_up_) {
        caller_looked_up_ = true;
        if (std::optional<CallObserver::CallerSummary> caller = Caller()) {
          stream_partner_ = caller->partner_id;
        }
      }
      if (stream_partner_.empty()) return;
      const std::string bytes = FirstBytes(methods->GetSerializedSendMessage());
      if (!bytes.empty() && bytes[0] == 0x0a) observer_->metrics_->PartnerDelivery(stream_partner_);
    }
  }

  // The caller, noted once and kept (TakeCaller removes it from the observer).
  std::optional<CallObserver::CallerSummary> Caller() {
    if (!caller_.has_value()) caller_ = observer_->TakeCaller(context_);
    return *caller_;
  }

  void Finished(const grpc::Status& status) {
    const absl::Duration latency = absl::Now() - start_;
    const auto code = static_cast<absl::StatusCode>(status.error_code());
    if (observer_->metrics_ != nullptr) {
      observer_->metrics_->RpcHandled(method_, code, latency);
      if (method_ == kPublishMethod) {
        static constexpr absl::string_view kOutcomes[] = {"refused", "created", "updated",
                                                          "unchanged"};
        observer_->metrics_->Publish(status.ok() && publish_outcome_ >= 1 && publish_outcome_ <= 3
                                         ? kOutcomes[publish_outcome_]
                                         : kOutcomes[0]);
      }
    }
    if (observer_->access_log_ == AccessLog::kOff ||
        (observer_->access_log_ == AccessLog::kErrors && status.ok())) {
      return;
    }
    log::Fields fields;
    fields.Add("method", method_)
        .Add("code", absl::StatusCodeToString(code))
        .Add("latency_ms", absl::ToDoubleMilliseconds(latency))
        .Add("request_id", RequestId());
    if (std::optional<CallObserver::CallerSummary> caller = Caller()) {
      fields.Add("role", caller->role);
      if (!caller->partner_id.empty()) fields.Add("partner_id", caller->partner_id);
      if (!caller->source_ids.empty()) fields.Add("publisher_source_ids", caller->source_ids);
    }
    // Only the code: a status message may quote a value of the request (a URL, a tag of
    // the story's HTML), and the client has it anyway.
    if (status.ok()) {
      log::Info("rpc", fields);
    } else {
      log::Warning("rpc", fields);
    }
  }

  CallObserver* const observer_;
  const grpc::ServerContextBase* const context_;
  const std::string method_;
  const absl::Time start_;
  std::string request_id_;
  std::optional<std::optional<CallObserver::CallerSummary>> caller_;
  bool caller_looked_up_ = false;
  std::string stream_partner_;
  int publish_outcome_ = 0;
};

void CallObserver::Authenticated(const grpc::ServerContextBase* context, const Principal& caller) {
  CallerSummary summary;
  summary.role = std::string(RoleName(caller.role));
  summary.partner_id = caller.partner_id;
  if (caller.role == syndication::v1::ROLE_PUBLISHER) {
    std::vector<std::string> sources(caller.source_ids.begin(), caller.source_ids.end());
    std::sort(sources.begin(), sources.end());
    summary.source_ids = absl::StrJoin(sources, ",");
  }
  std::lock_guard<std::mutex> lock(mu_);
  callers_[context] = std::move(summary);
}

std::optional<CallObserver::CallerSummary> CallObserver::TakeCaller(
    const grpc::ServerContextBase* context) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = callers_.find(context);
  if (it == callers_.end()) return std::nullopt;
  CallerSummary summary = std::move(it->second);
  callers_.erase(it);
  return summary;
}

namespace {

class ObservingInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit ObservingInterceptorFactory(CallObserver* observer) : observer_(observer) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new ObservingInterceptor(observer_, info);
  }

 private:
  CallObserver* const observer_;
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
CallObserver::MakeInterceptorFactory() {
  return std::make_unique<ObservingInterceptorFactory>(this);
}

}  // namespace syndicate::server
