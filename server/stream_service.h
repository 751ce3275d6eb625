// StreamArticles on the gRPC callback API: one ServerWriteReactor per stream, no thread
// per stream, one write in flight. Each stream is a cursor over the persisted feed: the
// next record is read from RocksDB only when the previous write completed, so a slow
// subscriber lags on disk instead of growing a queue in memory.
//
// Every step of a stream (reading, writing, a completed write, a heartbeat tick, a
// cancellation, shutdown) runs as a task on that stream's strand: tasks of one stream run
// one at a time, in order, on WorkPool threads, so a stream's state needs no lock and
// gRPC's reactions (which may run inline inside StartWrite) only ever enqueue.
#ifndef SYNDICATE_SERVER_STREAM_SERVICE_H_
#define SYNDICATE_SERVER_STREAM_SERVICE_H_

#include <grpcpp/server_context.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/server_callback.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "server/feed_hub.h"
#include "server/feed_reader.h"
#include "server/timer_queue.h"
#include "server/work_pool.h"

namespace syndicate::server {

struct StreamOptions {
  // Streams open at once; more are refused with RESOURCE_EXHAUSTED. Default: 20000.
  int max_streams = 20000;
  // A stream whose write has not completed for this long (the client stopped reading) is
  // cancelled. Default: 2 minutes.
  absl::Duration stall_timeout = absl::Minutes(2);
  // Feed records examined per read. Default: 64.
  int batch_records = 64;
  // Build each event once for every stream that sends it (SharedEvents) rather than once
  // per stream. Off only to compare the two in tests. Default: on.
  bool share_events = true;
};

// Events already built, shared by the streams that send them: the story is read and
// parsed, and the StreamArticlesResponse serialized, once per event instead of once per
// stream. An event is built from its feed record and from the story's state when it is
// built (FeedReader::Event shows a story withdrawn, killed or expired since as its
// tombstone), and that state changes with each append to the feed. So a built event is
// kept with the feed head read before it was built, and is used only while the head is
// still there: a stream gets the bytes it would have built itself at that moment. (With
// group commit the story's state changes when a commit is written, one WAL sync before
// the head moves: in that window events built at one head may differ, as the same read
// by two unshared streams would; storage/store.h describes the window.) Any
// append (of any story) retires every kept event; the next stream to reach one builds it
// again. Holds at most kMaxEvents events, the newest sequences kept. Thread-safe.
class SharedEvents {
 public:
  static constexpr size_t kMaxEvents = 64;

  struct Built {
    syndication::v1::ArticleEvent event;
    // StreamArticlesResponse{event}, as EncodeResponse serializes it (server/wire.h).
    grpc::ByteBuffer bytes;
  };

  // The event at feed `sequence` built while the feed's head was `head`; nullptr if none.
  std::shared_ptr<const Built> Find(uint64_t sequence, uint64_t head) const;

  // Keeps `built`, the event at `sequence` built after reading the feed's head `head`.
  void Keep(uint64_t sequence, uint64_t head, std::shared_ptr<const Built> built);

 private:
  struct Entry {
    uint64_t head = 0;
    std::shared_ptr<const Built> built;
  };

  mutable std::mutex mu_;
  std::map<uint64_t, Entry> entries_ ABSL_GUARDED_BY(mu_);  // by feed sequence
};

class StreamSession;
class Authenticator;
class UsageRecorder;

// Thread-safe. The collaborators are not owned and must outlive the service.
class StreamService {
 public:
  // `auth` resolves each stream's caller; its AccessControl (when authentication is on) is
  // asked again after every change of keys or partners (AccessChanged).
  // Every story event written to a partner's stream is recorded in `usage` (may be
  // nullptr: nothing is recorded).
  StreamService(const FeedReader* reader, FeedHub* hub, WorkPool* pool, TimerQueue* timers,
                StreamOptions options, const Authenticator* auth, UsageRecorder* usage);

  // Starts the stream of one StreamArticles call: authenticates the caller
  // (UNAUTHENTICATED), checks and parses the request's bytes as in server/wire.h, and
  // refuses it with RESOURCE_EXHAUSTED when the server or the caller's partner
  // (Partner.max_streams) holds its maximum of streams. Returns the reactor gRPC drives.
  grpc::ServerWriteReactor<grpc::ByteBuffer>* Start(grpc::CallbackServerContext* context,
                                                    const grpc::ByteBuffer* request);

  // Keys or partners changed: every open stream re-resolves its caller on its strand. A
  // stream whose key was revoked (or whose partner was deleted) ends with UNAUTHENTICATED
  // after its write in flight; the others filter by the caller's new entitlements from the
  // next event on. Returns at once.
  void AccessChanged();

  // Refuses new streams with UNAVAILABLE and ends every open one with UNAVAILABLE carrying
  // ErrorInfo SHUTTING_DOWN and its resume cursor. Returns at once; the streams end as
  // their strands run.
  void Shutdown();

  // Streams open now.
  size_t open_streams() const;

 private:
  friend class StreamSession;

  // The sessions open now; with `shutting_down`, new ones are refused from now on.
  std::vector<std::shared_ptr<StreamSession>> OpenSessions(bool shutting_down);

  // Called by a session when gRPC is done with it.
  void Forget(uint64_t id, const std::string& partner_id);

  const FeedReader* const reader_;
  FeedHub* const hub_;
  WorkPool* const pool_;
  TimerQueue* const timers_;
  const StreamOptions options_;
  const Authenticator* const auth_;
  UsageRecorder* const usage_;
  SharedEvents events_;

  mutable std::mutex mu_;
  // Open streams per Partner.id, for Partner.max_streams.
  absl::flat_hash_map<std::string, int> partner_streams_ ABSL_GUARDED_BY(mu_);
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  absl::flat_hash_map<uint64_t, std::weak_ptr<StreamSession>> sessions_ ABSL_GUARDED_BY(mu_);
};

}  // namespace syndicate::server

#endif  // SYNDICATE_SERVER_STREAM_SERVICE_H_
