#include "server/signing_key_file.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace syndicate::server {
namespace {

absl::Status Unavailable(const std::string& path, absl::string_view what) {
  return absl::UnavailableError(
      absl::StrCat("signing key file \"", path, "\": ", what, ": ", std::strerror(errno)));
}

absl::Status Create(const std::string& path) {
  if (sodium_init() < 0) return absl::InternalError("libsodium failed to initialize");
  std::string seed(kEd25519SeedBytes, '\0');
  randombytes_buf(seed.data(), seed.size());
  const std::string content = absl::StrCat(absl::Base64Escape(seed), "\n");
  sodium_memzero(seed.data(), seed.size());
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return absl::OkStatus();  // someone else made it; read theirs
    return Unavailable(path, "cannot create");
  }
  const bool written = write(fd, content.data(), content.size()) ==
                           static_cast<ssize_t>(content.size()) &&
                       fsync(fd) == 0;
  close(fd);
  if (!written) return Unavailable(path, "cannot write");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<SigningKey> LoadOrCreateSigningKey(const std::string& path) {
  struct stat info {};
  if (stat(path.c_str(), &info) != 0) {
    if (errno != ENOENT) return Unavailable(path, "cannot read");
    if (absl::Status created = Create(path); !created.ok()) return created;
    if (stat(path.c_str(), &info) != 0) return Unavailable(path, "cannot read");
  }
  if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("signing key file \"", path,
                     "\": group or others may read it; chmod 600 it (it is a private key)"));
  }
  std::ifstream in(path);
  if (!in) return Unavailable(path, "cannot read");
  std::stringstream content;
  content << in.rdbuf();
  std::string seed;
  if (!absl::Base64Unescape(absl::StripAsciiWhitespace(content.str()), &seed) ||
      seed.size() != kEd25519SeedBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "signing key file \"", path, "\": does not hold a base64 32-byte Ed25519 seed"));
  }
  absl::StatusOr<SigningKey> key = SigningKey::FromSeed(seed);
  sodium_memzero(seed.data(), seed.size());
  return key;
}

}  // namespace syndicate::server
