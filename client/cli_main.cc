// syndicate: the command-line client of syndicated. See README.md ("The syndicate CLI").
//
// Exit codes: 0 success, 1 an error reported by the server or found in the input
// (including an import where some files failed), 2 a usage error.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <stop_token>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "client/client.h"
#include "client/error_info.h"
#include "client/feed_status.h"
#include "client/json.h"
#include "client/usage_report.h"
#include "common/timestamps.h"
#include "common/utf8.h"
#include "ingest/importer.h"

namespace {

using syndicate::client::Client;

constexpr int kExitOk = 0;
constexpr int kExitError = 1;
constexpr int kExitUsage = 2;

// A value as it is, or quoted and escaped when it holds spaces, quotes or control characters.
std::string PlainOrQuoted(const std::string& value) {
  const bool plain = !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
    return static_cast<unsigned char>(c) > 0x20 && c != 0x7F && c != '"' && c != '\\';
  });
  return plain ? value : syndicate::QuoteForMessage(value);
}

// Prints "syndicate: CODE: message", then the reason and metadata of an ErrorInfo the
// server attached, e.g. "syndicate: CURSOR_EXPIRED: head_cursor=… oldest_cursor=…".
int Report(const absl::Status& status) {
  std::cerr << "syndicate: " << absl::StatusCodeToString(status.code()) << ": " << status.message()
            << "\n";
  if (std::optional<google::rpc::ErrorInfo> info = syndicate::client::GetErrorInfo(status)) {
    std::cerr << "syndicate: " << PlainOrQuoted(info->reason()) << ":";
    // Sorted, so the line is the same every time.
    const std::map<std::string, std::string> metadata(info->metadata().begin(),
                                                      info->metadata().end());
    for (const auto& [key, value] : metadata) {
      std::cerr << " " << PlainOrQuoted(key) << "=" << PlainOrQuoted(value);
    }
    std::cerr << "\n";
  }
  return kExitError;
}

int Usage(absl::string_view message) {
  std::cerr << "syndicate: " << message << "\n";
  return kExitUsage;
}

// Options of the import and convert commands.
struct ImportFlags {
  std::string format = "auto";
  std::string external_id;
  std::string original_url;
  std::string url;
  std::vector<std::string> files;
};

// A URL flag must be an absolute http(s) URL; the server checks the rest of its shape.
absl::Status CheckUrlFlag(absl::string_view flag, const std::string& url) {
  const bool http =
      absl::StartsWithIgnoreCase(url, "http://") || absl::StartsWithIgnoreCase(url, "https://");
  const bool clean = std::none_of(url.begin(), url.end(), [](char c) {
    return static_cast<unsigned char>(c) <= 0x20 || c == 0x7F;
  });
  if (!url.empty() && (!http || !clean || url.find("://") + 3 == url.size())) {
    return absl::InvalidArgumentError(absl::StrCat(flag, ": ", syndicate::QuoteForMessage(url),
                                                   " is not an absolute http(s) URL"));
  }
  return absl::OkStatus();
}

// The checks every import and convert makes of its flags before reading a file.
absl::Status CheckImportFlags(const ImportFlags& flags) {
  if (absl::StatusOr<syndicate::ingest::Format> format =
          syndicate::ingest::ParseFormatName(flags.format);
      !format.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--", format.status().message()));
  }
  const bool per_story_flag =
      !flags.external_id.empty() || !flags.original_url.empty() || !flags.url.empty();
  if (per_story_flag && flags.files.size() > 1) {
    return absl::InvalidArgumentError(
        "--external-id, --original-url and --url describe one story: give one FILE");
  }
  if (absl::Status url = CheckUrlFlag("--url", flags.url); !url.ok()) return url;
  return CheckUrlFlag("--original-url", flags.original_url);
}

// The files named on the command line, each directory replaced by the regular files in
// it (not its subdirectories; names starting with "." skipped), sorted by name. Other
// paths are kept as given, for ReadInputFile to judge. INVALID_ARGUMENT for a directory
// holding no file.
absl::StatusOr<std::vector<std::string>> ExpandInputs(const std::vector<std::string>& inputs) {
  std::vector<std::string> files;
  for (const std::string& input : inputs) {
    std::error_code error;
    if (!std::filesystem::is_directory(input, error)) {
      files.push_back(input);
      continue;
    }
    std::vector<std::string> found;
    for (const auto& entry : std::filesystem::directory_iterator(input, error)) {
      const std::string name = entry.path().filename().string();
      std::error_code type_error;
      if (!absl::StartsWith(name, ".") && entry.is_regular_file(type_error)) {
        found.push_back(entry.path().string());
      }
    }
    if (error) return absl::NotFoundError(absl::StrCat(input, ": cannot be read"));
    if (found.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(input, ": the directory holds no file"));
    }
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

// Reads `path` and runs the importer on it; prints the warnings to stderr, prefixed by the
// file name and, for an item of a feed, its label.
absl::StatusOr<syndicate::ingest::ImportResult> ImportFile(const std::string& path,
                                                           const ImportFlags& flags,
                                                           const syndication::v1::Source* source) {
  absl::StatusOr<std::string> bytes = syndicate::client::ReadInputFile(path);
  if (!bytes.ok()) return bytes.status();
  syndicate::ingest::ImportOptions options;
  options.format = *syndicate::ingest::ParseFormatName(flags.format);
  options.source = source;
  options.external_id = flags.external_id;
  options.original_url = flags.original_url;
  options.base_url = flags.url;
  options.file_name = path;
  auto result = syndicate::ingest::Import(*bytes, options);
  if (!result.ok()) {
    return absl::Status(result.status().code(),
                        absl::StrCat(path, ": ", result.status().message()));
  }
  for (const std::string& warning : result->warnings) {
    std::cerr << "syndicate: warning: " << path << ": " << warning << "\n";
  }
  for (const syndicate::ingest::ImportedItem& item : result->items) {
    const std::string where = item.label == "page" ? path : absl::StrCat(path, ": ", item.label);
    for (const std::string& warning : item.warnings) {
      std::cerr << "syndicate: warning: " << where << ": " << warning << "\n";
    }
  }
  return result;
}

// The convert command: every item of every file as pretty JSON on stdout, in order.
int RunConvert(const ImportFlags& flags, const syndication::v1::Source* source) {
  absl::StatusOr<std::vector<std::string>> files = ExpandInputs(flags.files);
  if (!files.ok()) return Report(files.status());
  int exit_code = kExitOk;
  for (const std::string& path : *files) {
    auto result = ImportFile(path, flags, source);
    if (!result.ok()) {
      exit_code = Report(result.status());
      continue;
    }
    for (const syndicate::ingest::ImportedItem& item : result->items) {
      if (!item.status.ok()) {
        exit_code = Report(
            absl::Status(item.status.code(), absl::StrCat(path, ": ", item.status.message())));
        continue;
      }
      std::cout << syndicate::client::ToJson(item.article, /*pretty=*/true) << "\n";
    }
  }
  return exit_code;
}

// A progress bar on stderr, drawn only when stdout and stderr are both a terminal: none in
// pipes, logs or tests. Redrawn in place; Clear() removes it before other output.
class ProgressBar {
 public:
  explicit ProgressBar(size_t files)
      : files_(files), shown_(isatty(STDOUT_FILENO) == 1 && isatty(STDERR_FILENO) == 1) {}
  void Update(size_t files_done, size_t items_done) {
    if (!shown_) return;
    constexpr size_t kWidth = 30;
    const size_t filled = files_ == 0 ? kWidth : kWidth * files_done / files_;
    std::cerr << "\r[" << std::string(filled, '#') << std::string(kWidth - filled, '-') << "] "
              << files_done << "/" << files_ << " files, " << items_done << " items" << std::flush;
    drawn_ = true;
  }
  void Clear() {
    if (drawn_) std::cerr << "\r\033[K" << std::flush;
    drawn_ = false;
  }

 private:
  size_t files_;
  bool shown_;
  bool drawn_ = false;
};

const char* OutcomeWord(syndication::v1::PublishArticleResponse::Outcome outcome) {
  switch (outcome) {
    case syndication::v1::PublishArticleResponse::OUTCOME_CREATED:
      return "created";
    case syndication::v1::PublishArticleResponse::OUTCOME_UPDATED:
      return "updated";
    case syndication::v1::PublishArticleResponse::OUTCOME_UNCHANGED:
      return "unchanged";
    default:
      return "unknown";
  }
}

// "CANCELED" for PUB_STATUS_CANCELED, and so on.
std::string PubStatusWord(syndication::v1::PubStatus status) {
  const std::string& name = syndication::v1::PubStatus_Name(status);
  return std::string(absl::StripPrefix(name, "PUB_STATUS_"));
}

bool IsTombstone(const syndication::v1::Article& article) {
  return article.pubstatus() == syndication::v1::PUB_STATUS_WITHHELD ||
         article.pubstatus() == syndication::v1::PUB_STATUS_CANCELED;
}

// Parses `value` of `flag` as an RFC 3339 time into `out`; a usage error naming the flag
// otherwise.
absl::Status ParseTimeFlag(absl::string_view flag, const std::string& value,
                           google::protobuf::Timestamp* out) {
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, value, &time, &error)) {
    return absl::InvalidArgumentError(absl::StrCat(flag, ": ", syndicate::QuoteForMessage(value),
                                                   " is not an RFC 3339 time such as "
                                                   "2026-03-01T12:00:00Z"));
  }
  *out = syndicate::ToTimestamp(time);
  return absl::OkStatus();
}

