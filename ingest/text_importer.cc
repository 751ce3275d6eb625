// The scraped-text importer works in five steps, each a small rule:
//
//  0. Checks. Refuse control characters (see the header) before anything is read.
//  1. Lines. Split at LF, CRLF, a lone CR, VT and FF; drop line-end whitespace. A line's
//     "content" is the line without its leading whitespace and bullet (•, -, * …).
//  2. Paragraphs. Blank lines separate paragraphs; a bulleted line starts a paragraph of
//     its own (a list item), and the lines under it that carry no bullet continue it.
//  3. Classes. Each paragraph is judged by its first line: a byline ("By A and B", a
//     paragraph of one line), page furniture (an attribution, distributor or copyright
//     line, or a phrase from the furniture tables below), or text. "Source: X" is an
//     attribution line only when X reads as a name rather than a clause (ReadsAsClause).
//     An attribution line through a bare label ("Via X", no colon) is weak furniture: it
//     may be the headline.
//  4. Places. The first text paragraph is the headline, or the section when it is
//     section-shaped and a headline-shaped paragraph follows. Furniture is never the
//     section; weak furniture is the headline only. The paragraph after the
//     headline is the standfirst when more story follows and it opens with no dateline.
//     The story ends with its last story-like paragraph (IsStoryLike: a sentence, or 20
//     words, not counting furniture lines, whose full stop is a prompt's; under a list
//     heading such as "Related Articles" only a full stop counts, so the list's headlines
//     are not story). The trailer begins at the first furniture paragraph after it; no
//     story is looked for after the heading of the readers' comments ("Leave a Reply").
//     Story paragraphs are the paragraphs between the headline and the trailer; furniture
//     among them is kept with a warning, or left out with one when it is a bare furniture
//     phrase ("Advertisement") with no text to keep.
//
// Names (original publisher, distributor, copyright holder) are read from every line of
// the trailer and of any furniture paragraph before the story, then reconciled in one
// place (ResolveAttribution) with a warning for each doubt; names are compared by their
// PublisherNameKey, the key the server also uses for a Source's publisher_aliases.
#include "ingest/text_importer.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "common/status_macros.h"
#include "common/utf8.h"
#include "ingest/characters.h"
#include "ingest/item_builder.h"
#include "ingest/publisher_names.h"

namespace syndicate::ingest {
namespace {

using internal::kQuoteMarks;
using internal::StripQuotes;
using internal::Trim;
using internal::TrimEnd;
using internal::TrimStart;
using ::syndication::v1::Article;
using ::syndication::v1::ProvenanceHop;
using ::syndication::v1::Source;

// ---------------------------------------------------------------------------------------
// Phrase tables. Phrases match ignoring ASCII case, and end at a word boundary.

// Labels followed by the original publisher's name: "Source: X", "Source of information
// and images “X”". The longest matching label wins. `bare` marks a word that also opens
// ordinary sentences ("Source of the fire…", "Via Rail…"): without a colon or quotes it
// counts only before a capitalized name on a line that does not end like a sentence, and
// without a colon the line is only weak evidence (it may still be the headline). With a
// colon ("Source: X") it is an attribution line like any other.
struct SourceLabel {
  absl::string_view label;
  bool bare;
};
constexpr auto kSourceLabels = std::to_array<SourceLabel>({
    {"Source of information and images", false},
    {"Source of information", false},
    {"Source of the news", false},
    {"Source of news", false},
    {"Republished from", false},
    {"Source", true},
    {"Via", true},
});

// Sentences saying where the story first ran: "[This article [was]] originally appeared
// on X", "Originally published by X", "First published in X". Optional opening, one verb
// phrase, one preposition, then the name.
constexpr auto kOriginOpenings =
    std::to_array<absl::string_view>({"This article", "This story", "This report"});
constexpr auto kOriginVerbs = std::to_array<absl::string_view>(
    {"originally appeared", "originally published", "first appeared", "first published"});
constexpr auto kOriginPrepositions =
    std::to_array<absl::string_view>({"on", "in", "by", "at", "from"});

// Trailer labels after which the republishing site names itself: "Discover more from
// Elrisala", "For more: Elrisala website and …".
constexpr auto kDistributorLabels =
    std::to_array<absl::string_view>({"Discover more from", "For more from", "For more:"});
// Words a site puts after its own name ("Elrisala website"); not part of the name.
constexpr auto kSiteWords =
    std::to_array<absl::string_view>({"website", "web site", "site", "page"});

// Whole lines that head a list of other stories' headlines. The short paragraphs after
// one are that list, not story text, even when a headline ends in "?" or runs long.
// Compared as kFurnitureLines are.
constexpr auto kListHeadings = std::to_array<absl::string_view>({
    "Also read",    "Further reading",   "Latest news",     "More news",        "More stories",
    "Most popular", "Most read",         "Next article",    "Previous article", "Read also",
    "Read more",    "Read next",         "Recommended",     "Related",          "Related Articles",
    "Related news", "Related Posts",     "Related Stories", "See also",         "Trending",
    "Up next",      "You may also like",
});

// Headings of the readers' comments under a story, which come after all of it: whole lines
// (compared as kFurnitureLines are), or any line opening with one of kCommentPrefixes, or
// a count such as "12 Comments".
constexpr auto kCommentHeadings = std::to_array<absl::string_view>({
    "Add a comment",
    "Cancel reply",
    "Comments",
    "Join the conversation",
    "Post a comment",
    "Reader comments",
});
constexpr auto kCommentPrefixes = std::to_array<absl::string_view>({
    "Leave a comment",
    "Leave a Reply",
});

// Other whole lines that are page furniture: navigation, sharing, comment and
// subscription prompts, labels. Compared ignoring case and trailing ":", ".", "…", "!", so
// "Share this article." is one too: a prompt's full stop does not make it a sentence.
constexpr auto kFurnitureLines = std::to_array<absl::string_view>({
    "Advertisement",
    "Back to top",
    "Back to top button",
    "Categories",
    // Whole lines only: "Comments are closed on the plans until May, the council said."
    // opens a story paragraph.
    "Commenting has been disabled",
    "Commenting is closed",
    "Comments are closed",
    "Comments are closed for this article",
    "Comments are closed for this post",
    "Comments are closed for this story",
    "Comments are closed on this article",
    "Comments are closed on this post",
    "Comments are closed on this story",
    "Comments have been closed",
    "Comments have been disabled",
    "Continue reading",
    "Copy link",
    "Like Loading",
    "Like this",
    "Loading",
    "Loading comments",
    "Next post",
    "Post navigation",
    "Previous post",
    "Print",
    "Print this article",
    "Print this page",
    "Share",
    "Share this",
    "Share this article",
    "Share this page",
    "Share this post",
    "Share this story",
    "Subscribe",
    "Tags",
});

// Line openings only page furniture uses; the rest of such a line varies. Prompts from
// the site's comment form, newsletter box and sign-off end with a full stop as often as
// not ("Your email address will not be published.", "Thanks for reading."), and labels
// ("Tags:", "Categories:") head a list of the site's own topic words: either way the line
// is the site's, not the story's, so it never counts as story text.
constexpr auto kFurniturePrefixes = std::to_array<absl::string_view>({
    "All rights reserved",
    "Categories:",
    "Click here to",
    "Enter your email address to subscribe",
    "Filed under",
    "Follow us",
    "Join us on",
    "Like us on",
    "Notify me of follow-up comments",
    "Notify me of new comments",
    "Notify me of new posts",
    "Please enable JavaScript to view the comments",
    "Read more:",
    "Related:",
    "Required fields are marked",
    "Save my name, email, and website",
    "Share on",
    "Sign up for",
    "Sign up to",
    "Subscribe now",
    "Subscribe to",
    "Tagged:",
    "Tags:",
    "Thank you for reading",
    "Thanks for reading",
    "This site uses Akismet",
    "Topics:",
    "You can follow us",
    "You must be logged in to post a comment",
    "Your email address will not be published",
});

// Small words that join the words of a name: "Ministry of Health", "The Mail on Sunday",
// "Agence de presse". Any other lower-case word with more words after it makes a clause
// ("figures released on Monday"): see ReadsAsClause.
constexpr auto kNameJoiningWords = std::to_array<absl::string_view>({
    "&",  "al", "and", "at", "da",  "de",  "del", "della", "der", "des", "di",
    "do", "du", "e",   "el", "en",  "et",  "for", "in",    "la",  "le",  "les",
    "of", "on", "the", "to", "und", "van", "via", "von",   "y",
});

// Words that follow "By" in a sentence but never open a person's name ("By the end of
// the day", "By train"), so such a line is not taken for a byline.
constexpr auto kNotNameWords = std::to_array<absl::string_view>({
    "a",     "an",   "all",   "any",   "contrast", "comparison", "default", "design",
    "early", "far",  "late",  "law",   "mid",      "now",        "some",    "that",
    "the",   "then", "this",  "these", "those",    "way",        "his",     "her",
    "its",   "our",  "their", "train", "car",      "road",       "air",     "sea",
});

// List bullets a scraped line may open with. ASCII ones need a space after them so that
// "-5C" or "*Note" stays text.
constexpr auto kBullets = std::to_array<absl::string_view>(
    {"\u2022", "\u00B7", "\u25AA", "\u25CF", "\u25E6", "\u2023", "-", "*"});

// Separators after a dateline: "LONDON — ", "LONDON (Wire) – ", "LONDON - ".
constexpr auto kDatelineDashes =
    std::to_array<absl::string_view>({"\u2014", "\u2013", " -- ", " - "});

// Limits that keep shape tests cheap on huge lines and keep sentences from passing as
// names. Bytes of UTF-8.
constexpr size_t kMaxHeadlineBytes = 1000;
constexpr size_t kMaxSectionBytes = 40;
constexpr size_t kMaxSectionWords = 3;
constexpr size_t kMaxBylineBytes = 200;
constexpr size_t kMaxNameBytes = 100;
constexpr size_t kMaxNameWords = 8;
constexpr size_t kMaxPersonNameWords = 5;
constexpr size_t kMaxDatelineBytes = 80;
constexpr size_t kMaxDatelineWords = 6;
constexpr size_t kMaxCopyrightLineBytes = 200;
constexpr size_t kMaxFurnitureLineBytes = 80;
// A paragraph of this many words reads as story text even without a sentence's final
// mark (a quote closing it, a lost full stop); headlines run shorter.
constexpr size_t kMinStoryWords = 20;
// An all-lower-case "name" of this many words ending in a full stop reads as a clause.
constexpr size_t kMinLowerCaseClauseWords = 4;
// Page text quoted in a warning is cut to about this many bytes.
constexpr size_t kMaxQuotedBytes = 80;

constexpr absl::string_view kImporterAgent = "syndicate import --format=text";

// ---------------------------------------------------------------------------------------
// Small text helpers. All work on UTF-8 bytes; only ASCII letters change case.

bool IsAsciiLetter(char c) { return absl::ascii_isalpha(static_cast<unsigned char>(c)); }
bool IsAsciiUpper(char c) { return absl::ascii_isupper(static_cast<unsigned char>(c)); }
bool IsAsciiLower(char c) { return absl::ascii_islower(static_cast<unsigned char>(c)); }
bool IsAsciiDigit(char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)); }
bool IsNonAscii(char c) { return static_cast<unsigned char>(c) >= 0x80; }

