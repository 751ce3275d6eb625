// Metrics' exposition text and the JSON log's string escaping, on fixed inputs.
#include "server/metrics.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/json_log.h"

namespace syndicate::server {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(Metrics, HistogramBucketsAreCumulativeAndCodesAreNamed) {
  Metrics metrics;
  const char kMethod[] = "/syndication.v1.SyndicationService/GetArticle";
  metrics.RpcStarted(kMethod);
  metrics.RpcStarted(kMethod);
  metrics.RpcHandled(kMethod, absl::StatusCode::kOk, absl::Milliseconds(3));
  metrics.RpcHandled(kMethod, absl::StatusCode::kNotFound, absl::Seconds(20));
  const std::string text = metrics.Render();
  const std::string labels =
      "grpc_service=\"syndication.v1.SyndicationService\",grpc_method=\"GetArticle\"";
  EXPECT_THAT(text, HasSubstr("grpc_server_started_total{" + labels + "} 2\n"));
  EXPECT_THAT(text, HasSubstr("grpc_server_handled_total{" + labels + ",grpc_code=\"OK\"} 1\n"));
  EXPECT_THAT(text,
              HasSubstr("grpc_server_handled_total{" + labels + ",grpc_code=\"NOT_FOUND\"} 1\n"));
  EXPECT_THAT(text,
              HasSubstr("grpc_server_handling_seconds_bucket{" + labels + ",le=\"0.0025\"} 0\n"));
  EXPECT_THAT(text,
              HasSubstr("grpc_server_handling_seconds_bucket{" + labels + ",le=\"0.005\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("grpc_server_handling_seconds_bucket{" + labels + ",le=\"10\"} 1\n"));
  EXPECT_THAT(text,
              HasSubstr("grpc_server_handling_seconds_bucket{" + labels + ",le=\"+Inf\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("grpc_server_handling_seconds_sum{" + labels + "} 20.003\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE grpc_server_handling_seconds histogram\n"));
}

TEST(Metrics, MethodsTheServerDoesNotServeShareOneSeries) {
  Metrics metrics;
  for (const char* path : {"/evil1.Svc/Method1", "/evil2.Svc/Method2",
                           "/syndication.v1.SyndicationService/NoSuchMethod", "garbage"}) {
    metrics.RpcStarted(path);
  }
  metrics.RpcStarted("/syndication.v1.PublishingService/GetUsageReport");
  metrics.RpcStarted("/grpc.health.v1.Health/Check");
  const std::string text = metrics.Render();
  EXPECT_THAT(text, HasSubstr("grpc_server_started_total{grpc_service=\"unknown\","
                              "grpc_method=\"unknown\"} 4\n"));
  EXPECT_THAT(text, Not(HasSubstr("evil")));
  EXPECT_THAT(text, HasSubstr("grpc_method=\"GetUsageReport\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("grpc_service=\"grpc.health.v1.Health\",grpc_method=\"Check\"} 1\n"));
}

TEST(Metrics, LabelValuesAreEscapedAndGaugesComeFromTheSource) {
  Metrics metrics;
  metrics.PartnerDelivery("a\"b\\c");
  metrics.Publish("created");
  metrics.FeedPollerError();
  metrics.SetGaugeSource([]() -> absl::StatusOr<MetricsGauges> {
    MetricsGauges gauges;
    gauges.open_streams = 7;
    gauges.feed_head = 42;
    gauges.store.scheduled_tasks = 3;
    gauges.store.pending_compaction_bytes = 1024;
    return gauges;
  });
  std::string text = metrics.Render();
  EXPECT_THAT(text, HasSubstr("syndicate_partner_deliveries_total{partner=\"a\\\"b\\\\c\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("syndicate_publishes_total{result=\"created\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("syndicate_feed_poller_errors_total 1\n"));
  EXPECT_THAT(text, HasSubstr("syndicate_open_streams 7\n"));
  EXPECT_THAT(text, HasSubstr("syndicate_feed_head_sequence 42\n"));
  EXPECT_THAT(text, HasSubstr("syndicate_embargo_queue_length 3\n"));
  EXPECT_THAT(text, HasSubstr("syndicate_rocksdb_pending_compaction_bytes 1024\n"));

  metrics.SetGaugeSource(
      []() -> absl::StatusOr<MetricsGauges> { return absl::UnavailableError("disk"); });
  text = metrics.Render();
  EXPECT_THAT(text, HasSubstr("syndicate_metrics_gauges_ok 0\n"));
  EXPECT_THAT(text, Not(HasSubstr("syndicate_open_streams")));
}

TEST(JsonLog, StringsAreEscapedAndInvalidUtf8IsReplaced) {
  EXPECT_EQ(log::JsonString("plain"), "\"plain\"");
  EXPECT_EQ(log::JsonString("a\"b\\c\nd\x01"), "\"a\\\"b\\\\c\\u000ad\\u0001\"");
  EXPECT_EQ(log::JsonString("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
  EXPECT_EQ(log::JsonString("bad\xff\xc3"), "\"bad\xef\xbf\xbd\xef\xbf\xbd\"");
  EXPECT_EQ(log::Fields().Add("n", 3).Add("s", "x").json(), ",\"n\":3,\"s\":\"x\"");
}

}  // namespace
}  // namespace syndicate::server
