#include "common/article_signing.h"

#include <string>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"
#include "tests/testing/fixtures.h"
#include "tests/testing/status_matchers.h"

namespace syndicate {
namespace {

using ::syndicate::testing::ExampleArticle;
using ::syndicate::testing::IsOk;
using ::syndicate::testing::StatusIs;
using syndication::v1::Article;
using ::testing::HasSubstr;

// RFC 8032 §7.1, TEST 1: the secret key (seed) and the public key it gives.
constexpr char kRfcSeedHex[] = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
constexpr char kRfcPublicKeyHex[] =
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
// ... and the signature of the empty message.
constexpr char kRfcSignatureHex[] =
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b4"
    "6bd25bf5f0595bbe24655141438e7a100b";

SigningKey RfcKey() { return *SigningKey::FromSeed(absl::HexStringToBytes(kRfcSeedHex)); }

// A stored version: server fields set, hashed and signed the way the server does it.
Article SignedExample(const SigningKey& key) {
  Article article = ExampleArticle("ferry-1");
  article.set_id("0123456789abcdef0123456789abcdef");
  article.set_version(3);
  article.set_pubstatus(syndication::v1::PUB_STATUS_USABLE);
  auto* media = article.add_media();
  media->set_uri("https://img.example.org/ferry.jpg");
  media->set_credit("Photo: Tomas Ek");
  article.set_content_hash(ContentHash(article));
  *article.mutable_signature() = key.Sign(SignedBytes(article));
  article.set_etag("3-abc");
  return article;
}

TEST(SigningKey, MatchesTheRfc8032TestVector) {
  const SigningKey key = RfcKey();
  EXPECT_EQ(absl::BytesToHexString(key.public_key()), kRfcPublicKeyHex);
  EXPECT_EQ(absl::BytesToHexString(key.Sign("").value()), kRfcSignatureHex);
  EXPECT_EQ(key.key_id().size(), 16u);
  EXPECT_EQ(key.key_id(), KeyId(key.public_key()));
  EXPECT_THAT(SigningKey::FromSeed("short"), StatusIs(absl::StatusCode::kInvalidArgument,
                                                      "signing key: the seed is 5 bytes, not 32"));
}

TEST(VerifyArticle, AcceptsWhatWasSignedWhateverTheEtag) {
  const SigningKey key = RfcKey();
  Article article = SignedExample(key);
  EXPECT_THAT(VerifyArticle(article, key.public_key()), IsOk());
  article.set_etag("another-etag");  // not covered: it names the version, it is not content
  EXPECT_THAT(VerifyArticle(article, key.public_key()), IsOk());
}

TEST(VerifyArticle, TheDeliveryInfoIsNotSignedContent) {
  const SigningKey key = RfcKey();
  Article article = SignedExample(key);
  const std::string hash = article.content_hash();
  article.mutable_delivery()->set_search_directive(syndication::v1::SEARCH_DIRECTIVE_CANONICAL);
  article.mutable_delivery()->set_canonical_url("https://harbour.example.org/news/ferry");
  EXPECT_THAT(VerifyArticle(article, key.public_key()), IsOk());
  EXPECT_EQ(ContentHash(article), hash);
  Article without = article;
  without.clear_delivery();
  EXPECT_EQ(SignedBytes(article), SignedBytes(without));
  EXPECT_EQ(ContentFingerprint(article), ContentFingerprint(without));
  EXPECT_EQ(PublisherBytes(article), PublisherBytes(without));
}

TEST(VerifyArticle, OneChangedByteFailsIt) {
  const SigningKey key = RfcKey();
  const auto tamper_cases = std::vector<std::pair<std::string, std::function<void(Article*)>>>{
      {"headline", [](Article* a) { (*a->mutable_headline())[0] ^= 1; }},
      {"body", [](Article* a) { a->mutable_body_text()->back() ^= 1; }},
      {"credit line",
       [](Article* a) { (*a->mutable_attribution()->mutable_credit_line())[0] ^= 1; }},
      {"media credit", [](Article* a) { (*a->mutable_media(0)->mutable_credit())[0] ^= 1; }},
      {"version", [](Article* a) { a->set_version(4); }},
  };
  for (const auto& [name, tamper] : tamper_cases) {
    Article article = SignedExample(key);
    tamper(&article);
    EXPECT_THAT(VerifyArticle(article, key.public_key()),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("content_hash")))
        << name;
    // Recomputing the hash does not help: the signature then fails.
    article.set_content_hash(ContentHash(article));
    EXPECT_THAT(VerifyArticle(article, key.public_key()),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         "signature: does not verify: the signed bytes changed"))
        << name;
  }
}

TEST(VerifyArticle, WrongKeyOrMissingSignature) {
  const SigningKey key = RfcKey();
  const SigningKey other = *SigningKey::FromSeed(std::string(32, '\x07'));
  Article article = SignedExample(key);
  EXPECT_THAT(VerifyArticle(article, other.public_key()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("is not the id of this key")));
  article.clear_signature();
  EXPECT_THAT(VerifyArticle(article, key.public_key()),
              StatusIs(absl::StatusCode::kInvalidArgument, "signature: is missing"));
}

TEST(ContentFingerprint, IgnoresServerFieldsAndTheImportHop) {
  Article a = ExampleArticle("ferry-1");
  auto* hop = a.add_provenance();
  hop->set_kind(syndication::v1::ProvenanceHop::KIND_IMPORTED);
  hop->set_file_name("one.txt");
  Article b = a;
  b.set_id("0123456789abcdef0123456789abcdef");
  b.set_version(7);
  b.mutable_provenance(0)->set_file_name("two.txt");
  b.add_corrections()->set_text("A correction.");
  EXPECT_EQ(ContentFingerprint(a), ContentFingerprint(b));
  // ... but the publisher's bytes include the import hop.
  EXPECT_NE(PublisherBytes(a), PublisherBytes(b));
  b.set_headline("Another headline");
  EXPECT_NE(ContentFingerprint(a), ContentFingerprint(b));
}

TEST(ContentHash, HasItsDocumentedShape) {
  const std::string hash = ContentHash(ExampleArticle("ferry-1"));
  EXPECT_EQ(hash.substr(0, 7), "sha256:");
  EXPECT_EQ(hash.size(), 7u + 64u);
}

}  // namespace
}  // namespace syndicate