// If `s` starts with `phrase` (ignoring case) followed by a word boundary, removes both
// and the spaces after them. A phrase ending in punctuation ("For more:") is its own
// boundary.
bool ConsumePhrase(absl::string_view& s, absl::string_view phrase) {
  if (!absl::StartsWithIgnoreCase(s, phrase)) return false;
  if (s.size() > phrase.size() && IsAsciiLetter(phrase.back())) {
    const char next = s[phrase.size()];
    if (IsAsciiLetter(next) || IsAsciiDigit(next)) return false;
  }
  s = TrimStart(s.substr(phrase.size()));
  return true;
}

std::vector<absl::string_view> Words(absl::string_view s) {
  return absl::StrSplit(s, ' ', absl::SkipEmpty());
}

// The text of `s` up to (not including) the earliest of `ends`.
absl::string_view CutAtFirst(absl::string_view s, std::initializer_list<absl::string_view> ends) {
  size_t cut = s.size();
  for (absl::string_view end : ends) {
    cut = std::min(cut, s.find(end));
  }
  return s.substr(0, cut);
}

// True when `s` ends with ".", "?" or "!", looking through closing quotes.
bool EndsLikeSentence(absl::string_view s) {
  s = StripQuotes(s);
  return !s.empty() && (s.back() == '.' || s.back() == '?' || s.back() == '!');
}

// If `s` opens with a quotation mark, the text up to the next quotation mark that ends a
// word (so the apostrophe of "Lloyd’s" does not close ‘Lloyd’s List’).
std::optional<absl::string_view> LeadingQuoted(absl::string_view s) {
  for (absl::string_view open : kQuoteMarks) {
    if (!absl::StartsWith(s, open)) continue;
    const absl::string_view inner = s.substr(open.size());
    for (size_t i = 0; i < inner.size(); ++i) {
      for (absl::string_view close : kQuoteMarks) {
        if (inner.substr(i, close.size()) != close) continue;
        const size_t after = i + close.size();
        if (after == inner.size() || !IsAsciiLetter(inner[after])) return inner.substr(0, i);
      }
    }
    return std::nullopt;
  }
  return std::nullopt;
}

// A name holds 1 to kMaxNameWords words with at least one letter and no sentence marks.
bool IsPlausibleName(absl::string_view name) {
  if (name.empty() || name.size() > kMaxNameBytes) return false;
  if (name.find_first_of("?!;") != absl::string_view::npos) return false;
  bool has_letter = false;
  for (char c : name) has_letter = has_letter || IsAsciiLetter(c) || IsNonAscii(c);
  const size_t words = Words(name).size();
  return has_letter && words >= 1 && words <= kMaxNameWords;
}

// A word written all in lower case ASCII that is not a domain name ("example.org"):
// "figures", "released". Quotes and trailing ".,:" are looked through.
bool IsLowerCaseWord(absl::string_view word) {
  word = StripQuotes(word);
  while (!word.empty() && absl::string_view(".,:").find(word.back()) != absl::string_view::npos) {
    word.remove_suffix(1);
  }
  if (word.empty() || !IsAsciiLower(word.front())) return false;
  return std::none_of(word.begin(), word.end(), [](char c) { return IsAsciiUpper(c) || c == '.'; });
}

