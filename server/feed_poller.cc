#include "server/feed_poller.h"

#include <algorithm>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/timestamps.h"
#include "ingest/http_fetch.h"
#include "ingest/importer.h"
#include "server/json_log.h"
#include "server/validation.h"

namespace syndicate::server {
namespace {

using syndication::v1::FeedStatus;
using syndication::v1::Source;

// Sources listed per page while scanning.
constexpr int kScanPageSize = 500;

// A publisher bound to `source_id` alone: what the poller may do is what that source's
// own publisher key may do.
Principal PublisherOf(const std::string& source_id) {
  Principal publisher;
  publisher.role = syndication::v1::ROLE_PUBLISHER;
  publisher.source_ids.insert(source_id);
  return publisher;
}

// Codes that say the caller (here, the feed) was wrong; any other is the server's trouble.
bool IsFeedsFault(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kNotFound:
      return true;
    default:
      return false;
  }
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
  while (!wake_.wait_for(lock, absl::ToChronoNanoseconds(options_.scan_interval),
                         [this] { return stopping_.load(); })) {
    lock.unlock();
    Scan();
    lock.lock();
  }
}

absl::Duration FeedPoller::Wait(absl::Duration interval, int failures) const {
  absl::Duration wait = interval;
  for (int i = 0; i < failures && wait < options_.max_backoff; ++i) wait *= 2;
  return std::max(interval, std::min(wait, options_.max_backoff));
}

void FeedPoller::Scan() {
  std::vector<Source> sources;
  syndication::v1::ListSourcesRequest request;
  request.set_page_size(kScanPageSize);
  do {
    absl::StatusOr<syndication::v1::ListSourcesResponse> page = core_->ListSources(request);
    if (!page.ok()) {
      log::Error("feed poller: listing the sources failed",
                 log::Fields().Add("status", page.status().ToString()));
      return;
    }
    for (Source& source : *page->mutable_sources()) {
      if (!source.feed_urls().empty()) sources.push_back(std::move(source));
    }
    request.set_page_token(page->next_page_token());
  } while (!request.page_token().empty() && !stopping_);

  const absl::Time now = absl::Now();
  std::set<FeedKey> listed;
  std::lock_guard<std::mutex> lock(mu_);
  for (const Source& source : sources) {
    const absl::Duration interval = FeedPollInterval(source);
    for (const std::string& url : source.feed_urls()) {
      FeedKey key(source.id(), url);
      listed.insert(key);
      Feed& feed = feeds_[key];
      if (stopping_ || feed.in_flight || now < feed.last_attempt + Wait(interval, feed.failures)) {
        continue;
      }
      feed.in_flight = true;
      feed.last_attempt = now;
      pool_.Submit([this, source, url, key] {
        if (!stopping_) PollOnce(source, url);
        std::lock_guard<std::mutex> done(mu_);
        feeds_[key].in_flight = false;
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
                   .Add("url", url)
                   .Add("status", loaded.status().ToString()));
    state.set_source_id(source.id());
    state.mutable_status()->set_url(url);
  }
  FeedStatus& status = *state.mutable_status();
  *status.mutable_last_attempt_time() = ToTimestamp(attempt);

  // Fetch, then import; `failure` is why the poll as a whole failed.
  absl::Status failure;
  bool every_item_decided = true;
  ingest::FetchRequest fetch;
  fetch.url = url;
  fetch.etag = state.etag();
  fetch.last_modified = state.last_modified();
  fetch.timeout = options_.fetch_timeout;
  fetch.max_redirects = options_.max_redirects;
  fetch.max_body_bytes = options_.max_feed_bytes;
  fetch.cancel = &stopping_;
  fetch.allow_private_addresses = options_.allow_private_addresses;
  absl::StatusOr<ingest::FetchResponse> response = ingest::Fetch(fetch);
  status.set_last_http_status(response.ok() ? response->http_status : 0);
  if (!response.ok()) {
    failure = response.status();
  } else if (response->http_status == 304) {
    // Not modified: nothing to import.
  } else if (response->http_status != 200) {
    failure = absl::FailedPreconditionError(
        absl::StrCat("HTTP ", response->http_status, " from ", response->final_url));
  } else {
    ingest::ImportOptions import;
    import.content_type = response->content_type;
    import.base_url = response->final_url;
    import.source = &source;
    import.max_input_bytes = options_.max_feed_bytes;
    import.max_items = options_.max_items;
    absl::StatusOr<ingest::ImportResult> imported = ingest::Import(response->body, import);
    if (!imported.ok()) {
      failure = imported.status();
    } else {
      status.set_items_seen(static_cast<int64_t>(imported->items.size()));
      const Principal publisher = PublisherOf(source.id());
      // The importer's messages name the item already; the core's name only the field.
      const auto item_failed = [&](const ingest::ImportedItem& item, const absl::Status& why) {
        status.set_items_failed(status.items_failed() + 1);
        status.set_last_item_error(item.status.ok() ? absl::StrCat(item.label, ": ", why.message())
                                                    : std::string(why.message()));
        if (!IsFeedsFault(why)) every_item_decided = false;
      };
      for (const ingest::ImportedItem* item : PublishOrder(*imported)) {
        if (stopping_) {
          every_item_decided = false;
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
        syndication::v1::PublishArticleRequest publish;
        *publish.mutable_article() = item->article;
        absl::StatusOr<syndication::v1::PublishArticleResponse> published =
            core_->PublishArticle(publish, publisher);
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
      if (every_item_decided) {
        state.set_etag(response->etag);
        state.set_last_modified(response->last_modified);
      } else {
        state.clear_etag();
        state.clear_last_modified();
      }
    }
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
    log::Warning("feed poll failed", log::Fields()
                                         .Add("source_id", source.id())
                                         .Add("url", url)
                                         .Add("code", absl::StatusCodeToString(failure.code()))
                                         .Add("error", failure.message())
                                         .Add("consecutive_failures", failures));
  }
  *status.mutable_next_poll_time() =
      ToTimestamp(attempt + Wait(FeedPollInterval(source), failures));
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = feeds_.find(FeedKey(source.id(), url));
    if (it != feeds_.end()) it->second.failures = failures;
  }
  if (absl::Status saved = core_->SaveFeedState(state); !saved.ok()) {
    log::Error("feed poller: storing a feed's state failed", log::Fields()
                                                                 .Add("source_id", source.id())
                                                                 .Add("url", url)
                                                                 .Add("status", saved.ToString()));
  }
  return status;
}

}  // namespace syndicate::server
