#include "ingest/importer.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/status_macros.h"
#include "common/utf8.h"
#include "ingest/atom_importer.h"
#include "ingest/encoding.h"
#include "ingest/html_importer.h"
#include "ingest/item_builder.h"
#include "ingest/ninjs_importer.h"
#include "ingest/rss_importer.h"
#include "ingest/text_importer.h"
#include "ingest/xml_stream.h"

namespace syndicate::ingest {
namespace {

constexpr Format kFormats[] = {Format::kAuto, Format::kText,  Format::kRss,
                               Format::kAtom, Format::kNinjs, Format::kHtml};

// The media type of a Content-Type value, lower case, without parameters.
std::string MediaType(absl::string_view content_type) {
  const size_t semicolon = content_type.find(';');
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(content_type.substr(0, semicolon)));
}

absl::Status ImportText(absl::string_view bytes, const ImportOptions& options,
                        internal::FeedContext& feed) {
  TextImportOptions text_options;
  text_options.source = options.source;
  text_options.external_id = options.external_id;
  text_options.original_url = options.original_url;
  text_options.origin = !options.base_url.empty() ? options.base_url : options.file_name;
  SYNDICATE_ASSIGN_OR_RETURN(
      TextImportResult parsed,
      ParseScrapedText(std::string_view(bytes.data(), bytes.size()), text_options));
  ImportedItem item;
  item.label = "page";
  item.article = std::move(parsed.article);
  item.warnings = std::move(parsed.warnings);
  return internal::Emit(feed, std::move(item));
}

}  // namespace

absl::string_view FormatName(Format format) {
  switch (format) {
    case Format::kAuto:
      return "auto";
    case Format::kText:
      return "text";
    case Format::kRss:
      return "rss";
    case Format::kAtom:
      return "atom";
    case Format::kNinjs:
      return "ninjs";
    case Format::kHtml:
      return "html";
  }
  return "auto";
}

absl::StatusOr<Format> ParseFormatName(absl::string_view name) {
  for (Format format : kFormats) {
    if (absl::EqualsIgnoreCase(name, FormatName(format))) return format;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("format: ", QuoteForMessage(std::string_view(name.data(), name.size())),
                   " is not one of auto, text, rss, atom, ninjs, html"));
}

Format DetectFormat(absl::string_view bytes, absl::string_view content_type) {
  absl::string_view head = bytes.substr(0, 4096);
  if (absl::StartsWith(head, "\xEF\xBB\xBF")) head.remove_prefix(3);
  head = absl::StripLeadingAsciiWhitespace(head);
  if (absl::StartsWith(head, "{")) return Format::kNinjs;
  if (absl::StartsWith(head, "[")) {
    const absl::string_view next = absl::StripLeadingAsciiWhitespace(head.substr(1));
    if (absl::StartsWith(next, "{") || absl::StartsWith(next, "]")) return Format::kNinjs;
  }
  if (absl::StartsWith(head, "<")) {
    if (absl::StartsWithIgnoreCase(head, "<!doctype html")) return Format::kHtml;
    const std::string root = internal::RootElementName(head);
    const absl::string_view local = root.find(':') == std::string::npos
                                        ? absl::string_view(root)
                                        : absl::string_view(root).substr(root.find(':') + 1);
    if (local == "rss" || local == "RDF") return Format::kRss;
    if (local == "feed" || local == "entry") return Format::kAtom;
    if (absl::EqualsIgnoreCase(local, "html")) return Format::kHtml;
  }
  const std::string media_type = MediaType(content_type);
  if (media_type == "application/rss+xml") return Format::kRss;
  if (media_type == "application/atom+xml") return Format::kAtom;
  if (media_type == "text/html" || media_type == "application/xhtml+xml") return Format::kHtml;
  if (media_type == "application/json" || media_type == "application/ninjs+json") {
    return Format::kNinjs;
  }
  if (absl::StartsWith(head, "<")) return Format::kHtml;
  return Format::kText;
}

absl::StatusOr<ImportResult> ImportEach(absl::string_view bytes, const ImportOptions& options,
                                        const std::function<void(ImportedItem)>& consume) {
  if (bytes.size() > options.max_input_bytes) {
    return absl::InvalidArgumentError(absl::StrCat("input: ", bytes.size(),
                                                   " bytes is over the limit max_input_bytes (",
                                                   options.max_input_bytes, ")"));
  }
  ImportResult result;
  result.format =
      options.format == Format::kAuto ? DetectFormat(bytes, options.content_type) : options.format;
  internal::FeedContext feed(options, result.format, consume);
  feed.default_zone = options.default_zone;
  if (options.source != nullptr && !options.source->time_zone().empty() &&
      !absl::LoadTimeZone(options.source->time_zone(), &feed.default_zone)) {
    feed.default_zone = options.default_zone;
    result.warnings.push_back(
        absl::StrCat("source time_zone: ", QuoteForMessage(options.source->time_zone()),
                     " is not a time zone this system knows: dates without a zone are read in ",
                     options.default_zone.name()));
  }
  if (result.format == Format::kText) {
    SYNDICATE_RETURN_IF_ERROR(ImportText(bytes, options, feed));
    return result;
  }
  if (absl::StripAsciiWhitespace(bytes).empty()) {
    return absl::InvalidArgumentError(absl::StrCat(FormatName(result.format), ": empty input"));
  }
  SYNDICATE_ASSIGN_OR_RETURN(
      internal::Utf8Text text,
      internal::DecodeToUtf8(bytes, internal::DeclaredCharset(bytes, options.content_type),
                             result.warnings));
  switch (result.format) {
    case Format::kRss:
      SYNDICATE_RETURN_IF_ERROR(internal::ImportRss(text.text, feed, result.warnings));
      break;
    case Format::kAtom:
      SYNDICATE_RETURN_IF_ERROR(internal::ImportAtom(text.text, feed, result.warnings));
      break;
    case Format::kNinjs:
      SYNDICATE_RETURN_IF_ERROR(
          internal::ImportNinjs(text.text, feed, result.format_version, result.warnings));
      break;
    case Format::kHtml:
      SYNDICATE_RETURN_IF_ERROR(internal::ImportHtml(text.text, feed, result.warnings));
      break;
    case Format::kAuto:
    case Format::kText:
      break;
  }
  return result;
}

absl::StatusOr<ImportResult> Import(absl::string_view bytes, const ImportOptions& options) {
  std::vector<ImportedItem> items;
  SYNDICATE_ASSIGN_OR_RETURN(ImportResult result,
                             ImportEach(bytes, options, [&items](ImportedItem item) {
                               items.push_back(std::move(item));
                             }));
  result.items = std::move(items);
  return result;
}

}  // namespace syndicate::ingest
