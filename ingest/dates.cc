#include "ingest/dates.h"

#include <array>
#include <cstdint>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace syndicate::ingest::internal {
namespace {

// A cursor over the date text: digits, words and punctuation, skipping spaces.
class Scanner {
 public:
  explicit Scanner(absl::string_view text) : rest_(text) {}

  void SkipSpaces() {
    while (!rest_.empty() && (absl::ascii_isspace(rest_[0]) || rest_[0] == ',')) {
      rest_.remove_prefix(1);
    }
  }
  bool Done() {
    SkipSpaces();
    return rest_.empty();
  }
  // Up to `max` digits (at least one); their count in `digits`.
  std::optional<int> Number(int max, int* digits = nullptr) {
    int value = 0;
    int n = 0;
    while (n < max && n < static_cast<int>(rest_.size()) && absl::ascii_isdigit(rest_[n])) {
      value = value * 10 + (rest_[n] - '0');
      ++n;
    }
    if (n == 0) return std::nullopt;
    rest_.remove_prefix(n);
    if (digits != nullptr) *digits = n;
    return value;
  }
  absl::string_view Word() {
    size_t n = 0;
    while (n < rest_.size() && absl::ascii_isalpha(rest_[n])) ++n;
    absl::string_view word = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return word;
  }
  bool Consume(char c) { return absl::ConsumePrefix(&rest_, absl::string_view(&c, 1)); }
  char Peek() const { return rest_.empty() ? '\0' : rest_[0]; }
  absl::string_view rest() const { return rest_; }

