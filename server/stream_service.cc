#include "server/stream_service.h"

#include <algorithm>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/error_info.h"
#include "server/lifecycle.h"
#include "server/services.h"
#include "server/usage_recorder.h"
#include "server/wire.h"

namespace syndicate::server {
namespace {

using syndication::v1::StreamArticlesResponse;

// A reactor for a call refused before it started: it only finishes.
class RefusedStream final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  explicit RefusedStream(const absl::Status& status) { Finish(ToGrpcStatus(status)); }
  void OnDone() override { delete this; }
};

}  // namespace

// One stream. Its state is touched only by tasks on its strand (see stream_service.h).
class StreamSession final : public grpc::ServerWriteReactor<grpc::ByteBuffer>,
                            public std::enable_shared_from_this<StreamSession> {
 public:
  StreamSession(StreamService* service, uint64_t id, grpc::CallbackServerContext* context,
                StreamPlan plan, std::string partner_id)
      : service_(service),
        id_(id),
        partner_id_(std::move(partner_id)),
        context_(context),
        plan_(std::move(plan)),
        delivered_(plan_.after),
        scanned_(plan_.after),
        last_write_(absl::Now()) {}

  // Keeps the session alive until gRPC calls OnDone, and takes the first steps.
  void Begin() {
    self_ = shared_from_this();
    Post([](StreamSession& s) { s.Advance(); });
    ScheduleTick(absl::Now() + TickInterval());
  }

  void OnWriteDone(bool ok) override {
    Post([ok](StreamSession& s) { s.WriteDone(ok); });
  }

  void OnCancel() override {
    Post([](StreamSession& s) { s.End(absl::CancelledError("the client cancelled the stream")); });
  }

  void OnDone() override {
    service_->Forget(id_, partner_id_);
    Post([](StreamSession& s) { s.self_.reset(); });
  }

  // Re-resolves the caller after a change of keys or partners (StreamService::AccessChanged).
  void Recheck() {
    Post([](StreamSession& s) {
      const AccessControl* access = s.service_->auth_->access();
      if (s.finished_ || access == nullptr || s.plan_.filter.caller == nullptr) return;
      absl::StatusOr<Principal> caller = access->Resolve(s.plan_.filter.caller->key_id);
      if (!caller.ok()) return s.End(caller.status());
      s.plan_.filter.caller = std::make_shared<const Principal>(*std::move(caller));
    });
  }

  // Ends the stream once its write in flight, if any, has completed, so that the resume
  // cursor covers everything the client will have received before the status.
  void EndForShutdown() {
    Post([](StreamSession& s) {
      s.shutting_down_ = true;
      if (!s.write_in_flight_) s.End(s.ShutdownStatus());
    });
  }

 private:
  using Task = std::function<void(StreamSession&)>;

  // --- The strand ------------------------------------------------------------------------

  // Queues `task`; runs the queue on the pool unless it is already running. Tasks hold the
  // session alive while they wait.
  void Post(Task task) {
    {
      std::lock_guard<std::mutex> lock(strand_mu_);
      strand_.push_back(std::move(task));
      if (strand_running_) return;
      strand_running_ = true;
    }
    std::shared_ptr<StreamSession> keep = shared_from_this();
    if (!service_->pool_->Submit([keep] { keep->Drain(); })) {
      // The pool is stopping: the server is gone, and gRPC cancels the call itself.
      std::lock_guard<std::mutex> lock(strand_mu_);
      strand_running_ = false;
    }
  }

  // Runs the queued tasks in order, taking them a batch at a time; tasks posted meanwhile
  // form the next batch.
  void Drain() {
    while (true) {
      std::vector<Task> batch;
      {
        std::lock_guard<std::mutex> lock(strand_mu_);
        if (strand_.empty()) {
          strand_running_ = false;
          return;
        }
        batch.swap(strand_);
      }
      for (Task& task : batch) task(*this);
    }
  }

  // Posts `task` to run on the strand if the session still exists then.
  std::function<void()> Later(Task task) {
    std::weak_ptr<StreamSession> weak = weak_from_this();
    return [weak, task = std::move(task)] {
      if (std::shared_ptr<StreamSession> s = weak.lock()) s->Post(task);
    };
  }

  // --- Steps, each run on the strand -----------------------------------------------------

  // Sends the next thing the stream owes: a pending event, the caught-up marker, or, when
  // there is nothing, waits for the feed to grow.
  void Advance() {
    if (finished_ || write_in_flight_ || shutting_down_ || deferred_end_.has_value()) return;
    const FeedReader& reader = *service_->reader_;
    if (!HasPending()) {
      absl::StatusOr<FeedBatch> batch =
          reader.Read(plan_.filter, scanned_, service_->options_.batch_records);
      if (!batch.ok()) return End(batch.status());
      scanned_ = batch->scanned_to;
      pending_ = std::move(batch->matched);
      next_pending_ = 0;
      if (!HasPending()) {
        // Nothing matched up to scanned_: the stream has delivered everything up to there.
        delivered_ = scanned_;
        if (scanned_ < batch->head) return Post([](StreamSession& s) { s.Advance(); });
        // Not before the feed reached the stream's start: a cursor from a replica further
        // along the log waits here for this one to catch up.
        if (!caught_up_sent_ && scanned_ <= batch->head) {
          caught_up_sent_ = true;
          StreamArticlesResponse response;
          response.mutable_caught_up()->set_head_cursor(reader.CursorAt(scanned_));
          return Write(response, 0);
        }
        // Live and idle: the next append wakes the stream. One registration at a time, or
        // every heartbeat of an idle stream would add another.
        if (waiting_) return;
        waiting_ = true;
        wait_id_ = service_->hub_->WaitForAppend(scanned_, Later([](StreamSession& s) {
                                                   s.waiting_ = false;
                                                   s.wait_id_ = 0;
                                                   s.Advance();
                                                 }));
        return;
      }
    }
    const storage::FeedRecord& record = pending_[next_pending_];
    // Matched before a change of entitlements that now excludes it.
    const bool still_matches = plan_.filter.Matches(record);
    absl::StatusOr<std::shared_ptr<const SharedEvents::Built>> built = nullptr;
    if (still_matches) built = BuiltEvent(record);
    if (!built.ok()) return End(built.status());
    const uint64_t sequence = record.sequence();
    // An idle stream holds no batch: a few hundred bytes each, times thousands of streams.
    if (++next_pending_ == pending_.size()) {
      pending_ = {};
      next_pending_ = 0;
    }
    if (!still_matches) {
      if (!HasPending()) delivered_ = std::max(delivered_, scanned_);
      return Post([](StreamSession& s) { s.Advance(); });
    }
    const syndication::v1::ArticleEvent& event = (*built)->event;
    // A story delivered to a partner goes in the usage report once its write succeeds.
    if (!partner_id_.empty() && event.has_article() && !IsTombstone(event.article())) {
      in_flight_story_ = {event.article().id(), event.article().version(),
                          event.article().source_id()};
    }
    if (plan_.filter.caller != nullptr &&
        plan_.filter.caller->role == syndication::v1::ROLE_PARTNER && event.has_article()) {
      // The partner's own delivery field: this stream serializes its own copy. Everyone
      // else gets the shared bytes, which carry no delivery field (BuiltEvent).
      StreamArticlesResponse response;
      *response.mutable_event() = event;
      SetDelivery(*plan_.filter.caller, response.mutable_event()->mutable_article());
      return Write(response, sequence);
    }
    buffer_ = (*built)->bytes;  // shares the slices, copies no bytes
    StartWriting(sequence);
  }

  // The event for `record` with its serialized response: shared with the other streams
  // (SharedEvents), or built here and offered to them.
  absl::StatusOr<std::shared_ptr<const SharedEvents::Built>> BuiltEvent(
      const storage::FeedRecord& record) {
    const FeedReader& reader = *service_->reader_;
    const bool share = service_->options_.share_events;
    // Read before the story is: see SharedEvents.
    const uint64_t head = reader.head();
    if (share) {
      if (auto found = service_->events_.Find(record.sequence(), head)) return found;
    }
    absl::StatusOr<syndication::v1::ArticleEvent> event = reader.Event(record);
    if (!event.ok()) return event.status();
    auto built = std::make_shared<SharedEvents::Built>();
    StreamArticlesResponse response;
    *response.mutable_event() = *std::move(event);
    // As SetDelivery leaves it for a caller who is not a partner (or no caller at all).
    if (response.event().has_article()) {
      response.mutable_event()->mutable_article()->clear_delivery();
    }
    if (absl::Status encoded = EncodeResponse(response, &built->bytes); !encoded.ok()) {
      return encoded;
    }
    built->event = std::move(*response.mutable_event());
    if (share) service_->events_.Keep(record.sequence(), head, built);
    return built;
  }

  void WriteDone(bool ok) {
    write_in_flight_ = false;
    buffer_.Clear();
    if (ok && !in_flight_story_.article_id.empty() && service_->usage_ != nullptr) {
      service_->usage_->Record(partner_id_, in_flight_story_,
                               syndication::v1::DELIVERY_CHANNEL_STREAM);
    }
    in_flight_story_ = {};
    if (ok) {
      if (in_flight_sequence_ != 0) delivered_ = in_flight_sequence_;
      // With nothing pending, every record up to scanned_ was written or filtered out.
      if (!HasPending()) delivered_ = std::max(delivered_, scanned_);
    }
    if (deferred_end_.has_value()) return End(*std::exchange(deferred_end_, std::nullopt));
    if (!ok) return End(absl::CancelledError("the client went away"));
    if (shutting_down_) return End(ShutdownStatus());
    Advance();
  }

  absl::Status ShutdownStatus() const {
    return WithErrorInfo(
        absl::UnavailableError("the server is shutting down; reconnect with after_cursor = "
                               "resume_cursor from the error details"),
        kShuttingDown, {{"resume_cursor", service_->reader_->CursorAt(delivered_)}});
  }

  // The periodic check: a heartbeat when the stream has been quiet, cancellation when a
  // write has stalled.
  void Tick() {
    if (finished_) return;
    const absl::Time now = absl::Now();
    if (write_in_flight_) {
      if (now - write_started_ > service_->options_.stall_timeout) {
        // OnCancel follows, which ends the stream.
        context_->TryCancel();
      }
    } else if (now - last_write_ >= plan_.heartbeat_interval && !shutting_down_) {
      StreamArticlesResponse response;
      response.mutable_heartbeat()->set_cursor(service_->reader_->CursorAt(delivered_));
      response.mutable_heartbeat()->set_head_cursor(
          service_->reader_->CursorAt(service_->reader_->head()));
      Write(response, 0);
    }
    // Next: when a heartbeat falls due, or sooner for the stall check.
    const absl::Time heartbeat_due = last_write_ + plan_.heartbeat_interval;
    ScheduleTick(
        std::max(std::min(now + TickInterval(), heartbeat_due), now + absl::Milliseconds(10)));
  }

  // Ends the stream with `status` (OK never: a stream only ends by error or shutdown).
  // Finish waits for the write in flight: gRPC would still deliver that message, and the
  // status must come after everything the stream sent.
  void End(const absl::Status& status) {
    if (finished_) return;
    if (write_in_flight_) {
      if (!deferred_end_.has_value()) deferred_end_ = status;
      return;
    }
    finished_ = true;
    // A stream that ends while idle drops its registration: on a quiet feed nothing else
    // would, and clients reconnecting in a loop would pile them up.
    if (waiting_) {
      service_->hub_->Cancel(std::exchange(wait_id_, 0));
      waiting_ = false;
    }
    Finish(ToGrpcStatus(status));
  }

  // --- Helpers ---------------------------------------------------------------------------

  bool HasPending() const { return next_pending_ < pending_.size(); }

  void Write(const StreamArticlesResponse& response, uint64_t sequence) {
    if (absl::Status encoded = EncodeResponse(response, &buffer_); !encoded.ok()) {
      return End(encoded);
    }
    StartWriting(sequence);
  }

  // Writes buffer_.
  void StartWriting(uint64_t sequence) {
    write_in_flight_ = true;
    in_flight_sequence_ = sequence;
    write_started_ = last_write_ = absl::Now();
    StartWrite(&buffer_);
  }

  // Ticks come often enough for both the heartbeat and the stall check.
  absl::Duration TickInterval() const {
    return std::min(plan_.heartbeat_interval, service_->options_.stall_timeout / 4);
  }

  void ScheduleTick(absl::Time when) {
    service_->timers_->Schedule(when, Later([](StreamSession& s) { s.Tick(); }));
  }

  StreamService* const service_;
  const uint64_t id_;
  const std::string partner_id_;  // empty unless a partner's key opened the stream
  grpc::CallbackServerContext* const context_;
  StreamPlan plan_;  // strand-only after Begin: Recheck replaces the filter's caller

  std::mutex strand_mu_;
  // Vectors, not deques: an empty std::deque already holds a block, and streams are many.
  std::vector<Task> strand_ ABSL_GUARDED_BY(strand_mu_);
  bool strand_running_ ABSL_GUARDED_BY(strand_mu_) = false;

  // Strand-only state.
  std::shared_ptr<StreamSession> self_;
  uint64_t delivered_;                        // every matching event up to here has been written
  uint64_t scanned_;                          // every record up to here has been read and filtered
  std::vector<storage::FeedRecord> pending_;  // matched; those from next_pending_ not yet written
  size_t next_pending_ = 0;
  bool caught_up_sent_ = false;
  bool waiting_ = false;  // registered with the FeedHub, or its wake is posted
  uint64_t wait_id_ = 0;  // the FeedHub registration; 0 once woken (or woken at once)
  bool write_in_flight_ = false;
  uint64_t in_flight_sequence_ = 0;  // the event being written; 0 for other messages
  // The story in the event being written to a partner, for the usage report; empty id when
  // the write carries none.
  DeliveredStory in_flight_story_;
  bool finished_ = false;
  bool shutting_down_ = false;
  std::optional<absl::Status> deferred_end_;  // End() called while a write was in flight
  absl::Time write_started_;
  absl::Time last_write_;
  grpc::ByteBuffer buffer_;
};

