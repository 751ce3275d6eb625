#include "server/feed_poller.h"

#include <algorithm>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/timestamps.h"
#include "ingest/http_fetch.h"
#include "ingest/importer.h"
#include "server/json_log.h"
#include "server/validation.h"

namespace syndicate::server {
namespace {

using syndication::v1::FeedStatus;
using syndication::v1::Source;

// A publisher bound to `source_id` alone: what the poller may do is what that source's
// own publisher key may do.
Principal PublisherOf(const std::string& source_id) {
  Principal publisher;
  publisher.role = syndication::v1::ROLE_PUBLISHER;
  publisher.source_ids.insert(source_id);
  return publisher;
}

// `url` without its path parameters, query and fragment (any may carry an access token),
// for logs ("…?" marks that something was cut).
std::string WithoutQuery(const std::string& url) {
  const size_t cut = url.find_first_of(";?#");
  return cut == std::string::npos ? url : url.substr(0, cut) + "?…";
}

// The order items are published in: oldest published_at first; items without one after
// them, in document order.
std::vector<const ingest::ImportedItem*> PublishOrder(const ingest::ImportResult& result) {
  std::vector<const ingest::ImportedItem*> order;
  order.reserve(result.items.size());
  for (const ingest::ImportedItem& item : result.items) order.push_back(&item);
  std::stable_sort(order.begin(), order.end(), [](const auto* a, const auto* b) {
    const bool a_dated = a->article.has_published_at();
    const bool b_dated = b->article.has_published_at();
    if (a_dated != b_dated) return a_dated;
    if (!a_dated) return false;
    return ToAbslTime(a->article.published_at()) < ToAbslTime(b->article.published_at());
  });
  return order;
}

}  // namespace

FeedPoller::FeedPoller(SyndicationCore* core, Metrics* metrics, FeedPollerOptions options)
    : core_(core),
      metrics_(metrics),
      options_(std::move(options)),
      pool_(std::max(1, options_.fetch_threads)),
      scanner_([this] { ScanLoop(); }) {}

FeedPoller::~FeedPoller() { Stop(); }

void FeedPoller::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (scanner_.joinable()) scanner_.join();
  // Queued polls return at once; running ones see the cancel in their fetch.
  std::unique_lock<std::mutex> lock(mu_);
  wake_.wait(lock, [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return std::none_of(feeds_.begin(), feeds_.end(),
                        [](const auto& entry) { return entry.second.in_flight; });
  });
}

void FeedPoller::ScanLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  next_scan_ = absl::Now() + options_.scan_interval;
  while (true) {
    // The next scan comes when the next known feed is due (finished polls bring it
    // forward), so a poll is not up to a scan interval late, and at least every scan
    // interval, for new and changed sources.
    for (absl::Time now = absl::Now(); !stopping_ && now < next_scan_; now = absl::Now()) {
      wake_.wait_for(lock, absl::ToChronoNanoseconds(next_scan_ - now));
    }
    if (stopping_) return;
    next_scan_ = absl::Now() + options_.scan_interval;
    lock.unlock();
    const absl::Time next_due = Scan();
    lock.lock();
    next_scan_ = std::min(next_scan_, next_due);
  }
}

absl::Duration FeedPoller::Interval(const Source& source) const {
  return std::max(FeedPollInterval(source), options_.min_poll_interval);
}

absl::Duration FeedPoller::Wait(absl::Duration interval, int failures) const {
  absl::Duration wait = interval;
  for (int i = 0; i < failures && wait < options_.max_backoff; ++i) wait *= 2;
  return std::max(interval, std::min(wait, options_.max_backoff));
}

absl::Time FeedPoller::Scan() {
  absl::Time next_due = absl::InfiniteFuture();
  absl::StatusOr<std::vector<Source>> sources = core_->SourcesWithFeeds();
  if (!sources.ok()) {
    log::Error("feed poller: listing the sources failed",
               log::Fields().Add("status", sources.status().ToString()));
    return next_due;
  }
  const absl::Time now = absl::Now();
  std::set<FeedKey> listed;
  std::lock_guard<std::mutex> lock(mu_);
  std::set<std::string> busy_sources;
  for (const auto& [key, feed] : feeds_) {
    if (feed.in_flight) busy_sources.insert(key.first);
  }
  for (const Source& source : *sources) {
    const absl::Duration interval = Interval(source);
    for (const std::string& url : source.feed_urls()) {
      FeedKey key(source.id(), url);
      listed.insert(key);
      Feed& feed = feeds_[key];
      const absl::Time due = feed.last_finished + Wait(interval, feed.failures);
      if (stopping_ || feed.in_flight || busy_sources.count(source.id()) > 0) continue;
      if (now < due) {
        next_due = std::min(next_due, due);
        continue;
      }
      feed.in_flight = true;
      busy_sources.insert(source.id());
      pool_.Submit([this, key] {
        const absl::Time due = stopping_ ? absl::InfiniteFuture() : RunDue(key);
        std::lock_guard<std::mutex> done(mu_);
        feeds_[key].in_flight = false;
        next_scan_ = std::min(next_scan_, due);
        wake_.notify_all();
      });
    }
  }
  // Feeds no source lists any more are forgotten (a feed listed again starts afresh).
  for (auto it = feeds_.begin(); it != feeds_.end();) {
    if (!it->second.in_flight && listed.count(it->first) == 0) {
      it = feeds_.erase(it);
    } else {
      ++it;
    }
  }
  return next_due;
}