// True when a plausible name (IsPlausibleName) reads as a sentence's clause instead:
// "Ministry of Health figures released on Monday". Names join their words with a few small
// words (kNameJoiningWords) and may end with a lower-case noun ("Example Wire staff",
// "AFP and agencies"); a clause holds another lower-case word with more words after it.
// That is enough when the text also holds a capitalized word. A name written all in lower
// case ("northwind gazette", "the daily example") is a clause only when it is long and
// `full_stop`, i.e. the line ended it with one.
bool ReadsAsClause(absl::string_view name, bool full_stop) {
  const std::vector<absl::string_view> words = Words(name);
  bool capitalized = false;
  bool clause = false;
  for (size_t i = 0; i < words.size(); ++i) {
    const absl::string_view word = StripQuotes(words[i]);
    if (word.empty()) continue;
    if (IsAsciiUpper(word.front()) || IsNonAscii(word.front())) capitalized = true;
    if (i + 1 < words.size() && IsLowerCaseWord(word) &&
        std::none_of(kNameJoiningWords.begin(), kNameJoiningWords.end(),
                     [&](absl::string_view joining) { return word == joining; })) {
      clause = true;
    }
  }
  return clause && (capitalized || (full_stop && words.size() >= kMinLowerCaseClauseWords));
}

bool LooksLikeDomain(absl::string_view name) {
  const size_t dot = name.find('.');
  return name.find(' ') == absl::string_view::npos && dot != absl::string_view::npos &&
         dot + 1 < name.size() && IsAsciiLetter(name[dot + 1]);
}

// Removes quotes, trailing punctuation and a lower-case leading "the " before a capital; a
// name written all in lower case ("independent",
// "the daily example") gets capitals at word starts. Names with any capital letter, and
// domain names, stay as written.
std::string TidyName(absl::string_view name) {
  name = StripQuotes(name);
  while (!name.empty() && absl::string_view(".,:").find(name.back()) != absl::string_view::npos) {
    name.remove_suffix(1);
    name = StripQuotes(name);
  }
  // "appeared on the Northwind Gazette": a lower-case article before a capitalized name is
  // the sentence's grammar, not part of the name.
  if (absl::StartsWith(name, "the ") && name.size() > 4 && IsAsciiUpper(name[4])) {
    name.remove_prefix(4);
  }
  std::string out(name);
  bool has_upper = false;
  for (char c : out) has_upper = has_upper || IsAsciiUpper(c);
  if (!has_upper && !LooksLikeDomain(out)) {
    bool word_start = true;
    for (char& c : out) {
      if (word_start && IsAsciiLower(c)) c = absl::ascii_toupper(static_cast<unsigned char>(c));
      word_start = c == ' ' || c == '-';
    }
  }
  return out;
}

bool IsHttpUrl(absl::string_view url) {
  absl::string_view rest = url;
  if (!ConsumePhrase(rest, "https://") && !ConsumePhrase(rest, "http://")) return false;
  return !rest.empty() && rest.find_first_of(" \t\r\n") == absl::string_view::npos;
}

// ---------------------------------------------------------------------------------------
// Line rules. Each takes a line's content (no leading whitespace, no bullet).

struct PublisherLine {
  std::string name;
  // Matched through a bare label with no colon after it (see SourceLabel): weak evidence.
  bool bare = false;
};

// The publisher named after a label or inside an origin sentence. `bare`: see SourceLabel.
std::optional<PublisherLine> NameAfterLabel(absl::string_view rest, bool bare) {
  const bool colon = absl::StartsWith(rest, ":");
  if (colon) rest.remove_prefix(1);
  rest = Trim(rest);
  if (rest.empty()) return std::nullopt;
  absl::string_view name;
  if (std::optional<absl::string_view> quoted = LeadingQuoted(rest)) {
    name = *quoted;
  } else {
    if (bare && !colon) {
      const char first = rest.front();
      if (!(IsAsciiUpper(first) || IsNonAscii(first)) || EndsLikeSentence(rest)) {
        return std::nullopt;
      }
    }
    name = CutAtFirst(rest, {", ", ". ", "; ", " | ", " - ", " \u2014 ", " \u2013 "});
  }
  name = StripQuotes(name);
  const bool full_stop = absl::EndsWith(name, ".");
  if (full_stop) name.remove_suffix(1);
  // "Source: Ministry of Health figures released on Monday." quotes a source in the story.
  if (!IsPlausibleName(name) || ReadsAsClause(name, full_stop)) return std::nullopt;
  return PublisherLine{TidyName(name), bare && !colon};
}

std::optional<PublisherLine> ParsePublisherLine(absl::string_view content) {
  // Labels: the longest one that matches.
  const SourceLabel* best = nullptr;
  absl::string_view best_rest;
  for (const SourceLabel& label : kSourceLabels) {
    absl::string_view rest = content;
    if (ConsumePhrase(rest, label.label) &&
        (best == nullptr || label.label.size() > best->label.size())) {
      best = &label;
      best_rest = rest;
    }
  }
  if (best != nullptr) {
    if (std::optional<PublisherLine> line = NameAfterLabel(best_rest, best->bare)) return line;
  }
  // Origin sentences.
  absl::string_view rest = content;
  for (absl::string_view opening : kOriginOpenings) {
    if (ConsumePhrase(rest, opening)) {
      ConsumePhrase(rest, "was");
      break;
    }
  }
  bool has_verb = false;
  for (absl::string_view verb : kOriginVerbs) {
    if (ConsumePhrase(rest, verb)) {
      has_verb = true;
      break;
    }
  }
  if (!has_verb) return std::nullopt;
  for (absl::string_view preposition : kOriginPrepositions) {
    if (ConsumePhrase(rest, preposition)) return NameAfterLabel(rest, /*bare=*/false);
  }
  return std::nullopt;
}

std::optional<std::string> ParseDistributorLine(absl::string_view content) {
  for (absl::string_view label : kDistributorLabels) {
    absl::string_view rest = content;
    if (!ConsumePhrase(rest, label)) continue;
    if (absl::StartsWith(rest, ":")) rest = TrimStart(rest.substr(1));
    absl::string_view name;
    if (std::optional<absl::string_view> quoted = LeadingQuoted(rest)) {
      name = *quoted;
    } else {
      name = Trim(CutAtFirst(
          rest, {",", " and ", " on ", ". ", " | ", " - ", " \u2014 ", " \u2013 ", ":", "!"}));
      for (absl::string_view word : kSiteWords) {
        if (name.size() > word.size() && absl::EndsWithIgnoreCase(name, word) &&
            name[name.size() - word.size() - 1] == ' ') {
          name = TrimEnd(name.substr(0, name.size() - word.size()));
          break;
        }
      }
    }
    name = StripQuotes(name);
    if (absl::EndsWith(name, ".")) name.remove_suffix(1);
    if (IsPlausibleName(name)) return TidyName(name);
    return std::nullopt;
  }
  return std::nullopt;
}

struct CopyrightLine {
  std::string holder;
  std::string notice;  // the line as written
};

