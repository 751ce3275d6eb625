// Early-return helpers for absl::Status and absl::StatusOr<T>.
//
// Debian 12's abseil (20220623) ships neither RETURN_IF_ERROR nor ASSIGN_OR_RETURN,
// so the project defines its own two, here and nowhere else.
#ifndef SYNDICATE_COMMON_STATUS_MACROS_H_
#define SYNDICATE_COMMON_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Evaluates `expr` (an absl::Status); returns it from the enclosing function unless OK.
#define SYNDICATE_RETURN_IF_ERROR(expr)                                       \
  do {                                                                        \
    if (::absl::Status syndicate_status_ = (expr); !syndicate_status_.ok()) { \
      return syndicate_status_;                                               \
    }                                                                         \
  } while (false)

#define SYNDICATE_STATUS_CONCAT_INNER_(a, b) a##b
#define SYNDICATE_STATUS_CONCAT_(a, b) SYNDICATE_STATUS_CONCAT_INNER_(a, b)

// Evaluates `expr` (an absl::StatusOr<T>); returns its status from the enclosing function
// unless OK, else move-assigns its value to `lhs`, which may be a declaration
// (`auto x`, `const Foo& y`) or an existing variable.
#define SYNDICATE_ASSIGN_OR_RETURN(lhs, expr)                                                    \
  SYNDICATE_ASSIGN_OR_RETURN_IMPL_(SYNDICATE_STATUS_CONCAT_(syndicate_statusor_, __LINE__), lhs, \
                                   expr)

#define SYNDICATE_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                     \
  if (!statusor.ok()) {                                       \
    return std::move(statusor).status();                      \
  }                                                           \
  lhs = std::move(statusor).value()

#endif  // SYNDICATE_COMMON_STATUS_MACROS_H_
