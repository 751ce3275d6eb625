#include "bench/bare_server.h"

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/server_callback.h>
#include <pthread.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "syndication/v1/article.pb.h"
#include "syndication/v1/publishing_service.grpc.pb.h"
#include "syndication/v1/syndication_service.grpc.pb.h"

namespace syndicate::bench {
namespace {

using syndication::v1::PublishingService;
using syndication::v1::SyndicationService;

class RelayStream;

// The fanout relay's state: every message published so far, and the open streams. Thread-
// safe; a stream's lock may be held while taking the relay's, never the other way round.
class Relay {
 public:
  // Registers `stream` and returns the number of messages published so far: the index of
  // the first message it is to get.
  size_t Open(std::shared_ptr<RelayStream> stream) {
    std::lock_guard<std::mutex> lock(mu_);
    streams_.insert(std::move(stream));
    return log_.size();
  }

  void Close(const std::shared_ptr<RelayStream>& stream) {
    std::lock_guard<std::mutex> lock(mu_);
    streams_.erase(stream);
  }

  // Sets `*message` to message `index` (sharing its bytes) and returns true, or returns
  // false when it has not been published yet.
  bool Get(size_t index, grpc::ByteBuffer* message) {
    std::lock_guard<std::mutex> lock(mu_);
    if (index >= log_.size()) return false;
    *message = log_[index];
    return true;
  }

  // Appends `message` and returns the open streams, to be woken.
  std::vector<std::shared_ptr<RelayStream>> Append(const grpc::ByteBuffer& message) {
    std::lock_guard<std::mutex> lock(mu_);
    log_.push_back(message);
    return {streams_.begin(), streams_.end()};
  }

 private:
  std::mutex mu_;
  std::vector<grpc::ByteBuffer> log_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<std::shared_ptr<RelayStream>> streams_ ABSL_GUARDED_BY(mu_);
};

// One relayed stream: the caught-up marker, then the relay's messages from where it opened,
// one write in flight. Owned by itself (`self_`) and the relay until gRPC calls OnDone.
class RelayStream final : public grpc::ServerWriteReactor<grpc::ByteBuffer>,
                          public std::enable_shared_from_this<RelayStream> {
 public:
  explicit RelayStream(Relay* relay) : relay_(relay) {}

  // Registers with the relay and writes the caught-up marker. gRPC calls no reaction
  // before the method handler that calls this returns.
  void Begin(const grpc::ByteBuffer& caught_up) {
    self_ = shared_from_this();
    {
      std::lock_guard<std::mutex> lock(mu_);
      next_ = relay_->Open(self_);
      buffer_ = caught_up;
      writing_ = true;
    }
    StartWrite(&buffer_);
  }

  // Writes the next message unless a write is in flight or there is none.
  void Pump() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (writing_ || finishing_ || !relay_->Get(next_, &buffer_)) return;
      ++next_;
      writing_ = true;
    }
    StartWrite(&buffer_);
  }

  // Reactions call StartWrite and Finish outside the lock: gRPC may run the next reaction
  // on the calling thread.
  void OnWriteDone(bool ok) override {
    bool more = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      writing_ = false;
      if (!ok) finishing_ = true;
      more = !finishing_;
    }
    if (more) {
      Pump();
    } else {
      FinishOnce();
    }
  }

  void OnCancel() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      finishing_ = true;
      if (writing_) return;  // OnWriteDone finishes
    }
    FinishOnce();
  }

  void OnDone() override {
    relay_->Close(self_);
    self_.reset();  // may destroy this
  }

 private:
  void FinishOnce() {
    if (finished_.exchange(true)) return;
    Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the stream was cancelled"));
  }

  Relay* const relay_;
  std::shared_ptr<RelayStream> self_;
  std::mutex mu_;
  size_t next_ ABSL_GUARDED_BY(mu_) = 0;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finishing_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<bool> finished_{false};
  grpc::ByteBuffer buffer_;  // the message being written
};

