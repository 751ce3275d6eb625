#include "server/page_token.h"

#include <sodium.h>

#include <algorithm>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace syndicate::server {
namespace {

static_assert(kPageTokenKeyBytes == crypto_auth_KEYBYTES);

absl::Status BadToken(absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat("page_token: ", problem));
}

std::string DeterministicBytes(const google::protobuf::Message& message) {
  std::string bytes;
  google::protobuf::io::StringOutputStream stream(&bytes);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  message.SerializeToCodedStream(&coded);
  coded.Trim();
  return bytes;
}

}  // namespace

PageTokenCodec::PageTokenCodec(std::string key) : key_(std::move(key)) {}

std::string PageTokenCodec::Encode(const PageToken& token) const {
  std::string bytes = DeterministicBytes(token);
  unsigned char tag[crypto_auth_BYTES];
  crypto_auth(tag, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
              reinterpret_cast<const unsigned char*>(key_.data()));
  bytes.append(reinterpret_cast<const char*>(tag), sizeof(tag));
  return absl::WebSafeBase64Escape(bytes);
}

absl::StatusOr<PageToken> PageTokenCodec::Decode(absl::string_view token, absl::string_view method,
                                                 absl::string_view filter_fingerprint) const {
  std::string bytes;
  if (!absl::WebSafeBase64Unescape(token, &bytes)) return BadToken("is not a page token");
  if (bytes.size() < crypto_auth_BYTES) return BadToken("is not a page token");
  const size_t payload_size = bytes.size() - crypto_auth_BYTES;
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  if (crypto_auth_verify(data + payload_size, data, payload_size,
                         reinterpret_cast<const unsigned char*>(key_.data())) != 0) {
    return BadToken("was altered or was not issued by this server");
  }
  PageToken record;
  if (!record.ParseFromArray(data, static_cast<int>(payload_size))) {
    return BadToken("is not a page token");
  }
  if (record.method() != method) {
    return BadToken(absl::StrCat("was issued by ", record.method(), ", not ", method));
  }
  if (record.filter_fingerprint() != filter_fingerprint) {
    return BadToken(
        "was issued for a different filter; keep every field but page_size and "
        "page_token the same between pages");
  }
  return record;
}

std::string FilterFingerprint(const google::protobuf::Message& filter) {
  const std::string bytes = DeterministicBytes(filter);
  std::string digest(crypto_hash_sha256_BYTES, '\0');
  crypto_hash_sha256(reinterpret_cast<unsigned char*>(digest.data()),
                     reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  return digest;
}

absl::StatusOr<int> EffectivePageSize(int32_t page_size) {
  if (page_size < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_size: ", page_size, " is negative; use 0 for the default"));
  }
  if (page_size == 0) return kDefaultPageSize;
  return std::min<int>(page_size, kMaxPageSize);
}

}  // namespace syndicate::server