// "Copyright X", "Copyright © 2026 X. All rights reserved.", "© 2025–2026 X", "(c) 2026 X".
std::optional<CopyrightLine> ParseCopyrightLine(absl::string_view content) {
  if (content.size() > kMaxCopyrightLineBytes) return std::nullopt;
  absl::string_view rest = content;
  bool marked = false;  // a © sign or a year: the line cannot be an ordinary sentence
  if (!ConsumePhrase(rest, "Copyright")) {
    if (!absl::StartsWith(rest, "\u00A9") && !absl::StartsWithIgnoreCase(rest, "(c)")) {
      return std::nullopt;
    }
  }
  for (bool progress = true; progress && !rest.empty();) {
    progress = false;
    for (absl::string_view sign :
         {absl::string_view("\u00A9"), absl::string_view("(c)"), absl::string_view("(C)")}) {
      if (absl::StartsWith(rest, sign)) {
        rest = TrimStart(rest.substr(sign.size()));
        marked = progress = true;
      }
    }
    // Years and year ranges: "2026", "2025-2026", "2025–2026,".
    size_t digits = 0;
    while (digits < rest.size() && IsAsciiDigit(rest[digits])) ++digits;
    if (digits == 4) {
      rest = rest.substr(digits);
      for (absl::string_view joiner :
           {absl::string_view("-"), absl::string_view("\u2013"), absl::string_view(",")}) {
        if (absl::StartsWith(rest, joiner)) rest.remove_prefix(joiner.size());
      }
      rest = TrimStart(rest);
      marked = progress = true;
    }
  }
  absl::string_view holder = CutAtFirst(rest, {". ", ",", " | ", " - ", " \u2014 "});
  holder = Trim(holder);
  constexpr absl::string_view kReserved = "All rights reserved";
  if (absl::EndsWithIgnoreCase(holder, kReserved)) {
    holder = TrimEnd(holder.substr(0, holder.size() - kReserved.size()));
  }
  if (absl::EndsWith(holder, ".")) holder.remove_suffix(1);
  if (!marked) {
    // Without a sign or year, "Copyright" must be followed by a capitalized name on a
    // line that is not a sentence ("Copyright law changed." is story text).
    if (holder.empty() || !(IsAsciiUpper(holder.front()) || IsNonAscii(holder.front())) ||
        EndsLikeSentence(content)) {
      return std::nullopt;
    }
  }
  if (!IsPlausibleName(StripQuotes(holder))) return std::nullopt;
  return CopyrightLine{TidyName(holder), std::string(Trim(content))};
}

// `content` without trailing ":", ".", "!" and "…", to be compared with a whole-line
// phrase table; nullopt when it is too long to be one.
std::optional<absl::string_view> WholeLinePhrase(absl::string_view content) {
  if (content.size() > kMaxFurnitureLineBytes) return std::nullopt;
  absl::string_view line = content;
  for (bool changed = true; changed;) {
    changed = false;
    line = TrimEnd(line);
    for (absl::string_view tail : {absl::string_view(":"), absl::string_view("."),
                                   absl::string_view("!"), absl::string_view("\u2026")}) {
      if (absl::EndsWith(line, tail)) {
        line.remove_suffix(tail.size());
        changed = true;
      }
    }
  }
  return line;
}

template <size_t N>
bool IsOneOf(absl::string_view line, const std::array<absl::string_view, N>& phrases) {
  return std::any_of(phrases.begin(), phrases.end(), [&](absl::string_view phrase) {
    return absl::EqualsIgnoreCase(line, phrase);
  });
}

// "Related Articles", "Read also:": a heading over a list of other stories.
bool IsListHeading(absl::string_view content) {
  const std::optional<absl::string_view> line = WholeLinePhrase(content);
  return line.has_value() && IsOneOf(*line, kListHeadings);
}

// "Leave a Reply", "Comments", "3 comments": the heading of the readers' comments.
bool IsCommentsHeading(absl::string_view content) {
  for (absl::string_view prefix : kCommentPrefixes) {
    absl::string_view rest = content;
    if (ConsumePhrase(rest, prefix)) return true;
  }
  const std::optional<absl::string_view> line = WholeLinePhrase(content);
  if (!line.has_value()) return false;
  if (IsOneOf(*line, kCommentHeadings)) return true;
  absl::string_view rest = *line;
  size_t digits = 0;
  while (digits < rest.size() && IsAsciiDigit(rest[digits])) ++digits;
  if (digits == 0) return false;
  rest = TrimStart(rest.substr(digits));
  return absl::EqualsIgnoreCase(rest, "comment") || absl::EqualsIgnoreCase(rest, "comments");
}

bool IsFurniturePhrase(absl::string_view content) {
  for (absl::string_view prefix : kFurniturePrefixes) {
    absl::string_view rest = content;
    if (ConsumePhrase(rest, prefix)) return true;
  }
  if (IsCommentsHeading(content)) return true;
  const std::optional<absl::string_view> line = WholeLinePhrase(content);
  return line.has_value() && (IsOneOf(*line, kFurnitureLines) || IsOneOf(*line, kListHeadings));
}

// `s` split at " and " (any case) and " & ".
std::vector<absl::string_view> SplitOnConjunctions(absl::string_view s) {
  std::vector<absl::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i < s.size();) {
    size_t length = 0;
    if (absl::StartsWithIgnoreCase(s.substr(i), " and ")) length = 5;
    if (absl::StartsWith(s.substr(i), " & ")) length = 3;
    if (length == 0) {
      ++i;
      continue;
    }
    parts.push_back(s.substr(start, i - start));
    i += length;
    start = i;
  }
  parts.push_back(s.substr(start));
  return parts;
}

// "By A", "By A and B", "By A, B and C", "By A, B, and C", "By A & B". Returns the names
// as written.
std::optional<std::vector<std::string>> ParseByline(absl::string_view content) {
  if (content.size() > kMaxBylineBytes) return std::nullopt;
  absl::string_view rest = content;
  if (!ConsumePhrase(rest, "By") || rest.empty()) return std::nullopt;
  if (absl::string_view(".?!:;,").find(rest.back()) != absl::string_view::npos) {
    return std::nullopt;
  }
  std::vector<std::string> names;
  for (absl::string_view piece : absl::StrSplit(rest, ',')) {
    piece = Trim(piece);
    ConsumePhrase(piece, "and");
    ConsumePhrase(piece, "&");
    for (absl::string_view name : SplitOnConjunctions(piece)) {
      name = Trim(name);
      if (name.empty()) continue;
      const std::vector<absl::string_view> words = Words(name);
      if (words.size() > kMaxPersonNameWords) return std::nullopt;
      for (char c : name) {
        if (IsAsciiDigit(c) ||
            absl::string_view("?!;:()[]{}\"|/@").find(c) != absl::string_view::npos) {
          return std::nullopt;
        }
      }
      for (absl::string_view word : kNotNameWords) {
        if (absl::EqualsIgnoreCase(words.front(), word)) return std::nullopt;
      }
      names.emplace_back(name);
    }
  }
  if (names.empty()) return std::nullopt;
  return names;
}

struct Dateline {
  std::string place;   // "KYIV, Ukraine"; may be empty when only "(Wire) —" is printed
  std::string agency;  // "Example Wire" from "(Example Wire)"; may be empty
};

