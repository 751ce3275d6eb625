// Store::RecordDeliveries and Store::ListDeliveries: the first delivery per (story,
// version, partner) is kept, and the report's filters and pages.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/storage/store_test_util.h"
#include "tests/testing/status_matchers.h"

namespace syndicate::storage {
namespace {

using ::syndicate::testing::StatusIs;
using syndication::v1::Delivery;
using test_util::kBaseTime;
using test_util::kId1;
using test_util::kId2;
using test_util::kId3;

Delivery MakeDelivery(
    const std::string& partner, const std::string& article_id, int64_t version,
    const std::string& source, absl::Duration after_base,
    syndication::v1::DeliveryChannel channel = syndication::v1::DELIVERY_CHANNEL_GET) {
  Delivery delivery;
  delivery.set_partner_id(partner);
  delivery.set_article_id(article_id);
  delivery.set_version(version);
  delivery.set_source_id(source);
  *delivery.mutable_delivered_at() = ToTimestamp(kBaseTime + after_base);
  delivery.set_channel(channel);
  return delivery;
}

// "partner article-digit vVERSION" per delivery, for compact expectations.
std::vector<std::string> Brief(const std::vector<Delivery>& deliveries) {
  std::vector<std::string> out;
  for (const Delivery& d : deliveries) {
    out.push_back(d.partner_id() + " " + d.article_id().substr(31) + " v" +
                  std::to_string(d.version()));
  }
  return out;
}

class StoreUsageTest : public test_util::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    SYNDICATE_ASSERT_OK_AND_ASSIGN(store_, Store::Open(StorePath()));
  }

  std::vector<Delivery> List(UsageQuery query) {
    auto page = store_->ListDeliveries(query);
    EXPECT_TRUE(page.ok()) << page.status();
    return page.ok() ? page->deliveries : std::vector<Delivery>{};
  }

  std::unique_ptr<Store> store_;
};

TEST_F(StoreUsageTest, OnlyTheFirstDeliveryOfEachStoryVersionAndPartnerIsKept) {
  SYNDICATE_ASSERT_OK_AND_ASSIGN(
      int recorded,
      store_->RecordDeliveries({MakeDelivery("north", kId1, 1, "wire", absl::Seconds(1)),
                                // the same key again in one call: the first counts
                                MakeDelivery("north", kId1, 1, "wire", absl::Seconds(2),
                                             syndication::v1::DELIVERY_CHANNEL_STREAM),
                                MakeDelivery("north", kId1, 2, "wire", absl::Seconds(3)),
                                MakeDelivery("south", kId1, 1, "wire", absl::Seconds(4))}));
  EXPECT_EQ(recorded, 3);
  // Later calls never replace what is there.
  SYNDICATE_ASSERT_OK_AND_ASSIGN(
      recorded, store_->RecordDeliveries({MakeDelivery("north", kId1, 1, "wire", absl::Seconds(9),
                                                       syndication::v1::DELIVERY_CHANNEL_LIST)}));
  EXPECT_EQ(recorded, 0);
  const std::vector<Delivery> all = List({});
  EXPECT_EQ(Brief(all), (std::vector<std::string>{"north 1 v1", "north 1 v2", "south 1 v1"}));
  EXPECT_EQ(all[0].channel(), syndication::v1::DELIVERY_CHANNEL_GET);
  EXPECT_EQ(ToAbslTime(all[0].delivered_at()), kBaseTime + absl::Seconds(1));
  // And the same after reopening.
  store_.reset();
  SYNDICATE_ASSERT_OK_AND_ASSIGN(store_, Store::Open(StorePath()));
  EXPECT_EQ(Brief(List({})), Brief(all));
}

