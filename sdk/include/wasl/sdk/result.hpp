// Result<T>: a value or an Error. Used at every boundary of Wasl, the plugin SDK
// included; no exception crosses a plugin boundary.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace wasl::sdk {

// What went wrong, in terms a caller can act on. The names (see to_string)
// are also the wire form of a code across the plugin ABI.
enum class ErrorCode {
  kInvalidArgument,     // the request is malformed; retrying it unchanged fails again
  kNotFound,            // the thing named does not exist (or is not visible to the caller)
  kAlreadyExists,       // a unique constraint or a create that already happened
  kConflict,            // concurrent change or serialization failure; retry the whole unit
  kPermissionDenied,    // authenticated but not allowed
  kUnauthenticated,     // no or bad credentials / signature
  kFailedPrecondition,  // the system is not in a state that allows this
  kResourceExhausted,   // rate or size limit; see Error::retry_after
  kUnavailable,         // transient outage: network, peer 5xx, lost connection
  kDeadlineExceeded,    // timed out
  kCancelled,           // the caller gave up
  kUnimplemented,       // not supported by this implementation
  kInternal,            // a bug or an unexpected state
};

constexpr std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid_argument";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kAlreadyExists: return "already_exists";
    case ErrorCode::kConflict: return "conflict";
    case ErrorCode::kPermissionDenied: return "permission_denied";
    case ErrorCode::kUnauthenticated: return "unauthenticated";
    case ErrorCode::kFailedPrecondition: return "failed_precondition";
    case ErrorCode::kResourceExhausted: return "resource_exhausted";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kDeadlineExceeded: return "deadline_exceeded";
    case ErrorCode::kCancelled: return "cancelled";
    case ErrorCode::kUnimplemented: return "unimplemented";
    case ErrorCode::kInternal: return "internal";
  }
  return "internal";
}

// Parses the wire name of a code; an unknown name is kInternal.
inline ErrorCode error_code_from_string(std::string_view name) {
  for (int i = 0; i <= static_cast<int>(ErrorCode::kInternal); ++i) {
    auto code = static_cast<ErrorCode>(i);
    if (to_string(code) == name) return code;
  }
  return ErrorCode::kInternal;
}

// Whether a failure of this kind is worth retrying by default.
constexpr bool retryable_by_default(ErrorCode code) {
  return code == ErrorCode::kConflict || code == ErrorCode::kUnavailable ||
         code == ErrorCode::kDeadlineExceeded || code == ErrorCode::kResourceExhausted;
}

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;  // one sentence for an operator; never PHI, never a secret
  bool retryable = false;
  // When set, the earliest moment a retry may succeed (e.g. from Retry-After).
  std::optional<std::chrono::milliseconds> retry_after;
  // Not a failure but "not yet": the call must be made again after
  // retry_after (which a deferral always sets). The hub's workflow engine
  // does not count a deferred attempt against the step's retry policy.
  bool deferred = false;

  Error() = default;
  Error(ErrorCode c, std::string msg)
      : code(c), message(std::move(msg)), retryable(retryable_by_default(c)) {}
  Error(ErrorCode c, std::string msg, bool retry,
        std::optional<std::chrono::milliseconds> after = std::nullopt)
      : code(c), message(std::move(msg)), retryable(retry), retry_after(after) {}
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

  template <typename U>
  T value_or(U&& fallback) const& {
    return ok() ? value() : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}  // NOLINT

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const& { return *error_; }
  Error&& error() && { return std::move(*error_); }

 private:
  std::optional<Error> error_;
};

using Status = Result<void>;

inline Status ok_status() { return {}; }

}  // namespace wasl::sdk

// Evaluates `expr` (a Result); on error returns the error from the enclosing
// function, otherwise binds the value to `lhs`.
#define WASL_CONCAT_INNER_(a, b) a##b
#define WASL_CONCAT_(a, b) WASL_CONCAT_INNER_(a, b)
#define WASL_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.ok()) return std::move(tmp).error();     \
  lhs = std::move(tmp).value()
#define WASL_ASSIGN_OR_RETURN(lhs, expr) \
  WASL_ASSIGN_OR_RETURN_IMPL_(WASL_CONCAT_(wasl_result_, __LINE__), lhs, expr)

// Evaluates `expr` (a Result or Status) and returns its error if it failed.
#define WASL_RETURN_IF_ERROR(expr)                                  \
  do {                                                              \
    auto wasl_status_ = (expr);                                     \
    if (!wasl_status_.ok()) return std::move(wasl_status_).error(); \
  } while (false)
