#include "server/feed_hub.h"

#include <atomic>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "server/timer_queue.h"

namespace syndicate::server {
namespace {

TEST(FeedHub, WakesOnceWhenTheHeadPassesWhatTheReaderSaw) {
  FeedHub hub(5);
  int woken = 0;
  hub.WaitForAppend(5, [&woken] { ++woken; });
  EXPECT_EQ(woken, 0);
  EXPECT_EQ(hub.waiting(), 1u);
  hub.Notify(6);
  EXPECT_EQ(woken, 1);
  EXPECT_EQ(hub.waiting(), 0u);
  hub.Notify(7);
  EXPECT_EQ(woken, 1);
}

TEST(FeedHub, AReaderBehindTheHeadIsWokenAtOnce) {
  FeedHub hub(5);
  hub.Notify(9);
  int woken = 0;
  hub.WaitForAppend(8, [&woken] { ++woken; });
  EXPECT_EQ(woken, 1);
  EXPECT_EQ(hub.waiting(), 0u);
}

TEST(FeedHub, CloseWakesEveryoneAndLaterWaitsReturnAtOnce) {
  FeedHub hub(0);
  int woken = 0;
  hub.WaitForAppend(0, [&woken] { ++woken; });
  hub.WaitForAppend(0, [&woken] { ++woken; });
  hub.Close();
  EXPECT_EQ(woken, 2);
  hub.WaitForAppend(0, [&woken] { ++woken; });
  EXPECT_EQ(woken, 3);
}

// Appends racing with readers that register: no reader may sleep through the append that
// passes what it saw (the lost-wakeup race).
TEST(FeedHub, NoWakeupIsLostUnderConcurrency) {
  constexpr int kAppends = 500;
  constexpr int kReaders = 4;
  FeedHub hub(0);
  std::atomic<uint64_t> head{0};
  std::atomic<bool> done{false};
  std::vector<std::thread> readers;
  std::atomic<int> stuck{0};
  for (int r = 0; r < kReaders; ++r) {
    readers.emplace_back([&] {
      uint64_t seen = 0;
      while (seen < kAppends) {
        std::atomic<bool> woken{false};
        hub.WaitForAppend(seen, [&woken] { woken.store(true); });
        // The append that passes `seen` has happened or will: the wake must come.
        while (!woken.load()) {
          if (done.load() && head.load() > seen && !woken.load()) {
            // The appender finished; the wake can only have been lost.
            if (!woken.load()) ++stuck;
            return;
          }
          std::this_thread::yield();
        }
        seen = head.load();
      }
    });
  }
  for (int i = 1; i <= kAppends; ++i) {
    head.store(i);
    hub.Notify(i);
  }
  done.store(true);
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(stuck.load(), 0);
}

// Found in review: a registration stayed until the next append, so on a quiet feed every
// stream that ended left one behind.
TEST(FeedHub, CancelDropsARegistrationWithoutCallingIt) {
  FeedHub hub(5);
  int woken = 0;
  const uint64_t first = hub.WaitForAppend(5, [&woken] { ++woken; });
  const uint64_t second = hub.WaitForAppend(5, [&woken] { woken += 10; });
  EXPECT_NE(first, 0u);
  EXPECT_NE(second, first);
  EXPECT_EQ(hub.waiting(), 2u);
  EXPECT_TRUE(hub.Cancel(first));
  EXPECT_EQ(hub.waiting(), 1u);
  EXPECT_FALSE(hub.Cancel(first));  // again: nothing
  EXPECT_FALSE(hub.Cancel(0));      // a wake made at once: nothing
  EXPECT_EQ(hub.waiting(), 1u);
  hub.Notify(6);
  EXPECT_EQ(woken, 10);
  EXPECT_FALSE(hub.Cancel(second));  // already woken: nothing
  EXPECT_EQ(hub.waiting(), 0u);
  // A wake made at once has no registration.
  EXPECT_EQ(hub.WaitForAppend(5, [&woken] { ++woken; }), 0u);
  EXPECT_EQ(woken, 11);
}

TEST(FeedHub, WhatACancelledRegistrationHoldsIsReleased) {
  FeedHub hub(0);
  auto held = std::make_shared<int>(7);
  std::weak_ptr<int> watch = held;
  const uint64_t id = hub.WaitForAppend(0, [held = std::move(held)] {});
  EXPECT_FALSE(watch.expired());
  EXPECT_TRUE(hub.Cancel(id));
  EXPECT_TRUE(watch.expired());
}

// Readers registering and cancelling while appends wake them: each wake runs at most once,
// one whose Cancel dropped it never, and nothing is left registered.
TEST(FeedHub, CancelRacingNotifyLeavesNothingBehind) {
  constexpr int kRounds = 2000;
  constexpr int kReaders = 4;
  FeedHub hub(0);
  std::atomic<bool> done{false};
  std::atomic<int> late_wakes{0};
  std::atomic<int> double_wakes{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < kReaders; ++r) {
    readers.emplace_back([&] {
      for (int i = 0; i < kRounds; ++i) {
        auto calls = std::make_shared<std::atomic<int>>(0);
        auto cancelled = std::make_shared<std::atomic<bool>>(false);
        const uint64_t id =
            hub.WaitForAppend(UINT64_MAX - 1, [calls, cancelled, &late_wakes, &double_wakes] {
              if (cancelled->load()) ++late_wakes;
              if (calls->fetch_add(1) > 0) ++double_wakes;
            });
        // Only a Cancel that dropped the registration promises that no wake follows.
        if (i % 2 == 0 && hub.Cancel(id)) cancelled->store(true);
      }
    });
  }
  std::thread appender([&] {
    uint64_t head = 0;
    while (!done.load()) hub.Notify(++head);
  });
  for (std::thread& t : readers) t.join();
  done.store(true);
  appender.join();
  hub.Notify(UINT64_MAX);
  EXPECT_EQ(hub.waiting(), 0u);
  EXPECT_EQ(late_wakes.load(), 0);
  EXPECT_EQ(double_wakes.load(), 0);
}

TEST(TimerQueue, RunsCallbacksInDeadlineOrder) {
  std::vector<int> order;
  std::mutex mu;
  std::atomic<int> ran{0};
  {
    TimerQueue timers;
    // Hold the timer thread in a first callback until the others are all queued, so their
    // order is the queue's doing and not the order of scheduling.
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    const absl::Time base = absl::Now() - absl::Seconds(10);  // all due already
    timers.Schedule(base, [released] { released.wait(); });
    for (int i : {3, 1, 2}) {
      timers.Schedule(base + absl::Seconds(i), [&, i] {
        std::lock_guard<std::mutex> lock(mu);
        order.push_back(i);
        ++ran;
      });
    }
    release.set_value();
    while (ran.load() < 3) std::this_thread::yield();
  }
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(TimerQueue, DropsCallbacksNotYetDueWhenDestroyed) {
  std::atomic<int> ran{0};
  {
    TimerQueue timers;
    timers.Schedule(absl::Now() + absl::Hours(1), [&ran] { ++ran; });
    EXPECT_EQ(timers.pending(), 1u);
  }
  EXPECT_EQ(ran.load(), 0);
}

}  // namespace
}  // namespace syndicate::server
