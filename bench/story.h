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

// Roughly the serialized size of a BenchStory, in bytes: a full story, and a short one (a
// brief or a wire flash) with the same attribution, media and metadata.
inline constexpr size_t kStoryTargetBytes = size_t{10} * 1024;
inline constexpr size_t kShortStoryTargetBytes = size_t{2} * 1024;

// Story number `index` of BenchSource(), valid for PublishArticle, with `external_id`.
// Stories of different indexes differ in headline and text, so each is its own story and
// never UNCHANGED. Serialized size is about `target_bytes` (at least ~2 KB: the body has
// one paragraph or more besides ~1.5 KB of headline, attribution, media and metadata).
syndication::v1::Article BenchStory(const std::string& external_id, int index,
                                    size_t target_bytes = kStoryTargetBytes);

// As BenchStory, but the headline and the body are sentences of the same vocabulary drawn
// afresh for each `index` (a fixed pseudo-random sequence per index), so that a store of many
// stories compresses like one of different stories, not like copies of one text. Same
// metadata, attribution and media; serialized size about `target_bytes`.
syndication::v1::Article VariedBenchStory(const std::string& external_id, int index,
                                          size_t target_bytes = kStoryTargetBytes);

}  // namespace syndicate::bench

#endif  // SYNDICATE_BENCH_STORY_H_
