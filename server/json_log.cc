#include "server/json_log.h"

#include <grpc/support/log.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cmath>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace syndicate::server::log {
namespace {

spdlog::logger& Logger() {
  // Made on first use and never destroyed, so that logging works during static destruction
  // and from threads that outlive main.
  static spdlog::logger* const logger = [] {
    auto* made =
        new spdlog::logger("syndicated", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    // spdlog puts the time and level; the message is `"msg":…` and the fields.
    made->set_formatter(std::make_unique<spdlog::pattern_formatter>(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l",%v})", spdlog::pattern_time_type::utc));
    made->set_level(spdlog::level::info);
    made->flush_on(spdlog::level::info);
    return made;
  }();
  return *logger;
}

void Write(spdlog::level::level_enum level, absl::string_view msg, const Fields& fields) {
  const std::string line = absl::StrCat("\"msg\":", JsonString(msg), fields.json());
  Logger().log(level, spdlog::string_view_t(line.data(), line.size()));
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

void Info(absl::string_view msg, const Fields& fields) { Write(spdlog::level::info, msg, fields); }

void Warning(absl::string_view msg, const Fields& fields) {
  Write(spdlog::level::warn, msg, fields);
}

void Error(absl::string_view msg, const Fields& fields) { Write(spdlog::level::err, msg, fields); }

}  // namespace syndicate::server::log