// What an import did, for the summary that ends it.
struct ImportTally {
  int created = 0;
  int updated = 0;
  int unchanged = 0;
  int withdrawn = 0;
  std::vector<std::string> failures;  // one reason per failed file or item
};

// The stories of `source_id` (withdrawn ones too) by external_id, read page by page: a
// feed's tombstone names a story by its external_id, a withdrawal by its id.
absl::StatusOr<std::map<std::string, syndication::v1::Article>> StoriesByExternalId(
    Client& client, const std::string& source_id) {
  std::map<std::string, syndication::v1::Article> stories;
  syndication::v1::ListArticlesRequest request;
  request.add_source_ids(source_id);
  request.set_show_withdrawn(true);
  request.set_page_size(500);
  do {
    auto page = client.ListArticles(request);
    if (!page.ok()) return page.status();
    for (const auto& article : page->articles()) stories.emplace(article.external_id(), article);
    request.set_page_token(page->next_page_token());
  } while (!request.page_token().empty());
  return stories;
}

// The import command: publishes each item of each file, withdraws the stories a feed's
// tombstones name, prints one line per item ("created|updated|unchanged|withdrawn ID vN
// FILE [ITEM]"), a progress bar on a terminal, and a summary on stderr.
int RunImport(Client& client, const ImportFlags& flags, const syndication::v1::Source& source) {
  absl::StatusOr<std::vector<std::string>> files = ExpandInputs(flags.files);
  if (!files.ok()) return Report(files.status());
  ImportTally tally;
  ProgressBar bar(files->size());
  std::optional<std::map<std::string, syndication::v1::Article>> stories;
  size_t items_done = 0;
  bool unreachable = false;
  const auto fail = [&](const absl::Status& status) {
    bar.Clear();
    Report(status);
    tally.failures.emplace_back(status.message());
    if (absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status)) unreachable = true;
  };
  for (size_t f = 0; f < files->size() && !unreachable; ++f) {
    const std::string& path = (*files)[f];
    bar.Update(f, items_done);
    bar.Clear();
    auto result = ImportFile(path, flags, &source);
    if (!result.ok()) {
      fail(result.status());
      continue;
    }
    for (const syndicate::ingest::ImportedItem& item : result->items) {
      if (unreachable) break;
      ++items_done;
      bar.Update(f, items_done);
      const std::string where = item.label == "page" ? path : absl::StrCat(path, " ", item.label);
      if (!item.status.ok()) {
        fail(absl::Status(item.status.code(), absl::StrCat(path, ": ", item.status.message())));
        continue;
      }
      const std::string outcome_where =
          item.label == "page" ? path : absl::StrCat(path, ": ", item.label);
      if (item.kind == syndicate::ingest::ImportedItem::Kind::kWithdrawal) {
        if (!stories.has_value()) {
          auto listed = StoriesByExternalId(client, source.id());
          if (!listed.ok()) {
            fail(absl::Status(listed.status().code(),
                              absl::StrCat(outcome_where, ": ", listed.status().message())));
            continue;
          }
          stories = *std::move(listed);
        }
        auto found = stories->find(item.article.external_id());
        bar.Clear();
        if (found == stories->end() || IsTombstone(found->second)) {
          ++tally.unchanged;
          std::cout << "unchanged " << (found == stories->end() ? "-" : found->second.id())
                    << " (nothing to withdraw) " << where << "\n";
          continue;
        }
        auto withdrawn = client.WithdrawArticle(
            found->second.id(), item.article.withdrawal_reason(),
            item.article.pubstatus() == syndication::v1::PUB_STATUS_CANCELED, "", "");
        if (!withdrawn.ok()) {
          fail(absl::Status(withdrawn.status().code(),
                            absl::StrCat(outcome_where, ": ", withdrawn.status().message())));
          continue;
        }
        found->second = withdrawn->article();
        ++tally.withdrawn;
        std::cout << "withdrawn " << withdrawn->article().id() << " v"
                  << withdrawn->article().version() << " " << where << "\n";
        continue;
      }
      auto published = client.PublishArticle(item.article);
      if (!published.ok()) {
        fail(absl::Status(published.status().code(),
                          absl::StrCat(outcome_where, ": ", published.status().message())));
        continue;
      }
      switch (published->outcome()) {
        case syndication::v1::PublishArticleResponse::OUTCOME_CREATED:
          ++tally.created;
          break;
        case syndication::v1::PublishArticleResponse::OUTCOME_UPDATED:
          ++tally.updated;
          break;
        default:
          ++tally.unchanged;
          break;
      }
      if (stories.has_value()) (*stories)[item.article.external_id()] = published->article();
      bar.Clear();
      std::cout << OutcomeWord(published->outcome()) << " " << published->article().id() << " v"
                << published->article().version() << " " << where << "\n";
    }
    bar.Update(f + 1, items_done);
  }
  bar.Clear();
  if (unreachable) {
    std::cerr << "syndicate: stopping: the server is unreachable; the remaining items were not "
                 "attempted\n";
  }
  std::cerr << "syndicate: summary: " << tally.created << " created, " << tally.updated
            << " updated, " << tally.unchanged << " unchanged, " << tally.withdrawn
            << " withdrawn, " << tally.failures.size() << " failed\n";
  for (const std::string& reason : tally.failures) {
    std::cerr << "syndicate:   failed: " << reason << "\n";
  }
  return tally.failures.empty() ? kExitOk : kExitError;
}

