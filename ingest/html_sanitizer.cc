#include "ingest/html_sanitizer.h"

#include <libxml/HTMLparser.h>

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "ingest/xml_support.h"

namespace syndicate::ingest::internal {
namespace {

struct AllowedTag {
  absl::string_view name;
  std::vector<absl::string_view> attributes;
  bool block;
  bool void_element;
};

const AllowedTag* FindAllowed(absl::string_view name) {
  static const auto* const kTags = new std::vector<AllowedTag>{
      {"p", {}, true, false},
      {"br", {}, false, true},
      {"h1", {}, true, false},
      {"h2", {}, true, false},
      {"h3", {}, true, false},
      {"h4", {}, true, false},
      {"h5", {}, true, false},
      {"h6", {}, true, false},
      {"blockquote", {"cite"}, true, false},
      {"pre", {}, true, false},
      {"code", {}, false, false},
      {"ul", {}, true, false},
      {"ol", {}, true, false},
      {"li", {}, true, false},
      {"a", {"href", "title"}, false, false},
      {"strong", {}, false, false},
      {"b", {}, false, false},
      {"em", {}, false, false},
      {"i", {}, false, false},
      {"u", {}, false, false},
      {"s", {}, false, false},
      {"sub", {}, false, false},
      {"sup", {}, false, false},
      {"small", {}, false, false},
      {"mark", {}, false, false},
      {"q", {"cite"}, false, false},
      {"cite", {}, false, false},
      {"abbr", {"title"}, false, false},
      {"figure", {}, true, false},
      {"figcaption", {}, true, false},
      {"img", {"src", "alt", "title", "width", "height"}, false, true},
      {"hr", {}, true, true},
      {"table", {}, true, false},
      {"thead", {}, true, false},
      {"tbody", {}, true, false},
      {"tfoot", {}, true, false},
      {"tr", {}, true, false},
      {"th", {"colspan", "rowspan"}, false, false},
      {"td", {"colspan", "rowspan"}, false, false},
      {"dl", {}, true, false},
      {"dt", {}, true, false},
      {"dd", {}, true, false},
  };
  for (const AllowedTag& tag : *kTags) {
    if (tag.name == name) return &tag;
  }
  return nullptr;
}

// Left out with everything inside them.
bool IsDropped(absl::string_view name) {
  static const auto* const kDropped = new absl::flat_hash_set<absl::string_view>{
      "script", "style",  "iframe", "frame",  "frameset", "object",   "embed",    "applet",
      "form",   "input",  "button", "select", "textarea", "noscript", "template", "svg",
      "math",   "head",   "title",  "meta",   "link",     "base",     "audio",    "video",
      "canvas", "dialog", "portal", "source", "track",    "param",    "picture"};
  return kDropped->contains(name);
}

// Unwrapped, but they end a paragraph of the derived text.
bool IsBlockWrapper(absl::string_view name) {
  static const auto* const kBlocks = new absl::flat_hash_set<absl::string_view>{
      "div", "section", "article", "main", "header", "footer",  "aside",
      "nav", "address", "center",  "body", "html",   "details", "summary"};
  return kBlocks->contains(name);
}

// Elements whose whitespace-only text children separate words: paragraphs, headings,
// list items, cells, captions and every inline element.
bool HoldsText(const xmlNode* parent) {
  if (parent == nullptr || parent->type != XML_ELEMENT_NODE) return false;
  const std::string name = absl::AsciiStrToLower(LocalName(parent));
  const AllowedTag* tag = FindAllowed(name);
  if (tag != nullptr) {
    return !tag->block || name == "p" || name == "li" || name == "dt" || name == "dd" ||
           name == "figcaption" || name[0] == 'h';
  }
  return !IsBlockWrapper(name);
}

// Runs of whitespace become one space; ends are kept (as one space) so words stay apart.
std::string CollapseRuns(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool space = false;
  for (char c : text) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) {
      space = true;
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  if (space) out.push_back(' ');
  return out;
}

bool IsUrlAttribute(absl::string_view name) {
  return name == "href" || name == "src" || name == "cite";
}

// EscapeHtml, and " for a value in double quotes.
std::string EscapeAttribute(absl::string_view value) {
  return absl::StrReplaceAll(EscapeHtml(value), {{"\"", "&quot;"}});
}

// Builds the derived text: paragraphs of collapsed whitespace.
class TextBuilder {
 public:
  void Append(absl::string_view text, bool preformatted) {
    if (preformatted) {
      current_.append(text.data(), text.size());
      pending_space_ = false;
      return;
    }
    for (size_t i = 0; i < text.size();) {
      const bool nbsp = text[i] == '\xC2' && i + 1 < text.size() && text[i + 1] == '\xA0';
      if (nbsp || absl::ascii_isspace(text[i])) {
        pending_space_ = true;
        i += nbsp ? 2 : 1;
        continue;
      }
      if (pending_space_ && !current_.empty() && current_.back() != '\n') current_.push_back(' ');
      pending_space_ = false;
      current_.push_back(text[i]);
      ++i;
    }
  }
  void LineBreak() {
    // Trailing spaces before the break go.
    while (!current_.empty() && current_.back() == ' ') current_.pop_back();
    current_.push_back('\n');
    pending_space_ = false;
  }
  void EndParagraph() {
    absl::string_view p = absl::StripAsciiWhitespace(current_);
    if (!p.empty()) paragraphs_.emplace_back(p);
    current_.clear();
    pending_space_ = false;
  }
  std::string Finish() {
    EndParagraph();
    return absl::StrJoin(paragraphs_, "\n\n");
  }

