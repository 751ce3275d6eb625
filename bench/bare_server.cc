#include "bench/bare_server.h"

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/server_callback.h>
#include <pthread.h>

#include <csignal>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "syndication/v1/article.pb.h"
#include "syndication/v1/syndication_service.grpc.pb.h"

namespace syndicate::bench {
namespace {

using syndication::v1::SyndicationService;

// GetArticle only, raw: the response is a reference to bytes prepared at startup.
class BareSyndicationService final : public SyndicationService::WithRawCallbackMethod_GetArticle<
                                         SyndicationService::CallbackService> {
 public:
  // Article.id → its serialized bytes. Read-only once serving starts, so calls share it
  // without a lock.
  explicit BareSyndicationService(absl::flat_hash_map<std::string, grpc::Slice> articles)
      : articles_(std::move(articles)) {}

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

 private:
  const absl::flat_hash_map<std::string, grpc::Slice> articles_;
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
  if (articles.empty()) {
    std::cerr << "bare-server: no article files\n";
    return 1;
  }

  // Blocked before gRPC starts its threads, which inherit the mask: only sigwait below
  // receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  BareSyndicationService service(std::move(articles));
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(options.listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
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