// One line per story, for people: id, version, time, then the credit line and headline, or
// for a tombstone its pubstatus and reason. The time is the list time, or version_created
// when the list is in that order.
void PrintBrief(const syndication::v1::ListArticlesResponse& page, bool by_version_created) {
  for (const syndication::v1::Article& article : page.articles()) {
    const auto& when = by_version_created           ? article.version_created()
                       : article.has_published_at() ? article.published_at()
                                                    : article.first_created();
    std::cout << article.id() << "  v" << article.version() << "  "
              << absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(when.seconds()),
                                  absl::UTCTimeZone())
              << "  ";
    if (IsTombstone(article)) {
      std::cout << PubStatusWord(article.pubstatus()) << ": " << article.withdrawal_reason();
    } else {
      std::cout << "[" << article.attribution().credit_line() << "]  " << article.headline();
    }
    std::cout << "\n";
  }
  if (!page.next_page_token().empty()) {
    std::cout << "next page: --page-token=" << page.next_page_token() << "\n";
  }
}

// Checks `article`'s signatures and prints the verdict on `out`: "signature: valid (key K)"
// (with ", publisher key P" when its Source's key was checked too) and returns kExitOk, or
// "signature: invalid: REASON" and returns kExitError. When the check could not be made
// (the server could not be asked for its keys or the source), reports that error instead.
int VerifyAndPrint(Client& client, const syndication::v1::Article& article, std::ostream& out) {
  std::optional<syndication::v1::Source> source;
  if (article.has_publisher_signature() && !IsTombstone(article)) {
    auto found = client.GetSource(article.source_id());
    if (!found.ok() && !absl::IsNotFound(found.status())) return Report(found.status());
    // A source that is gone cannot vouch for the signature; the service's still can.
    if (found.ok()) source = *std::move(found);
  }
  const absl::Status verified =
      client.VerifyArticle(article, source.has_value() ? &*source : nullptr);
  if (absl::IsInvalidArgument(verified)) {
    out << "signature: invalid: " << verified.message() << std::endl;
    return kExitError;
  }
  if (!verified.ok()) return Report(verified);
  out << "signature: valid (key " << article.signature().key_id();
  if (source.has_value() && !source->publisher_public_key().empty()) {
    out << ", publisher key " << article.publisher_signature().key_id();
  }
  out << ")" << std::endl;
  return kExitOk;
}

// The stream command's flags.
struct StreamFlags {
  std::string from;
  std::string after;
  std::vector<std::string> sources;
  std::vector<std::string> languages;
  std::vector<std::string> subjects;
  std::string heartbeat;
  std::string cursor_file;
  int64_t limit = 0;
};

// The signals that stop a stream, and the one that tells the waiting thread to quit.
sigset_t StreamSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGUSR1);
  return signals;
}

// Turns SIGINT and SIGTERM into a stop request. StreamSignals() must be blocked in every
// thread first (before gRPC starts any), so that only the sigwait here receives them:
// stopping takes locks, which a signal handler must not.
class StopOnSignal {
 public:
  explicit StopOnSignal(std::stop_source stop)
      : thread_([stop = std::move(stop)]() mutable {
          const sigset_t signals = StreamSignals();
          int signal_number = 0;
          sigwait(&signals, &signal_number);
          if (signal_number != SIGUSR1) stop.request_stop();
        }) {}
  StopOnSignal(const StopOnSignal&) = delete;
  StopOnSignal& operator=(const StopOnSignal&) = delete;
  // Wakes the thread if no signal came, and joins it.
  ~StopOnSignal() {
    pthread_kill(thread_.native_handle(), SIGUSR1);
    thread_.join();
  }

 private:
  std::thread thread_;
};

// Paths are quoted whole in messages (up to PATH_MAX), where values are cut at 80 bytes.
constexpr size_t kMaxPathInMessage = 4096;

// Checks, before anything is streamed, that the cursor file can be written: its directory
// exists and this user may create files in it. A usage error naming --cursor-file if not.
std::optional<std::string> CursorFileDirectoryProblem(const std::string& cursor_file) {
  const std::filesystem::path file(cursor_file);
  const std::filesystem::path directory = file.has_parent_path() ? file.parent_path() : ".";
  const std::string named = absl::StrCat(
      "--cursor-file ", syndicate::QuoteForMessage(cursor_file, kMaxPathInMessage),
      ": the directory ", syndicate::QuoteForMessage(directory.string(), kMaxPathInMessage));
  std::error_code error;
  const std::filesystem::file_status status = std::filesystem::status(directory, error);
  if (status.type() == std::filesystem::file_type::not_found) {
    return absl::StrCat(named, " does not exist");
  }
  if (error) return absl::StrCat(named, " cannot be read: ", error.message());
  if (!std::filesystem::is_directory(status)) return absl::StrCat(named, " is not a directory");
  if (access(directory.c_str(), W_OK | X_OK) != 0) {
    return absl::StrCat(named, " is not writable: ", std::strerror(errno));
  }
  return std::nullopt;
}

// What `cursor_file` holds, without surrounding white space: "" when it does not exist, is
// not a regular file or cannot be read (Subscribe reports those itself). At most 4 KiB.
std::string CursorFileContent(const std::string& cursor_file) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(cursor_file, error)) return "";
  std::ifstream in(cursor_file, std::ios::binary);
  std::string content(4097, '\0');
  in.read(content.data(), static_cast<std::streamsize>(content.size()));
  content.resize(static_cast<size_t>(in.gcount()));
  return std::string(absl::StripAsciiWhitespace(content));
}