 private:
  std::vector<std::string> paragraphs_;
  std::string current_;
  bool pending_space_ = false;
};

class Sanitizer {
 public:
  Sanitizer(absl::string_view base_url, const SkipElement& skip) : base_(base_url), skip_(skip) {}

  void Children(const xmlNode* parent, bool preformatted) {
    for (const xmlNode* child = parent->children; child != nullptr; child = child->next) {
      Node(child, preformatted);
    }
  }

  SanitizedHtml Finish() {
    result_.text = text_.Finish();
    if (result_.text.empty() && result_.html.find("<img") == std::string::npos) {
      result_.html.clear();
    }
    return std::move(result_);
  }

 private:
  void Node(const xmlNode* node, bool preformatted) {
    if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) {
      const std::string content =
          StripControls(node->content == nullptr
                            ? absl::string_view()
                            : absl::string_view(reinterpret_cast<const char*>(node->content)));
      if (preformatted) {
        result_.html += EscapeHtml(content);
      } else if (CollapseWhitespace(content).empty()) {
        // Indentation between blocks is not content; a space between inline words is.
        if (!content.empty() && HoldsText(node->parent)) result_.html += " ";
      } else {
        result_.html += EscapeHtml(CollapseRuns(content));
      }
      text_.Append(content, preformatted);
      return;
    }
    if (node->type != XML_ELEMENT_NODE) return;
    const std::string name = absl::AsciiStrToLower(LocalName(node));
    if (IsDropped(name) || (skip_ && skip_(node))) {
      ++result_.dropped_elements;
      return;
    }
    const AllowedTag* tag = FindAllowed(name);
    if (tag == nullptr) {
      const bool block = IsBlockWrapper(name);
      if (block) text_.EndParagraph();
      Children(node, preformatted);
      if (block) text_.EndParagraph();
      return;
    }
    std::string attributes;
    bool has_src = false;
    for (const xmlAttr* attr = node->properties; attr != nullptr; attr = attr->next) {
      const std::string attr_name =
          absl::AsciiStrToLower(reinterpret_cast<const char*>(attr->name));
      bool allowed = false;
      for (absl::string_view a : tag->attributes) allowed = allowed || a == attr_name;
      if (!allowed) {
        ++result_.dropped_attributes;
        continue;
      }
      std::string value = StripControls(Attribute(node, reinterpret_cast<const char*>(attr->name)));
      if (IsUrlAttribute(attr_name)) {
        const bool mailto =
            attr_name == "href" &&
            absl::StartsWithIgnoreCase(absl::StripLeadingAsciiWhitespace(value), "mailto:");
        value =
            mailto ? std::string(absl::StripAsciiWhitespace(value)) : ResolveHttpUrl(base_, value);
        if (value.empty()) {
          ++result_.dropped_attributes;
          continue;
        }
        if (attr_name == "src") has_src = true;
      }
      absl::StrAppend(&attributes, " ", attr_name, "=\"", EscapeAttribute(value), "\"");
    }
    if (name == "img" && !has_src) {
      ++result_.dropped_elements;
      return;
    }
    if (tag->block) text_.EndParagraph();
    absl::StrAppend(&result_.html, "<", name, attributes, ">");
    if (name == "br") text_.LineBreak();
    if (!tag->void_element) {
      Children(node, preformatted || name == "pre");
      absl::StrAppend(&result_.html, "</", name, ">");
    }
    if (tag->block) text_.EndParagraph();
  }

  std::string base_;
  const SkipElement& skip_;
  TextBuilder text_;
  SanitizedHtml result_;
};

XmlDocPtr ParseHtml(absl::string_view fragment) {
  InitLibxml2();
  return XmlDocPtr(htmlReadMemory(
      fragment.data(), static_cast<int>(fragment.size()), nullptr, "UTF-8",
      HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET | HTML_PARSE_NOBLANKS));
}

}  // namespace

std::string EscapeHtml(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

SanitizedHtml SanitizeChildren(const xmlNode* parent, absl::string_view base_url,
                               const SkipElement& skip) {
  Sanitizer sanitizer(base_url, skip);
  sanitizer.Children(parent, false);
  return sanitizer.Finish();
}

SanitizedHtml SanitizeHtml(absl::string_view fragment, absl::string_view base_url) {
  if (absl::StripAsciiWhitespace(fragment).empty()) return {};
  XmlDocPtr doc = ParseHtml(fragment);
  if (doc == nullptr) return {};
  static const SkipElement kNoSkip;
  return SanitizeChildren(reinterpret_cast<const xmlNode*>(doc.get()), base_url, kNoSkip);
}

std::string HtmlToOneLine(absl::string_view fragment) {
  return CollapseWhitespace(SanitizeHtml(fragment, "").text);
}

std::string TextToHtml(absl::string_view text) {
  std::string html;
  for (absl::string_view paragraph : absl::StrSplit(text, "\n\n", absl::SkipWhitespace())) {
    std::vector<std::string> lines;
    for (absl::string_view line : absl::StrSplit(absl::StripAsciiWhitespace(paragraph), '\n')) {
      lines.push_back(EscapeHtml(absl::StripAsciiWhitespace(line)));
    }
    absl::StrAppend(&html, "<p>", absl::StrJoin(lines, "<br>"), "</p>");
  }
  return html;
}

}  // namespace syndicate::ingest::internal
