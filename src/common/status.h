// Status and Result: errors cross module boundaries as values (STYLE.md habit 3).
// A Status carries a code that says what the caller may do (retry on Unavailable,
// fix the request on InvalidArgument/NotFound/Conflict) and a message for humans.
// The central and cloud APIs map codes to Neutron-shaped HTTP errors in one place
// (api_error.h).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace isthmus {

enum class Code {
  kOk = 0,
  kInvalidArgument,  // bad input: never retry, answer 400
  kNotFound,         // unknown resource: 404
  kConflict,         // in use, overlap, duplicate, exhausted: 409
  kUnauthorized,     // 401
  kForbidden,        // 403
  kUnavailable,      // peer or OS resource not reachable now: retry later
  kInternal,         // a bug or a broken invariant
};

const char* CodeName(Code code);

class Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) { return Status(Code::kInvalidArgument, std::move(m)); }
inline Status NotFound(std::string m) { return Status(Code::kNotFound, std::move(m)); }
inline Status Conflict(std::string m) { return Status(Code::kConflict, std::move(m)); }
inline Status Unavailable(std::string m) { return Status(Code::kUnavailable, std::move(m)); }
inline Status Internal(std::string m) { return Status(Code::kInternal, std::move(m)); }

// Result<T>: a value or a non-ok Status.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}            // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}     // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(v_);
  }
  T& value() { return std::get<T>(v_); }
  const T& value() const { return std::get<T>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace isthmus

#define ISTHMUS_RETURN_IF_ERROR(expr)        \
  do {                                       \
    ::isthmus::Status _st = (expr);          \
    if (!_st.ok()) return _st;               \
  } while (0)

// auto lhs = the value of expr (a Result<T>), or return its error.
#define ISTHMUS_ASSIGN_OR_RETURN(lhs, expr)               \
  auto lhs##_result = (expr);                             \
  if (!lhs##_result.ok()) return lhs##_result.status();   \
  auto lhs = std::move(*lhs##_result)
