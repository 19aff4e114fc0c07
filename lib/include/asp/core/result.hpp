// Result<T>: the value of an operation that can fail in an expected way (a 404, a broken
// PDF, a malformed id). Expected failures are values carrying a human-readable reason;
// exceptions are kept for the unexpected (bugs, out of memory, a disk that vanished).
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace asp {

struct Error {
    std::string message;
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

}  // namespace asp