std::shared_ptr<const SharedEvents::Built> SharedEvents::Find(uint64_t sequence,
                                                              uint64_t head) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(sequence);
  if (it == entries_.end() || it->second.head != head) return nullptr;
  return it->second.built;
}

void SharedEvents::Keep(uint64_t sequence, uint64_t head, std::shared_ptr<const Built> built) {
  std::shared_ptr<const Built> dropped;  // freed outside the lock
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(sequence);
  if (it != entries_.end()) {
    // Another stream built it too; keep the one of the newer head.
    if (it->second.head < head) {
      dropped = std::exchange(it->second.built, std::move(built));
      it->second.head = head;
    }
    return;
  }
  if (entries_.size() >= kMaxEvents) {
    // A stream reading old events must not push out the live ones.
    if (sequence < entries_.begin()->first) return;
    dropped = std::move(entries_.begin()->second.built);
    entries_.erase(entries_.begin());
  }
  entries_.emplace(sequence, Entry{head, std::move(built)});
}

StreamService::StreamService(const FeedReader* reader, FeedHub* hub, WorkPool* pool,
                             TimerQueue* timers, StreamOptions options, const Authenticator* auth,
                             UsageRecorder* usage)
    : reader_(reader),
      hub_(hub),
      pool_(pool),
      timers_(timers),
      options_(options),
      auth_(auth),
      usage_(usage) {}

