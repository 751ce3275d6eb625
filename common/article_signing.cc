#include "common/article_signing.h"

#include <sodium.h>

#include <algorithm>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace syndicate {
namespace {

using syndication::v1::Article;
using syndication::v1::Signature;

std::string Deterministic(const Article& article) {
  std::string bytes;
  google::protobuf::io::StringOutputStream stream(&bytes);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  article.SerializeToCodedStream(&coded);
  coded.Trim();
  return bytes;
}

const unsigned char* Bytes(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::string Sha256(absl::string_view data) {
  std::string digest(crypto_hash_sha256_BYTES, '\0');
  crypto_hash_sha256(reinterpret_cast<unsigned char*>(digest.data()), Bytes(data), data.size());
  return digest;
}

Article PublisherView(const Article& article) {
  Article view = article;
  view.clear_id();
  view.clear_version();
  view.clear_pubstatus();
  view.clear_first_created();
  view.clear_version_created();
  view.clear_corrections();
  view.clear_content_hash();
  view.clear_signature();
  view.clear_etag();
  view.clear_withdrawal_reason();
  view.clear_publisher_signature();
  view.clear_delivery();
  return view;
}

// libsodium must be initialized before its first use; it is safe to call repeatedly.
bool SodiumReady() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

}  // namespace

std::string SignedBytes(const Article& article) {
  Article signed_view = article;
  signed_view.clear_etag();
  signed_view.clear_content_hash();
  signed_view.clear_signature();
  // Per-delivery, not content: the same version is signed once and delivered to many.
  signed_view.clear_delivery();
  return Deterministic(signed_view);
}

std::string PublisherBytes(const Article& article) { return Deterministic(PublisherView(article)); }

std::string ContentFingerprint(const Article& article) {
  Article view = PublisherView(article);
  auto* hops = view.mutable_provenance();
  hops->erase(std::remove_if(hops->begin(), hops->end(),
                             [](const syndication::v1::ProvenanceHop& hop) {
                               return hop.kind() == syndication::v1::ProvenanceHop::KIND_IMPORTED;
                             }),
              hops->end());
  return Deterministic(view);
}

std::string ContentHash(const Article& article) {
  return ContentHashOfSignedBytes(SignedBytes(article));
}

std::string ContentHashOfSignedBytes(absl::string_view signed_bytes) {
  return absl::StrCat("sha256:", absl::BytesToHexString(Sha256(signed_bytes)));
}

std::string KeyId(absl::string_view public_key) {
  return absl::BytesToHexString(Sha256(public_key).substr(0, 8));
}

absl::StatusOr<SigningKey> SigningKey::FromSeed(absl::string_view seed) {
  if (!SodiumReady()) return absl::InternalError("libsodium failed to initialize");
  if (seed.size() != kEd25519SeedBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("signing key: the seed is ", seed.size(), " bytes, not 32"));
  }
  std::string public_key(crypto_sign_PUBLICKEYBYTES, '\0');
  std::string secret_key(crypto_sign_SECRETKEYBYTES, '\0');
  crypto_sign_seed_keypair(reinterpret_cast<unsigned char*>(public_key.data()),
                           reinterpret_cast<unsigned char*>(secret_key.data()), Bytes(seed));
  return SigningKey(std::move(public_key), std::move(secret_key));
}

SigningKey::SigningKey(std::string public_key, std::string secret_key)
    : public_key_(std::move(public_key)),
      secret_key_(std::move(secret_key)),
      key_id_(KeyId(public_key_)) {}

Signature SigningKey::Sign(absl::string_view message) const {
  std::string value(crypto_sign_BYTES, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(value.data()), nullptr, Bytes(message),
                       message.size(), Bytes(secret_key_));
  Signature signature;
  signature.set_key_id(key_id_);
  signature.set_value(std::move(value));
  return signature;
}

absl::Status VerifySignature(absl::string_view message, const Signature& signature,
                             absl::string_view public_key) {
  if (!SodiumReady()) return absl::InternalError("libsodium failed to initialize");
  if (public_key.size() != kEd25519PublicKeyBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("public key: is ", public_key.size(), " bytes, not 32"));
  }
  if (signature.key_id() != KeyId(public_key)) {
    return absl::InvalidArgumentError(absl::StrCat("signature.key_id: \"", signature.key_id(),
                                                   "\" is not the id of this key (",
                                                   KeyId(public_key), ")"));
  }
  if (signature.value().size() != kEd25519SignatureBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("signature.value: is ", signature.value().size(), " bytes, not 64"));
  }
  if (crypto_sign_verify_detached(Bytes(signature.value()), Bytes(message), message.size(),
                                  Bytes(public_key)) != 0) {
    return absl::InvalidArgumentError("signature: does not verify: the signed bytes changed");
  }
  return absl::OkStatus();
}

absl::Status VerifyArticle(const Article& article, absl::string_view public_key) {
  if (!article.has_signature()) return absl::InvalidArgumentError("signature: is missing");
  const std::string signed_bytes = SignedBytes(article);
  if (ContentHashOfSignedBytes(signed_bytes) != article.content_hash()) {
    return absl::InvalidArgumentError(
        "content_hash: does not match the article: its content changed after signing");
  }
  return VerifySignature(signed_bytes, article.signature(), public_key);
}

}  // namespace syndicate
