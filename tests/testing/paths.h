// Where tests find the project's files and the team's real sample pages.
#ifndef SYNDICATE_TESTS_TESTING_PATHS_H_
#define SYNDICATE_TESTS_TESTING_PATHS_H_

#include <cstdlib>
#include <string>

namespace syndicate::testing {

// The checkout's root: $SYNDICATE_SOURCE_DIR (set for every test by tests/CMakeLists.txt),
// else ".".
inline std::string SourceDir() {
  const char* dir = std::getenv("SYNDICATE_SOURCE_DIR");
  return dir == nullptr ? std::string(".") : std::string(dir);
}

// Where the seed page `name` would be: in $SYNDICATE_SEED_DIR, else in ../shared/seeds
// beside the checkout. The seeds are not part of the repository; tests that read one skip
// when it is absent.
inline std::string SeedPath(const std::string& name) {
  const char* dir = std::getenv("SYNDICATE_SEED_DIR");
  return (dir != nullptr ? std::string(dir) : SourceDir() + "/../shared/seeds") + "/" + name;
}

}  // namespace syndicate::testing

#endif  // SYNDICATE_TESTS_TESTING_PATHS_H_