// GetArticle and StreamArticles, raw: responses are references to bytes prepared at
// startup or relayed from a publish.
class BareSyndicationService final
    : public SyndicationService::WithRawCallbackMethod_StreamArticles<
          SyndicationService::WithRawCallbackMethod_GetArticle<
              SyndicationService::CallbackService>> {
 public:
  // Article.id → its serialized bytes. Read-only once serving starts, so calls share it
  // without a lock.
  BareSyndicationService(absl::flat_hash_map<std::string, grpc::Slice> articles, Relay* relay)
      : articles_(std::move(articles)), relay_(relay) {
    syndication::v1::StreamArticlesResponse caught_up;
    caught_up.mutable_caught_up();
    grpc::Slice bytes(caught_up.SerializeAsString());
    caught_up_ = grpc::ByteBuffer(&bytes, 1);
  }

  grpc::ServerUnaryReactor* GetArticle(grpc::CallbackServerContext* context,
                                       const grpc::ByteBuffer* request,
                                       grpc::ByteBuffer* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    syndication::v1::GetArticleRequest parsed;
    std::vector<grpc::Slice> slices;
    std::string bytes;
    if (request->Dump(&slices).ok()) {
      for (const grpc::Slice& slice : slices) {
        bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
      }
    }
    if (!parsed.ParseFromString(bytes)) {
      reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "malformed request"));
      return reactor;
    }
    const auto it = articles_.find(parsed.id());
    if (it == articles_.end()) {
      reactor->Finish(grpc::Status(grpc::StatusCode::NOT_FOUND, "no such article"));
      return reactor;
    }
    *response = grpc::ByteBuffer(&it->second, 1);
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  // The request is not read: every stream gets the same messages.
  grpc::ServerWriteReactor<grpc::ByteBuffer>* StreamArticles(
      grpc::CallbackServerContext* /*context*/, const grpc::ByteBuffer* /*request*/) override {
    auto stream = std::make_shared<RelayStream>(relay_);
    stream->Begin(caught_up_);
    return stream.get();
  }

 private:
  const absl::flat_hash_map<std::string, grpc::Slice> articles_;
  Relay* const relay_;
  grpc::ByteBuffer caught_up_;
};

// PublishArticle, raw: the request body is the message to relay (see bare_server.h).
class BarePublishingService final : public PublishingService::WithRawCallbackMethod_PublishArticle<
                                        PublishingService::CallbackService> {
 public:
  explicit BarePublishingService(Relay* relay) : relay_(relay) {}

  grpc::ServerUnaryReactor* PublishArticle(grpc::CallbackServerContext* context,
                                           const grpc::ByteBuffer* request,
                                           grpc::ByteBuffer* response) override {
    for (const std::shared_ptr<RelayStream>& stream : relay_->Append(*request)) stream->Pump();
    grpc::Slice empty;
    *response = grpc::ByteBuffer(&empty, 1);
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 private:
  Relay* const relay_;
};

}  // namespace

int RunBareServer(const BareServerOptions& options) {
  absl::flat_hash_map<std::string, grpc::Slice> articles;
  for (const std::string& path : options.article_files) {
    std::ifstream in(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    syndication::v1::Article article;
    if (!in.good() && !in.eof()) {
      std::cerr << "bare-server: " << path << ": cannot be read\n";
      return 1;
    }
    if (!article.ParseFromString(bytes) || article.id().empty()) {
      std::cerr << "bare-server: " << path << ": not a serialized Article with an id\n";
      return 1;
    }
    articles.emplace(article.id(), grpc::Slice(std::move(bytes)));
  }

  // Blocked before gRPC starts its threads, which inherit the mask: only sigwait below
  // receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  Relay relay;
  BareSyndicationService syndication(std::move(articles), &relay);
  BarePublishingService publishing(&relay);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(options.listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&syndication);
  builder.RegisterService(&publishing);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::cerr << "bare-server: cannot listen on " << options.listen << "\n";
    return 1;
  }
  const std::string host = options.listen.substr(0, options.listen.rfind(':'));
  std::cout << host << ":" << port << std::endl;

  int signal = 0;
  sigwait(&stop_signals, &signal);
  server->Shutdown();
  return 0;
}

}  // namespace syndicate::bench