TEST_F(StoreUsageTest, FiltersBySourcePartnerStoryAndTime) {
  ASSERT_TRUE(store_
                  ->RecordDeliveries({MakeDelivery("north", kId1, 1, "wire", absl::Seconds(10)),
                                      MakeDelivery("south", kId2, 1, "post", absl::Seconds(20)),
                                      MakeDelivery("north", kId2, 1, "post", absl::Seconds(30)),
                                      MakeDelivery("south", kId1, 2, "wire", absl::Seconds(40))})
                  .ok());
  UsageQuery query;
  query.source_ids = {"wire"};
  EXPECT_EQ(Brief(List(query)), (std::vector<std::string>{"north 1 v1", "south 1 v2"}));
  query = {};
  query.partner_id = "north";
  EXPECT_EQ(Brief(List(query)), (std::vector<std::string>{"north 1 v1", "north 2 v1"}));
  query = {};
  query.start_time = kBaseTime + absl::Seconds(20);  // inclusive
  query.end_time = kBaseTime + absl::Seconds(40);    // exclusive
  EXPECT_EQ(Brief(List(query)), (std::vector<std::string>{"south 2 v1", "north 2 v1"}));
  query = {};
  query.article_id = kId1;
  EXPECT_EQ(Brief(List(query)), (std::vector<std::string>{"north 1 v1", "south 1 v2"}));
  query.partner_id = "south";
  EXPECT_EQ(Brief(List(query)), (std::vector<std::string>{"south 1 v2"}));
  query = {};
  query.article_id = kId3;
  EXPECT_TRUE(List(query).empty());
}

TEST_F(StoreUsageTest, PagesResumeAfterTheLastDeliveryLookedAt) {
  std::vector<Delivery> deliveries;
  for (int i = 0; i < 5; ++i) {
    deliveries.push_back(
        MakeDelivery("north", kId1, i + 1, i % 2 == 0 ? "wire" : "post", absl::Seconds(i)));
  }
  ASSERT_TRUE(store_->RecordDeliveries(deliveries).ok());
  for (const bool by_story : {false, true}) {
    UsageQuery query;
    if (by_story) query.article_id = kId1;
    query.limit = 2;
    std::vector<std::string> seen;
    int pages = 0;
    do {
      SYNDICATE_ASSERT_OK_AND_ASSIGN(UsagePage page, store_->ListDeliveries(query));
      for (const std::string& line : Brief(page.deliveries)) seen.push_back(line);
      query.resume_after = page.resume_after;
      ++pages;
    } while (!query.resume_after.empty());
    EXPECT_EQ(seen, (std::vector<std::string>{"north 1 v1", "north 1 v2", "north 1 v3",
                                              "north 1 v4", "north 1 v5"}))
        << (by_story ? "by story" : "by time");
    EXPECT_EQ(pages, 3);
  }
  // A page that looks at max_examined deliveries ends short, and the next goes on from there.
  UsageQuery query;
  query.source_ids = {"post"};  // v2 and v4
  query.max_examined = 2;
  SYNDICATE_ASSERT_OK_AND_ASSIGN(UsagePage page, store_->ListDeliveries(query));
  EXPECT_EQ(Brief(page.deliveries), (std::vector<std::string>{"north 1 v2"}));
  ASSERT_FALSE(page.resume_after.empty());
  query.resume_after = page.resume_after;
  SYNDICATE_ASSERT_OK_AND_ASSIGN(page, store_->ListDeliveries(query));
  EXPECT_EQ(Brief(page.deliveries), (std::vector<std::string>{"north 1 v4"}));
}

TEST_F(StoreUsageTest, MalformedDeliveriesAreRefusedAndNothingIsWritten) {
  Delivery bad_id = MakeDelivery("north", "not-an-id", 1, "wire", absl::Seconds(1));
  EXPECT_THAT(
      store_->RecordDeliveries({MakeDelivery("north", kId1, 1, "wire", absl::Seconds(1)), bad_id}),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "delivery.article_id: \"not-an-id\" is "
               "not an article id"));
  EXPECT_THAT(store_->RecordDeliveries({MakeDelivery("north", kId1, 0, "wire", absl::Seconds(1))}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(store_->RecordDeliveries({MakeDelivery("", kId1, 1, "wire", absl::Seconds(1))}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_TRUE(List({}).empty());
  UsageQuery query;
  query.limit = 0;
  EXPECT_THAT(store_->ListDeliveries(query), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace syndicate::storage
