#include "server/wire.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/utf8.h"
#include "google/protobuf/any.pb.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/unknown_field_set.h"
#include "google/rpc/status.pb.h"

namespace syndicate::server {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::UnknownField;
using google::protobuf::UnknownFieldSet;

absl::Status CheckFields(const Descriptor& descriptor, absl::string_view bytes,
                         const std::string& path) {
  // UnknownFieldSet reads any well-formed message without a schema; the descriptor then
  // says which length-delimited fields are strings and which are nested messages.
  UnknownFieldSet fields;
  if (!fields.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InvalidArgumentError(
        absl::StrCat(path.empty() ? "request" : path, ": is not a well-formed protobuf message"));
  }
  absl::flat_hash_map<int, int> occurrences;
  for (int i = 0; i < fields.field_count(); ++i) {
    const UnknownField& field = fields.field(i);
    const FieldDescriptor* field_descriptor = descriptor.FindFieldByNumber(field.number());
    if (field_descriptor == nullptr || field.type() != UnknownField::TYPE_LENGTH_DELIMITED) {
      continue;
    }
    std::string field_path =
        path.empty() ? field_descriptor->name() : absl::StrCat(path, ".", field_descriptor->name());
    if (field_descriptor->is_repeated()) {
      absl::StrAppend(&field_path, "[", occurrences[field.number()]++, "]");
    }
    if (field_descriptor->type() == FieldDescriptor::TYPE_STRING) {
      if (!IsValidUtf8(field.length_delimited())) {
        return absl::InvalidArgumentError(absl::StrCat(field_path, ": is not valid UTF-8"));
      }
    } else if (field_descriptor->type() == FieldDescriptor::TYPE_MESSAGE) {
      SYNDICATE_RETURN_IF_ERROR(
          CheckFields(*field_descriptor->message_type(), field.length_delimited(), field_path));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckUtf8(const Descriptor& descriptor, absl::string_view bytes) {
  return CheckFields(descriptor, bytes, "");
}

absl::Status DecodeRequest(const grpc::ByteBuffer& buffer, google::protobuf::Message* message) {
  std::vector<grpc::Slice> slices;
  if (!buffer.Dump(&slices).ok()) return absl::InvalidArgumentError("request: unreadable");
  std::string bytes;
  bytes.reserve(buffer.Length());
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  SYNDICATE_RETURN_IF_ERROR(CheckUtf8(*message->GetDescriptor(), bytes));
  if (!message->ParseFromString(bytes)) {
    return absl::InvalidArgumentError("request: is not a well-formed protobuf message");
  }
  // Fields this server does not know are dropped, not stored: they would escape every check
  // and reach partners, and make equal stories hash differently.
  message->DiscardUnknownFields();
  return absl::OkStatus();
}

absl::Status DecodeGetArticleRequest(const grpc::ByteBuffer& buffer,
                                     syndication::v1::GetArticleRequest* request) {
  grpc::Slice slice;
  // A small request comes in one slice; anything else takes the general way.
  if (buffer.TrySingleSlice(&slice).ok()) {
    google::protobuf::io::CodedInputStream input(slice.begin(), static_cast<int>(slice.size()));
    bool plain = true;
    std::string id;
    uint64_t version = 0;
    while (plain) {
      const uint32_t tag = input.ReadTag();
      if (tag == 0) break;
      uint32_t length = 0;
      if (tag == ((syndication::v1::GetArticleRequest::kIdFieldNumber << 3) | 2)) {
        plain = input.ReadVarint32(&length) && input.ReadString(&id, static_cast<int>(length)) &&
                IsValidUtf8(id);
      } else if (tag == ((syndication::v1::GetArticleRequest::kVersionFieldNumber << 3) | 0)) {
        plain = input.ReadVarint64(&version);
      } else {
        plain = false;
      }
    }
    if (plain && input.ConsumedEntireMessage()) {
      request->Clear();
      request->set_id(std::move(id));
      request->set_version(static_cast<int64_t>(version));
      return absl::OkStatus();
    }
  }
  return DecodeRequest(buffer, request);
}

absl::Status EncodeResponse(const google::protobuf::Message& message, grpc::ByteBuffer* buffer) {
  std::string bytes;
  if (!message.SerializeToString(&bytes)) {
    return absl::InternalError("response: could not be serialized");
  }
  grpc::Slice slice(std::move(bytes));
  *buffer = grpc::ByteBuffer(&slice, 1);
  return absl::OkStatus();
}

namespace {

// A slice that owns `bytes` and frees it when gRPC is done with it.
grpc::Slice OwningSlice(std::string bytes) {
  auto* owned = new std::string(std::move(bytes));
  return grpc::Slice(
      owned->data(), owned->size(), [](void* string) { delete static_cast<std::string*>(string); },
      owned);
}

}  // namespace

void EncodeResponseBytes(std::string bytes, std::string more, grpc::ByteBuffer* buffer) {
  if (more.empty()) {
    grpc::Slice slice = OwningSlice(std::move(bytes));
    *buffer = grpc::ByteBuffer(&slice, 1);
    return;
  }
  grpc::Slice slices[] = {OwningSlice(std::move(bytes)), OwningSlice(std::move(more))};
  *buffer = grpc::ByteBuffer(slices, 2);
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const auto code = static_cast<grpc::StatusCode>(status.code());
  std::string message(status.message());
  google::rpc::Status details;
  status.ForEachPayload([&details](absl::string_view type_url, const absl::Cord& payload) {
    google::protobuf::Any* any = details.add_details();
    any->set_type_url(std::string(type_url));
    any->set_value(std::string(payload));
  });
  if (details.details().empty()) return grpc::Status(code, message);
  details.set_code(static_cast<int32_t>(code));
  details.set_message(message);
  // Sent in the grpc-status-details-bin trailer, where SetErrorDetails puts it too.
  return grpc::Status(code, message, details.SerializeAsString());
}

}  // namespace syndicate::server
