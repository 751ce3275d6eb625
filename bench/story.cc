#include "bench/story.h"

#include <array>
#include <cctype>
#include <random>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace syndicate::bench {
namespace {

using syndication::v1::Article;
using syndication::v1::MediaItem;
using syndication::v1::Source;

// Paragraphs of an invented local story, cycled (with the story's number worked in) until the
// body reaches its size.
constexpr std::array<const char*, 8> kParagraphs = {
    "The Harrow Street bridge in Port Calder reopened to traffic on Tuesday after fourteen "
    "months of repairs, ending a detour that had added up to forty minutes to the morning "
    "commute for residents of the town's northern districts. Engineers replaced all of the "
    "bridge's steel bearings and two of its concrete spans, which inspectors had found to be "
    "cracked during a routine survey two winters ago.",
    "\"We promised people a bridge that would last another hundred years, and that is what "
    "they are getting,\" said Mara Lindqvist, who chairs the council's transport committee. "
    "She thanked residents for their patience and singled out the shop owners of Quay Road, "
    "many of whom said trade had fallen by a third while the crossing was closed.",
    "The project came in eleven percent over its original budget, a figure the council "
    "attributes to the price of steel and to a three-week halt last spring, when a pair of "
    "peregrine falcons nested under the eastern span. Work resumed only after the chicks had "
    "fledged, on the advice of the regional wildlife office.",
    "Not everyone was celebrating. Tobias Ferreira, who runs a ferry service across the "
    "estuary, said the closure had been the best year his small company had ever had, and "
    "that he now expected passenger numbers to return to what they were. \"I will miss the "
    "queues,\" he said, \"but I will not miss the early starts.\"",
    "The reopened bridge has a wider footpath on its western side and a protected cycle lane, "
    "the first in the town. Cycling groups had campaigned for the lane for more than a "
    "decade. Early counts by volunteers suggested several hundred riders used it on the first "
    "morning, many of them schoolchildren from the estate at Millbrook.",
    "Traffic lights at both ends of the bridge will be retimed over the coming weeks as the "
    "council studies how drivers adapt. A temporary speed limit of 20 mph will stay in place "
    "until the road surface has fully cured, which engineers expect to take about a month in "
    "the current weather.",
    "The council said the detour signs on the ring road would be removed by the end of the "
    "week. Bus operators have already restored their usual timetables, and the regional rail "
    "company said the replacement shuttle between Port Calder and Eastholm stations would run "
    "for the last time on Friday evening.",
    "A public ceremony is planned for the first Saturday of next month, when the bridge will "
    "be closed to vehicles for an afternoon so that residents can walk across it. Organisers "
    "said there would be a brass band, a market on Quay Road, and a small exhibition of "
    "photographs of the bridge's construction in the nineteen-twenties.",
};

MediaItem Photo(int index, int number, const char* caption) {
  MediaItem media;
  media.set_uri(absl::StrFormat("https://media.example.org/bench/%06d-%d.jpg", index, number));
  media.set_mime_type("image/jpeg");
  media.set_caption(caption);
  media.set_credit("Photo: Ines Marquardt / Example Bench Wire");
  media.set_copyright_notice("© 2026 Example Bench Wire");
  for (const auto& [width, height] : {std::pair{1920, 1280}, std::pair{640, 427}}) {
    syndication::v1::Rendition* rendition = media.add_renditions();
    rendition->set_uri(
        absl::StrFormat("https://media.example.org/bench/%06d-%d-%dw.jpg", index, number, width));
    rendition->set_mime_type("image/jpeg");
    rendition->set_width(width);
    rendition->set_height(height);
  }
  return media;
}

// Every word of kParagraphs, in order, repeats included (so common words stay common when
// drawn uniformly).
const std::vector<std::string>& Vocabulary() {
  static const auto* const words = [] {
    auto* all = new std::vector<std::string>();
    for (const char* paragraph : kParagraphs) {
      for (absl::string_view word : absl::StrSplit(paragraph, ' ', absl::SkipEmpty())) {
        all->emplace_back(word);
      }
    }
    return all;
  }();
  return *words;
}

// A sentence of `words` words drawn from Vocabulary(), capitalized, ending in a full stop.
std::string Sentence(std::mt19937_64* random, int words) {
  const std::vector<std::string>& vocabulary = Vocabulary();
  std::uniform_int_distribution<size_t> pick(0, vocabulary.size() - 1);
  std::string sentence;
  for (int i = 0; i < words; ++i) {
    if (i > 0) sentence += ' ';
    sentence += vocabulary[pick(*random)];
  }
  sentence[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(sentence[0])));
  while (!sentence.empty() && std::ispunct(static_cast<unsigned char>(sentence.back())) != 0) {
    sentence.pop_back();
  }
  return sentence + ".";
}

}  // namespace