grpc::ServerWriteReactor<grpc::ByteBuffer>* StreamService::Start(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request_bytes) {
  absl::StatusOr<Principal> caller = auth_->Authenticate(*context);
  if (!caller.ok()) return new RefusedStream(caller.status());
  syndication::v1::StreamArticlesRequest request;
  if (absl::Status decoded = DecodeRequest(*request_bytes, &request); !decoded.ok()) {
    return new RefusedStream(decoded);
  }
  // Validation reads only atomics of the store, so it runs here, on gRPC's thread.
  absl::StatusOr<StreamPlan> plan = reader_->Plan(request);
  if (!plan.ok()) return new RefusedStream(plan.status());
  if (auth_->access() != nullptr) {
    plan->filter.caller = std::make_shared<const Principal>(*caller);
  }

  std::shared_ptr<StreamSession> session;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shutting_down_) {
      return new RefusedStream(absl::UnavailableError("the server is shutting down"));
    }
    if (sessions_.size() >= static_cast<size_t>(options_.max_streams)) {
      return new RefusedStream(absl::ResourceExhaustedError(absl::StrCat(
          "the server holds its maximum of ", options_.max_streams, " streams; retry later")));
    }
    if (caller->max_streams > 0 && partner_streams_[caller->partner_id] >= caller->max_streams) {
      return new RefusedStream(absl::ResourceExhaustedError(
          absl::StrCat("partner \"", caller->partner_id, "\" holds its maximum of ",
                       caller->max_streams, " streams; retry later")));
    }
    const uint64_t id = next_id_++;
    session =
        std::make_shared<StreamSession>(this, id, context, *std::move(plan), caller->partner_id);
    sessions_[id] = session;
    if (!caller->partner_id.empty()) ++partner_streams_[caller->partner_id];
  }
  session->Begin();
  return session.get();
}

std::vector<std::shared_ptr<StreamSession>> StreamService::OpenSessions(bool shutting_down) {
  std::vector<std::shared_ptr<StreamSession>> open;
  std::lock_guard<std::mutex> lock(mu_);
  if (shutting_down) shutting_down_ = true;
  for (auto& [id, weak] : sessions_) {
    if (std::shared_ptr<StreamSession> session = weak.lock()) open.push_back(session);
  }
  return open;
}

void StreamService::Shutdown() {
  for (const auto& session : OpenSessions(true)) session->EndForShutdown();
}

size_t StreamService::open_streams() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sessions_.size();
}

void StreamService::Forget(uint64_t id, const std::string& partner_id) {
  std::lock_guard<std::mutex> lock(mu_);
  sessions_.erase(id);
  if (partner_id.empty()) return;
  auto it = partner_streams_.find(partner_id);
  if (it != partner_streams_.end() && --it->second <= 0) partner_streams_.erase(it);
}

void StreamService::AccessChanged() {
  for (const auto& session : OpenSessions(false)) session->Recheck();
}

}  // namespace syndicate::server
