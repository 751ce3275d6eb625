#include "server/work_pool.h"

#include <atomic>
#include <set>
#include <thread>

#include "gtest/gtest.h"

namespace syndicate::server {
namespace {

TEST(WorkPool, RunsEverySubmittedTaskBeforeDestructionEnds) {
  std::atomic<int> done{0};
  {
    WorkPool pool(3);
    for (int i = 0; i < 1000; ++i) {
      ASSERT_TRUE(pool.Submit([&done] { done.fetch_add(1); }));
    }
  }
  EXPECT_EQ(done.load(), 1000);
}

TEST(WorkPool, RunsTasksOffTheCallingThread) {
  std::thread::id ran_on;
  {
    WorkPool pool(1);
    pool.Submit([&ran_on] { ran_on = std::this_thread::get_id(); });
  }
  EXPECT_NE(ran_on, std::thread::id());
  EXPECT_NE(ran_on, std::this_thread::get_id());
}

}  // namespace
}  // namespace syndicate::server