absl::Time FeedPoller::RunDue(const FeedKey& key) {
  const auto& [source_id, url] = key;
  absl::StatusOr<Source> source = core_->StoredSource(source_id);
  if (!source.ok() || std::find(source->feed_urls().begin(), source->feed_urls().end(), url) ==
                          source->feed_urls().end()) {
    return absl::InfiniteFuture();  // removed since the scan
  }
  bool seeded;
  {
    std::lock_guard<std::mutex> lock(mu_);
    seeded = feeds_[key].seeded;
  }
  if (!seeded) {
    absl::StatusOr<storage::FeedState> stored = core_->LoadFeedState(source_id, url);
    std::lock_guard<std::mutex> lock(mu_);
    Feed& feed = feeds_[key];
    feed.seeded = true;
    if (stored.ok()) {
      const FeedStatus& status = stored->status();
      for (const auto* time : {&status.last_success_time(), &status.last_error_time()}) {
        if (time->seconds() != 0 || time->nanos() != 0) {
          feed.last_finished = std::max(feed.last_finished, ToAbslTime(*time));
        }
      }
      feed.failures = status.consecutive_failures();
      const absl::Time due = feed.last_finished + Wait(Interval(*source), feed.failures);
      if (absl::Now() < due) return due;
    }
  }
  const FeedStatus status = PollOnce(*source, url);
  std::lock_guard<std::mutex> lock(mu_);
  Feed& feed = feeds_[key];
  feed.failures = status.consecutive_failures();
  feed.last_finished = absl::Now();
  return feed.last_finished + Wait(Interval(*source), feed.failures);
}