// Runs `syndicate stream`: one response a line on stdout until a signal, --limit events, or
// an error the client does not recover from.
int RunStream(Client& client, const StreamFlags& flags) {
  // The cursor file replaces the start, so a bad one is reported as the file's fault.
  std::string file_cursor;
  if (!flags.cursor_file.empty()) {
    if (std::optional<std::string> problem = CursorFileDirectoryProblem(flags.cursor_file)) {
      return Usage(*problem);
    }
    file_cursor = CursorFileContent(flags.cursor_file);
  }
  syndicate::client::SubscribeOptions options;
  syndication::v1::StreamArticlesRequest& request = options.request;
  if (!flags.after.empty()) {
    request.set_after_cursor(flags.after);
  } else {
    request.set_position(flags.from == "now"
                             ? syndication::v1::StreamArticlesRequest::POSITION_NOW
                             : syndication::v1::StreamArticlesRequest::POSITION_BEGINNING);
  }
  for (const std::string& id : flags.sources) request.add_source_ids(id);
  for (const std::string& tag : flags.languages) request.add_languages(tag);
  for (const std::string& code : flags.subjects) request.add_subject_codes(code);
  if (!flags.heartbeat.empty()) {
    absl::Duration interval;
    if (!absl::ParseDuration(flags.heartbeat, &interval)) {
      return Usage(absl::StrCat("--heartbeat: ", syndicate::QuoteForMessage(flags.heartbeat),
                                " is not a duration such as 15s or 1m"));
    }
    const int64_t nanos = absl::ToInt64Nanoseconds(interval);
    request.mutable_heartbeat_interval()->set_seconds(nanos / 1000000000);
    request.mutable_heartbeat_interval()->set_nanos(static_cast<int32_t>(nanos % 1000000000));
  }
  options.cursor_file = flags.cursor_file;
  options.on_reconnect = [](const absl::Status& status, absl::Duration delay) {
    std::cerr << "syndicate: stream interrupted: " << absl::StatusCodeToString(status.code())
              << ": " << status.message() << "; reconnecting in "
              << absl::FormatDuration(absl::Trunc(delay, absl::Milliseconds(1))) << std::endl;
  };

  std::stop_source stop;
  int64_t events = 0;
  bool handled_any = false;
  absl::Status status;
  {
    StopOnSignal stop_on_signal(stop);
    status = client.Subscribe(
        options,
        [&](const syndication::v1::StreamArticlesResponse& response) {
          std::cout << syndicate::client::ToJson(response, /*pretty=*/false) << std::endl;
          // Not handled, so a --cursor-file keeps pointing before it.
          if (!std::cout) {
            const int error = errno;
            return error != 0 ? absl::ErrnoToStatus(error, "stdout: cannot write")
                              : absl::UnknownError("stdout: cannot write");
          }
          handled_any = true;
          if (response.has_event() && ++events == flags.limit) stop.request_stop();
          return absl::OkStatus();
        },
        stop.get_token());
  }
  if (!status.ok()) {
    // The server refused the file's cursor before the stream delivered anything.
    if (!file_cursor.empty() && !handled_any &&
        status.code() == absl::StatusCode::kInvalidArgument &&
        absl::StartsWith(status.message(), "after_cursor:")) {
      std::cerr << "syndicate: --cursor-file "
                << syndicate::QuoteForMessage(flags.cursor_file, kMaxPathInMessage) << ": holds "
                << syndicate::QuoteForMessage(file_cursor)
                << ", which is not a cursor; delete the file to start from "
                << (flags.after.empty() ? "--from" : "--after") << "\n";
      return kExitError;
    }
    Report(status);
    const std::optional<google::rpc::ErrorInfo> info = syndicate::client::GetErrorInfo(status);
    if (syndicate::client::HasErrorReason(status, syndicate::client::kCursorExpired) &&
        info->metadata().contains("head_cursor")) {
      std::cerr << "syndicate: events were missed: re-sync with `syndicate list "
                   "--order-by=version_created --show-withdrawn --updated-after=TIME` (TIME: "
                   "when this stream last had everything), then "
                << (flags.cursor_file.empty() || !std::filesystem::exists(flags.cursor_file)
                        ? ""
                        : absl::StrCat("remove ", PlainOrQuoted(flags.cursor_file), " and "))
                << "stream --after=" << PlainOrQuoted(info->metadata().at("head_cursor")) << "\n";
    }
    return kExitError;
  }
  return kExitOk;
}

// The client of --server, sending the key in `api_key_file` (when given) with every call.
// Errors name the flag: the key file unreadable or empty (INVALID_ARGUMENT or the errno's
// code), an empty server (INVALID_ARGUMENT).
// TLS files of the CLI; all empty for plaintext.
struct TlsFlags {
  std::string ca;
  std::string cert;
  std::string key;
};

absl::StatusOr<std::unique_ptr<Client>> Connect(const std::string& server,
                                                const std::string& api_key_file,
                                                const TlsFlags& tls) {
  syndicate::client::ClientOptions options;
  options.server = server;
  if (tls.ca.empty() && !(tls.cert.empty() && tls.key.empty())) {
    return absl::InvalidArgumentError("--tls-cert and --tls-key: need --tls-ca");
  }
  if (tls.cert.empty() != tls.key.empty()) {
    return absl::InvalidArgumentError("--tls-cert and --tls-key: give both or neither");
  }
  for (auto [flag, path, pem] : {std::tuple{"--tls-ca", &tls.ca, &options.tls_ca_pem},
                                 std::tuple{"--tls-cert", &tls.cert, &options.tls_cert_pem},
                                 std::tuple{"--tls-key", &tls.key, &options.tls_key_pem}}) {
    if (path->empty()) continue;
    absl::StatusOr<std::string> content = syndicate::client::ReadInputFile(*path);
    if (!content.ok()) {
      return absl::Status(content.status().code(),
                          absl::StrCat(flag, ": ", content.status().message()));
    }
    *pem = *std::move(content);
  }
  if (!api_key_file.empty()) {
    absl::StatusOr<std::string> key = syndicate::client::ReadInputFile(api_key_file);
    if (!key.ok()) {
      return absl::Status(key.status().code(),
                          absl::StrCat("--api-key-file: ", key.status().message()));
    }
    options.api_key = std::string(absl::StripAsciiWhitespace(*key));
    if (options.api_key.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--api-key-file: \"", api_key_file, "\" is empty"));
    }
  }
  absl::StatusOr<std::unique_ptr<Client>> client = Client::Create(options);
  if (!client.ok() && absl::StartsWith(client.status().message(), "api_key: ")) {
    return absl::Status(client.status().code(),
                        absl::StrCat("--api-key-file: \"", api_key_file, "\"",
                                     client.status().message().substr(8)));
  }
  return client;
}

// Flags of `partner create` and `partner update`.
struct PartnerFlags {
  std::string id;
  std::string name;
  std::vector<std::string> sources;
  std::vector<std::string> languages;
  std::string search_directive;
  int max_streams = 0;
};

