#include "bench/pull_load.h"

#include <algorithm>
#include <chrono>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/calls.h"
#include "bench/stats.h"
#include "common/status_macros.h"
#include "syndication/v1/syndication_service.pb.h"

namespace syndicate::bench {
namespace {

// Every call gets this deadline, so that a stuck server fails the run instead of hanging it.
constexpr auto kCallDeadline = std::chrono::seconds(10);

// One of the `concurrency` request chains of a closed loop: it sends the next call as soon
// as the previous one completed, until the round's end. Its calls never overlap, so its own
// fields need no lock; they are read after the round's InFlight went idle.
class Chain {
 public:
  Chain(PullClient* client, int index, const std::string& id, size_t expected_bytes, int64_t end_ns,
        InFlight* in_flight)
      : client_(client),
        index_(index),
        request_(GetRequestBytes(id)),
        expected_bytes_(expected_bytes),
        end_ns_(end_ns),
        in_flight_(in_flight) {}

  void Send() {
    context_ = std::make_unique<grpc::ClientContext>();
    response_.Clear();
    sent_ns_ = NowNs();
    client_->Get(index_, context_.get(), &request_, &response_,
                 [this](const grpc::Status& status) { OnDone(status); });
  }

  const CallCheck& calls() const { return calls_; }
  const std::vector<int64_t>& latencies_ns() const { return latencies_ns_; }
  int64_t last_done_ns() const { return last_done_ns_; }

 private:
  void OnDone(const grpc::Status& status) {
    const int64_t now = NowNs();
    last_done_ns_ = now;
    calls_.Record(status, response_, expected_bytes_);
    if (status.ok()) latencies_ns_.push_back(now - sent_ns_);
    if (now < end_ns_ && status.ok()) {
      Send();
    } else {
      in_flight_->Done();
    }
  }

  PullClient* const client_;
  const int index_;
  const grpc::ByteBuffer request_;
  const size_t expected_bytes_;
  const int64_t end_ns_;
  InFlight* const in_flight_;
  std::unique_ptr<grpc::ClientContext> context_;
  grpc::ByteBuffer response_;
  int64_t sent_ns_ = 0;
  int64_t last_done_ns_ = 0;
  CallCheck calls_;
  std::vector<int64_t> latencies_ns_;
};

}  // namespace

void CallCheck::Record(const grpc::Status& status, const grpc::ByteBuffer& response,
                       size_t expected) {
  if (status.ok() && response.Length() == expected) {
    ++ok;
    return;
  }
  if (++failed == 1) {
    first_error = status.ok()
                      ? absl::StrCat("OK with ", response.Length(), " bytes instead of ", expected)
                      : absl::StrCat(CodeName(status.error_code()), ": ", status.error_message());
  }
}

void CallCheck::Add(const CallCheck& other) {
  if (failed == 0) first_error = other.first_error;
  ok += other.ok;
  failed += other.failed;
}

void InFlight::Add(int64_t calls) {
  std::lock_guard<std::mutex> lock(mu_);
  running_ += calls;
}

void InFlight::Done() {
  std::lock_guard<std::mutex> lock(mu_);
  if (--running_ == 0) idle_.notify_all();
}

bool InFlight::WaitUntilIdle(absl::Time deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  return idle_.wait_until(lock, absl::ToChronoTime(deadline), [this] { return running_ == 0; });
}

absl::StatusOr<std::unique_ptr<PullClient>> PullClient::Connect(const std::string& address,
                                                                int channels) {
  std::unique_ptr<PullClient> client(new PullClient());
  for (int i = 0; i < channels; ++i) {
    SYNDICATE_ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel, ConnectChannel(address, i));
    client->stubs_.push_back(std::make_unique<grpc::GenericStub>(channel));
  }
  return client;
}

void PullClient::Get(int index, grpc::ClientContext* context, const grpc::ByteBuffer* request,
                     grpc::ByteBuffer* response, std::function<void(grpc::Status)> done) {
  context->set_deadline(std::chrono::system_clock::now() + kCallDeadline);
  stubs_[static_cast<size_t>(index) % stubs_.size()]->UnaryCall(
      context, kGetArticleMethod, grpc::StubOptions(), request, response, std::move(done));
}

grpc::ByteBuffer GetRequestBytes(const std::string& id) {
  syndication::v1::GetArticleRequest request;
  request.set_id(id);
  grpc::Slice slice(request.SerializeAsString());
  return grpc::ByteBuffer(&slice, 1);
}

absl::StatusOr<std::string> GetArticleBytes(const std::shared_ptr<grpc::Channel>& channel,
                                            const std::string& id) {
  grpc::GenericStub reader(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kCallDeadline);
  const grpc::ByteBuffer request = GetRequestBytes(id);
  grpc::ByteBuffer response;
  std::mutex mu;
  std::condition_variable done_cv;
  bool done = false;
  grpc::Status status;
  reader.UnaryCall(&context, kGetArticleMethod, grpc::StubOptions(), &request, &response,
                   [&](const grpc::Status& call_status) {
                     std::lock_guard<std::mutex> lock(mu);
                     status = call_status;
                     done = true;
                     done_cv.notify_all();
                   });
  {
    std::unique_lock<std::mutex> lock(mu);
    done_cv.wait(lock, [&] { return done; });
  }
  if (!status.ok()) return CallFailed("GetArticle", status);
  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) return absl::DataLossError("GetArticle: no bytes");
  std::string bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

double GetLoad::RequestsPerSecond() const {
  return wall_seconds > 0 ? static_cast<double>(calls.ok) / wall_seconds : 0;
}

absl::StatusOr<GetLoad> RunGetClosedLoop(const std::vector<PullClient*>& clients,
                                         const std::string& id, size_t expected_bytes,
                                         int concurrency, absl::Duration duration) {
  InFlight in_flight;
  const int64_t start_ns = NowNs();
  const int64_t end_ns = start_ns + absl::ToInt64Nanoseconds(duration);
  std::vector<std::unique_ptr<Chain>> chains;
  const int servers = static_cast<int>(clients.size());
  for (int i = 0; i < concurrency; ++i) {
    chains.push_back(std::make_unique<Chain>(clients[static_cast<size_t>(i % servers)], i / servers,
                                             id, expected_bytes, end_ns, &in_flight));
  }
  in_flight.Add(concurrency);
  for (auto& chain : chains) chain->Send();
  if (!in_flight.WaitUntilIdle(absl::Now() + duration + absl::Seconds(30))) {
    // gRPC still holds the chains: leak them rather than free them under it.
    for (auto& chain : chains) static_cast<void>(chain.release());
    return absl::DeadlineExceededError("closed loop: calls did not complete in time");
  }
  GetLoad load;
  int64_t last_done_ns = start_ns;
  for (const auto& chain : chains) {
    load.calls.Add(chain->calls());
    load.latencies_ns.insert(load.latencies_ns.end(), chain->latencies_ns().begin(),
                             chain->latencies_ns().end());
    last_done_ns = std::max(last_done_ns, chain->last_done_ns());
  }
  load.wall_seconds = static_cast<double>(last_done_ns - start_ns) / 1e9;
  return load;
}

}  // namespace syndicate::bench
