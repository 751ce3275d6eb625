#include "bench/publish_load.h"

#include <grpcpp/client_context.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/stats.h"

namespace syndicate::bench {
namespace {

// Every call gets this deadline, so that a stuck server fails the run instead of hanging it.
constexpr auto kCallDeadline = std::chrono::seconds(10);

// One of the publishers of a closed loop: it publishes its next story as soon as the
// previous one was acknowledged, until the round's end. Its calls never overlap, so its own
// fields need no lock; they are read after the round's last call completed.
class Publisher {
 public:
  Publisher(syndication::v1::PublishingService::Stub* stub, const syndication::v1::Article* story,
            std::string id_prefix, int64_t end_ns, std::function<void()> done)
      : stub_(stub),
        story_(story),
        id_prefix_(std::move(id_prefix)),
        end_ns_(end_ns),
        done_(std::move(done)) {}

  void Send() {
    context_ = std::make_unique<grpc::ClientContext>();
    context_->set_deadline(std::chrono::system_clock::now() + kCallDeadline);
    request_.Clear();
    *request_.mutable_article() = *story_;
    request_.mutable_article()->set_external_id(absl::StrCat(id_prefix_, next_++));
    response_.Clear();
    sent_ns_ = NowNs();
    stub_->async()->PublishArticle(context_.get(), &request_, &response_,
                                   [this](const grpc::Status& status) { OnDone(status); });
  }

  const PublishLoad& load() const { return load_; }
  int64_t last_done_ns() const { return last_done_ns_; }

 private:
  void OnDone(const grpc::Status& status) {
    const int64_t now = NowNs();
    last_done_ns_ = now;
    if (!status.ok()) {
      load_.Fail(
          absl::StrCat(absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())),
                       ": ", status.error_message()));
    } else if (response_.outcome() != syndication::v1::PublishArticleResponse::OUTCOME_CREATED) {
      load_.Fail(absl::StrCat("outcome ", response_.outcome(), " instead of CREATED"));
    } else {
      ++load_.ok;
      load_.latencies_ns.push_back(now - sent_ns_);
    }
    if (now < end_ns_ && load_.failed == 0) {
      Send();
    } else {
      done_();
    }
  }

  syndication::v1::PublishingService::Stub* const stub_;
  const syndication::v1::Article* const story_;
  const std::string id_prefix_;
  const int64_t end_ns_;
  const std::function<void()> done_;
  std::unique_ptr<grpc::ClientContext> context_;
  syndication::v1::PublishArticleRequest request_;
  syndication::v1::PublishArticleResponse response_;
  int64_t sent_ns_ = 0;
  int64_t next_ = 0;
  int64_t last_done_ns_ = 0;
  PublishLoad load_;
};

}  // namespace

void PublishLoad::Fail(std::string error) {
  if (++failed == 1) first_error = std::move(error);
}

double PublishLoad::WritesPerSecond() const {
  return wall_seconds > 0 ? static_cast<double>(ok) / wall_seconds : 0;
}

absl::StatusOr<PublishLoad> RunPublishers(
    const std::vector<syndication::v1::PublishingService::Stub*>& stubs, int publishers,
    const syndication::v1::Article& story, const std::string& id_prefix, absl::Duration duration) {
  std::mutex mu;
  std::condition_variable idle;
  int running = publishers;
  const auto done = [&] {
    std::lock_guard<std::mutex> lock(mu);
    if (--running == 0) idle.notify_all();
  };
  const int64_t start_ns = NowNs();
  const int64_t end_ns = start_ns + absl::ToInt64Nanoseconds(duration);
  std::vector<std::unique_ptr<Publisher>> chains;
  for (int i = 0; i < publishers; ++i) {
    chains.push_back(std::make_unique<Publisher>(stubs[static_cast<size_t>(i) % stubs.size()],
                                                 &story, absl::StrCat(id_prefix, i, "-"), end_ns,
                                                 done));
  }
  for (auto& chain : chains) chain->Send();
  {
    std::unique_lock<std::mutex> lock(mu);
    if (!idle.wait_until(lock, absl::ToChronoTime(absl::Now() + duration + absl::Seconds(30)),
                         [&] { return running == 0; })) {
      // gRPC still holds the publishers: leak them rather than free them under it.
      for (auto& chain : chains) static_cast<void>(chain.release());
      return absl::DeadlineExceededError("publishes did not complete in time");
    }
  }
  PublishLoad load;
  int64_t last_done_ns = start_ns;
  for (const auto& chain : chains) {
    const PublishLoad& mine = chain->load();
    if (load.failed == 0 && mine.failed > 0) load.first_error = mine.first_error;
    load.ok += mine.ok;
    load.failed += mine.failed;
    load.latencies_ns.insert(load.latencies_ns.end(), mine.latencies_ns.begin(),
                             mine.latencies_ns.end());
    last_done_ns = std::max(last_done_ns, chain->last_done_ns());
  }
  load.wall_seconds = static_cast<double>(last_done_ns - start_ns) / 1e9;
  return load;
}

}  // namespace syndicate::bench