syndication::v1::SearchDirective DirectiveFromFlag(const std::string& flag) {
  if (flag == "canonical") return syndication::v1::SEARCH_DIRECTIVE_CANONICAL;
  if (flag == "none") return syndication::v1::SEARCH_DIRECTIVE_NONE;
  if (flag == "noindex") return syndication::v1::SEARCH_DIRECTIVE_NOINDEX;
  return syndication::v1::SEARCH_DIRECTIVE_UNSPECIFIED;
}

syndication::v1::Partner PartnerFromFlags(const PartnerFlags& flags) {
  syndication::v1::Partner partner;
  partner.set_id(flags.id);
  partner.set_display_name(flags.name);
  for (const std::string& id : flags.sources) partner.add_entitled_source_ids(id);
  for (const std::string& tag : flags.languages) partner.add_languages(tag);
  partner.set_search_directive(DirectiveFromFlag(flags.search_directive));
  partner.set_max_streams(flags.max_streams);
  return partner;
}

syndication::v1::Role RoleFromFlag(const std::string& flag) {
  if (flag == "admin") return syndication::v1::ROLE_ADMIN;
  if (flag == "publisher") return syndication::v1::ROLE_PUBLISHER;
  if (flag == "partner") return syndication::v1::ROLE_PARTNER;
  return syndication::v1::ROLE_UNSPECIFIED;
}