 private:
  absl::string_view rest_;
};

std::optional<int> MonthFromName(absl::string_view word) {
  static constexpr std::array<absl::string_view, 12> kMonths = {
      "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  if (word.size() < 3) return std::nullopt;
  for (size_t i = 0; i < kMonths.size(); ++i) {
    if (absl::StartsWithIgnoreCase(word, kMonths[i])) return static_cast<int>(i) + 1;
  }
  return std::nullopt;
}

// Offset east of UTC in minutes for a zone name of RFC 5322 §4.3.
std::optional<int> ZoneNameOffset(absl::string_view name) {
  struct Zone {
    absl::string_view name;
    int minutes;
  };
  static constexpr std::array<Zone, 11> kZones = {{{"UT", 0},
                                                   {"UTC", 0},
                                                   {"GMT", 0},
                                                   {"Z", 0},
                                                   {"EST", -5 * 60},
                                                   {"EDT", -4 * 60},
                                                   {"CST", -6 * 60},
                                                   {"CDT", -5 * 60},
                                                   {"MST", -7 * 60},
                                                   {"MDT", -6 * 60},
                                                   {"PST", -8 * 60}}};
  for (const Zone& zone : kZones) {
    if (absl::EqualsIgnoreCase(name, zone.name)) return zone.minutes;
  }
  if (absl::EqualsIgnoreCase(name, "PDT")) return -7 * 60;
  return std::nullopt;
}

// "+0200", "-05:00", "+02", after the sign. Minutes east of UTC.
std::optional<int> NumericOffset(Scanner& s) {
  const char sign = s.Peek();
  if (sign != '+' && sign != '-') return std::nullopt;
  s.Consume(sign);
  int digits = 0;
  std::optional<int> first = s.Number(4, &digits);
  if (!first.has_value()) return std::nullopt;
  int hours = 0;
  int minutes = 0;
  if (digits == 4) {
    hours = *first / 100;
    minutes = *first % 100;
  } else if (digits == 2) {
    hours = *first;
    if (s.Consume(':')) {
      std::optional<int> m = s.Number(2);
      if (!m.has_value()) return std::nullopt;
      minutes = *m;
    }
  } else {
    return std::nullopt;
  }
  if (hours > 23 || minutes > 59) return std::nullopt;
  const int total = hours * 60 + minutes;
  return sign == '-' ? -total : total;
}

// Optional zone after the time: an offset or a name. nullopt in `offset` when none.
bool ReadZone(Scanner& s, std::optional<int>& offset) {
  s.SkipSpaces();
  if (s.Peek() == '+' || s.Peek() == '-') {
    offset = NumericOffset(s);
    return offset.has_value();
  }
  if (absl::ascii_isalpha(s.Peek())) {
    const absl::string_view word = s.Word();
    offset = ZoneNameOffset(word);
    if (!offset.has_value()) return false;
    // "GMT+2" style: a name followed by an offset.
    if (s.Peek() == '+' || s.Peek() == '-') {
      std::optional<int> extra = NumericOffset(s);
      if (!extra.has_value()) return false;
      *offset += *extra;
    }
    return true;
  }
  return true;
}

// HH:MM[:SS[.fraction]]
bool ReadTime(Scanner& s, int& hour, int& minute, int& second, absl::Duration& fraction) {
  std::optional<int> h = s.Number(2);
  if (!h.has_value() || !s.Consume(':')) return false;
  std::optional<int> m = s.Number(2);
  if (!m.has_value()) return false;
  hour = *h;
  minute = *m;
  second = 0;
  fraction = absl::ZeroDuration();
  if (s.Consume(':')) {
    std::optional<int> sec = s.Number(2);
    if (!sec.has_value()) return false;
    second = *sec;
    if (s.Consume('.') || s.Consume(',')) {
      int64_t nanos = 0;
      int digits = 0;
      while (absl::ascii_isdigit(s.Peek())) {
        if (digits < 9) nanos = nanos * 10 + (s.Peek() - '0');
        ++digits;
        s.Consume(s.Peek());
      }
      if (digits == 0) return false;
      for (int i = digits; i < 9; ++i) nanos *= 10;
      fraction = absl::Nanoseconds(nanos);
    }
  }
  return hour <= 24 && minute <= 59 && second <= 60;
}

std::optional<ParsedDate> Finish(int year, int month, int day, int hour, int minute, int second,
                                 absl::Duration fraction, std::optional<int> offset,
                                 absl::TimeZone default_zone) {
  if (month < 1 || month > 12 || day < 1 || day > 31) return std::nullopt;
  const absl::CivilSecond civil(year, month, day, hour, minute, second == 60 ? 59 : second);
  // CivilSecond normalizes 31 February into March: refuse instead.
  if (civil.month() != month || civil.day() != day) return std::nullopt;
  ParsedDate parsed;
  if (offset.has_value()) {
    parsed.time = absl::FromCivil(civil, absl::UTCTimeZone()) - absl::Minutes(*offset);
  } else {
    parsed.time = absl::FromCivil(civil, default_zone);
    parsed.zone_assumed = true;
  }
  parsed.time += fraction;
  return parsed;
}

std::optional<ParsedDate> ParseIso(absl::string_view text, absl::TimeZone default_zone) {
  Scanner s(text);
  int digits = 0;
  std::optional<int> year = s.Number(4, &digits);
  if (!year.has_value() || digits != 4 || !s.Consume('-')) return std::nullopt;
  std::optional<int> month = s.Number(2);
  if (!month.has_value() || !s.Consume('-')) return std::nullopt;
  std::optional<int> day = s.Number(2);
  if (!day.has_value()) return std::nullopt;
  int hour = 0, minute = 0, second = 0;
  absl::Duration fraction;
  std::optional<int> offset;
  if (s.Consume('T') || s.Consume('t') || s.Consume(' ')) {
    s.SkipSpaces();
    if (!ReadTime(s, hour, minute, second, fraction)) return std::nullopt;
    if (!ReadZone(s, offset)) return std::nullopt;
  } else {
    // A date alone: midnight, in the default zone.
  }
  if (!s.Done()) return std::nullopt;
  return Finish(*year, *month, *day, hour, minute, second, fraction, offset, default_zone);
}

std::optional<ParsedDate> ParseRfc822(absl::string_view text, absl::TimeZone default_zone) {
  Scanner s(text);
  s.SkipSpaces();
  if (absl::ascii_isalpha(s.Peek())) {
    s.Word();  // the day name
    s.SkipSpaces();
  }
  std::optional<int> day = s.Number(2);
  if (!day.has_value()) return std::nullopt;
  s.SkipSpaces();
  s.Consume('-');
  std::optional<int> month = MonthFromName(s.Word());
  if (!month.has_value()) return std::nullopt;
  s.SkipSpaces();
  s.Consume('-');
  int digits = 0;
  std::optional<int> year = s.Number(4, &digits);
  if (!year.has_value()) return std::nullopt;
  if (digits == 2) {
    *year += *year >= 50 ? 1900 : 2000;
  } else if (digits == 3) {
    *year += 1900;
  }
  int hour = 0, minute = 0, second = 0;
  absl::Duration fraction;
  std::optional<int> offset;
  s.SkipSpaces();
  if (!s.Done()) {
    if (!ReadTime(s, hour, minute, second, fraction)) return std::nullopt;
    if (!ReadZone(s, offset)) return std::nullopt;
  }
  if (!s.Done()) return std::nullopt;
  return Finish(*year, *month, *day, hour, minute, second, fraction, offset, default_zone);
}

}  // namespace

std::optional<ParsedDate> ParseDate(absl::string_view text, absl::TimeZone default_zone) {
  text = absl::StripAsciiWhitespace(text);
  if (text.empty()) return std::nullopt;
  if (text.size() >= 5 && absl::ascii_isdigit(text[0]) && absl::ascii_isdigit(text[3]) &&
      text[4] == '-') {
    return ParseIso(text, default_zone);
  }
  return ParseRfc822(text, default_zone);
}

}  // namespace syndicate::ingest::internal
