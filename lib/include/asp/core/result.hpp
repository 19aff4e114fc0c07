// Result<T>: the value of an operation that can fail in an expected way (a 404, a broken
// PDF, a malformed id). Expected failures are values: an Error carries a code, for callers
// (and tests) to branch on, and a human-readable reason, for people; nobody matches the
// reason's text. Exceptions are kept for the unexpected (bugs, out of memory, a disk that
// vanished). Like leveldb's Status, the codes are few and coarse.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace asp {

enum class ErrorCode {
    unknown,           // not classified: only the message says what happened
    not_found,         // no such file, object, key or record
    corruption,        // the data is there but malformed (bad XML, a torn or foreign file)
    io_error,          // reading or writing failed: the disk, or the network on the way
    invalid_argument,  // the caller's input is not acceptable (a bad id, name, option)
    busy,              // someone else holds it, or a limit is reached: try again later
    unavailable,       // the remote side refused or failed (HTTP 5xx, throttling, denial)
};

// "not_found", ...
std::string_view to_string(ErrorCode code);

struct Error {
    explicit Error(std::string message_, ErrorCode code_ = ErrorCode::unknown)
        : message(std::move(message_)), code(code_) {}
    std::string message;
    ErrorCode code;
};

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
    Result(Error error) : v_(std::move(error)) {}     // NOLINT: implicit by design

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const Error& error() const { return std::get<1>(v_); }

private:
    std::variant<T, Error> v_;
};

// Status: a Result without a value.
struct Ok {};
using Status = Result<Ok>;

inline Error fail(std::string message) { return Error{std::move(message)}; }
inline Error fail(ErrorCode code, std::string message) { return Error{std::move(message), code}; }

}  // namespace asp