// Prints `message` as pretty JSON and returns kExitOk, or reports the error.
template <typename Message>
int PrintOrReport(const absl::StatusOr<Message>& result) {
  if (!result.ok()) return Report(result.status());
  std::cout << syndicate::client::ToJson(*result, true) << "\n";
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"syndicate: publish stories to syndicated and read them back"};
  app.require_subcommand(1);
  std::string server = "127.0.0.1:50051";
  app.add_option("--server", server, "HOST:PORT of syndicated")
      ->envname("SYNDICATE_SERVER")
      ->capture_default_str();
  std::string api_key_file;
  app.add_option("--api-key-file", api_key_file,
                 "File holding the API key (sk_…) sent as `authorization: Bearer`")
      ->envname("SYNDICATE_API_KEY_FILE");
  TlsFlags tls_flags;
  app.add_option("--tls-ca", tls_flags.ca, "PEM CA certificates: connect with TLS, trusting them")
      ->envname("SYNDICATE_TLS_CA");
  app.add_option("--tls-cert", tls_flags.cert, "PEM client certificate chain, for mTLS")
      ->envname("SYNDICATE_TLS_CERT");
  app.add_option("--tls-key", tls_flags.key, "PEM private key of --tls-cert")
      ->envname("SYNDICATE_TLS_KEY");

  // partner create | get | list | update | delete
  CLI::App* partner_cmd = app.add_subcommand("partner", "Manage partners (admin key)");
  partner_cmd->require_subcommand(1);
  PartnerFlags partner_flags;
  const auto add_partner_flags = [&partner_flags](CLI::App* command) {
    command->add_option("ID", partner_flags.id, "Partner id (a-z, 0-9, -)")->required();
    command->add_option("--name", partner_flags.name, "Display name");
    command->add_option("--source", partner_flags.sources,
                        "A source the partner licenses (repeatable)");
    command->add_option("--language", partner_flags.languages,
                        "Only stories in this language, a BCP 47 tag (repeatable)");
    command
        ->add_option("--search-directive", partner_flags.search_directive,
                     "noindex (default), canonical or none")
        ->check(CLI::IsMember({"noindex", "canonical", "none"}));
    command->add_option("--max-streams", partner_flags.max_streams,
                        "Most open streams of the partner's keys (0: no cap of its own)");
  };
  CLI::App* partner_create = partner_cmd->add_subcommand("create", "Create a partner");
  add_partner_flags(partner_create);
  partner_create->get_option("--name")->required();
  CLI::App* partner_update = partner_cmd->add_subcommand(
      "update", "Change the fields given (--source and --language replace the lists)");
  add_partner_flags(partner_update);
  bool partner_clear_sources = false;
  bool partner_clear_languages = false;
  partner_update->add_flag("--clear-sources", partner_clear_sources, "License no source");
  partner_update->add_flag("--clear-languages", partner_clear_languages, "Every language");
  std::string partner_id;
  CLI::App* partner_get = partner_cmd->add_subcommand("get", "Print a partner as JSON");
  partner_get->add_option("ID", partner_id, "Partner id")->required();
  CLI::App* partner_delete =
      partner_cmd->add_subcommand("delete", "Delete a partner and revoke its keys");
  partner_delete->add_option("ID", partner_id, "Partner id")->required();
  CLI::App* partner_list = partner_cmd->add_subcommand("list", "Print a page of partners as JSON");
  int admin_page_size = 0;
  std::string admin_page_token;
  partner_list->add_option("--page-size", admin_page_size, "Partners per page (0: 50)");
  partner_list->add_option("--page-token", admin_page_token, "next_page_token of a prior page");

  // key create | list | revoke
  CLI::App* key_cmd = app.add_subcommand("key", "Manage API keys (admin key)");
  key_cmd->require_subcommand(1);
  CLI::App* key_create = key_cmd->add_subcommand(
      "create", "Create a key; prints its secret (shown only now) alone on stdout");
  std::string key_role;
  std::vector<std::string> key_sources;
  std::string key_partner;
  std::string key_name;
  key_create->add_option("--role", key_role, "admin, publisher or partner")
      ->required()
      ->check(CLI::IsMember({"admin", "publisher", "partner"}));
  key_create->add_option("--source", key_sources,
                         "Publisher: a source it may publish to (repeatable)");
  key_create->add_option("--partner", key_partner, "Partner: the partner id it acts for");
  key_create->add_option("--name", key_name, "What the key is for");
  CLI::App* key_list = key_cmd->add_subcommand("list", "Print a page of keys (no secrets) as JSON");
  bool key_show_revoked = false;
  key_list->add_option("--partner", key_partner, "Only this partner's keys");
  key_list->add_flag("--show-revoked", key_show_revoked, "Include revoked keys");
  key_list->add_option("--page-size", admin_page_size, "Keys per page (0: 50)");
  key_list->add_option("--page-token", admin_page_token, "next_page_token of a prior page");
  std::string key_id;
  CLI::App* key_revoke = key_cmd->add_subcommand("revoke", "Revoke a key at once");
  key_revoke->add_option("KEY_ID", key_id, "The key's id (16 hex digits)")->required();

  // admin backup
  CLI::App* admin_cmd = app.add_subcommand("admin", "Operate the server (admin key)");
  admin_cmd->require_subcommand(1);
  CLI::App* admin_backup = admin_cmd->add_subcommand(
      "backup",
      "Back the store up into the server's --backup-dir while it serves; prints the Backup");

  // source put | get | status | list
  CLI::App* source_cmd = app.add_subcommand("source", "Manage sources");
  source_cmd->require_subcommand(1);
  std::string source_file;
  CLI::App* source_put = source_cmd->add_subcommand("put", "Create or replace a source");
  source_put->add_option("FILE", source_file, "A Source as protobuf JSON")->required();
  std::string source_id;
  CLI::App* source_get = source_cmd->add_subcommand("get", "Print a source as JSON");
  source_get->add_option("ID", source_id, "Source id")->required();
  CLI::App* source_status = source_cmd->add_subcommand(
      "status", "Print how polling the source's feeds went (publisher or admin key)");
  source_status->add_option("ID", source_id, "Source id")->required();
  CLI::App* source_list = source_cmd->add_subcommand("list", "Print a page of sources as JSON");
  int source_page_size = 0;
  std::string source_page_token;
  source_list->add_option("--page-size", source_page_size, "Sources per page (0: 50)");
  source_list->add_option("--page-token", source_page_token, "next_page_token of a prior page");

  // publish / withdraw
  std::string article_file;
  std::string publish_correction;
  std::string publish_etag;
  std::string publish_request_id;
  CLI::App* publish = app.add_subcommand("publish", "Publish an Article given as protobuf JSON");
  publish->add_option("FILE", article_file, "An Article as protobuf JSON")->required();
  CLI::Option* correction =
      publish->add_option("--correction", publish_correction,
                          "A correction note for this version (event CORRECTED); its time is now");
  publish->add_option("--etag", publish_etag,
                      "Publish only if the story is still at the version with this etag");
  publish->add_option("--request-id", publish_request_id,
                      "Makes a retry safe: a repeat gets the first response (default: random)");
  std::string withdraw_id;
  std::string withdraw_reason;
  bool withdraw_kill = false;
  std::string withdraw_etag;
  std::string withdraw_request_id;
  CLI::App* withdraw = app.add_subcommand(
      "withdraw", "Withdraw a story (pubstatus WITHHELD), or kill it; prints the tombstone");
  withdraw->add_option("ID", withdraw_id, "Article id")->required();
  withdraw->add_option("--reason", withdraw_reason, "Why, shown to partners")->required();
  withdraw->add_flag("--kill", withdraw_kill,
                     "Kill it (pubstatus CANCELED): it can never be published again");
  withdraw->add_option("--etag", withdraw_etag,
                       "Withdraw only if the story is still at the version with this etag");
  withdraw->add_option("--request-id", withdraw_request_id,
                       "Makes a retry safe: a repeat gets the first response (default: random)");

  // import / convert
  ImportFlags import_flags;
  std::string import_source;
  CLI::App* import_cmd = app.add_subcommand(
      "import", "Import pages, feeds and ninjs files (or directories of them) into a source");
  import_cmd->add_option("--source", import_source, "Source id to import into")->required();
  import_cmd
      ->add_option("--format", import_flags.format,
                   "Input format: auto, text, rss, atom, ninjs or html")
      ->capture_default_str();
  import_cmd->add_option("--external-id", import_flags.external_id,
                         "The publisher's id of the story (text, one FILE only)");
  import_cmd->add_option("--original-url", import_flags.original_url,
                         "Canonical URL of the original story (text, one FILE only)");
  import_cmd->add_option("--url", import_flags.url,
                         "URL the file was fetched from: the base of relative links, recorded "
                         "in provenance (one FILE only)");
  import_cmd->add_option("FILE", import_flags.files, "Files or directories")->required();

  ImportFlags convert_flags;
  std::string convert_source_file;
  CLI::App* convert = app.add_subcommand(
      "convert", "Print the Articles files become, as JSON (offline, no server)");
  convert
      ->add_option("--format", convert_flags.format,
                   "Input format: auto, text, rss, atom, ninjs or html")
      ->capture_default_str();
  convert->add_option("--source-file", convert_source_file,
                      "A Source as protobuf JSON whose id and publisher_aliases to apply");
  convert->add_option("--external-id", convert_flags.external_id, "The publisher's id (text)");
  convert->add_option("--original-url", convert_flags.original_url, "Canonical URL (text)");
  convert->add_option("--url", convert_flags.url, "URL the file was fetched from");
  convert->add_option("FILE", convert_flags.files, "Files or directories")->required();

  // get / verify / versions / keys / list
  std::string get_id;
  int64_t get_version = 0;
  bool get_verify = false;
  CLI::App* get = app.add_subcommand("get", "Print a story as JSON");
  get->add_option("ID", get_id, "Article id")->required();
  get->add_option("--version", get_version, "Version to get (0: the latest)");
  get->add_flag("--verify", get_verify,
                "Then check its signature; the verdict goes to stderr, exit 1 when invalid");
  std::string verify_file;
  CLI::App* verify = app.add_subcommand(
      "verify", "Check the signature of a story saved as JSON against the server's keys");
  verify->add_option("FILE", verify_file, "An Article as protobuf JSON, e.g. saved from get")
      ->required();
  std::string versions_id;
  int versions_page_size = 0;
  std::string versions_page_token;
  CLI::App* versions =
      app.add_subcommand("versions", "Print a page of a story's versions as JSON, oldest first");
  versions->add_option("ID", versions_id, "Article id")->required();
  versions->add_option("--page-size", versions_page_size, "Versions per page (0: 50, at most 500)");
  versions->add_option("--page-token", versions_page_token, "next_page_token of a prior page");
  CLI::App* keys =
      app.add_subcommand("keys", "Print the public keys the server signs stories with as JSON");
  CLI::App* list = app.add_subcommand("list", "Print a page of stories as JSON, newest first");
  std::vector<std::string> list_sources;
  int list_page_size = 0;
  std::string list_page_token;
  bool list_brief = false;
  list->add_option("--source", list_sources, "Only this source (repeatable)");
  list->add_flag("--brief", list_brief,
                 "One line per story: id, version, list time, credit line and headline");
  list->add_option("--page-size", list_page_size, "Stories per page (0: 50, at most 500)");
  list->add_option("--page-token", list_page_token, "next_page_token of a prior page");
  std::string list_order_by;
  std::string list_updated_after;
  bool list_show_withdrawn = false;
  list->add_option("--order-by", list_order_by,
                   "version_created: oldest change first, the order to catch up in");
  list->add_option("--updated-after", list_updated_after,
                   "With --order-by=version_created: only stories changed after this RFC 3339 "
                   "time, e.g. 2026-03-01T12:00:00Z");
  list->add_flag("--show-withdrawn", list_show_withdrawn,
                 "Include withdrawn, killed and expired stories, as tombstones");

  // report
  std::vector<std::string> report_sources;
  std::string report_since;
  std::string report_until;
  std::string report_article;
  std::string report_partner;
  std::string report_format = "table";
  CLI::App* report = app.add_subcommand(
      "report",
      "Print the usage report: which partners took which stories (publisher or admin key)");
  report->add_option("--source", report_sources,
                     "Only this source (repeatable; default: every source the key may see)");
  report->add_option("--since", report_since,
                     "Only deliveries at or after this RFC 3339 time, e.g. 2026-03-01T00:00:00Z");
  report->add_option("--until", report_until,
                     "Only deliveries before this RFC 3339 time (exclusive)");
  report->add_option("--article", report_article,
                     "Only this story: which partners hold it (e.g. before a kill)");
  report->add_option("--partner", report_partner, "Only this partner");
  report->add_option("--format", report_format, "table (for people), csv or json")
      ->check(CLI::IsMember({"table", "csv", "json"}))
      ->capture_default_str();

  // stream
  StreamFlags stream_flags;
  CLI::App* stream = app.add_subcommand(
      "stream", "Print the change feed, one JSON object a line, until SIGINT or SIGTERM");
  CLI::Option* from = stream
                          ->add_option("--from", stream_flags.from,
                                       "Where to start without a cursor: beginning (the default: "
                                       "every event the feed keeps) or now")
                          ->check(CLI::IsMember({"beginning", "now"}));
  CLI::Option* after =
      stream->add_option("--after", stream_flags.after, "Start after this cursor (exclusive)");
  from->excludes(after);
  stream->add_option("--source", stream_flags.sources, "Only stories of this source (repeatable)");
  stream->add_option("--language", stream_flags.languages,
                     "Only stories in this language, a BCP 47 tag (repeatable)");
  stream->add_option("--subject", stream_flags.subjects,
                     "Only stories with this subject code (repeatable)");
  stream->add_option("--heartbeat", stream_flags.heartbeat,
                     "Heartbeat interval while nothing matches, e.g. 15s (1s to 1h; default 15s)");
  stream->add_option("--cursor-file", stream_flags.cursor_file,
                     "Resume from the cursor in this file when it exists; keep the latest in it");
  CLI::Option* limit = stream->add_option("--limit", stream_flags.limit,
                                          "Exit after this many events (heartbeats and the "
                                          "caught-up marker do not count)");

  // CLI11 would say "A subcommand is required" for a misspelt one; name it instead.
  const auto is_command = [&app](const char* name) {
    return !app.get_subcommands([name](const CLI::App* c) { return c->get_name() == name; })
                .empty();
  };
  if (argc > 1 && argv[1][0] != '-' && !is_command(argv[1])) {
    return Usage(
        absl::StrCat("unknown command ", syndicate::QuoteForMessage(argv[1]), "; see --help"));
  }
  if (argc > 2 && std::string_view(argv[1]) == "source" && argv[2][0] != '-' &&
      source_cmd->get_subcommands([&](const CLI::App* c) { return c->get_name() == argv[2]; })
          .empty()) {
    return Usage(absl::StrCat("unknown command ",
                              syndicate::QuoteForMessage(absl::StrCat("source ", argv[2])),
                              "; see source --help"));
  }
  // CLI11 2.1 reads `--name=` (an empty value) as the option followed by the next argument,
  // so `withdraw ID --reason= --kill` would withhold with the reason "--kill". No option of
  // ours takes an empty value.
  for (int i = 1; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    if (arg == "--") break;
    if (absl::StartsWith(arg, "--") && arg.size() > 3 && absl::EndsWith(arg, "=")) {
      return Usage(absl::StrCat(arg.substr(0, arg.size() - 1), ": must not be empty"));
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }

  if (*convert) {
    if (absl::Status flags = CheckImportFlags(convert_flags); !flags.ok()) {
      return Usage(flags.message());
    }
    syndication::v1::Source source;
    if (!convert_source_file.empty()) {
      if (absl::Status read = syndicate::client::ReadJsonFile(convert_source_file, &source);
          !read.ok()) {
        return Report(read);
      }
    }
    return RunConvert(convert_flags, convert_source_file.empty() ? nullptr : &source);
  }
  if (*import_cmd) {
    if (absl::Status flags = CheckImportFlags(import_flags); !flags.ok()) {
      return Usage(flags.message());
    }
  }

  if (*stream && limit->count() > 0 && stream_flags.limit < 1) {
    return Usage(absl::StrCat("--limit: ", stream_flags.limit, " is not a positive number"));
  }
  if (*stream) {
    // Before gRPC starts a thread, so that every thread inherits the mask.
    const sigset_t signals = StreamSignals();
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  }
  auto client = Connect(server, api_key_file, tls_flags);
  if (!client.ok()) {
    if (absl::IsInvalidArgument(client.status())) return Usage(client.status().message());
    return Report(client.status());
  }

  if (*partner_create)
    return PrintOrReport((*client)->CreatePartner(PartnerFromFlags(partner_flags)));
  if (*partner_get) return PrintOrReport((*client)->GetPartner(partner_id));
  if (*partner_delete) return PrintOrReport((*client)->DeletePartner(partner_id));
  if (*partner_list) {
    syndication::v1::ListPartnersRequest request;
    request.set_page_size(admin_page_size);
    request.set_page_token(admin_page_token);
    return PrintOrReport((*client)->ListPartners(request));
  }
  if (*partner_update) {
    syndication::v1::UpdatePartnerRequest request;
    *request.mutable_partner() = PartnerFromFlags(partner_flags);
    auto* mask = request.mutable_update_mask();
    if (partner_update->count("--name") > 0) mask->add_paths("display_name");
    if (partner_update->count("--source") > 0 || partner_clear_sources) {
      mask->add_paths("entitled_source_ids");
    }
    if (partner_update->count("--language") > 0 || partner_clear_languages) {
      mask->add_paths("languages");
    }
    if (partner_update->count("--search-directive") > 0) mask->add_paths("search_directive");
    if (partner_update->count("--max-streams") > 0) mask->add_paths("max_streams");
    if (mask->paths().empty()) {
      return Usage("partner update: give at least one field to change (see partner update --help)");
    }
    return PrintOrReport((*client)->UpdatePartner(request));
  }
  if (*key_create) {
    syndication::v1::ApiKey key;
    key.set_role(RoleFromFlag(key_role));
    for (const std::string& id : key_sources) key.add_source_ids(id);
    key.set_partner_id(key_partner);
    key.set_display_name(key_name);
    auto created = (*client)->CreateApiKey(key);
    if (!created.ok()) return Report(created.status());
    std::cout << created->secret() << std::endl;
    std::cerr << "syndicate: created " << key_role << " key " << created->api_key().key_id()
              << "; its secret is shown only now\n";
    return kExitOk;
  }
  if (*key_list) {
    syndication::v1::ListApiKeysRequest request;
    request.set_page_size(admin_page_size);
    request.set_page_token(admin_page_token);
    request.set_partner_id(key_partner);
    request.set_show_revoked(key_show_revoked);
    return PrintOrReport((*client)->ListApiKeys(request));
  }
  if (*key_revoke) return PrintOrReport((*client)->RevokeApiKey(key_id));
  if (*admin_backup) return PrintOrReport((*client)->CreateBackup());

  if (*stream) return RunStream(**client, stream_flags);
  if (*source_put) {
    syndication::v1::Source source;
    if (absl::Status read = syndicate::client::ReadJsonFile(source_file, &source); !read.ok()) {
      return Report(read);
    }
    auto stored = (*client)->UpsertSource(source);
    if (!stored.ok()) return Report(stored.status());
    std::cout << syndicate::client::ToJson(*stored, true) << "\n";
    return kExitOk;
  }
  if (*source_get) {
    auto stored = (*client)->GetSource(source_id);
    if (!stored.ok()) return Report(stored.status());
    std::cout << syndicate::client::ToJson(*stored, true) << "\n";
    return kExitOk;
  }
  if (*source_status) {
    auto stored = (*client)->GetSource(source_id);
    if (!stored.ok()) return Report(stored.status());
    syndicate::client::WriteFeedStatuses(*stored, std::cout);
    return kExitOk;
  }
  if (*source_list) {
    syndication::v1::ListSourcesRequest request;
    request.set_page_size(source_page_size);
    request.set_page_token(source_page_token);
    auto page = (*client)->ListSources(request);
    if (!page.ok()) return Report(page.status());
    std::cout << syndicate::client::ToJson(*page, true) << "\n";
    return kExitOk;
  }
  if (*publish) {
    syndication::v1::PublishArticleRequest request;
    if (absl::Status read =
            syndicate::client::ReadJsonFile(article_file, request.mutable_article());
        !read.ok()) {
      return Report(read);
    }
    if (correction->count() > 0) request.mutable_correction()->set_text(publish_correction);
    request.set_etag(publish_etag);
    request.set_request_id(publish_request_id);
    auto published = (*client)->PublishArticle(request);
    if (!published.ok()) return Report(published.status());
    std::cout << syndicate::client::ToJson(*published, true) << "\n";
    return kExitOk;
  }
  if (*withdraw) {
    auto withdrawn = (*client)->WithdrawArticle(withdraw_id, withdraw_reason, withdraw_kill,
                                                withdraw_etag, withdraw_request_id);
    if (!withdrawn.ok()) return Report(withdrawn.status());
    std::cout << syndicate::client::ToJson(withdrawn->article(), true) << "\n";
    return kExitOk;
  }
  if (*import_cmd) {
    auto source = (*client)->GetSource(import_source);
    if (absl::IsNotFound(source.status())) {
      return Report(
          absl::NotFoundError(absl::StrCat("--source: no source has id \"", import_source, "\"")));
    }
    if (!source.ok()) return Report(source.status());
    return RunImport(**client, import_flags, *source);
  }
  if (*get) {
    auto article = (*client)->GetArticle(get_id, get_version);
    if (!article.ok()) return Report(article.status());
    std::cout << syndicate::client::ToJson(*article, true) << std::endl;
    // On stderr, so that `get --verify ID > story.json` saves the story alone.
    if (get_verify) return VerifyAndPrint(**client, *article, std::cerr);
    return kExitOk;
  }
  if (*verify) {
    syndication::v1::Article article;
    if (absl::Status read = syndicate::client::ReadJsonFile(verify_file, &article); !read.ok()) {
      return Report(read);
    }
    return VerifyAndPrint(**client, article, std::cout);
  }
  if (*versions) {
    syndication::v1::ListArticleVersionsRequest request;
    request.set_id(versions_id);
    request.set_page_size(versions_page_size);
    request.set_page_token(versions_page_token);
    auto page = (*client)->ListArticleVersions(request);
    if (!page.ok()) return Report(page.status());
    std::cout << syndicate::client::ToJson(*page, true) << "\n";
    return kExitOk;
  }
  if (*keys) {
    auto listed = (*client)->GetSigningKeys();
    if (!listed.ok()) return Report(listed.status());
    std::cout << syndicate::client::ToJson(*listed, true) << "\n";
    return kExitOk;
  }
  if (*report) {
    syndication::v1::GetUsageReportRequest request;
    for (const std::string& id : report_sources) request.add_source_ids(id);
    for (auto [flag, value, field] :
         {std::tuple{"--since", &report_since, request.mutable_start_time()},
          std::tuple{"--until", &report_until, request.mutable_end_time()}}) {
      if (value->empty()) continue;
      if (absl::Status parsed = ParseTimeFlag(flag, *value, field); !parsed.ok()) {
        return Usage(parsed.message());
      }
    }
    if (report_since.empty()) request.clear_start_time();
    if (report_until.empty()) request.clear_end_time();
    if (!report_since.empty() && !report_until.empty() &&
        syndicate::ToAbslTime(request.start_time()) >= syndicate::ToAbslTime(request.end_time())) {
      return Usage("--since: must be before --until");
    }
    request.set_article_id(report_article);
    request.set_partner_id(report_partner);
    request.set_page_size(500);
    // The whole report, every page.
    syndication::v1::GetUsageReportResponse all;
    do {
      auto page = (*client)->GetUsageReport(request);
      if (!page.ok()) return Report(page.status());
      for (syndication::v1::Delivery& delivery : *page->mutable_deliveries()) {
        *all.add_deliveries() = std::move(delivery);
      }
      // The first page's: the report holds every delivery made before it.
      if (!all.has_complete_until()) *all.mutable_complete_until() = page->complete_until();
      request.set_page_token(page->next_page_token());
    } while (!request.page_token().empty());
    if (report_format == "csv") {
      syndicate::client::WriteUsageCsv(all.deliveries(), std::cout);
    } else if (report_format == "json") {
      std::cout << syndicate::client::ToJson(all, true) << "\n";
    } else {
      syndicate::client::WriteUsageTable(all.deliveries(), std::cout);
      std::cout << "(complete up to "
                << absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ",
                                    syndicate::ToAbslTime(all.complete_until()),
                                    absl::UTCTimeZone())
                << ": deliveries after that may still be on their way)\n";
    }
    return kExitOk;
  }
  if (*list) {
    syndication::v1::ListArticlesRequest request;
    request.set_page_size(list_page_size);
    request.set_page_token(list_page_token);
    for (const std::string& id : list_sources) request.add_source_ids(id);
    request.set_order_by(list_order_by);
    if (!list_updated_after.empty()) {
      if (absl::Status parsed =
              ParseTimeFlag("--updated-after", list_updated_after, request.mutable_updated_after());
          !parsed.ok()) {
        return Usage(parsed.message());
      }
    }
    request.set_show_withdrawn(list_show_withdrawn);
    auto page = (*client)->ListArticles(request);
    if (!page.ok()) return Report(page.status());
    if (list_brief) {
      PrintBrief(*page, list_order_by == "version_created");
    } else {
      std::cout << syndicate::client::ToJson(*page, true) << "\n";
    }
    return kExitOk;
  }
  return Usage("no command given; see --help");
}
