// The gRPC edge's codec: request bytes → message with every string checked for UTF-8,
// message → response bytes, and absl::Status → grpc::Status.
//
// The unary methods are registered as raw (ByteBuffer) methods so that this code, not
// the gRPC library, parses requests: proto3 rejects a string field holding invalid UTF-8
// while parsing, and gRPC would answer INTERNAL before any handler runs. Here the same
// input gets INVALID_ARGUMENT naming the field.
#ifndef SYNDICATE_SERVER_WIRE_H_
#define SYNDICATE_SERVER_WIRE_H_

#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/status.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "syndication/v1/syndication_service.pb.h"

namespace syndicate::server {

// Checks every string field of the message `descriptor` describes, nested messages
// included, in the serialized `bytes`. Returns INVALID_ARGUMENT
// "<path>: is not valid UTF-8" for the first bad one, where path is the field's path in
// the request, e.g. "article.authors[1].name"; INVALID_ARGUMENT when `bytes` is not a
// well-formed message. OK otherwise.
absl::Status CheckUtf8(const google::protobuf::Descriptor& descriptor, absl::string_view bytes);

// Parses `buffer` into `message` after CheckUtf8, then drops fields unknown to this
// server's schema (they are neither checked nor stored). INVALID_ARGUMENT as CheckUtf8.
absl::Status DecodeRequest(const grpc::ByteBuffer& buffer, google::protobuf::Message* message);

// As DecodeRequest for a GetArticleRequest, without the generic walk for its two fields:
// a request holding only `id` (valid UTF-8) and `version`, each with its own wire type, is
// read directly; any other (unknown fields, bad UTF-8, malformed bytes) goes through
// DecodeRequest, so the result and the errors are DecodeRequest's.
absl::Status DecodeGetArticleRequest(const grpc::ByteBuffer& buffer,
                                     syndication::v1::GetArticleRequest* request);

// Serializes `message` into `buffer`. INTERNAL when the message cannot be serialized.
absl::Status EncodeResponse(const google::protobuf::Message& message, grpc::ByteBuffer* buffer);

// Puts `bytes` followed by `more` (may be empty) into `buffer` as the response, without
// copying them: for a serialized message followed by more of its fields (ServedArticle).
void EncodeResponseBytes(std::string bytes, std::string more, grpc::ByteBuffer* buffer);

// The one mapping from absl::Status to grpc::Status: same code (the two enums share their
// numbers), same message, and the status's payloads (e.g. google.rpc.ErrorInfo) as the
// details of a google.rpc.Status in the grpc-status-details-bin trailer.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace syndicate::server

#endif  // SYNDICATE_SERVER_WIRE_H_