// A place as datelines print it: its first word in capitals ("LONDON", "KYIV,"), every
// word capitalized or a number ("WASHINGTON, D.C.", "LONDON, March 3").
bool IsPlaceShaped(absl::string_view place) {
  const std::vector<absl::string_view> words = Words(place);
  if (words.empty() || words.size() > kMaxDatelineWords) return false;
  if (place.find_first_of("?!;:\"()") != absl::string_view::npos) return false;
  int upper = 0;
  for (char c : words.front()) {
    if (IsAsciiLower(c) || IsAsciiDigit(c)) return false;
    if (IsAsciiUpper(c)) ++upper;
  }
  if (upper < 2) return false;
  for (absl::string_view word : words) {
    const char first = word.front();
    if (!(IsAsciiUpper(first) || IsAsciiDigit(first) || IsNonAscii(first))) return false;
  }
  return true;
}

// "PLACE — …", "PLACE (Agency) — …", "(Agency) — …" at the start of a paragraph.
std::optional<Dateline> ParseDateline(absl::string_view content) {
  const absl::string_view head = content.substr(0, kMaxDatelineBytes + 8);
  size_t at = absl::string_view::npos;
  size_t dash_size = 0;
  for (absl::string_view dash : kDatelineDashes) {
    const size_t found = head.find(dash);
    if (found < at) {
      at = found;
      dash_size = dash.size();
    }
  }
  if (at == absl::string_view::npos) return std::nullopt;
  if (Trim(content.substr(at + dash_size)).empty()) return std::nullopt;
  absl::string_view prefix = Trim(content.substr(0, at));
  if (prefix.empty() || prefix.size() > kMaxDatelineBytes) return std::nullopt;
  Dateline dateline;
  if (prefix.back() == ')') {
    const size_t open = prefix.rfind('(');
    if (open == absl::string_view::npos) return std::nullopt;
    const absl::string_view agency = Trim(prefix.substr(open + 1, prefix.size() - open - 2));
    if (!IsPlausibleName(agency)) return std::nullopt;
    dateline.agency = TidyName(agency);
    prefix = Trim(prefix.substr(0, open));
  }
  if (absl::EndsWith(prefix, ",")) prefix = TrimEnd(prefix.substr(0, prefix.size() - 1));
  if (!prefix.empty()) {
    if (!IsPlaceShaped(prefix)) return std::nullopt;
    dateline.place = std::string(prefix);
  }
  return dateline;
}

// ---------------------------------------------------------------------------------------
// Lines and paragraphs.

struct Line {
  absl::string_view raw;      // as written, without line-end whitespace
  absl::string_view content;  // without leading whitespace and bullet
  bool bulleted = false;
};

Line MakeLine(absl::string_view raw) {
  Line line{raw, TrimStart(raw), false};
  for (absl::string_view bullet : kBullets) {
    if (!absl::StartsWith(line.content, bullet)) continue;
    const absl::string_view after = line.content.substr(bullet.size());
    const bool ascii = bullet.size() == 1;
    if (after.empty() || !ascii || TrimStart(after).size() != after.size()) {
      line.content = TrimStart(after);
      line.bulleted = true;
      break;
    }
  }
  return line;
}

enum class Kind {
  kText,
  kByline,
  kFurniture,
};

struct Paragraph {
  std::vector<Line> lines;
  Kind kind = Kind::kText;
  // Furniture only through a bare label ("Via X"): the headline search reads it as text.
  bool weak_furniture = false;
  // A list item that follows the previous paragraph with no blank line between.
  bool continues_block = false;
  // Furniture heading a list of other stories ("Related Articles").
  bool list_heading = false;
  // Furniture heading the readers' comments ("Leave a Reply"): the story is over.
  bool comments_heading = false;
  // One line that is nothing but a furniture phrase ("Advertisement", "Share this:"): it
  // holds no text to keep, wherever it stands.
  bool chrome = false;
  // Short text under a list heading, with no story text since: a headline in that list.
  bool list_item = false;
  std::vector<std::string> byline_names;

  absl::string_view FirstLine() const { return lines.front().content; }
  // Lines joined by "\n", as written.
  std::string Raw() const {
    return absl::StrJoin(
        lines, "\n", [](std::string* out, const Line& line) { absl::StrAppend(out, line.raw); });
  }
  // One-line fields (headline, section, standfirst): contents joined by a space.
  std::string Joined() const {
    return absl::StrJoin(lines, " ", [](std::string* out, const Line& line) {
      absl::StrAppend(out, Trim(line.content));
    });
  }
};

// Vertical tab and form feed (the page break of text printed from a PDF) end a line, as
// Unicode's line breaking rules have them do, so neither reaches a field; so do U+2028
// LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR (found by fuzz_text: one in a headline
// paragraph reached the headline, which the server refuses).
constexpr absl::string_view kVerticalTabAndFormFeed = "\v\f";
constexpr absl::string_view kLineSeparator = "\u2028";
constexpr absl::string_view kParagraphSeparator = "\u2029";

// Bytes of the line end opening `s`, or 0.
size_t LineEndBytesAtStart(absl::string_view s) {
  if (const size_t bytes = internal::LineBreakBytesAtStart(s)) return bytes;
  if (absl::StartsWith(s, kLineSeparator) || absl::StartsWith(s, kParagraphSeparator)) {
    return kLineSeparator.size();
  }
  return !s.empty() && kVerticalTabAndFormFeed.find(s.front()) != absl::string_view::npos ? 1 : 0;
}

// `text` split at LF, CRLF, a lone CR, VT, FF, U+2028 and U+2029; line ends are not kept.
std::vector<absl::string_view> SplitLines(absl::string_view text) {
  std::vector<absl::string_view> lines;
  size_t start = 0;
  for (size_t i = 0; i < text.size();) {
    const size_t end_bytes = LineEndBytesAtStart(text.substr(i));
    if (end_bytes == 0) {
      ++i;
      continue;
    }
    lines.push_back(text.substr(start, i - start));
    i += end_bytes;
    start = i;
  }
  lines.push_back(text.substr(start));
  return lines;
}

std::vector<Paragraph> SplitParagraphs(absl::string_view text) {
  std::vector<Paragraph> paragraphs;
  bool open = false;
  for (absl::string_view raw : SplitLines(text)) {
    const Line line = MakeLine(TrimEnd(raw));
    if (line.content.empty()) {
      open = false;
      continue;
    }
    if (!open || line.bulleted) {
      paragraphs.emplace_back();
      paragraphs.back().continues_block = open;
    }
    paragraphs.back().lines.push_back(line);
    open = true;
  }
  return paragraphs;
}

void Classify(Paragraph& paragraph) {
  const absl::string_view first = paragraph.FirstLine();
  if (paragraph.lines.size() == 1) {
    if (std::optional<std::vector<std::string>> names = ParseByline(first)) {
      paragraph.kind = Kind::kByline;
      paragraph.byline_names = *std::move(names);
      return;
    }
  }
  const std::optional<PublisherLine> publisher = ParsePublisherLine(first);
  const bool strong = (publisher.has_value() && !publisher->bare) ||
                      ParseDistributorLine(first).has_value() ||
                      ParseCopyrightLine(first).has_value() || IsFurniturePhrase(first);
  if (strong || publisher.has_value()) {
    paragraph.kind = Kind::kFurniture;
    paragraph.weak_furniture = !strong;
    paragraph.list_heading = IsListHeading(first);
    paragraph.comments_heading = IsCommentsHeading(first);
    const std::optional<absl::string_view> whole = WholeLinePhrase(first);
    paragraph.chrome =
        paragraph.lines.size() == 1 && whole.has_value() && IsOneOf(*whole, kFurnitureLines);
  }
}

