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

  mutable std::mutex mu_;
  // Open streams per Partner.id, for Partner.max_streams.
  absl::flat_hash_map<std::string, int> partner_streams_ ABSL_GUARDED_BY(mu_);
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  absl::flat_hash_map<uint64_t, std::weak_ptr<StreamSession>> sessions_ ABSL_GUARDED_BY(mu_);
};

}  // namespace syndicate::server

#endif  // SYNDICATE_SERVER_STREAM_SERVICE_H_
