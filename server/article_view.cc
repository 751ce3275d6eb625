#include "server/article_view.h"

#include <cstdint>
#include <string>

#include "google/protobuf/io/coded_stream.h"

namespace syndicate::server {

using google::protobuf::io::CodedInputStream;
using syndication::v1::Article;

namespace {

// Protobuf's wire types (the low three bits of a tag).
constexpr uint32_t kVarint = 0;
constexpr uint32_t kFixed64 = 1;
constexpr uint32_t kLengthDelimited = 2;
constexpr uint32_t kFixed32 = 5;

bool ReadString(CodedInputStream* input, std::string* out) {
  uint32_t length = 0;
  return input->ReadVarint32(&length) && input->ReadString(out, static_cast<int>(length));
}

// Merges the length-delimited message at `input` into `message`, as a parse does with a
// message field that occurs again.
bool MergeMessage(CodedInputStream* input, google::protobuf::MessageLite* message) {
  uint32_t length = 0;
  if (!input->ReadVarint32(&length)) return false;
  // The message being present is enough for an empty one (the caller's mutable_ made it).
  if (length == 0) return true;
  // A length past the end of the record is malformed (the limit alone lets the nested
  // parse stop at the end of the buffer).
  const void* rest = nullptr;
  int available = 0;
  if (!input->GetDirectBufferPointer(&rest, &available) ||
      static_cast<uint32_t>(available) < length) {
    return false;
  }
  const CodedInputStream::Limit limit = input->PushLimit(static_cast<int>(length));
  const bool merged = message->MergeFromCodedStream(input) && input->BytesUntilLimit() == 0;
  input->PopLimit(limit);
  return merged;
}

bool SkipField(CodedInputStream* input, uint32_t wire_type) {
  uint64_t varint = 0;
  uint32_t length = 0;
  switch (wire_type) {
    case kVarint:
      return input->ReadVarint64(&varint);
    case kFixed64:
      return input->Skip(8);
    case kLengthDelimited:
      return input->ReadVarint32(&length) && input->Skip(static_cast<int>(length));
    case kFixed32:
      return input->Skip(4);
    default:
      // Groups (wire types 3 and 4) are not in proto3 messages; anything else is malformed.
      return false;
  }
}

// Reads, of the length-delimited Attribution at `input`, original_url alone into
// `attribution` (merged, as a parse merges a message field that occurs again: a later
// original_url replaces an earlier one).
bool ReadOriginalUrl(CodedInputStream* input, syndication::v1::Attribution* attribution) {
  uint32_t length = 0;
  if (!input->ReadVarint32(&length)) return false;
  const void* rest = nullptr;
  int available = 0;
  if (length > 0 && (!input->GetDirectBufferPointer(&rest, &available) ||
                     static_cast<uint32_t>(available) < length)) {
    return false;
  }
  const CodedInputStream::Limit limit = input->PushLimit(static_cast<int>(length));
  bool ok = true;
  while (ok) {
    const uint32_t tag = input->ReadTag();
    if (tag == 0) {
      ok = input->BytesUntilLimit() == 0;  // the end of the attribution, not a bad tag
      break;
    }
    if (tag == ((syndication::v1::Attribution::kOriginalUrlFieldNumber << 3) | kLengthDelimited)) {
      ok = ReadString(input, attribution->mutable_original_url());
    } else {
      ok = SkipField(input, tag & 7);
    }
  }
  input->PopLimit(limit);
  return ok;
}

}  // namespace

std::optional<Article> ParseVisibilityFields(absl::string_view bytes) {
  CodedInputStream input(reinterpret_cast<const uint8_t*>(bytes.data()),
                         static_cast<int>(bytes.size()));
  Article view;
  while (true) {
    const uint32_t tag = input.ReadTag();
    if (tag == 0) break;
    const int number = static_cast<int>(tag >> 3);
    const uint32_t wire_type = tag & 7;
    bool ok = true;
    uint64_t varint = 0;
    if (wire_type == kLengthDelimited) {
      switch (number) {
        case Article::kIdFieldNumber:
          ok = ReadString(&input, view.mutable_id());
          break;
        case Article::kSourceIdFieldNumber:
          ok = ReadString(&input, view.mutable_source_id());
          break;
        case Article::kLanguageFieldNumber:
          ok = ReadString(&input, view.mutable_language());
          break;
        case Article::kVersionCreatedFieldNumber:
          ok = MergeMessage(&input, view.mutable_version_created());
          break;
        case Article::kEmbargoedUntilFieldNumber:
          ok = MergeMessage(&input, view.mutable_embargoed_until());
          break;
        case Article::kAttributionFieldNumber:
          ok = ReadOriginalUrl(&input, view.mutable_attribution());
          break;
        case Article::kDeliveryFieldNumber:
          ok = MergeMessage(&input, view.mutable_delivery());
          break;
        default:
          ok = SkipField(&input, wire_type);
      }
    } else if (wire_type == kVarint && number == Article::kVersionFieldNumber) {
      ok = input.ReadVarint64(&varint);
      view.set_version(static_cast<int64_t>(varint));
    } else if (wire_type == kVarint && number == Article::kPubstatusFieldNumber) {
      ok = input.ReadVarint64(&varint);
      // An enum is an int32 on the wire; proto3 keeps values it does not know.
      view.set_pubstatus(static_cast<syndication::v1::PubStatus>(static_cast<int32_t>(varint)));
    } else {
      ok = SkipField(&input, wire_type);
    }
    if (!ok) return std::nullopt;
  }
  // ReadTag returns 0 at the end and for a malformed tag; only the end is well-formed.
  if (!input.ConsumedEntireMessage() || input.CurrentPosition() != static_cast<int>(bytes.size())) {
    return std::nullopt;
  }
  return view;
}

}  // namespace syndicate::server