// Words in `s`, counting no further than `limit`.
size_t CountWords(absl::string_view s, size_t limit) {
  size_t words = 0;
  bool in_word = false;
  for (size_t i = 0; i < s.size() && words < limit; ++i) {
    const bool space = s[i] == ' ' || s[i] == '\t';
    if (!space && !in_word) ++words;
    in_word = !space;
  }
  return words;
}

// A line that page furniture is made of, as Classify reads a paragraph's first line: an
// attribution line (a bare "Via X" too), a distributor or copyright line, or a phrase
// from the furniture tables.
bool IsFurnitureLine(absl::string_view content) {
  return ParsePublisherLine(content).has_value() || ParseDistributorLine(content).has_value() ||
         ParseCopyrightLine(content).has_value() || IsFurniturePhrase(content);
}

// Story text, as the trailer boundary sees it: a paragraph that ends like a sentence
// (".", "?" or "!", also inside closing quotes, or a closing double quote: a quotation
// ends it) or holds kMinStoryWords words. Under a list heading (`in_list`) headlines may
// end in "?", "!" or a quote and run long, so there only a final full stop counts.
// Furniture lines count for neither: a prompt's full stop ("Comments are closed.") and a
// share box's words are the site's, and a paragraph they end is not a sentence of the
// story. (A paragraph is classified by its first line, so a text paragraph may still end
// with one: "Facebook\nThanks for reading.")
bool IsStoryLike(const Paragraph& paragraph, bool in_list) {
  const absl::string_view last = paragraph.lines.back().content;
  if (!IsFurnitureLine(last)) {
    if (absl::EndsWith(StripQuotes(last), ".")) return true;
    if (in_list) return false;
    if (EndsLikeSentence(last)) return true;
    for (absl::string_view quote :
         {absl::string_view("\u201D"), absl::string_view("\u00BB"), absl::string_view("\"")}) {
      if (absl::EndsWith(last, quote)) return true;
    }
  }
  if (in_list) return false;
  size_t words = 0;
  for (const Line& line : paragraph.lines) {
    if (IsFurnitureLine(line.content)) continue;
    words += CountWords(line.content, kMinStoryWords - words);
    if (words >= kMinStoryWords) return true;
  }
  return false;
}

// A section is one short line ("World", "Middle East") that does not end like a sentence.
bool IsSectionShaped(const Paragraph& paragraph) {
  if (paragraph.lines.size() != 1) return false;
  const absl::string_view line = paragraph.FirstLine();
  if (line.size() > kMaxSectionBytes) return false;
  const size_t words = Words(line).size();
  return words >= 1 && words <= kMaxSectionWords &&
         absl::string_view(".?!:;,").find(line.back()) == absl::string_view::npos;
}

// A headline does not end with a full stop; a story paragraph does.
bool IsHeadlineShaped(const Paragraph& paragraph) {
  const absl::string_view last = paragraph.lines.back().content;
  return StripQuotes(last).size() <= kMaxHeadlineBytes && !absl::EndsWith(StripQuotes(last), ".");
}

// Where the parts of a page are, as paragraph indexes; an absent part is
// paragraphs.size().
struct Layout {
  size_t section = 0;
  size_t headline = 0;
  size_t story = 0;     // the first text paragraph after the headline
  size_t trailer = 0;   // the first trailer paragraph; everything from it on is trailer
  size_t comments = 0;  // the heading of the readers' comments, in the trailer
};

// Section and headline are positional: the first text paragraph, and the one after it when
// the first is section-shaped and the second headline-shaped. Only clear furniture and
// bylines are skipped to find them; a weak attribution line ("Via Rail strike ends") may
// be the headline but never the section, since no section is named "Via Example Wire".
// The trailer begins at the first furniture paragraph after the story's last story-like
// paragraph (IsStoryLike), or after the headline when no story follows it. Furniture with
// story text after it (a chart's "Source: X", an inline "Read more", a photo credit) does
// not end the story, since the page's trailer holds prompts, names and headlines but no
// sentences; short text after a list heading is that list's headlines, not story text.
// The one part of a trailer that does hold sentences, the readers' comments, comes after
// all of the story: its heading ("Leave a Reply") ends the search for story text.
absl::StatusOr<Layout> FindLayout(std::vector<Paragraph>& paragraphs) {
  const size_t count = paragraphs.size();
  auto head_text = [&](size_t from) {
    for (size_t i = from; i < count; ++i) {
      const Paragraph& p = paragraphs[i];
      if (p.kind == Kind::kText || (p.kind == Kind::kFurniture && p.weak_furniture)) return i;
    }
    return count;
  };
  const size_t first = head_text(0);
  if (first == count) {
    return absl::InvalidArgumentError(
        "text: no headline (every paragraph is a byline or page furniture)");
  }
  const size_t next = head_text(first + 1);
  Layout layout{
      .section = count, .headline = first, .story = count, .trailer = count, .comments = count};
  if (next < count && IsSectionShaped(paragraphs[first]) && IsHeadlineShaped(paragraphs[next])) {
    if (paragraphs[first].kind == Kind::kText) layout.section = first;
    layout.headline = next;
  }
  const size_t headline_bytes = paragraphs[layout.headline].Joined().size();
  if (headline_bytes > kMaxHeadlineBytes) {
    return absl::InvalidArgumentError(absl::StrCat("text: no headline (the first paragraph is ",
                                                   headline_bytes,
                                                   " bytes, longer than a "
                                                   "headline's ",
                                                   kMaxHeadlineBytes, ")"));
  }
  for (size_t i : {layout.section, layout.headline}) {
    if (i < count) paragraphs[i].kind = Kind::kText;
  }

  layout.story = layout.headline + 1;
  while (layout.story < count && paragraphs[layout.story].kind != Kind::kText) ++layout.story;
  size_t last_story = layout.story;
  bool in_list = false;
  for (size_t i = layout.story; i < count; ++i) {
    Paragraph& p = paragraphs[i];
    if (p.kind == Kind::kFurniture && p.comments_heading) {
      layout.comments = i;
      break;
    }
    if (p.kind == Kind::kFurniture) {
      in_list = p.list_heading;
    } else if (p.kind == Kind::kText) {
      if (IsStoryLike(p, in_list)) {
        last_story = i;
        in_list = false;
      } else {
        p.list_item = in_list;
      }
    }
  }
  const size_t trailer_from = layout.story == count ? layout.headline + 1 : last_story + 1;
  for (size_t i = trailer_from; i < count && layout.trailer == count; ++i) {
    if (paragraphs[i].kind == Kind::kFurniture) layout.trailer = i;
  }
  return layout;
}

// The story paragraphs as written, separated by a blank line; list items written without
// blank lines between them stay that way.
std::string BodyText(const std::vector<Paragraph>& paragraphs, const std::vector<size_t>& story) {
  std::string body;
  for (size_t k = 0; k < story.size(); ++k) {
    const Paragraph& p = paragraphs[story[k]];
    if (k > 0) body += p.continues_block && story[k - 1] + 1 == story[k] ? "\n" : "\n\n";
    body += p.Raw();
  }
  return body;
}

// ---------------------------------------------------------------------------------------
// Attribution.

