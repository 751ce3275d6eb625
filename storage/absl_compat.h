// Debian's abseil is built with ABSL_OPTION_USE_STD_STRING_VIEW 0, so absl::string_view is
// its own type and absl::StrCat / CHexEscape do not take a std::string_view. The store's
// interface uses std::string_view; this converts at the call. Internal to storage/.
#ifndef SYNDICATE_STORAGE_ABSL_COMPAT_H_
#define SYNDICATE_STORAGE_ABSL_COMPAT_H_

#include <string_view>

#include "absl/strings/string_view.h"

namespace syndicate::storage {

inline absl::string_view AbslView(std::string_view text) { return {text.data(), text.size()}; }

}  // namespace syndicate::storage

#endif  // SYNDICATE_STORAGE_ABSL_COMPAT_H_
