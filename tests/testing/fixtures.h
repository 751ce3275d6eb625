// Stories and sources written for the tests: fictional people and publishers, example.org
// and .test domains.
#ifndef SYNDICATE_TESTS_TESTING_FIXTURES_H_
#define SYNDICATE_TESTS_TESTING_FIXTURES_H_

#include <string>

#include "common/article_signing.h"
#include "syndication/v1/article.pb.h"
#include "syndication/v1/source.pb.h"

namespace syndicate::testing {

// Source "harbour-wire" with default attribution and the alias
// "harbour" → "The Harbour Gazette".
inline syndication::v1::Source ExampleSource() {
  syndication::v1::Source source;
  source.set_id("harbour-wire");
  source.set_name("Harbour Wire");
  source.set_homepage_url("https://harbour.example.org/");
  auto* defaults = source.mutable_default_attribution();
  defaults->set_credit_line("The Harbour Gazette");
  defaults->set_original_publisher("The Harbour Gazette");
  defaults->set_copyright_notice("© 2026 The Harbour Gazette");
  defaults->set_usage_terms("Republication by licensed partners only.");
  auto* alias = source.add_publisher_aliases();
  alias->set_alias("harbour");
  alias->set_name("The Harbour Gazette");
  return source;
}

// A complete, valid story of ExampleSource with the given external id.
inline syndication::v1::Article ExampleArticle(const std::string& external_id) {
  syndication::v1::Article article;
  article.set_source_id("harbour-wire");
  article.set_external_id(external_id);
  article.set_language("en");
  article.set_section("Local");
  article.set_headline("Ferry timetable changes for the winter season");
  article.set_subheadline("Crossings to Gull Island drop to four a day from December.");
  article.set_body_text(
      "The harbour authority said on Monday that the winter timetable starts on 1 "
      "December.\n\n“We know it is a hardship,” said harbourmaster Ines Calloway.");
  article.set_byline("By Ines Calloway");
  auto* author = article.add_authors();
  author->set_name("Ines Calloway");
  author->set_role("author");
  auto* attribution = article.mutable_attribution();
  attribution->set_credit_line("The Harbour Gazette");
  attribution->set_original_publisher("The Harbour Gazette");
  attribution->set_original_url("https://harbour.example.org/news/ferry-winter");
  article.mutable_published_at()->set_seconds(1795000000);  // 2026-11-18T11:06:40Z
  return article;
}

// The service key the tests sign with: a fixed seed, so runs are repeatable.
inline SigningKey TestSigningKey() { return *SigningKey::FromSeed(std::string(32, '\x2a')); }

}  // namespace syndicate::testing

#endif  // SYNDICATE_TESTS_TESTING_FIXTURES_H_