FeedStatus FeedPoller::PollOnce(const Source& source, const std::string& url) {
  const absl::Time attempt = absl::Now();
  storage::FeedState state;
  if (absl::StatusOr<storage::FeedState> loaded = core_->LoadFeedState(source.id(), url);
      loaded.ok()) {
    state = *std::move(loaded);
  } else {
    // Without the stored state the counters would restart; fetch in full and keep going.
    log::Error("feed poller: reading a feed's state failed",
               log::Fields()
                   .Add("source_id", source.id())
                   .Add("url", WithoutQuery(url))
                   .Add("status", loaded.status().ToString()));
    state.set_source_id(source.id());
    state.mutable_status()->set_url(url);
  }
  FeedStatus& status = *state.mutable_status();
  *status.mutable_last_attempt_time() = ToTimestamp(attempt);

  // Fetch, then import; `failure` is why the poll as a whole failed.
  absl::Status failure;
  bool every_item_in = true;  // and so the validators may be kept
  ingest::FetchRequest fetch;
  fetch.url = url;
  fetch.etag = state.etag();
  fetch.last_modified = state.last_modified();
  fetch.timeout = options_.fetch_timeout;
  fetch.max_redirects = options_.max_redirects;
  fetch.max_body_bytes = options_.max_feed_bytes;
  fetch.cancel = &stopping_;
  const bool conditional = !fetch.etag.empty() || !fetch.last_modified.empty();
  fetch.allow_private_addresses = options_.allow_private_addresses;
  absl::StatusOr<ingest::FetchResponse> response = ingest::Fetch(fetch);
  status.set_last_http_status(response.ok() ? response->http_status : 0);
  if (!response.ok()) {
    failure = response.status();
  } else if (response->http_status == 304 && !conditional) {
    failure = absl::FailedPreconditionError(absl::StrCat("HTTP 304 Not Modified from ",
                                                         response->final_url,
                                                         " to a request that was not conditional"));
  } else if (response->http_status == 304) {
    // Not modified: nothing to import.
  } else if (response->http_status != 200) {
    failure = absl::FailedPreconditionError(
        absl::StrCat("HTTP ", response->http_status, " from ", response->final_url));
  } else if (const ingest::Format format =
                 ingest::DetectFormat(response->body, response->content_type);
             format == ingest::Format::kHtml || format == ingest::Format::kText) {
    // A web page where a feed was (a moved feed redirected to a home page, a "not found"
    // page served with 200, a login page) must fail, not become a story.
    failure = absl::FailedPreconditionError(absl::StrCat(
        "not a feed: ", response->final_url, " sent ", ingest::FormatName(format),
        response->content_type.empty() ? "" : absl::StrCat(" (", response->content_type, ")"),
        ", not RSS, Atom or ninjs"));
  } else {
    ingest::ImportOptions import;
    import.format = format;
    import.content_type = response->content_type;
    import.base_url = response->final_url;
    import.source = &source;
    import.max_input_bytes = options_.max_feed_bytes;
    import.max_items = options_.max_items;
    import.importer_agent = "syndicated feed poller";
    absl::StatusOr<ingest::ImportResult> imported = ingest::Import(response->body, import);
    if (!imported.ok()) {
      failure = imported.status();
    } else {
      status.set_items_seen(static_cast<int64_t>(imported->items.size()));
      status.set_items_failed(0);
      status.clear_last_item_error();
      const Principal publisher = PublisherOf(source.id());
      // The importer's messages name the item already; the core's name only the field.
      const auto item_failed = [&](const ingest::ImportedItem& item, const absl::Status& why) {
        status.set_items_failed(status.items_failed() + 1);
        status.set_last_item_error(item.status.ok() ? absl::StrCat(item.label, ": ", why.message())
                                                    : std::string(why.message()));
        every_item_in = false;
      };
      for (const ingest::ImportedItem* item : PublishOrder(*imported)) {
        if (stopping_) {
          every_item_in = false;
          break;
        }
        if (!item->status.ok()) {
          item_failed(*item, item->status);
          continue;
        }
        if (item->kind == ingest::ImportedItem::Kind::kWithdrawal) {
          absl::StatusOr<std::optional<syndication::v1::Article>> withdrawn =
              core_->WithdrawByExternalId(
                  source.id(), item->article.external_id(), item->article.withdrawal_reason(),
                  item->article.pubstatus() == syndication::v1::PUB_STATUS_CANCELED, publisher);
          if (!withdrawn.ok()) {
            item_failed(*item, withdrawn.status());
          } else if (withdrawn->has_value()) {
            status.set_stories_withdrawn(status.stories_withdrawn() + 1);
          }
          continue;
        }
        absl::StatusOr<syndication::v1::PublishArticleResponse> published =
            core_->PublishFeedItem(item->article, publisher);
        if (!published.ok()) {
          item_failed(*item, published.status());
          continue;
        }
        switch (published->outcome()) {
          case syndication::v1::PublishArticleResponse::OUTCOME_CREATED:
            status.set_stories_created(status.stories_created() + 1);
            break;
          case syndication::v1::PublishArticleResponse::OUTCOME_UPDATED:
            status.set_stories_updated(status.stories_updated() + 1);
            break;
          default:
            break;
        }
      }
      if (every_item_in) {
        state.set_etag(response->etag);
        state.set_last_modified(response->last_modified);
      } else {
        state.clear_etag();
        state.clear_last_modified();
      }
    }
  }

  if (stopping_ && absl::IsCancelled(failure)) {
    return status;  // cut short by Stop: not the feed's failure; polled again after a restart
  }
  const absl::Time finished = absl::Now();
  int failures = 0;
  if (failure.ok()) {
    *status.mutable_last_success_time() = ToTimestamp(finished);
    status.clear_last_error();
    status.set_consecutive_failures(0);
  } else {
    status.set_last_error(std::string(failure.message()));
    *status.mutable_last_error_time() = ToTimestamp(finished);
    status.set_consecutive_failures(status.consecutive_failures() + 1);
    failures = status.consecutive_failures();
    if (metrics_ != nullptr) metrics_->FeedPollerError();
    // A query may hold a publisher's access token: the log gets URLs without theirs.
    std::string error(failure.message());
    for (const std::string& seen : {url, response.ok() ? response->final_url : url}) {
      error = absl::StrReplaceAll(error, {{seen, WithoutQuery(seen)}});
    }
    log::Warning("feed poll failed", log::Fields()
                                         .Add("source_id", source.id())
                                         .Add("url", WithoutQuery(url))
                                         .Add("code", absl::StatusCodeToString(failure.code()))
                                         .Add("error", error)
                                         .Add("consecutive_failures", failures));
  }
  *status.mutable_next_poll_time() = ToTimestamp(finished + Wait(Interval(source), failures));
  if (absl::Status saved = core_->SaveFeedState(state); !saved.ok()) {
    log::Error("feed poller: storing a feed's state failed", log::Fields()
                                                                 .Add("source_id", source.id())
                                                                 .Add("url", WithoutQuery(url))
                                                                 .Add("status", saved.ToString()));
  }
  return status;
}

}  // namespace syndicate::server