// What the page's lines say about who published what, in page order.
struct Evidence {
  std::vector<std::string> publishers;  // from attribution lines
  std::vector<std::string> distributors;
  std::vector<CopyrightLine> copyrights;
  std::optional<Dateline> dateline;  // of the first story paragraph
};

void ReadNames(const Paragraph& paragraph, Evidence& evidence) {
  for (const Line& line : paragraph.lines) {
    if (std::optional<PublisherLine> publisher = ParsePublisherLine(line.content)) {
      evidence.publishers.push_back(std::move(publisher->name));
    } else if (std::optional<std::string> distributor = ParseDistributorLine(line.content)) {
      evidence.distributors.push_back(*std::move(distributor));
    } else if (std::optional<CopyrightLine> copyright = ParseCopyrightLine(line.content)) {
      evidence.copyrights.push_back(*std::move(copyright));
    }
  }
}

// The Source's canonical name for `name` when one of its publisher_aliases matches.
std::string Canonical(const std::string& name, const Source* source) {
  return CanonicalPublisherName(name, source);
}

std::string Quoted(absl::string_view s) { return absl::StrCat("\"", s, "\""); }

// A paragraph's first line, quoted, cut to about kMaxQuotedBytes at a character boundary.
std::string QuotedExcerpt(const Paragraph& paragraph) {
  absl::string_view line = Trim(paragraph.FirstLine());
  if (line.size() <= kMaxQuotedBytes) return Quoted(line);
  // UTF-8 continuation bytes are 10xxxxxx: never cut before one.
  constexpr unsigned char kTopTwoBits = 0xC0;
  constexpr unsigned char kContinuation = 0x80;
  size_t cut = kMaxQuotedBytes;
  while (cut > 0 && (static_cast<unsigned char>(line[cut]) & kTopTwoBits) == kContinuation) --cut;
  return Quoted(absl::StrCat(line.substr(0, cut), "\u2026"));
}

void ResolveAttribution(const Evidence& evidence, const Source* source, Article& article,
                        std::vector<std::string>& warnings) {
  auto& attribution = *article.mutable_attribution();

  std::string distributor;
  for (const std::string& name : evidence.distributors) {
    if (distributor.empty()) {
      distributor = name;
    } else if (PublisherNameKey(name) != PublisherNameKey(distributor)) {
      warnings.push_back(absl::StrCat("the trailer names two distributors: using ",
                                      Quoted(distributor), ", ignoring ", Quoted(name)));
    }
  }

  std::string publisher;
  const std::string dateline_agency =
      evidence.dateline.has_value() && !evidence.dateline->agency.empty()
          ? Canonical(evidence.dateline->agency, source)
          : std::string();
  if (!evidence.publishers.empty()) {
    publisher = Canonical(evidence.publishers.front(), source);
    for (const std::string& other : evidence.publishers) {
      const std::string canonical = Canonical(other, source);
      if (PublisherNameKey(canonical) != PublisherNameKey(publisher)) {
        warnings.push_back(absl::StrCat("attribution lines disagree: using ", Quoted(publisher),
                                        ", ignoring ", Quoted(canonical)));
      }
    }
    if (!dateline_agency.empty() &&
        PublisherNameKey(dateline_agency) != PublisherNameKey(publisher)) {
      warnings.push_back(absl::StrCat("the dateline credits ", Quoted(dateline_agency),
                                      " but the attribution line names ", Quoted(publisher),
                                      ": using ", Quoted(publisher)));
    }
  } else if (!dateline_agency.empty()) {
    publisher = dateline_agency;
  }

  // A copyright line is the story's when it names the publisher, or when nothing else
  // names one. Otherwise it is the republishing site's notice on its own page ("© 2026
  // Elrisala. All rights reserved"): it names the distributor when the trailer does not.
  for (const CopyrightLine& copyright : evidence.copyrights) {
    const std::string holder = Canonical(copyright.holder, source);
    if (publisher.empty() || PublisherNameKey(holder) == PublisherNameKey(publisher)) {
      if (publisher.empty()) {
        publisher = holder;
        warnings.emplace_back(
            "no attribution line found: attribution.original_publisher taken from the "
            "copyright line");
      }
      attribution.set_copyright_holder(copyright.holder);
      attribution.set_copyright_notice(copyright.notice);
      break;
    }
    if (PublisherNameKey(copyright.holder) == PublisherNameKey(distributor)) continue;
    if (distributor.empty()) {
      distributor = copyright.holder;
      warnings.push_back(
          absl::StrCat("attribution.distributor taken from the site's own copyright line: ",
                       Quoted(copyright.notice)));
    } else {
      warnings.push_back(absl::StrCat("copyright line ignored: it names neither the publisher ",
                                      "nor the distributor: ", Quoted(copyright.notice)));
    }
  }
  if (publisher.empty()) {
    warnings.emplace_back("no attribution line found: attribution.original_publisher left empty");
  }

  if (distributor.empty()) {
    warnings.emplace_back(
        "no distributor named in the trailer: attribution.distributor left empty");
  }
  attribution.set_original_publisher(publisher);
  attribution.set_distributor(distributor);
  if (publisher.empty()) {
    warnings.emplace_back("no original publisher: attribution.credit_line left empty");
  } else if (distributor.empty()) {
    attribution.set_credit_line(publisher);
  } else {
    attribution.set_credit_line(absl::StrCat(publisher, " via ", distributor));
  }
}

// "text-" + the first 32 lowercase hex digits of SHA-256(distributor + "\n" + headline).
std::string StableExternalId(absl::string_view distributor, absl::string_view headline) {
  return internal::DerivedId("text", {distributor, headline});
}

void AddProvenance(const TextImportOptions& options, Article& article) {
  internal::AddProvenanceHops(article, kImporterAgent, "", options.origin);
}

// Tabs are kept in body_text only: a one-line field holding one would be refused by the
// server as a control character.
void TabsToSpaces(std::string* field) { std::replace(field->begin(), field->end(), '\t', ' '); }

void TabsToSpacesInOneLineFields(Article& article) {
  for (std::string* field :
       {article.mutable_section(), article.mutable_headline(), article.mutable_subheadline(),
        article.mutable_byline(), article.mutable_dateline()}) {
    TabsToSpaces(field);
  }
  for (auto& author : *article.mutable_authors()) TabsToSpaces(author.mutable_name());
  auto& attribution = *article.mutable_attribution();
  for (std::string* field :
       {attribution.mutable_credit_line(), attribution.mutable_original_publisher(),
        attribution.mutable_distributor(), attribution.mutable_copyright_holder(),
        attribution.mutable_copyright_notice()}) {
    TabsToSpaces(field);
  }
}

// ---------------------------------------------------------------------------------------
// Input checks.

// The C0 controls that are whitespace or line ends. Every other C0 control, DEL, and every
// C1 control (U+0080–U+009F) is refused: see the header for why they are not stripped.
constexpr absl::string_view kWhitespaceControls = "\t\n\v\f\r";
constexpr unsigned char kFirstPrintable = 0x20;
constexpr unsigned char kDelete = 0x7F;
// U+0080–U+009F in UTF-8: this lead byte, then the code point's own value as the second.
constexpr unsigned char kC1LeadByte = 0xC2;
constexpr unsigned char kLastC1 = 0x9F;

