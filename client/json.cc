#include "client/json.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "google/protobuf/util/json_util.h"

namespace syndicate::client {

absl::Status ParseJson(absl::string_view json, absl::string_view origin,
                       google::protobuf::Message* message) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), message, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(origin, ": not valid ",
                                                   message->GetDescriptor()->name(),
                                                   " JSON: ", std::string(status.message())));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadInputFile(const std::string& path) {
  std::error_code error;
  const std::filesystem::file_status status = std::filesystem::status(path, error);
  if (error || !std::filesystem::exists(status)) {
    return absl::NotFoundError(absl::StrCat(path, ": cannot be read"));
  }
  if (!std::filesystem::is_regular_file(status)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": is not a regular file"));
  }
  const uintmax_t size = std::filesystem::file_size(path, error);
  if (error) return absl::NotFoundError(absl::StrCat(path, ": cannot be read"));
  if (size > kMaxInputFileBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": is ", size, " bytes; at most ", kMaxInputFileBytes, " are read"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot be read"));
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

absl::Status ReadJsonFile(const std::string& path, google::protobuf::Message* message) {
  absl::StatusOr<std::string> content = ReadInputFile(path);
  if (!content.ok()) return content.status();
  absl::string_view json = *content;
  absl::ConsumePrefix(&json, "\xEF\xBB\xBF");  // editors on some systems write a BOM
  return ParseJson(json, path, message);
}

std::string ToJson(const google::protobuf::Message& message, bool pretty) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = pretty;
  std::string json;
  // Printing a valid message cannot fail: every field has a JSON mapping.
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  while (!json.empty() && json.back() == '\n') json.pop_back();
  return json;
}

}  // namespace syndicate::client
