#include "bench/fanout_load.h"

#include <algorithm>
#include <chrono>
#include <thread>

namespace syndicate::bench {

FanoutLoadResult DriveFanoutRound(FanoutRun* run, const std::vector<Receiver*>& receivers,
                                  const std::function<void(int)>& publish, bool has_publish_rpc,
                                  const FanoutLoadOptions& options,
                                  const std::function<void()>& on_settled) {
  FanoutLoadResult round;
  const int events = run->events();
  const absl::Duration timeout = options.timeout;
  const absl::Time start = absl::Now();
  const auto interval =
      std::chrono::nanoseconds(static_cast<int64_t>(1e9 / std::max(options.rate, 1e-3)));
  const auto open_loop_start = std::chrono::steady_clock::now();
  int64_t max_lag_ns = 0;
  int sent = 0;
  for (; sent < events; ++sent) {
    if (options.rate > 0) {
      const auto due = open_loop_start + sent * interval;
      std::this_thread::sleep_until(due);
      max_lag_ns = std::max<int64_t>(max_lag_ns, NowNs() - due.time_since_epoch().count());
    } else if (!run->WaitForWindow(sent, options.window, absl::Now() + timeout)) {
      round.problems.push_back(
          absl::StrCat("story ", sent - options.window, " did not reach every subscriber in time"));
      break;
    }
    run->MarkSent(sent, NowNs());
    publish(sent);
  }
  round.max_send_lag_ms = static_cast<double>(max_lag_ns) / 1e6;
  round.published = run->WaitForPublishes(sent, absl::Now() + timeout);
  if (!round.published) round.problems.emplace_back("publishes did not complete in time");
  const bool all_delivered = run->WaitForDeliveries(absl::Now() + timeout);
  round.wall_seconds = absl::ToDoubleSeconds(absl::Now() - start);
  on_settled();

  Tally total;
  int64_t streams_short = 0;
  int64_t other_order = 0;  // subscribers that got the stories in another order than the first
  std::vector<int> first_order;
  const int64_t stories = run->published() - run->publish_failures();
  for (Receiver* receiver : receivers) {
    Tally tally = receiver->EndRound();
    if (static_cast<int64_t>(tally.latencies_ns.size()) < stories) ++streams_short;
    if (receiver == receivers.front()) {
      first_order = std::move(tally.order);
    } else if (tally.order != first_order) {
      ++other_order;
    }
    total.latencies_ns.insert(total.latencies_ns.end(), tally.latencies_ns.begin(),
                              tally.latencies_ns.end());
    total.duplicates += tally.duplicates;
    total.unexpected += tally.unexpected;
  }
  round.delivered = static_cast<int64_t>(total.latencies_ns.size());
  round.expected = static_cast<int64_t>(receivers.size()) * stories;
  int64_t first_sent = INT64_MAX;
  for (int i = 0; i < sent; ++i) {
    const int64_t sent_at = run->SentAt(i);
    first_sent = std::min(first_sent, sent_at);
    if (const int64_t done = run->PublishDoneAt(i); done != 0 && has_publish_rpc) {
      round.publish_rpc_ns.push_back(done - sent_at);
    }
  }
  if (round.delivered > 0 && run->last_delivery_ns() > first_sent) {
    round.deliveries_per_second = static_cast<double>(round.delivered) /
                                  (static_cast<double>(run->last_delivery_ns() - first_sent) / 1e9);
  }
  round.latencies_ns = std::move(total.latencies_ns);

  if (run->publish_failures() > 0) {
    round.problems.push_back(absl::StrCat(
        run->publish_failures(), " publishes failed, first: ", run->first_publish_error()));
  }
  if (!all_delivered || round.delivered < round.expected) {
    round.problems.push_back(absl::StrCat(round.expected - round.delivered, " of ", round.expected,
                                          " deliveries missing after the timeout, on ",
                                          streams_short, " streams"));
  }
  if (total.duplicates > 0) {
    round.problems.push_back(absl::StrCat(total.duplicates, " duplicate deliveries"));
  }
  if (other_order > 0) {
    round.problems.push_back(absl::StrCat(
        other_order, " subscribers got the stories in another order than the first one"));
  }
  if (total.unexpected > 0) {
    round.problems.push_back(absl::StrCat(total.unexpected, " unexpected responses"));
  }
  return round;
}

}  // namespace syndicate::bench