Source BenchSource() {
  Source source;
  source.set_id(std::string(kBenchSourceId));
  source.set_name("Example Bench Wire");
  source.set_homepage_url("https://wire.example.org/");
  syndication::v1::DefaultAttribution* defaults = source.mutable_default_attribution();
  defaults->set_credit_line("Example Bench Wire");
  defaults->set_original_publisher("Example Bench Wire");
  defaults->set_copyright_holder("Example Bench Wire Ltd");
  defaults->set_copyright_notice("© 2026 Example Bench Wire Ltd");
  defaults->set_usage_terms("Licensed to partners for publication with the credit line.");
  defaults->set_license_url("https://wire.example.org/licence");
  defaults->set_covers_media(true);
  return source;
}

Article BenchStory(const std::string& external_id, int index, size_t target_bytes) {
  Article article;
  article.set_source_id(std::string(kBenchSourceId));
  article.set_external_id(external_id);
  article.set_language("en");
  article.set_section("Local");
  article.set_headline(
      absl::StrCat("Harrow Street bridge reopens after 14 months of repairs (update ", index, ")"));
  article.set_subheadline(
      "Port Calder's northern districts get their crossing back, with a cycle lane, a wider "
      "footpath and a bill eleven percent over budget.");
  article.set_byline("By Ana Ruiz and Tom Bell");
  for (const char* name : {"Ana Ruiz", "Tom Bell"}) {
    syndication::v1::Person* author = article.add_authors();
    author->set_name(name);
    author->set_role("author");
  }
  article.set_dateline("PORT CALDER");
  std::string body;
  // The serialized story carries ~1.5 KB besides the body.
  const size_t body_bytes = target_bytes > 1536 ? target_bytes - 1536 : 0;
  for (size_t i = 0; i == 0 || body.size() < body_bytes; ++i) {
    if (!body.empty()) body += "\n\n";
    absl::StrAppend(&body, kParagraphs[i % kParagraphs.size()]);
    if (i % kParagraphs.size() == 0) absl::StrAppend(&body, " (Report ", index, ".)");
  }
  article.set_body_text(body);

  syndication::v1::Attribution* attribution = article.mutable_attribution();
  attribution->set_credit_line("Port Calder Gazette via Example Bench Wire");
  attribution->set_original_publisher("Port Calder Gazette");
  attribution->set_original_url(
      absl::StrFormat("https://gazette.example.org/news/bridge-reopens-%06d", index));
  attribution->set_distributor("Example Bench Wire");
  attribution->set_copyright_holder("Port Calder Gazette");
  attribution->set_copyright_notice("© 2026 Port Calder Gazette");
  attribution->set_usage_terms("Republication by syndication partners only, with credit.");
  attribution->set_license_url("https://gazette.example.org/syndication-terms");

  *article.add_media() =
      Photo(index, 1, "Cyclists cross the reopened Harrow Street bridge on Tuesday morning.");
  *article.add_media() =
      Photo(index, 2, "Engineers fitted new steel bearings under the eastern span.");
  for (const auto& [code, name] :
       {std::pair{"20000763", "bridge"}, std::pair{"11000000", "politics"}}) {
    syndication::v1::Subject* subject = article.add_subjects();
    subject->set_scheme("medtop");
    subject->set_code(code);
    subject->set_name(name);
  }
  article.add_keywords("Port Calder");
  article.add_keywords("transport");
  syndication::v1::ProvenanceHop* created = article.add_provenance();
  created->set_kind(syndication::v1::ProvenanceHop::KIND_CREATED);
  created->set_agent("Port Calder Gazette");
  created->set_uri(attribution->original_url());
  syndication::v1::ProvenanceHop* republished = article.add_provenance();
  republished->set_kind(syndication::v1::ProvenanceHop::KIND_REPUBLISHED);
  republished->set_agent("Example Bench Wire");
  republished->set_uri(absl::StrFormat("https://wire.example.org/stories/%06d", index));
  return article;
}

Article VariedBenchStory(const std::string& external_id, int index, size_t target_bytes) {
  Article article = BenchStory(external_id, index, target_bytes);
  std::mt19937_64 random(static_cast<uint64_t>(index));
  std::uniform_int_distribution<int> sentence_words(8, 24);
  std::uniform_int_distribution<int> paragraph_sentences(2, 5);
  std::string headline = Sentence(&random, 9);
  headline.pop_back();  // a headline has no full stop
  article.set_headline(headline);
  const size_t body_bytes = article.body_text().size();
  std::string body;
  while (body.size() < body_bytes) {
    if (!body.empty()) body += "\n\n";
    const int sentences = paragraph_sentences(random);
    for (int i = 0; i < sentences; ++i) {
      if (i > 0) body += ' ';
      body += Sentence(&random, sentence_words(random));
    }
  }
  article.set_body_text(body);
  return article;
}

}  // namespace syndicate::bench
