// The feed poller: fetches every Source's feed_urls on the source's feed_poll_interval and
// imports what changed, as that source's publisher, through the same SyndicationCore calls
// a publisher's PublishArticle and WithdrawArticle make, so every rule (validation,
// attribution defaults, signing, idempotence) applies unchanged.
//
// One poll of one feed:
//   1. A conditional GET (ingest/http_fetch.h) with the validators of the last 200.
//   2. 304 Not Modified: a success; nothing else happens.
//   3. 200: ingest::Import with the response's Content-Type and final URL. Items are
//      published oldest first (by published_at; items without one last, in document
//      order), so partners' streams see them in the order they appeared. An unchanged item
//      stores nothing (PublishArticle's OUTCOME_UNCHANGED); a changed one is a new version.
//      A tombstone withdraws its story (SyndicationCore::WithdrawByExternalId). An item
//      that fails is counted and named in the status; the others go on.
//   4. The FeedStatus and validators are stored (GetSource shows the status). The validators
//      are kept only when every item went in, so a feed with a failed item (the store
//      failed mid-feed, or the source's settings refused it) is read in full next time
//      rather than answered 304.
// A story whose latest version is a tombstone is left alone (SyndicationCore::
// PublishFeedItem): a publisher's withdrawal holds even while the feed still lists it.
// A poll that fails (transport error, an HTTP status other than 200 and 304, a document no
// importer can read) is logged, counted in syndicate_feed_poller_errors_total, and
// retried after twice the wait of the last (up to max_backoff, never less than the
// interval).
//
// Threads: one that wakes every scan_interval, and when a feed is due, to list the sources
// and start the feeds that are due, and fetch_threads that fetch and import. A feed is never polled
// twice at once, and a source has at most one feed in flight, so one publisher's slow feeds cannot
// take every thread. After a restart each feed keeps its schedule and backoff (read from its stored
// status).
#ifndef SYNDICATE_SERVER_FEED_POLLER_H_
#define SYNDICATE_SERVER_FEED_POLLER_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"
#include "server/metrics.h"
#include "server/syndication_core.h"
#include "server/work_pool.h"
#include "syndication/v1/source.pb.h"

namespace syndicate::server {

struct FeedPollerOptions {
  // How often, at least, the poller lists the sources to find feeds that are due, the
  // first time one interval after the start; a new or changed source is seen within this.
  // Between these scans it also wakes when the next known feed is due, so a feed is fetched
  // at its next_poll_time. Default: 1 s.
  absl::Duration scan_interval = absl::Seconds(1);
  // Feeds fetched and imported at once. A fetch mostly waits on the network, so there are
  // many: feeds that never answer hold a thread each until fetch_timeout, and only more of
  // them than this delay everyone else's. Default: 16.
  int fetch_threads = 16;
  // Limits of each fetch (ingest/http_fetch.h) and import (ingest/importer.h).
  absl::Duration fetch_timeout = absl::Seconds(30);
  int max_redirects = 5;
  size_t max_feed_bytes = size_t{16} << 20;
  size_t max_items = 10000;
  // Whether feeds may be fetched from loopback, private and link-local addresses
  // (ingest::IsPublicAddress). Default: false: a publisher's feed URL cannot reach the
  // server's own ports, the cluster or a cloud metadata service.
  bool allow_private_addresses = false;
  // The shortest wait between two polls of one feed, whatever the source asks for: a
  // publisher key may set its source's feed_poll_interval as low as 1 s, and this keeps
  // the server from being made to fetch so often. Default: 1 minute.
  absl::Duration min_poll_interval = absl::Minutes(1);
  // The longest wait after failures. Default: 1 hour.
  absl::Duration max_backoff = absl::Hours(1);
};

class FeedPoller {
 public:
  // Starts polling. `core` is not owned and must outlive the poller; `metrics` may be null.
  FeedPoller(SyndicationCore* core, Metrics* metrics, FeedPollerOptions options);
  // Stop().
  ~FeedPoller();

  FeedPoller(const FeedPoller&) = delete;
  FeedPoller& operator=(const FeedPoller&) = delete;

  // Starts no more polls, cancels the fetches under way (their feeds are polled again
  // after a restart) and waits for the running polls to end. Idempotent.
  void Stop();

  // Polls feed `url` of `source` once, now, on the calling thread, and stores its status.
  // Returns the stored status. For tests and for the scan's workers.
  syndication::v1::FeedStatus PollOnce(const syndication::v1::Source& source,
                                       const std::string& url);

 private:
  struct Feed {
    // When the last poll ended, and how many failed in a row: the next is due Wait() later.
    absl::Time last_finished = absl::InfinitePast();
    int failures = 0;
    bool in_flight = false;
    // Whether last_finished and failures were read from the stored status (the first time
    // the scan finds the feed, so that a restart keeps each feed's schedule and backoff).
    bool seeded = false;
  };
  using FeedKey = std::pair<std::string, std::string>;  // (source id, url)

  void ScanLoop();
  // Starts the feeds that are due. Returns when the next of the others is due (infinite
  // future when none is waiting).
  absl::Time Scan();
  // A due poll of feed `key`, on a pool thread: re-reads the source (the feed may have
  // been removed since the scan), seeds the schedule from the stored status the first
  // time, and polls.
  // Returns when the feed is next due (infinite future when it was removed).
  absl::Time RunDue(const FeedKey& key);
  // The source's interval, at least min_poll_interval.
  absl::Duration Interval(const syndication::v1::Source& source) const;
  // The wait before the next poll of a feed after `failures` failures in a row.
  absl::Duration Wait(absl::Duration interval, int failures) const;

  SyndicationCore* const core_;
  Metrics* const metrics_;
  const FeedPollerOptions options_;
  std::atomic<bool> stopping_{false};

  std::mutex mu_;
  std::condition_variable wake_;
  std::map<FeedKey, Feed> feeds_ ABSL_GUARDED_BY(mu_);
  // When the scan thread scans next.
  absl::Time next_scan_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();

  // Declared last: destroyed (joined) first, while the members above still exist.
  WorkPool pool_;
  std::thread scanner_;
};

}  // namespace syndicate::server

#endif  // SYNDICATE_SERVER_FEED_POLLER_H_
