// The bare gRPC server of the pull and fanout scenarios: what gRPC itself costs, the limit
// syndicated is compared with. Run by syndicate-bench as a subprocess (the hidden subcommand
// `bare-server`), pinned like syndicated.
//
// - pull: SyndicationService.GetArticle answered with Article bytes serialized before the
//   server started, looked up by id, on gRPC's own callback thread. No store, no parsing of
//   the article, no thread hop.
// - fanout: a relay. SyndicationService.StreamArticles opens a stream that first gets a
//   StreamArticlesResponse with an empty `caught_up`, then every message published after it
//   opened, in order. PublishingService.PublishArticle takes as its request body not a
//   PublishArticleRequest but the bytes of a serialized StreamArticlesResponse (the event a
//   syndicated subscriber would receive), answers with an empty response once every open
//   stream has it queued, and writes those bytes, shared and never parsed or copied, to
//   every open stream: one write in flight per stream, each stream at its own pace.
//   Published messages are kept for the server's lifetime (the benchmark publishes a few
//   thousand).
#ifndef SYNDICATE_BENCH_BARE_SERVER_H_
#define SYNDICATE_BENCH_BARE_SERVER_H_

#include <string>
#include <vector>

namespace syndicate::bench {

struct BareServerOptions {
  // HOST:PORT to listen on; port 0 lets the kernel choose. Required.
  std::string listen;
  // Files each holding one serialized syndication.v1.Article, as syndicated's GetArticle
  // returned it; the server answers a GetArticleRequest for its id with these bytes. Any
  // version asked for gets the same bytes. Optional (the fanout scenario gives none).
  std::vector<std::string> article_files;
};

// Serves until SIGTERM or SIGINT, printing "HOST:PORT" (the address bound) as the first
// line of stdout once it accepts calls. An unknown id gets NOT_FOUND, every other method
// UNIMPLEMENTED. Returns the process exit code: 0 after a clean shutdown, 1 when a file
// cannot be read or parsed or the address cannot be bound (the reason on stderr).
// Must be called before any other thread of the process exists: it blocks SIGTERM and
// SIGINT in the calling thread to wait for them.
int RunBareServer(const BareServerOptions& options);

}  // namespace syndicate::bench

#endif  // SYNDICATE_BENCH_BARE_SERVER_H_
