#include "server/secret_file.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace syndicate::server {
namespace {

absl::Status Unavailable(absl::string_view what, const std::string& path,
                         absl::string_view action) {
  return absl::UnavailableError(
      absl::StrCat(what, " \"", path, "\": ", action, ": ", std::strerror(errno)));
}

// OK when the file was created or appeared meanwhile (`created` says which).
absl::Status Create(const std::string& path, absl::string_view what,
                    const std::function<std::string()>& make_content, bool* created) {
  std::string content = make_content() + "\n";
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    sodium_memzero(content.data(), content.size());
    if (errno == EEXIST) return absl::OkStatus();  // someone else made it; read theirs
    return Unavailable(what, path, "cannot create");
  }
  const bool written =
      write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()) &&
      fsync(fd) == 0;
  close(fd);
  sodium_memzero(content.data(), content.size());
  if (!written) return Unavailable(what, path, "cannot write");
  *created = true;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<SecretFileContent> ReadOrCreateSecretFile(
    const std::string& path, absl::string_view what,
    const std::function<std::string()>& make_content) {
  SecretFileContent result;
  struct stat info {};
  if (stat(path.c_str(), &info) != 0) {
    if (errno != ENOENT) return Unavailable(what, path, "cannot read");
    if (absl::Status created = Create(path, what, make_content, &result.created); !created.ok()) {
      return created;
    }
    if (stat(path.c_str(), &info) != 0) return Unavailable(what, path, "cannot read");
  }
  if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        what, " \"", path, "\": group or others may read it; chmod 600 it (it holds a secret)"));
  }
  std::ifstream in(path);
  if (!in) return Unavailable(what, path, "cannot read");
  std::stringstream content;
  content << in.rdbuf();
  result.text = std::string(absl::StripAsciiWhitespace(content.str()));
  return result;
}

}  // namespace syndicate::server
