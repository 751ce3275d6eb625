// Fictional but realistically shaped content for benchmarks: a wire Source and ~10 KB
// stories with a byline, full attribution, subjects and two media items with renditions.
// Every name and URL is invented (example.org).
#ifndef SYNDICATE_BENCH_STORY_H_
#define SYNDICATE_BENCH_STORY_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "syndication/v1/article.pb.h"
#include "syndication/v1/source.pb.h"

namespace syndicate::bench {

// Source.id of BenchSource().
inline constexpr std::string_view kBenchSourceId = "bench-wire";

// A wire service with default attribution, valid for UpsertSource.
syndication::v1::Source BenchSource();

// Story number `index` of BenchSource(), valid for PublishArticle, with `external_id`.
// Stories of different indexes differ in headline and text, so each is its own story and
// never UNCHANGED. Serialized size is about 10 KB (see kStoryTargetBytes).
syndication::v1::Article BenchStory(const std::string& external_id, int index);

// Roughly the serialized size BenchStory aims for, in bytes.
inline constexpr size_t kStoryTargetBytes = size_t{10} * 1024;

}  // namespace syndicate::bench

#endif  // SYNDICATE_BENCH_STORY_H_