// The code point of the refused control character opening `s` (valid UTF-8), if any.
std::optional<unsigned> RefusedControlAtStart(absl::string_view s) {
  const auto first = static_cast<unsigned char>(s.front());
  if (first == kDelete ||
      (first < kFirstPrintable && kWhitespaceControls.find(s.front()) == absl::string_view::npos)) {
    return first;
  }
  if (first == kC1LeadByte && s.size() > 1) {
    const auto second = static_cast<unsigned char>(s[1]);
    if (second <= kLastC1) return second;
  }
  return std::nullopt;
}

// INVALID_ARGUMENT naming the first refused control character and its line, counted from 1
// as an editor counts them (a line ends at LF, CRLF or a lone CR).
absl::Status CheckNoControlCharacters(absl::string_view text) {
  size_t line = 1;
  for (size_t i = 0; i < text.size();) {
    const absl::string_view rest = text.substr(i);
    if (const size_t line_break = internal::LineBreakBytesAtStart(rest)) {
      ++line;
      i += line_break;
    } else if (const std::optional<unsigned> code = RefusedControlAtStart(rest)) {
      return absl::InvalidArgumentError(
          absl::StrFormat("text: line %d holds control character U+%04X", line, *code));
    } else {
      ++i;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<TextImportResult> ParseScrapedText(std::string_view input,
                                                  const TextImportOptions& options) {
  // Debian's abseil has its own string_view type (ABSL_OPTION_USE_STD_STRING_VIEW 0).
  absl::string_view text(input.data(), input.size());
  constexpr absl::string_view kByteOrderMark = "\uFEFF";
  if (absl::StartsWith(text, kByteOrderMark)) text.remove_prefix(kByteOrderMark.size());
  if (text.empty()) return absl::InvalidArgumentError("text: empty");
  if (!IsValidUtf8(input)) return absl::InvalidArgumentError("text: not valid UTF-8");
  SYNDICATE_RETURN_IF_ERROR(CheckNoControlCharacters(text));
  if (!options.original_url.empty() && !IsHttpUrl(options.original_url)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "options.original_url: ", Quoted(options.original_url), " is not an absolute http(s) URL"));
  }
  static const bool sodium_ready = sodium_init() >= 0;
  if (!sodium_ready) return absl::InternalError("libsodium failed to initialize");

  std::vector<Paragraph> paragraphs = SplitParagraphs(text);
  if (paragraphs.empty()) {
    return absl::InvalidArgumentError(Trim(text).empty()
                                          ? "text: holds only whitespace"
                                          : "text: holds only whitespace and list bullets");
  }
  for (Paragraph& paragraph : paragraphs) Classify(paragraph);
  SYNDICATE_ASSIGN_OR_RETURN(const Layout layout, FindLayout(paragraphs));
  const size_t count = paragraphs.size();
  const size_t headline = layout.headline;
  const size_t trailer = layout.trailer;

  TextImportResult result;
  Article& article = result.article;
  std::vector<std::string>& warnings = result.warnings;
  article.set_headline(paragraphs[headline].Joined());
  if (layout.section < count) {
    article.set_section(paragraphs[layout.section].Joined());
  } else {
    warnings.emplace_back("no section line found: section left empty");
  }

  // Furniture before the story is read for names. Furniture inside it stays story text, with
  // a warning and unread for names: it may be the story's own "Source: X" under a figure,
  // or the credit line with text after it that only looks like story. Lines of nothing but
  // a furniture phrase ("Advertisement") hold no text and are left out, but still named in
  // a warning. Text in the trailer is left out with a warning, unless it is a headline in a
  // list of other stories; readers' comments are counted in one warning.
  Evidence evidence;
  std::vector<size_t> story;
  std::vector<const Paragraph*> bylines;
  std::vector<std::string> boundary_warnings;
  size_t comment_paragraphs = 0;
  for (size_t i = 0; i < count; ++i) {
    const Paragraph& p = paragraphs[i];
    if (i >= trailer) {
      ReadNames(p, evidence);
      if (p.kind == Kind::kText && i > layout.comments) {
        ++comment_paragraphs;
      } else if (p.kind == Kind::kText && !p.list_item) {
        boundary_warnings.push_back(
            absl::StrCat("text in the trailer left out of body_text: ", QuotedExcerpt(p)));
      }
    } else if (p.kind == Kind::kByline) {
      bylines.push_back(&p);
    } else if (p.kind == Kind::kFurniture && i < layout.story) {
      ReadNames(p, evidence);
    } else if (p.kind == Kind::kFurniture && p.chrome) {
      boundary_warnings.push_back(absl::StrCat(
          "page furniture inside the story left out of body_text: ", QuotedExcerpt(p)));
    } else if (i > headline) {
      story.push_back(i);
      if (p.kind == Kind::kFurniture) {
        boundary_warnings.push_back(absl::StrCat(
            "line that looks like page furniture kept in body_text, since story text follows "
            "it: ",
            QuotedExcerpt(p)));
      }
    }
  }

  // The standfirst: the paragraph right after the headline (furniture aside), when more
  // story follows and it does not open with a dateline.
  size_t after_headline = headline + 1;
  while (after_headline < trailer && paragraphs[after_headline].kind == Kind::kFurniture) {
    ++after_headline;
  }
  if (story.size() >= 2 && story.front() == after_headline &&
      !ParseDateline(paragraphs[after_headline].FirstLine()).has_value()) {
    article.set_subheadline(paragraphs[after_headline].Joined());
    story.erase(story.begin());
  }

  if (!bylines.empty()) {
    article.set_byline(std::string(Trim(bylines.front()->FirstLine())));
    for (const std::string& name : bylines.front()->byline_names) {
      auto* author = article.add_authors();
      author->set_name(name);
      author->set_role("author");
    }
    for (size_t i = 1; i < bylines.size(); ++i) {
      warnings.push_back(absl::StrCat("more than one byline: using ", Quoted(article.byline()),
                                      ", ignoring ", Quoted(Trim(bylines[i]->FirstLine()))));
    }
  } else {
    warnings.emplace_back("no byline found: byline and authors left empty");
  }

  if (comment_paragraphs > 0) {
    boundary_warnings.push_back(
        absl::StrCat(comment_paragraphs, comment_paragraphs == 1 ? " paragraph" : " paragraphs",
                     " after ", QuotedExcerpt(paragraphs[layout.comments]),
                     " taken for readers' comments and left out of body_text"));
  }
  for (std::string& warning : boundary_warnings) warnings.push_back(std::move(warning));
  if (story.empty()) {
    warnings.emplace_back("no story paragraphs found: body_text left empty");
  } else {
    evidence.dateline = ParseDateline(paragraphs[story.front()].FirstLine());
    if (evidence.dateline.has_value()) article.set_dateline(evidence.dateline->place);
    article.set_body_text(BodyText(paragraphs, story));
  }

  article.mutable_attribution()->set_original_url(options.original_url);
  ResolveAttribution(evidence, options.source, article, warnings);
  warnings.emplace_back("no publication date read: published_at left unset");
  TabsToSpacesInOneLineFields(article);

  if (options.source != nullptr) article.set_source_id(options.source->id());
  article.set_external_id(
      !options.external_id.empty()
          ? options.external_id
          : StableExternalId(article.attribution().distributor(), article.headline()));
  AddProvenance(options, article);
  return result;
}

}  // namespace syndicate::ingest
