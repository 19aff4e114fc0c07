// Accounts' security pieces, kept apart from HTTP so each is unit-tested alone:
// - PasswordHasher: argon2id (libsodium crypto_pwhash_str, "interactive" limits: ~64 MiB and
//   ~100 ms each), with a bound on how many run at once so a burst of logins cannot exhaust
//   the memory of a small instance; over the bound, callers wait briefly, then get "busy".
// - SessionCodec: the session cookie, "<user id>.<session rev>.<expiry>.<HMAC-SHA256>", signed
//   with a secret every instance shares, so no instance keeps sessions in memory. A cookie is
//   honoured only while the user's session_rev in the store still matches (logout, password
//   change and account deletion bump or remove it) and before its expiry.
// - CSRF tokens: random values signed with the same secret (a double-submit cookie that a
//   sibling site cannot forge), compared in constant time with the header or form field. After
//   log-in the signature also covers the session (its cookie's HMAC), so a token obtained or
//   planted before log-in, or taken from another session, is not accepted.
// - LoginRateLimiter: a token bucket per client address for login and sign-up attempts.
// - AccountLoginLimiter: per account name, from any address: a few free attempts, then each
//   further one waits twice as long as the last; known and unknown names alike.
// - password_problem: the password rules (length, no NUL, not only whitespace, not one of
//   the most common passwords in zxcvbn-c's dictionaries, Debian libzxcvbn).
//
// Thread-safety: one object of each class serves all the server's threads: PasswordHasher
// bounds its concurrency with a semaphore, the limiters lock a mutex, SessionCodec is
// immutable after construction.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <semaphore>
#include <string>
#include <string_view>
#include <unordered_map>

#include <asp/core/clock.hpp>

namespace asp::serve {

enum class HashOutcome { Ok, Busy };

class PasswordHasher {
public:
    explicit PasswordHasher(int max_concurrent = 2,
                            std::chrono::milliseconds max_wait = std::chrono::milliseconds(2000));
    // The argon2id string, or nullopt when too many hashes run (Busy).
    std::optional<std::string> hash(std::string_view password);
    // Ok+true / Ok+false, or Busy. An empty or malformed stored hash never verifies.
    std::pair<HashOutcome, bool> verify(std::string_view stored_hash, std::string_view password);

private:
    std::counting_semaphore<64> slots_;
    std::chrono::milliseconds max_wait_;
};

struct SessionClaims {
    int64_t user_id = 0;
    int64_t session_rev = 0;
    int64_t expires_at = 0;  // unix seconds
};

class SessionCodec {
public:
    // `secret`: at least 32 bytes.
    explicit SessionCodec(std::string secret);
    std::string encode(const SessionClaims& claims) const;
    // nullopt when malformed, tampered with or expired at `now` (unix seconds).
    std::optional<SessionClaims> decode(std::string_view cookie, int64_t now) const;

    // Hex HMAC-SHA256 of `message` under the shared secret (links that must be unforgeable,
    // e.g. e-mail verification), and its constant-time check.
    std::string sign(std::string_view message) const { return mac(message); }
    bool signed_by_us(std::string_view message, std::string_view signature) const;

    // `binding`: what the token is bound to: "" before log-in, session_binding(cookie) after.
    std::string new_csrf_token(std::string_view binding = "") const;
    bool valid_csrf_token(std::string_view token, std::string_view binding = "") const;
    // The part of a session cookie that identifies that session (its HMAC).
    static std::string_view session_binding(std::string_view session_cookie);

private:
    std::string mac(std::string_view message) const;  // hex HMAC-SHA256
    std::string secret_;
};

// Constant-time equality (for tokens).
bool constant_time_equal(std::string_view a, std::string_view b);

class LoginRateLimiter {
public:
    // `burst` attempts at once, then one more every `refill`, as `clock` tells (it must
    // outlive the limiter).
    LoginRateLimiter(double burst = 10, std::chrono::seconds refill = std::chrono::seconds(6),
                     Clock& clock = system_clock());
    // True when `client` may try now (and counts the attempt).
    bool allow(const std::string& client);
    // Seconds until `client` may try again.
    int retry_after(const std::string& client);

private:
    struct Bucket {
        double tokens;
        Clock::time_point last;
    };
    void refill(Bucket& b, Clock::time_point now) const;
    double burst_;
    std::chrono::seconds refill_;
    Clock& clock_;
    std::mutex mu_;
    std::unordered_map<std::string, Bucket> buckets_;
};

// Log-in attempts per account name (case-folded; the name need not exist, so the answer
// never tells whether it does), counted from every client address together: `free_attempts`
// attempts, then each attempt must wait `first_delay`, twice that, four times... (at most
// `max_delay`) after the previous one. An attempt is counted as failed when it starts (parallel guesses cannot slip
// through) and a success forgets the name. The state is in this process's memory: several
// serve instances each keep their own (N instances allow N times the attempts).
class AccountLoginLimiter {
public:
    // `clock` (the time of attempts) must outlive the limiter.
    AccountLoginLimiter(unsigned free_attempts = 5,
                        std::chrono::seconds first_delay = std::chrono::seconds(30),
                        std::chrono::seconds max_delay = std::chrono::seconds(900),
                        Clock& clock = system_clock());
    // 0 when an attempt may start now (it is counted), else the seconds to wait.
    int begin(std::string_view account);
    void succeeded(std::string_view account);

private:
    struct Entry {
        unsigned attempts = 0;
        Clock::time_point next_allowed{};
    };
    static std::string key(std::string_view account);
    unsigned free_attempts_;
    std::chrono::seconds first_delay_;
    std::chrono::seconds max_delay_;
    Clock& clock_;
    std::mutex mu_;
    std::unordered_map<std::string, Entry> entries_;
};

// Why a new password is refused (a sentence for the user), or nullopt: shorter than 8 or
// longer than 1024 bytes, containing NUL, only whitespace, or among the most common passwords
// (the whole password is one entry of zxcvbn-c's dictionaries, up to case and l33t
// substitutions, of rank under ~16,000, or zxcvbn estimates it under 10 bits: "12345678",
// "password1", "aaaaaaaa").
std::optional<std::string> password_problem(std::string_view password);

// The session secret: the contents of `secret_file` when given, else $ASP_SESSION_SECRET,
// else nullopt. Throws std::runtime_error when the file cannot be read or is shorter than
// 32 bytes.
std::optional<std::string> load_session_secret(const std::string& secret_file);
// 32 random bytes (hex), for a single instance without a configured secret.
std::string random_secret();

}  // namespace asp::serve
