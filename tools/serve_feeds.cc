// serve_feeds: serves the files of one directory over plain HTTP on 127.0.0.1, for the demo
// and for trying the feed poller by hand, as a publisher's web server would: each file with
// an ETag (a hash of its bytes) and 304 Not Modified for a matching If-None-Match.
//
//   serve_feeds DIR     prints "http://127.0.0.1:PORT/" (a free port) on stdout, then
//                       serves until SIGTERM or SIGINT. Files are read on every request,
//                       so a file changed on disk is served changed.
#include <httplib.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

namespace {

std::string ContentType(const std::filesystem::path& path) {
  const std::string extension = path.extension().string();
  if (extension == ".rss") return "application/rss+xml; charset=utf-8";
  if (extension == ".atom") return "application/atom+xml; charset=utf-8";
  if (extension == ".json") return "application/json";
  if (extension == ".html") return "text/html; charset=utf-8";
  return "application/octet-stream";
}

// A strong ETag: the first 8 bytes of BLAKE2b of the content, in hex, quoted.
std::string Etag(const std::string& content) {
  unsigned char hash[8];
  crypto_generichash(hash, sizeof hash, reinterpret_cast<const unsigned char*>(content.data()),
                     content.size(), nullptr, 0);
  char hex[sizeof hash * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
  return "\"" + std::string(hex) + "\"";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 || !std::filesystem::is_directory(argv[1]) || sodium_init() < 0) {
    std::cerr << "usage: serve_feeds DIR  (DIR: a directory of feed files)\n";
    return 2;
  }
  // SIGTERM and SIGINT are taken by sigwait below, in every thread.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  const std::filesystem::path root = std::filesystem::canonical(argv[1]);
  httplib::Server server;
  server.Get(R"(/([A-Za-z0-9._-]+))",
             [&root](const httplib::Request& request, httplib::Response& response) {
               const std::filesystem::path path = root / request.matches[1].str();
               std::ifstream in(path, std::ios::binary);
               if (request.matches[1].str().front() == '.' || !in) {
                 response.status = 404;
                 return;
               }
               std::ostringstream content;
               content << in.rdbuf();
               const std::string etag = Etag(content.str());
               response.set_header("ETag", etag);
               if (request.get_header_value("If-None-Match") == etag) {
                 response.status = 304;
                 return;
               }
               response.set_content(content.str(), ContentType(path).c_str());
             });
  const int port = server.bind_to_any_port("127.0.0.1");
  if (port <= 0) {
    std::cerr << "serve_feeds: cannot listen on 127.0.0.1\n";
    return 1;
  }
  std::cout << "http://127.0.0.1:" << port << "/" << std::endl;
  std::thread listening([&server] { server.listen_after_bind(); });
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  server.stop();
  listening.join();
  return 0;
}
