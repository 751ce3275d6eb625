#include "server/json_log.h"

#include <grpc/support/log.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace syndicate::server::log {
namespace {

// Appends `now` as RFC 3339 in UTC with microseconds, e.g. 2026-11-29T19:41:07.123456Z.
// The part up to the seconds is formatted once a second per thread.
void AppendTime(absl::Time now, std::string* out) {
  thread_local int64_t cached_second = -1;
  thread_local char cached[32] = {};
  const int64_t micros = absl::ToUnixMicros(now);
  int64_t second = micros / 1000000;
  int64_t fraction = micros % 1000000;
  if (fraction < 0) {
    fraction += 1000000;
    --second;
  }
  if (second != cached_second) {
    const std::time_t t = static_cast<std::time_t>(second);
    std::tm utc{};
    gmtime_r(&t, &utc);
    std::strftime(cached, sizeof(cached), "%Y-%m-%dT%H:%M:%S", &utc);
    cached_second = second;
  }
  char digits[8];
  std::snprintf(digits, sizeof(digits), ".%06d", static_cast<int>(fraction));
  absl::StrAppend(out, cached, digits, "Z");
}

// One write(2) of the whole line under a lock, so that lines of concurrent threads never
// interleave. Nothing is buffered: a line is out when this returns.
void WriteLine(absl::string_view line) {
  static std::mutex* const mu = new std::mutex();  // never destroyed, as logging may
                                                   // happen during static destruction
  std::lock_guard<std::mutex> lock(*mu);
  while (!line.empty()) {
    const ssize_t written = ::write(STDERR_FILENO, line.data(), line.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return;  // nowhere to report it
    }
    line.remove_prefix(static_cast<size_t>(written));
  }
}

void Write(absl::string_view level, absl::string_view msg, const Fields& fields) {
  std::string line;
  line.reserve(80 + msg.size() + fields.json().size());
  line.append("{\"time\":\"");
  AppendTime(absl::Now(), &line);
  absl::StrAppend(&line, "\",\"level\":\"", level, "\",\"msg\":", JsonString(msg), fields.json(),
                  "}\n");
  WriteLine(line);
}

// Length of the valid UTF-8 sequence at the start of `text`, or 0 when it is not one.
size_t Utf8SequenceLength(absl::string_view text) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(0);
  size_t length = 0;
  uint32_t code_point = 0;
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) {
    length = 2;
    code_point = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3;
    code_point = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4;
    code_point = lead & 0x07;
  } else {
    return 0;
  }
  if (text.size() < length) return 0;
  for (size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
    code_point = (code_point << 6) | (byte(i) & 0x3F);
  }
  static constexpr uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (code_point < kSmallest[length] || code_point > 0x10FFFF ||
      (code_point >= 0xD800 && code_point <= 0xDFFF)) {
    return 0;
  }
  return length;
}

}  // namespace

std::string JsonString(absl::string_view text) {
  std::string out = "\"";
  while (!text.empty()) {
    const unsigned char c = static_cast<unsigned char>(text.front());
    if (c == '"' || c == '\\') {
      absl::StrAppend(&out, "\\", absl::string_view(text.data(), 1));
    } else if (c < 0x20 || c == 0x7F) {
      absl::StrAppend(&out, absl::StrFormat("\\u%04x", c));
    } else if (c >= 0x80) {
      const size_t length = Utf8SequenceLength(text);
      if (length == 0) {
        out += "\xEF\xBF\xBD";  // U+FFFD for a byte that starts no valid sequence
        text.remove_prefix(1);
        continue;
      }
      out.append(text.data(), length);
      text.remove_prefix(length);
      continue;
    } else {
      out.push_back(static_cast<char>(c));
    }
    text.remove_prefix(1);
  }
  out.push_back('"');
  return out;
}

Fields& Fields::Add(absl::string_view key, absl::string_view value) {
  absl::StrAppend(&json_, ",", JsonString(key), ":", JsonString(value));
  return *this;
}

Fields& Fields::Add(absl::string_view key, int64_t value) {
  absl::StrAppend(&json_, ",", JsonString(key), ":", value);
  return *this;
}

Fields& Fields::Add(absl::string_view key, uint64_t value) {
  absl::StrAppend(&json_, ",", JsonString(key), ":", value);
  return *this;
}

Fields& Fields::Add(absl::string_view key, double value) {
  // JSON has no NaN or infinities.
  if (!std::isfinite(value)) return Add(key, absl::string_view("NaN"));
  absl::StrAppend(&json_, ",", JsonString(key), ":", absl::StrFormat("%.6g", value));
  return *this;
}

void RouteGrpcLogs() {
  gpr_set_log_function([](gpr_log_func_args* args) {
    const Fields fields = Fields()
                              .Add("source", "grpc")
                              .Add("file", args->file == nullptr ? "" : args->file)
                              .Add("line", args->line);
    const char* message = args->message == nullptr ? "" : args->message;
    switch (args->severity) {
      case GPR_LOG_SEVERITY_ERROR:
        Error(message, fields);
        break;
      case GPR_LOG_SEVERITY_INFO:
      case GPR_LOG_SEVERITY_DEBUG:
        Info(message, fields);
        break;
    }
  });
}

void Info(absl::string_view msg, const Fields& fields) { Write("info", msg, fields); }

void Warning(absl::string_view msg, const Fields& fields) { Write("warning", msg, fields); }

void Error(absl::string_view msg, const Fields& fields) { Write("error", msg, fields); }

}  // namespace syndicate::server::log
